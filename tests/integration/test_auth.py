"""SMART scopes end to end: a second local stack with AUTH=on (a subprocess, since a LocalStack owns its
process's environment), tokens from its development issuer.

The scope matrix: every interaction x {no scope, wrong resource, read-only,
write-only, full} x {system, user, patient with own study, patient with another's study}: the status,
and that no data of the other patient ever shows (search entries and totals, history entries).
Done means 4: missing, expired, wrongly signed and wrong-audience tokens get API Gateway's 401; the
token command's token works.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from local.auth import DevIssuer
from tests.integration.conftest import FhirHttp

ROOT = Path(__file__).resolve().parents[2]
FHIR_JSON = {"Content-Type": "application/fhir+json"}
SYSTEM = "urn:test:auth"


@pytest.fixture(scope="module")
def auth_stack(tmp_path_factory):
    key_file = tmp_path_factory.mktemp("auth") / "issuer.json"
    env = {**os.environ, "AUTH": "on", "PORT": "0", "S3_PORT": "0", "DYNAMODB_PORT": "0",
           "AUTH_KEY_FILE": str(key_file), "CHANGE_EVENTS_FILE": str(key_file.with_name("changes.jsonl")),
           "SAM_ENV_FILE": str(key_file.with_name("env.json"))}
    output = key_file.with_name("stdout.txt")  # a file, not a pipe: the handlers' logs would fill a pipe
    with output.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "local.server"], cwd=ROOT, env=env, text=True,
                                   stdout=sink, stderr=subprocess.DEVNULL)
    try:
        base_url = ""
        deadline = time.monotonic() + 60
        while not base_url and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            base_url = next((line.strip() for line in output.read_text().splitlines()
                             if line.startswith("http://")), "")
        assert base_url, f"the AUTH=on stack did not start: {output.read_text()[-2000:]}"
        yield base_url, key_file, DevIssuer.load(key_file)
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def issuer(auth_stack):
    return auth_stack[2]


@pytest.fixture(scope="module")
def client(auth_stack):
    with FhirHttp(auth_stack[0]) as session:
        yield session


def call(client, token, method, url, **kwargs):
    headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    return client.request(method, url, headers=headers, **kwargs)


def study(patient, secret="", identifier=None):
    resource = {"resourceType": "ImagingStudy", "status": "available", "subject": {"reference": f"Patient/{patient}"},
                "description": secret or "a study"}
    if identifier:
        resource["identifier"] = [{"system": SYSTEM, "value": identifier}]
    return resource


class World:
    """Per test: patient `own` with study A, patient `other` with study B (whose description is a secret)."""

    def __init__(self, client, admin):
        self.own, self.other = f"own-{uuid.uuid4().hex[:12]}", f"oth-{uuid.uuid4().hex[:12]}"
        self.secret = f"secret-{uuid.uuid4().hex}"
        self.a_ident, self.b_ident = uuid.uuid4().hex, uuid.uuid4().hex
        self.a = self._create(client, admin, study(self.own, identifier=self.a_ident))
        self.b = self._create(client, admin, study(self.other, self.secret, self.b_ident))

    @staticmethod
    def _create(client, admin, resource):
        r = call(client, admin, "POST", "ImagingStudy", data=json.dumps(resource), headers=FHIR_JSON)
        assert r.status_code == 201, r.text
        return r.json()["id"]


SCOPES = {"none": None, "wrong": "Patient.cruds", "read": "ImagingStudy.rs", "write": "ImagingStudy.cud",
          "full": "ImagingStudy.cruds"}
GRANTED = {"none": "", "wrong": "", "read": "rs", "write": "cud", "full": "cruds"}
CONTEXTS = ("system", "user", "patient-own", "patient-other")

# interaction -> (letters needed, status when allowed)
INTERACTIONS = {
    "read": ("r", 200), "vread": ("r", 200), "history": ("r", 200), "type-history": ("r", 200),
    "search": ("s", 200), "search-post": ("s", 200), "search-compartment": ("s", 200),
    "create": ("c", 201), "conditional-create": ("cs", 200), "update": ("u", 200),
    "conditional-update": ("cus", 200), "patch": ("u", 200), "conditional-patch": ("us", 200),
    "delete": ("d", 204), "conditional-delete": ("ds", 204),
}
SEARCHES = ("search", "search-post", "search-compartment")
# under patient scopes, when the target is the other patient's study
OTHER = {"read": 404, "vread": 404, "history": 404, "type-history": 403, "create": 403,
         "conditional-create": 403, "update": 403, "conditional-update": 403, "patch": 403,
         "conditional-patch": 404, "delete": 403, "conditional-delete": 204,
         **{name: 200 for name in SEARCHES}}


def request(client, token, interaction, world, target):
    """The interaction on study `target` ("a" or "b") and its patient."""
    sid, patient, ident = ((world.a, world.own, world.a_ident) if target == "a"
                           else (world.b, world.other, world.b_ident))
    body = study(patient, world.secret if target == "b" else "", ident)
    patch = {"headers": {"Content-Type": "application/json-patch+json"},
             "data": json.dumps([{"op": "replace", "path": "/status", "value": "cancelled"}])}
    by_ident = {"identifier": f"{SYSTEM}|{ident}"}
    match interaction:
        case "read":
            return call(client, token, "GET", f"ImagingStudy/{sid}")
        case "vread":
            return call(client, token, "GET", f"ImagingStudy/{sid}/_history/1")
        case "history":
            return call(client, token, "GET", f"ImagingStudy/{sid}/_history")
        case "type-history":
            return call(client, token, "GET", "ImagingStudy/_history", params={"_count": "1000"})
        case "search":
            return call(client, token, "GET", "ImagingStudy", params={"patient": f"Patient/{patient}"})
        case "search-post":
            return call(client, token, "POST", "ImagingStudy/_search", data=by_ident,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        case "search-compartment":
            return call(client, token, "GET", f"Patient/{patient}/ImagingStudy")
        case "create":
            return call(client, token, "POST", "ImagingStudy", data=json.dumps(study(patient)), headers=FHIR_JSON)
        case "conditional-create":
            return call(client, token, "POST", "ImagingStudy", data=json.dumps(body),
                        headers={**FHIR_JSON, "If-None-Exist": f"identifier={SYSTEM}|{ident}"})
        case "update":
            return call(client, token, "PUT", f"ImagingStudy/{sid}", data=json.dumps({**body, "id": sid}),
                        headers=FHIR_JSON)
        case "conditional-update":
            return call(client, token, "PUT", "ImagingStudy", params=by_ident, data=json.dumps(body),
                        headers=FHIR_JSON)
        case "patch":
            return call(client, token, "PATCH", f"ImagingStudy/{sid}", **patch)
        case "conditional-patch":
            return call(client, token, "PATCH", "ImagingStudy", params=by_ident, **patch)
        case "delete":
            return call(client, token, "DELETE", f"ImagingStudy/{sid}")
        case "conditional-delete":
            return call(client, token, "DELETE", "ImagingStudy", params=by_ident)
    raise AssertionError(interaction)


@pytest.fixture(scope="module")
def admin(issuer):
    return issuer.mint("system/ImagingStudy.cruds")


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("interaction", INTERACTIONS)
def test_scope_matrix(client, issuer, admin, interaction, scope, context):
    world = World(client, admin)
    level = context.split("-")[0]
    patient_level = level == "patient"
    token = issuer.mint(f"openid {level}/{SCOPES[scope]}" if SCOPES[scope] else "openid launch",
                        patient=world.own if patient_level else None)
    needed, success = INTERACTIONS[interaction]
    allowed = set(needed) <= set(GRANTED[scope])
    target = "b" if context == "patient-other" else "a"

    response = request(client, token, interaction, world, target)

    if not allowed or (patient_level and interaction == "type-history"):
        expected = 403
    elif context == "patient-other":
        expected = OTHER[interaction]
    else:
        expected = success
    assert response.status_code == expected, (response.status_code, response.text)
    if response.status_code >= 400:
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        if response.status_code == 403:
            assert outcome["issue"][0]["code"] == "forbidden"

    if patient_level:
        # Nothing of the other patient's shows: not their study's content, not in any entry or total.
        assert world.secret not in response.text
        if interaction in SEARCHES and response.status_code == 200:
            bundle = response.json()
            subjects = [e["resource"]["subject"]["reference"] for e in bundle.get("entry", [])
                        if e.get("search", {}).get("mode") == "match"]
            assert set(subjects) <= {f"Patient/{world.own}"}
            assert bundle["total"] == (1 if context == "patient-own" else 0)
        if context == "patient-other":
            # and nothing of theirs changed
            b = call(client, admin, "GET", f"ImagingStudy/{world.b}")
            assert b.status_code == 200 and b.json()["meta"]["versionId"] == "1"
            assert b.json()["status"] == "available"


# Another patient's deleted study: the same answer as for an id that never existed (never 410).
HIDDEN = {
    "read": ("GET", "ImagingStudy/{id}", {}),
    "read-if-none-match": ("GET", "ImagingStudy/{id}", {"headers": {"If-None-Match": 'W/"1"'}}),
    "vread-of-content": ("GET", "ImagingStudy/{id}/_history/1", {}),
    "vread-of-the-deletion": ("GET", "ImagingStudy/{id}/_history/2", {}),
    "vread-of-no-version-id": ("GET", "ImagingStudy/{id}/_history/x", {}),
    "history": ("GET", "ImagingStudy/{id}/_history", {}),
    "history-page-of-the-deletion": ("GET", "ImagingStudy/{id}/_history", {"params": {"_count": "1"}}),
    "history-since-the-deletion": ("GET", "ImagingStudy/{id}/_history", {"params": {"_since": "2100-01-01"}}),
    "patch": ("PATCH", "ImagingStudy/{id}", {"headers": {"Content-Type": "application/json-patch+json"},
                                             "data": '[{"op": "replace", "path": "/status", "value": "cancelled"}]'}),
    "delete": ("DELETE", "ImagingStudy/{id}", {}),
    "conditional-patch": ("PATCH", "ImagingStudy", {
        "params": {"identifier": f"{SYSTEM}|{{ident}}"}, "headers": {"Content-Type": "application/json-patch+json"},
        "data": '[{"op": "replace", "path": "/status", "value": "cancelled"}]'}),
    "conditional-delete": ("DELETE", "ImagingStudy", {"params": {"identifier": f"{SYSTEM}|{{ident}}"}}),
    "search-by-id": ("GET", "ImagingStudy", {"params": {"_id": "{id}"}}),
}


def _fill(value, **names):
    if isinstance(value, dict):
        return {k: _fill(v, **names) for k, v in value.items()}
    if isinstance(value, str):
        for name, filled in names.items():
            value = value.replace(f"{{{name}}}", filled)
    return value


def _answer(response, study_id):
    """Status, the headers a client could tell apart, and the body with ids and volatile fields masked."""
    text = response.text.replace(study_id, "<id>")
    body = json.loads(text) if text else None
    if isinstance(body, dict) and body.get("resourceType") == "Bundle":
        body = {k: v for k, v in body.items() if k not in ("id", "meta", "link")}
    headers = {k: response.headers.get(k) for k in ("Content-Type", "ETag", "Last-Modified", "Location")}
    return response.status_code, headers, body


@pytest.mark.parametrize("case", HIDDEN)
def test_another_patients_deleted_study_answers_exactly_as_an_id_that_never_existed(client, issuer, admin, case):
    # GIVEN another patient's study, deleted, and a token for patient `own`
    world = World(client, admin)
    assert call(client, admin, "DELETE", f"ImagingStudy/{world.b}").status_code == 204
    token = issuer.mint("patient/ImagingStudy.cruds", patient=world.own)
    method, path, kwargs = HIDDEN[case]
    ghost, ghost_ident = str(uuid.uuid4()), uuid.uuid4().hex

    # WHEN the patient asks about it, and about an id (and identifier) that never existed
    hidden = call(client, token, method, path.format(id=world.b), **_fill(kwargs, id=world.b, ident=world.b_ident))
    never = call(client, token, method, path.format(id=ghost), **_fill(kwargs, id=ghost, ident=ghost_ident))

    # THEN both answers are the same (404 OperationOutcome for reads, never 410), and nothing changed
    assert _answer(hidden, world.b) == _answer(never, ghost), hidden.text
    assert hidden.status_code != 410 and world.secret not in hidden.text
    history = call(client, admin, "GET", f"ImagingStudy/{world.b}/_history").json()
    assert [e["response"]["status"] for e in history["entry"]] == ["204 No Content", "201 Created"]


def test_an_update_may_not_revive_another_patients_deleted_study(client, issuer, admin):
    world = World(client, admin)
    assert call(client, admin, "DELETE", f"ImagingStudy/{world.b}").status_code == 204
    token = issuer.mint("patient/ImagingStudy.cruds", patient=world.own)
    response = call(client, token, "PUT", f"ImagingStudy/{world.b}", headers=FHIR_JSON,
                    data=json.dumps({**study(world.own), "id": world.b}))
    assert response.status_code == 403 and response.json()["issue"][0]["code"] == "forbidden"
    assert call(client, admin, "GET", f"ImagingStudy/{world.b}").status_code == 410  # still deleted, not revived


def test_the_patients_own_deleted_study_still_answers_410(client, issuer, admin):
    world = World(client, admin)
    assert call(client, admin, "DELETE", f"ImagingStudy/{world.a}").status_code == 204
    token = issuer.mint("patient/ImagingStudy.rs", patient=world.own)
    for path in (f"ImagingStudy/{world.a}", f"ImagingStudy/{world.a}/_history/2"):
        gone = call(client, token, "GET", path)
        assert gone.status_code == 410 and gone.json()["resourceType"] == "OperationOutcome"
    assert call(client, token, "GET", f"ImagingStudy/{world.a}/_history/1").json()["subject"]["reference"] \
        == f"Patient/{world.own}"
    history = call(client, token, "GET", f"ImagingStudy/{world.a}/_history")
    assert history.status_code == 200 and len(history.json()["entry"]) == 2


# Conditional create under a patient scope: identifier-keyed, so race-free through the identifier's guard.

def _with_identifier(client, admin, ident):
    bundle = call(client, admin, "GET", "ImagingStudy", params={"identifier": f"{SYSTEM}|{ident}"}).json()
    return [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def test_16_concurrent_patient_scoped_conditional_creates_make_exactly_one_study(client, issuer, admin):
    # GIVEN 16 clients of one patient, each conditionally creating the same new identifier at the same moment
    patient, ident = f"race-{uuid.uuid4().hex[:12]}", uuid.uuid4().hex
    token = issuer.mint("patient/ImagingStudy.cs", patient=patient)
    headers = {**FHIR_JSON, "Authorization": f"Bearer {token}", "If-None-Exist": f"identifier={SYSTEM}|{ident}"}
    barrier = threading.Barrier(16)

    def post(_: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return session.post(client.url("ImagingStudy"), data=json.dumps(study(patient, identifier=ident)),
                                headers=headers, timeout=60)

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(post, range(16), timeout=120))

    # THEN exactly one study exists: one 201, fifteen 200 answering with that study
    stored = _with_identifier(client, admin, ident)
    assert len(stored) == 1 and stored[0]["subject"]["reference"] == f"Patient/{patient}"
    assert sorted(r.status_code for r in responses) == [200] * 15 + [201], [r.text for r in responses]
    assert {r.json()["id"] for r in responses} == {stored[0]["id"]}
    assert all(r.headers["ETag"] == 'W/"1"' for r in responses)


def test_patient_scoped_conditional_create_on_another_patients_identifier_is_403_and_creates_nothing(
        client, issuer, admin):
    # GIVEN patient `other`'s study B with an identifier; WHEN patient `own` conditionally creates with it
    world = World(client, admin)
    token = issuer.mint("patient/ImagingStudy.cruds", patient=world.own)
    response = call(client, token, "POST", "ImagingStudy", data=json.dumps(study(world.own, identifier=world.b_ident)),
                    headers={**FHIR_JSON, "If-None-Exist": f"identifier={SYSTEM}|{world.b_ident}"})
    # THEN 403: neither B (another patient's) nor a second study with B's identifier
    assert response.status_code == 403 and response.json()["issue"][0]["code"] == "forbidden"
    assert world.secret not in response.text and world.b not in response.text and "ETag" not in response.headers
    assert [s["id"] for s in _with_identifier(client, admin, world.b_ident)] == [world.b]


def test_patient_scoped_conditional_create_on_a_deleted_study_of_another_patient_creates_as_if_it_never_existed(
        client, issuer, admin):
    world = World(client, admin)
    assert call(client, admin, "DELETE", f"ImagingStudy/{world.b}").status_code == 204
    token = issuer.mint("patient/ImagingStudy.cruds", patient=world.own)
    response = call(client, token, "POST", "ImagingStudy", data=json.dumps(study(world.own, identifier=world.b_ident)),
                    headers={**FHIR_JSON, "If-None-Exist": f"identifier={SYSTEM}|{world.b_ident}"})
    assert response.status_code == 201 and response.json()["id"] != world.b
    assert response.json()["meta"]["versionId"] == "1"
    assert [s["id"] for s in _with_identifier(client, admin, world.b_ident)] == [response.json()["id"]]


def test_patient_scoped_conditional_create_on_other_criteria_only_looks_among_the_patients_studies(
        client, issuer, admin):
    World(client, admin)  # other patients' available studies exist
    patient = f"new-{uuid.uuid4().hex[:12]}"
    token = issuer.mint("patient/ImagingStudy.cs", patient=patient)
    condition = {**FHIR_JSON, "If-None-Exist": "status=available"}
    first = call(client, token, "POST", "ImagingStudy", data=json.dumps(study(patient)), headers=condition)
    again = call(client, token, "POST", "ImagingStudy", data=json.dumps(study(patient)), headers=condition)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["subject"]["reference"] == f"Patient/{patient}"


def test_metadata_is_public_and_states_smart(client):
    response = client.get("metadata")
    assert response.status_code == 200
    security = response.json()["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def test_smart_configuration_is_public_and_names_the_issuer(client, issuer):
    # GIVEN a stack with AUTH=on; WHEN a client without a token discovers its SMART configuration
    response = client.get(".well-known/smart-configuration")
    # THEN it is public plain JSON naming the development issuer the stack verifies tokens against
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    document = response.json()
    assert document["issuer"] == issuer.issuer and "resourceType" not in document
    assert "patient/ImagingStudy.rs" in document["scopes_supported"]
    # while other methods are not public, and with a token are 405 like any unserved method
    _unauthorized(client.post(".well-known/smart-configuration"))
    refused = call(client, issuer.mint("system/ImagingStudy.cruds"), "DELETE", ".well-known/smart-configuration")
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET"
    assert refused.json()["resourceType"] == "OperationOutcome"


def _unauthorized(response):
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}  # API Gateway's own answer
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("kind", ["missing", "not-bearer", "garbage", "expired", "not-yet-valid",
                                  "wrongly-signed", "wrong-audience", "wrong-issuer"])
def test_invalid_tokens_get_401(client, issuer, kind):
    scope = "system/ImagingStudy.cruds"
    tokens = {
        "missing": None,
        "garbage": "not.a.jwt",
        "expired": issuer.mint(scope, expires_in=-60),
        "not-yet-valid": issuer.mint(scope, nbf=2_000_000_000, exp=2_000_003_600),
        "wrongly-signed": DevIssuer(issuer.issuer, issuer.audience, _other_key()).mint(scope),
        "wrong-audience": DevIssuer(issuer.issuer, "someone-else", issuer.private_key_pem).mint(scope),
        "wrong-issuer": DevIssuer("https://elsewhere.example", issuer.audience, issuer.private_key_pem).mint(scope),
    }
    if kind == "not-bearer":
        response = client.get("ImagingStudy", headers={"Authorization": f"Basic {issuer.mint(scope)}"})
    else:
        response = call(client, tokens[kind], "GET", "ImagingStudy")
    _unauthorized(response)


_OTHER_KEY: list[str] = []


def _other_key() -> str:
    if not _OTHER_KEY:
        from local.auth import new_private_key_pem

        _OTHER_KEY.append(new_private_key_pem())
    return _OTHER_KEY[0]


def test_the_token_command_token_works(client, auth_stack):
    key_file = auth_stack[1]
    printed = subprocess.run(
        [sys.executable, "-m", "local.token", "--scope", "user/ImagingStudy.rs", "--patient", "123",
         "--expires", "600", "--key-file", str(key_file)],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    response = call(client, printed, "GET", "ImagingStudy", params={"_count": "1"})
    assert response.status_code == 200, response.text
    assert call(client, printed, "POST", "ImagingStudy", data=json.dumps(study("123")),
                headers=FHIR_JSON).status_code == 403
