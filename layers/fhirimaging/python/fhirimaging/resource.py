"""The one resource type this server holds, and what a FHIR id is (R5 `id`: 1 to 64 of A-Z a-z 0-9 - .)."""
from __future__ import annotations

import re

RESOURCE_TYPE = "ImagingStudy"
# The pattern text, for regexes built from it (references: Type/id/_history/vid); FHIR_ID for a whole id.
FHIR_ID_PATTERN = r"[A-Za-z0-9\-.]{1,64}"
FHIR_ID = re.compile(FHIR_ID_PATTERN)
