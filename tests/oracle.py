"""fhir.resources (R5) as an independent oracle: every response body the tests see must validate.

One body is not FHIR by design: a successful GET of SMART's `.well-known/smart-configuration`, plain JSON
checked against SMART App Launch v2's required fields instead (assert_valid_body tells them apart).
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

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


SMART_CONFIGURATION = "/.well-known/smart-configuration"
SMART_REQUIRED = ("grant_types_supported", "capabilities", "code_challenge_methods_supported")


def is_smart_configuration(url: str, method: str, status: int) -> bool:
    return method == "GET" and status == 200 and urlsplit(url).path.endswith(SMART_CONFIGURATION)


def assert_valid_smart_configuration(body: str | bytes, content_type: str) -> dict:
    assert content_type.startswith("application/json"), content_type
    document = json.loads(body)
    assert "resourceType" not in document and all(isinstance(document[k], list) for k in SMART_REQUIRED)
    assert "S256" in document["code_challenge_methods_supported"]
    return document


def assert_valid_body(url: str, method: str, status: int, content_type: str, body: str | bytes) -> dict:
    """The response body as the oracle for its route sees it: SMART's JSON document, else valid R5."""
    if is_smart_configuration(url, method, status):
        return assert_valid_smart_configuration(body, content_type)
    return assert_valid_r5(body)
