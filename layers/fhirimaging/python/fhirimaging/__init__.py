"""Shared layer of the FHIR R5 ImagingStudy API: validation, HTTP semantics, service and store."""
