"""fhir.resources (R5) as an independent oracle: every response body the tests see must validate."""
from __future__ import annotations

import json

from fhir.resources import get_fhir_model_class


def assert_valid_r5(body: str | bytes | dict) -> dict:
    """Parse a response body and validate it with fhir.resources' R5 model of its resourceType."""
    resource = json.loads(body) if isinstance(body, (str, bytes)) else body
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            if "resource" in entry:
                assert_valid_r5(entry["resource"])
    return resource
