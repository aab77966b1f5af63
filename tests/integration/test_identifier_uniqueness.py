"""At most one live study per Study Instance UID (`urn:dicom:uid` identifier), on every write path, over HTTP:
plain create, update, update-as-create, revive, patch, conditional writes and DICOM ingest, also while a
deletion races them."""
from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import requests

from tests.dicom_files import dicom_bytes
from tests.integration.test_conditional import DICOM, found, post, study
from tests.integration.test_interactions import FHIR_JSON, checked

JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def dicom_uid() -> str:
    return f"2.25.{uuid.uuid4().int}"


def live_holders(http, uid: str, candidates: set[str]) -> list[str]:
    """The live studies carrying the identifier, found by reading every candidate (reads are strongly
    consistent, unlike search) and by search."""
    carrying = set(found(http, uid))
    for rid in candidates:
        response = checked(http.get(f"ImagingStudy/{rid}"))
        if response.status_code == 200 and any(
                i.get("system") == DICOM and i.get("value") == uid for i in response.json().get("identifier", [])):
            carrying.add(rid)
    return sorted(carrying)


def assert_duplicate(response: requests.Response, uid: str) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "duplicate"
    assert uid in outcome["issue"][0]["diagnostics"]


# the rule for writes that are not conditional

def test_a_plain_create_with_a_study_instance_uid_a_live_study_holds_is_409_and_creates_nothing(http):
    # GIVEN a live study holding a Study Instance UID
    uid = f"urn:oid:{dicom_uid()}"
    holder = post(http, study(uid)).json()["id"]
    # WHEN another client POSTs a study with the same UID (say, another patient's)
    taken = post(http, study(uid, subject={"reference": "Patient/someone-else"}))
    # THEN it is refused, and only the holder carries the UID
    assert_duplicate(taken, uid)
    assert found(http, uid) == [holder]
    # AND a conditional create answers the holder, a conditional update updates it
    again = post(http, study(uid, description="ignored"), **{"If-None-Exist": f"identifier={DICOM}|{uid}"})
    assert again.status_code == 200 and again.json()["id"] == holder
    updated = checked(http.put(f"ImagingStudy?identifier={DICOM}|{uid}", data=json.dumps(study(uid)),
                               headers=FHIR_JSON))
    assert updated.status_code == 200 and updated.json()["id"] == holder


def test_update_and_patch_that_add_a_held_uid_are_409_and_leave_the_study_as_it_was(http):
    uid, other = f"urn:oid:{dicom_uid()}", f"urn:oid:{dicom_uid()}"
    holder = post(http, study(uid)).json()["id"]
    rid = post(http, study(other)).json()["id"]
    # update of another study to carry the held UID
    response = checked(http.put(f"ImagingStudy/{rid}", data=json.dumps({**study(uid), "id": rid}), headers=FHIR_JSON))
    assert_duplicate(response, uid)
    # update-as-create under a new id
    new_id = f"dup-{uuid.uuid4().hex[:12]}"
    response = checked(http.put(f"ImagingStudy/{new_id}", data=json.dumps({**study(uid), "id": new_id}),
                                headers=FHIR_JSON))
    assert_duplicate(response, uid)
    assert checked(http.get(f"ImagingStudy/{new_id}")).status_code == 404
    # patch adding it
    patch = [{"op": "add", "path": "/identifier/-", "value": {"system": DICOM, "value": uid}}]
    assert_duplicate(checked(http.patch(f"ImagingStudy/{rid}", data=json.dumps(patch), headers=JSON_PATCH)), uid)
    assert checked(http.get(f"ImagingStudy/{rid}")).headers["ETag"] == 'W/"1"'
    assert found(http, uid) == [holder]


def test_a_uid_is_free_again_once_its_holder_is_deleted_or_drops_it(http):
    uid = f"urn:oid:{dicom_uid()}"
    first = post(http, study(uid)).json()["id"]
    assert checked(http.delete(f"ImagingStudy/{first}")).status_code == 204
    second = post(http, study(uid))
    assert second.status_code == 201
    # the deleted study cannot come back with the UID while the second holds it
    revive = checked(http.put(f"ImagingStudy/{first}", data=json.dumps({**study(uid), "id": first}),
                              headers=FHIR_JSON))
    assert_duplicate(revive, uid)
    assert checked(http.get(f"ImagingStudy/{first}")).status_code == 410
    # once the second drops the UID (an update without it), the first may take it back
    dropped = {**study(f"urn:oid:{dicom_uid()}"), "id": second.json()["id"]}
    assert checked(http.put(f"ImagingStudy/{dropped['id']}", data=json.dumps(dropped), headers=FHIR_JSON)).ok
    revive = checked(http.put(f"ImagingStudy/{first}", data=json.dumps({**study(uid), "id": first}),
                              headers=FHIR_JSON))
    assert revive.status_code == 201
    assert found(http, uid) == [first]


# races

def _race(http, uid: str, holder: str) -> list[requests.Response]:
    """DELETE of the holder racing two conditional updates and a plain revive of the holder."""
    url = http.url(f"ImagingStudy?identifier={DICOM}|{uid}")
    calls = [
        lambda s: s.delete(http.url(f"ImagingStudy/{holder}"), timeout=60),
        lambda s: s.put(url, data=json.dumps(study(uid, description="conditional a")), headers=FHIR_JSON, timeout=60),
        lambda s: s.put(url, data=json.dumps(study(uid, description="conditional b")), headers=FHIR_JSON, timeout=60),
        lambda s: s.put(http.url(f"ImagingStudy/{holder}"), data=json.dumps({**study(uid), "id": holder}),
                        headers=FHIR_JSON, timeout=60),
    ]
    barrier = threading.Barrier(len(calls))

    def run(call):
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return call(session)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls, timeout=120))


def test_50_rounds_of_delete_racing_conditional_updates_and_a_revive_leave_at_most_one_live_study(stack, http):
    for round_ in range(50):
        uid = f"urn:oid:{dicom_uid()}"
        holder = post(http, study(uid)).json()["id"]
        responses = [checked(r) for r in _race(http, uid, holder)]
        statuses = [r.status_code for r in responses]
        # every answer is a success or the documented refusal: never a 5xx, never a 412
        assert statuses[0] == 204 and all(s in (200, 201, 409) for s in statuses[1:]), (round_, statuses)
        ids = {holder} | {r.json()["id"] for r in responses[1:] if r.status_code in (200, 201)}
        holders = live_holders(http, uid, ids)
        assert len(holders) <= 1, (round_, statuses, holders)
    # AND a DICOM object of the last round's study is ingested into the one live study (or makes it)
    study_uid = uid.removeprefix("urn:oid:")
    s3 = boto3.client("s3", endpoint_url=stack.s3.endpoint_url, region_name="us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
    s3.create_bucket(Bucket=stack.bucket)
    dead_before = len(stack.ingest_queue.dead_letters)
    sop = dicom_uid()
    s3.put_object(Bucket=stack.bucket, Key=f"race/{study_uid}/{sop}.dcm",
                  Body=dicom_bytes(StudyInstanceUID=study_uid, SeriesInstanceUID=dicom_uid(), SOPInstanceUID=sop))
    stack.wait_for_events(timeout=60)
    after = live_holders(http, uid, ids)
    assert len(after) == 1 and (not holders or after == holders)
    ingested = checked(http.get(f"ImagingStudy/{after[0]}")).json()
    assert sop in {i["uid"] for s in ingested["series"] for i in s.get("instance", [])}
    assert len(stack.ingest_queue.dead_letters) == dead_before
