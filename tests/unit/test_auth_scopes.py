"""SMART scope parsing, the layer's own 401 and the CapabilityStatement's security."""
from __future__ import annotations

import pytest

from fhirimaging.auth import claims, parse_scopes
from fhirimaging.capabilities import capability_statement
from fhirimaging.errors import Unauthorized
from fhirimaging.settings import Settings
from tests.oracle import assert_valid_r5


@pytest.mark.parametrize("scope, unrestricted, patient", [
    ("system/ImagingStudy.rs", "rs", ""),
    ("user/ImagingStudy.cruds", "cruds", ""),
    ("patient/ImagingStudy.read", "", "rs"),
    ("user/ImagingStudy.write", "cud", ""),
    ("system/*.*", "cruds", ""),
    ("*/*.*", "", ""),  # the context is never a wildcard in SMART
    ("system/*.write patient/ImagingStudy.r", "cud", "r"),
    ("user/Patient.cruds openid fhirUser launch", "", ""),
    ("system/ImagingStudy.sr", "", ""),  # v2 letters must keep the c r u d s order
    ("system/ImagingStudy.rr", "", ""),
    ("system/ImagingStudy.rs?category=x", "", ""),  # finer-grained scopes grant nothing here
    ("", "", ""),
])
def test_scopes(scope, unrestricted, patient):
    grants = parse_scopes(scope)
    assert grants.unrestricted == set(unrestricted) and grants.patient == set(patient)


@pytest.mark.parametrize("event", [{}, {"requestContext": {}}, {"requestContext": {"authorizer": {"jwt": {}}}}])
def test_no_claims_is_401_with_a_bearer_challenge(event):
    with pytest.raises(Unauthorized) as raised:
        claims(event)
    assert raised.value.status == 401 and raised.value.code == "login"
    assert raised.value.headers["WWW-Authenticate"].startswith("Bearer")


def test_api_gateway_scopes_list_is_read_when_there_is_no_scope_claim():
    event = {"requestContext": {"authorizer": {"jwt": {"claims": {"sub": "x"}, "scopes": ["system/ImagingStudy.r"]}}}}
    assert claims(event)["scope"] == "system/ImagingStudy.r"


@pytest.mark.parametrize("configured", [True, False])
def test_capability_statement_states_smart_with_the_configured_oauth_uris(configured):
    urls = {"smart_authorize_url": "https://auth.example/authorize", "smart_token_url": "https://auth.example/token"}
    settings = Settings("t", b"s", **(urls if configured else {}))
    statement = capability_statement("https://fhir.example/fhir/R5", settings)
    assert_valid_r5(statement)
    security = statement["rest"][0]["security"]
    assert security["service"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"}
    extensions = security.get("extension", [])
    if configured:
        assert extensions[0]["url"] == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
        assert {e["url"]: e["valueUri"] for e in extensions[0]["extension"]} == {
            "authorize": urls["smart_authorize_url"], "token": urls["smart_token_url"]}
    else:
        assert extensions == []
