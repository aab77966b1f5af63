"""Every interaction over HTTP through the local stack: status, headers, body, stored state."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.oracle import assert_valid_body
from tests.uids import own_uid, own_uid_text

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def checked(response: requests.Response) -> requests.Response:
    """Every body is an R5 resource served as application/fhir+json (SMART's JSON document aside); never a 5xx."""
    assert response.status_code < 500, response.text
    if response.content:
        content_type = response.headers["Content-Type"]
        document = assert_valid_body(response.url, response.request.method, response.status_code, content_type,
                                     response.content)
        if "resourceType" in document:
            assert content_type.startswith("application/fhir+json")
    return response


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_smart_configuration_answers_other_methods_with_405_and_allow_get(http, method):
    response = checked(http.request(method, ".well-known/smart-configuration"))
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
    assert response.json()["issue"][0]["code"] == "not-supported"


def test_smart_configuration_is_served_as_plain_json(http):
    response = checked(http.get(".well-known/smart-configuration"))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert "permission-v2" in response.json()["capabilities"]


def create(http, path: Path = FIXTURES / "imagingstudy-example.json") -> requests.Response:
    """Create the study of a fixture file, under a Study Instance UID of its own."""
    response = checked(http.post("ImagingStudy", data=own_uid_text(path.read_bytes()), headers=FHIR_JSON))
    assert response.status_code == 201, response.text
    return response


def put(http, rid: str, resource: dict, **headers) -> requests.Response:
    return checked(http.put(f"ImagingStudy/{rid}", data=json.dumps(resource), headers={**FHIR_JSON, **headers}))


def test_metadata_answers_with_an_r5_capability_statement(http):
    response = checked(http.get("metadata"))
    assert response.status_code == 200 and response.json()["fhirVersion"] == "5.0.0"
    assert response.json()["implementation"]["url"] == http.base_url


def test_create_then_read_returns_what_was_sent_with_location_etag_and_last_modified(http):
    response = create(http)
    body = response.json()
    assert response.headers["Location"] == f"{http.base_url}/ImagingStudy/{body['id']}/_history/1"
    assert response.headers["ETag"] == 'W/"1"' and response.headers["Last-Modified"].endswith("GMT")
    read = checked(http.get(response.headers["Location"].rsplit("/_history", 1)[0]))
    assert read.status_code == 200 and read.json() == body
    assert read.headers["ETag"] == 'W/"1"' and read.headers["Last-Modified"] == response.headers["Last-Modified"]


@pytest.mark.parametrize("fixture", ["imagingstudy-example.json", "imagingstudy-example-xr.json"])
def test_official_examples_read_back_identical_apart_from_id_and_meta(http, fixture):
    sent = own_uid(json.loads((FIXTURES / fixture).read_text()))
    created = checked(http.post("ImagingStudy", data=json.dumps(sent), headers=FHIR_JSON))
    assert created.status_code == 201, created.text
    stored = checked(http.get(f"ImagingStudy/{created.json()['id']}")).json()
    assert {k: v for k, v in stored.items() if k not in ("id", "meta")} == \
           {k: v for k, v in sent.items() if k not in ("id", "meta")}


def test_read_of_unknown_is_404_and_of_deleted_is_410(http):
    assert checked(http.get("ImagingStudy/nobody-here")).status_code == 404
    rid = create(http).json()["id"]
    assert checked(http.delete(f"ImagingStudy/{rid}")).status_code == 204
    gone = checked(http.get(f"ImagingStudy/{rid}"))
    assert gone.status_code == 410 and gone.json()["issue"][0]["code"] == "deleted"


def test_vread_each_version_and_404_410_for_missing_and_deleted_versions(http):
    created = create(http).json()
    rid = created["id"]
    put(http, rid, {**created, "description": "v2"})
    checked(http.delete(f"ImagingStudy/{rid}"))
    v1 = checked(http.get(f"ImagingStudy/{rid}/_history/1"))
    assert v1.status_code == 200 and v1.json() == created and v1.headers["ETag"] == 'W/"1"'
    assert checked(http.get(f"ImagingStudy/{rid}/_history/2")).json()["description"] == "v2"
    assert checked(http.get(f"ImagingStudy/{rid}/_history/3")).status_code == 410
    assert checked(http.get(f"ImagingStudy/{rid}/_history/9")).status_code == 404


def test_update_writes_version_2_and_a_stale_if_match_gets_412(http):
    created = create(http).json()
    rid = created["id"]
    ok = put(http, rid, {**created, "description": "two"}, **{"If-Match": 'W/"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == 'W/"2"'
    assert ok.headers["Location"] == f"{http.base_url}/ImagingStudy/{rid}/_history/2"
    stale = put(http, rid, {**created, "description": "lost"}, **{"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.json()["resourceType"] == "OperationOutcome"
    assert checked(http.get(f"ImagingStudy/{rid}")).json()["description"] == "two"


def test_update_with_a_client_id_creates_with_201_then_updates_with_200(http):
    body = {**own_uid(json.loads((FIXTURES / "imagingstudy-example.json").read_text())),
            "id": f"client-{time.time_ns()}"}
    first = put(http, body["id"], body)
    assert first.status_code == 201 and first.headers["ETag"] == 'W/"1"'
    assert put(http, body["id"], body).status_code == 200


def test_update_with_missing_or_different_id_is_400(http):
    created = create(http).json()
    rid = created["id"]
    assert put(http, rid, {k: v for k, v in created.items() if k != "id"}).status_code == 400
    assert put(http, rid, {**created, "id": "another"}).status_code == 400
    assert checked(http.get(f"ImagingStudy/{rid}")).headers["ETag"] == 'W/"1"'


def test_put_after_delete_brings_it_back_as_the_next_version(http):
    created = create(http).json()
    rid = created["id"]
    checked(http.delete(f"ImagingStudy/{rid}"))
    back = put(http, rid, created)
    assert back.status_code == 201 and back.headers["ETag"] == 'W/"3"'
    assert checked(http.get(f"ImagingStudy/{rid}")).status_code == 200


def test_writes_honour_prefer_return(http):
    created = create(http).json()
    rid = created["id"]
    minimal = put(http, rid, created, Prefer="return=minimal")
    assert minimal.status_code == 200 and minimal.content == b"" and minimal.headers["ETag"] == 'W/"2"'
    outcome = put(http, rid, created, Prefer="return=OperationOutcome")
    assert outcome.json()["resourceType"] == "OperationOutcome" and outcome.headers["ETag"] == 'W/"3"'
    representation = put(http, rid, created, Prefer="return=representation")
    assert representation.json()["meta"]["versionId"] == "4"


def test_delete_is_idempotent_and_history_keeps_a_deletion_entry(http):
    rid = create(http).json()["id"]
    assert checked(http.delete(f"ImagingStudy/{rid}")).status_code == 204
    assert checked(http.delete(f"ImagingStudy/{rid}")).status_code == 204
    history = checked(http.get(f"ImagingStudy/{rid}/_history")).json()
    assert [e["request"]["method"] for e in history["entry"]] == ["DELETE", "POST"]
    assert "resource" not in history["entry"][0]


def test_history_pages_newest_first_following_next_links(http):
    created = create(http).json()
    rid = created["id"]
    for n in range(2, 6):
        put(http, rid, {**created, "description": f"v{n}"})
    url, versions = f"ImagingStudy/{rid}/_history?_count=2", []
    while url:
        bundle = checked(http.get(url)).json()
        assert bundle["type"] == "history"
        for entry in bundle["entry"]:
            assert entry["request"]["url"] and entry["response"]["status"] and entry["response"]["etag"]
            versions.append(entry["resource"]["meta"]["versionId"])
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    assert versions == ["5", "4", "3", "2", "1"]


def test_history_since_and_at(http):
    created = create(http).json()
    rid = created["id"]
    second = put(http, rid, created).json()
    since = checked(http.get(f"ImagingStudy/{rid}/_history", params={"_since": second["meta"]["lastUpdated"]}))
    assert [e["resource"]["meta"]["versionId"] for e in since.json()["entry"]] == ["2"]
    at = checked(http.get(f"ImagingStudy/{rid}/_history", params={"_at": created["meta"]["lastUpdated"]}))
    assert [e["resource"]["meta"]["versionId"] for e in at.json()["entry"]] == ["1"]


def test_type_history_includes_new_writes_newest_first(http):
    create(http)  # an older entry, so that a page of two has a next page
    rid = create(http).json()["id"]
    checked(http.delete(f"ImagingStudy/{rid}"))
    bundle = checked(http.get("ImagingStudy/_history", params={"_count": 2})).json()
    assert [(e["fullUrl"], e["request"]["method"]) for e in bundle["entry"]] == [
        (f"{http.base_url}/ImagingStudy/{rid}", "DELETE"), (f"{http.base_url}/ImagingStudy/{rid}", "POST")]
    assert any(link["relation"] == "next" for link in bundle["link"])


def test_make_run_command_serves_metadata_within_60_seconds(tmp_path):
    # The command `make run` runs, on a free port, as a separate process.
    env = {**os.environ, "PORT": "0", "S3_PORT": "0", "DYNAMODB_PORT": "0", "SAM_ENV_FILE": str(tmp_path / "env.json")}
    env.pop("DYNAMODB_ENDPOINT_URL", None)
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "local.server"], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        base_url = server.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/fhir/R5")
        response = checked(requests.get(f"{base_url}/metadata", timeout=60))
        assert response.status_code == 200 and response.json()["resourceType"] == "CapabilityStatement"
        assert time.monotonic() - started < 60
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0
