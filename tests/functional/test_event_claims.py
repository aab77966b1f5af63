"""The events/ files carry the claims API Gateway's JWT authorizer would put into them, so that they run as they are
under `sam local invoke` against the template's default AuthMode=on (AUTH=on in every function)."""
from __future__ import annotations

import json

import pytest

from fhirimaging import runtime
from fhirimaging.service import ImagingStudyService
from fhirimaging.settings import Settings
from local.functions import LambdaContext, load_handler
from tests.events import EVENTS, load_event
from tests.functional.conftest import SECRET, TABLE, TEMPLATE

PUBLIC = {"capabilities", "capabilities-smart-configuration"}  # no authorizer on those routes
API_EVENTS = sorted(p.stem for p in EVENTS.glob("*.json")
                    if "http" in json.loads(p.read_text()).get("requestContext", {}))


@pytest.fixture
def api_with_auth(api):
    """The functional `api`, but with SMART scopes enforced, as deployed."""
    store = runtime.store()
    runtime.override(Settings(table_name=TABLE, cursor_secret=SECRET, auth=True), ImagingStudyService(store, SECRET),
                     store_value=store)
    return api


@pytest.mark.parametrize("name", API_EVENTS)
def test_every_api_event_but_the_public_ones_carries_jwt_claims_with_a_scope(name):
    context = json.loads((EVENTS / f"{name}.json").read_text())["requestContext"]
    if name in PUBLIC:
        assert "authorizer" not in context
    else:
        claims = context["authorizer"]["jwt"]["claims"]
        assert claims["scope"].startswith(("system/", "patient/")) and "ImagingStudy." in claims["scope"]


def test_the_events_in_order_succeed_with_auth_on(api_with_auth):
    api = api_with_auth
    assert api("update").status == 201  # PUT ImagingStudy/example: update-as-create
    assert api("read").status == 200
    assert api("read", "read-patient").status == 200  # example's subject is Patient/example, the token's patient
    assert api("vread").status == 200
    assert api("search").status == 200


def test_the_create_event_succeeds_with_auth_on(api_with_auth):
    assert api_with_auth("create").status == 201  # (its identifier is update.json's: one or the other)


def test_a_patient_token_does_not_see_another_patients_study(api_with_auth):
    api = api_with_auth
    body = json.loads(load_event("update")["body"])
    assert api("update", body={**body, "subject": {"reference": "Patient/someone-else"}}).status == 201
    assert api("read").status == 200
    assert api("read", "read-patient").status == 404  # README, Security: another patient's study is not found


def test_without_the_claims_an_event_is_401_with_auth_on(api_with_auth):
    event = load_event("read")
    del event["requestContext"]["authorizer"]
    fn = TEMPLATE.function("ReadFunction")
    assert load_handler(fn)(event, LambdaContext(fn))["statusCode"] == 401
