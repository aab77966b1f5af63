"""HTTP semantics: API Gateway events in, FHIR responses out."""
