"""FHIR search for ImagingStudy: the parameter table, query parsing, matching, indexing and planning."""
