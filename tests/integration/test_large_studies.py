"""A 10,000-instance study too large for a DynamoDB item, over HTTP through the local stack: its body goes to
the stack's S3 body bucket, create, read, update, patch, history and search return what was sent, and the
responses travel gzip-compressed to a client that accepts it."""
from __future__ import annotations

import random

import boto3

from tests.functional.test_large_studies import large_study, without_id_and_meta
from tests.integration.test_interactions import checked

WORDS = "axial coronal sagittal bone soft tissue lung mediastinum contrast arterial venous delayed thin thick".split()


def titled_study(seed: int = 11) -> dict:
    """Instance titles, as scanners write them, make the body too large for an item even compressed."""
    study = large_study(seed=seed)
    rng = random.Random(seed)
    for series in study["series"]:
        for instance in series["instance"]:
            instance["title"] = " ".join(rng.choice(WORDS) for _ in range(6)) + f" {rng.randrange(10**9)}"
    return study


def body_objects(stack) -> list[str]:
    s3 = boto3.session.Session().client("s3", endpoint_url=stack.environment["S3_ENDPOINT_URL"],
                                        region_name=stack.environment["AWS_DEFAULT_REGION"])
    listing = s3.list_objects_v2(Bucket=stack.environment["BODY_BUCKET"])
    return [o["Key"] for o in listing.get("Contents", [])]


def test_a_10000_instance_study_kept_in_s3_round_trips_over_http(stack, http):
    sent = titled_study()
    before = set(body_objects(stack))
    created = checked(http.post("ImagingStudy", json=sent, headers={"Content-Type": "application/fhir+json"}))
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    try:
        _round_trip(stack, http, sent, rid, before)
    finally:  # this worker's stack is shared: take the 10,000 index entries away (moto's Query reads them all)
        assert http.delete(f"ImagingStudy/{rid}").status_code == 204


def _round_trip(stack, http, sent: dict, rid: str, before: set[str]) -> None:
    created = checked(http.get(f"ImagingStudy/{rid}/_history/1"))
    assert without_id_and_meta(created.json()) == sent
    [key] = set(body_objects(stack)) - before
    assert key.startswith(f"ImagingStudy/{rid}/1/")

    read = checked(http.get(f"ImagingStudy/{rid}"))  # requests sends Accept-Encoding: gzip, deflate
    assert read.status_code == 200 and without_id_and_meta(read.json()) == sent
    assert read.headers["Content-Encoding"] == "gzip" and read.headers["Vary"] == "accept-encoding"
    assert int(read.headers["Content-Length"]) < len(read.content) // 3  # what travelled, compressed
    plain = http.get(f"ImagingStudy/{rid}", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.json() == read.json()
    updated = checked(http.put(f"ImagingStudy/{rid}", json={**read.json(), "description": "two"},
                               headers={"Content-Type": "application/fhir+json", "If-Match": 'W/"1"'}))
    assert updated.status_code == 200 and updated.headers["ETag"] == 'W/"2"'
    patched = checked(http.patch(f"ImagingStudy/{rid}", json=[{"op": "remove", "path": "/description"}],
                                 headers={"Content-Type": "application/json-patch+json"}))
    assert patched.status_code == 200 and without_id_and_meta(patched.json()) == sent
    assert without_id_and_meta(checked(http.get(f"ImagingStudy/{rid}/_history/2")).json()) == {
        **sent, "description": "two"}

    stack.wait_for_events()  # the index repair the table's stream drives: the instance terms beyond the transaction
    instance = sent["series"][1]["instance"][1234]["uid"]
    found = checked(http.get("ImagingStudy", params={"instance": instance})).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [rid]
    assert without_id_and_meta(found["entry"][0]["resource"]) == sent
    history = checked(http.get(f"ImagingStudy/{rid}/_history")).json()
    assert [e["response"]["etag"] for e in history["entry"]][:1] == ['W/"3"']
    assert len(set(body_objects(stack)) - before) == 3
