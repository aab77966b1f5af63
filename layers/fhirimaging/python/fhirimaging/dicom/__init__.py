"""DICOM ingest: read an object's header from S3, map it to R5 ImagingStudy parts, merge them into a study."""
