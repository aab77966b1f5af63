"""Conditional interactions over HTTP: read (304), create (If-None-Exist), update and delete by query,
If-None-Match: * on PUT, and race-freedom of identifier-keyed conditional writes under concurrency."""
from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import requests

from tests.integration.test_interactions import FHIR_JSON, checked

EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "imagingstudy-example.json").read_text())
DICOM = "urn:dicom:uid"
ACCESSION = "http://example.org/accession"  # not unique by rule: two plain creates may share one


def study(uid: str, system: str = DICOM, **changes) -> dict:
    body = {k: v for k, v in EXAMPLE.items() if k not in ("id", "meta")}
    return {**body, "identifier": [{"system": system, "value": uid}], **changes}


def new_uid() -> str:
    return f"urn:oid:2.25.{uuid.uuid4().int}"


def found(http, uid: str, system: str = DICOM) -> list[str]:
    bundle = checked(http.get("ImagingStudy", params={"identifier": f"{system}|{uid}"})).json()
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def post(http, body: dict, **headers) -> requests.Response:
    return checked(http.post("ImagingStudy", data=json.dumps(body), headers={**FHIR_JSON, **headers}))


# conditional read

def test_read_with_the_current_etag_is_304_and_with_another_is_200(http):
    created = post(http, study(new_uid()))
    rid, etag = created.json()["id"], created.headers["ETag"]
    not_modified = checked(http.get(f"ImagingStudy/{rid}", headers={"If-None-Match": etag}))
    assert not_modified.status_code == 304 and not_modified.content == b"" and not_modified.headers["ETag"] == etag
    assert checked(http.get(f"ImagingStudy/{rid}", headers={"If-None-Match": 'W/"99"'})).status_code == 200
    assert checked(http.get(f"ImagingStudy/{rid}/_history/1", headers={"If-None-Match": etag})).status_code == 304


def test_read_if_modified_since_is_304_unless_changed_after_that_date(http):
    created = post(http, study(new_uid()))
    rid, modified = created.json()["id"], created.headers["Last-Modified"]
    assert checked(http.get(f"ImagingStudy/{rid}", headers={"If-Modified-Since": modified})).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    assert checked(http.get(f"ImagingStudy/{rid}", headers={"If-Modified-Since": earlier})).status_code == 200


# If-None-Match: * on PUT

def test_put_with_if_none_match_star_creates_only(http):
    rid = f"create-only-{uuid.uuid4().hex[:12]}"
    body = {**study(new_uid()), "id": rid}
    first = checked(http.put(f"ImagingStudy/{rid}", data=json.dumps(body), headers={**FHIR_JSON, "If-None-Match": "*"}))
    assert first.status_code == 201
    again = checked(http.put(f"ImagingStudy/{rid}", data=json.dumps(body), headers={**FHIR_JSON, "If-None-Match": "*"}))
    assert again.status_code == 412 and checked(http.get(f"ImagingStudy/{rid}")).headers["ETag"] == 'W/"1"'


# conditional create

def test_conditional_create_creates_once_then_returns_the_existing_study(http):
    uid = new_uid()
    condition = {"If-None-Exist": f"identifier={DICOM}|{uid}"}
    first = post(http, study(uid), **condition)
    second = post(http, study(uid, description="ignored"), **condition)
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and "description" not in second.json()
    assert found(http, uid) == [first.json()["id"]]


def test_conditional_create_matching_several_is_412(http):
    uid = new_uid()
    post(http, study(uid, ACCESSION))
    post(http, study(uid, ACCESSION))  # a plain create does not check an accession number: two studies share it
    response = post(http, study(uid, ACCESSION), **{"If-None-Exist": f"identifier={ACCESSION}|{uid}"})
    assert response.status_code == 412 and len(found(http, uid, ACCESSION)) == 2


def test_conditional_create_with_an_unknown_parameter_is_400_not_a_broader_match(http):
    response = post(http, study(new_uid()), **{"If-None-Exist": "colour=blue"})
    assert response.status_code == 400 and "colour" in response.text


# conditional update

def test_conditional_update_creates_when_nothing_matches_then_updates_the_match(http):
    uid = new_uid()
    url = f"ImagingStudy?identifier={DICOM}|{uid}"
    created = checked(http.put(url, data=json.dumps(study(uid)), headers=FHIR_JSON))
    assert created.status_code == 201
    rid = created.json()["id"]
    updated = checked(http.put(url, data=json.dumps(study(uid, description="second")), headers=FHIR_JSON))
    assert updated.status_code == 200 and updated.json()["id"] == rid and updated.headers["ETag"] == 'W/"2"'
    mismatch = checked(http.put(url, data=json.dumps({**study(uid), "id": "someone-else"}), headers=FHIR_JSON))
    assert mismatch.status_code == 400 and found(http, uid) == [rid]


def test_conditional_update_with_a_body_id_creates_under_that_id(http):
    uid, rid = new_uid(), f"cond-{uuid.uuid4().hex[:12]}"
    response = checked(http.put(f"ImagingStudy?identifier={DICOM}|{uid}", data=json.dumps({**study(uid), "id": rid}),
                                headers=FHIR_JSON))
    assert response.status_code == 201 and response.json()["id"] == rid


def test_conditional_update_matching_several_is_412(http):
    uid = new_uid()
    post(http, study(uid, ACCESSION))
    post(http, study(uid, ACCESSION))
    response = checked(http.put(f"ImagingStudy?identifier={ACCESSION}|{uid}",
                                data=json.dumps(study(uid, ACCESSION)), headers=FHIR_JSON))
    assert response.status_code == 412


# conditional delete

def test_conditional_delete_removes_the_single_match_and_refuses_several(http):
    uid = new_uid()
    assert checked(http.delete(f"ImagingStudy?identifier={DICOM}|{uid}")).status_code == 204  # nothing to delete
    rid = post(http, study(uid)).json()["id"]
    assert checked(http.delete(f"ImagingStudy?identifier={DICOM}|{uid}")).status_code == 204
    assert checked(http.get(f"ImagingStudy/{rid}")).status_code == 410
    other = new_uid()
    post(http, study(other, ACCESSION))
    post(http, study(other, ACCESSION))
    assert checked(http.delete(f"ImagingStudy?identifier={ACCESSION}|{other}")).status_code == 412
    assert len(found(http, other, ACCESSION)) == 2


# race-freedom

def _concurrently(n: int, call) -> list[requests.Response]:
    barrier = threading.Barrier(n)

    def run(i: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return call(session, i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n), timeout=120))


def test_16_concurrent_conditional_creates_make_exactly_one_study(http):
    uid = new_uid()
    condition = {**FHIR_JSON, "If-None-Exist": f"identifier={DICOM}|{uid}"}
    responses = _concurrently(16, lambda s, i: s.post(http.url("ImagingStudy"), data=json.dumps(study(uid)),
                                                        headers=condition, timeout=60))
    ids = found(http, uid)
    assert len(ids) == 1
    assert sorted(r.status_code for r in responses).count(201) == 1
    assert all(r.status_code in (200, 201) and r.json()["id"] == ids[0] for r in responses)


def test_16_concurrent_conditional_updates_make_one_study_whose_versions_count_the_successes(http):
    uid = new_uid()
    url = http.url(f"ImagingStudy?identifier={DICOM}|{uid}")
    responses = _concurrently(16, lambda s, i: s.put(url, data=json.dumps(study(uid, description=f"writer {i}")),
                                                       headers=FHIR_JSON, timeout=60))
    assert all(r.status_code in (200, 201) for r in responses), [r.status_code for r in responses]
    ids = found(http, uid)
    assert len(ids) == 1
    history = checked(http.get(f"ImagingStudy/{ids[0]}/_history", params={"_count": 100})).json()
    assert len(history["entry"]) == len(responses)  # every 2xx is one version: none lost
    assert sorted(e["resource"]["description"] for e in history["entry"]) == sorted(f"writer {i}" for i in range(16))


# conditional patch

def test_conditional_patch_patches_the_single_match_404s_on_none_and_412s_on_several(http):
    uid = new_uid()
    patch = json.dumps([{"op": "add", "path": "/description", "value": "patched by query"}])
    headers = {"Content-Type": "application/json-patch+json"}
    url = f"ImagingStudy?identifier={DICOM}|{uid}"
    assert checked(http.patch(url, data=patch, headers=headers)).status_code == 404
    rid = post(http, study(uid)).json()["id"]
    patched = checked(http.patch(url, data=patch, headers=headers))
    assert patched.status_code == 200 and patched.json()["id"] == rid and patched.headers["ETag"] == 'W/"2"'
    assert checked(http.get(f"ImagingStudy/{rid}")).json()["description"] == "patched by query"
    other = new_uid()
    post(http, study(other, ACCESSION))
    post(http, study(other, ACCESSION))
    several = f"ImagingStudy?identifier={ACCESSION}|{other}"
    assert checked(http.patch(several, data=patch, headers=headers)).status_code == 412
