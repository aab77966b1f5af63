"""Large studies through the real handlers, over moto's DynamoDB and S3: a body too large for an item is kept
in S3 (store/bodies.py) and every interaction returns exactly what was sent, plus id and meta.

A 10,000-instance study with UUID-derived UIDs compresses to about 200 KB and fits the items; the tests lower
the inline limit so that studies of a few thousand instances take the S3 path (the 10,000-instance round trip
runs both ways)."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from fhirimaging import jsontext
from fhirimaging.errors import WriteOutcomeUnknown
from fhirimaging.service import imaging_study
from fhirimaging.store import StoredVersion, WriteKind
from fhirimaging.store import bodies as body_store
from fhirimaging.store import dynamodb as dynamodb_store
from fhirimaging.store.bodies import sweep
from local.functions import LambdaContext, load_handler
from tests.events import EVENTS
from tests.functional.conftest import BUCKET, INLINE_LIMIT, TABLE, TEMPLATE

SOP_CT = "urn:oid:1.2.840.10008.5.1.4.1.1.2"


def uid(rng: random.Random) -> str:
    return "2.25." + str(rng.getrandbits(120))  # a UUID-derived UID, as modalities make them


def large_study(instances: int = 10_000, series: int = 3, seed: int = 7) -> dict:
    rng = random.Random(seed)
    per_series = [instances // series + (1 if n < instances % series else 0) for n in range(series)]
    return {
        "resourceType": "ImagingStudy",
        "status": "available",
        "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{uid(rng)}"}],
        "subject": {"reference": "Patient/large"},
        "started": "2026-11-01T08:00:00Z",
        "numberOfSeries": series,
        "numberOfInstances": instances,
        "series": [{
            "uid": uid(rng), "number": s + 1,
            "modality": {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "CT"}]},
            "numberOfInstances": count,
            "instance": [{"uid": uid(rng), "sopClass": {"system": "urn:ietf:rfc:3986", "code": SOP_CT},
                          "number": i + 1} for i in range(count)],
        } for s, count in enumerate(per_series)],
    }


def without_id_and_meta(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k not in ("id", "meta")}


def objects(s3) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def item(dynamodb, rid: str, sk: str) -> dict:
    return dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": f"ImagingStudy#{rid}"}, "sk": {"S": sk}})["Item"]


@pytest.mark.parametrize("in_s3", [True, False], ids=["body-in-s3", "body-in-items"])
def test_a_10000_instance_study_round_trips_through_every_interaction(stack, monkeypatch, in_s3):
    api, _, s3, dynamodb, repair = stack
    if not in_s3:
        monkeypatch.setattr(dynamodb_store, "INLINE_BODY_LIMIT", 350_000)  # as deployed
    sent = large_study()
    assert sum(len(s["instance"]) for s in sent["series"]) == 10_000
    assert len(jsontext.dumps(sent)) > 1_000_000  # far beyond one DynamoDB item uncompressed

    created = api("create", body=sent)
    assert created.status == 201
    rid = created.json()["id"]
    assert without_id_and_meta(created.json()) == sent
    current, first = item(dynamodb, rid, "current"), item(dynamodb, rid, "v#0000000001")
    if in_s3:  # in S3, named (with its hash) by both items; neither item holds the body
        assert "body" not in current and current["bodyRef"] == first["bodyRef"]
        assert objects(s3) == [current["bodyRef"]["S"]]
        assert len(s3.get_object(Bucket=BUCKET, Key=current["bodyRef"]["S"])["Body"].read()) > INLINE_LIMIT
    else:
        assert "bodyRef" not in current and current["body"] == first["body"] and objects(s3) == []

    read = api("read", id=rid)
    assert read.status == 200 and read.headers["etag"] == 'W/"1"'
    assert without_id_and_meta(read.json()) == sent

    changed = {**read.json(), "description": "re-read"}
    updated = api("update", id=rid, body=changed)
    assert updated.status == 200 and updated.headers["etag"] == 'W/"2"'
    patched = api("patch", id=rid, body=[{"op": "replace", "path": "/description", "value": "patched"}])
    assert patched.status == 200 and patched.headers["etag"] == 'W/"3"'
    assert without_id_and_meta(patched.json()) == {**sent, "description": "patched"}

    assert without_id_and_meta(api("vread", id=rid, vid="1").json()) == sent
    assert without_id_and_meta(api("vread", id=rid, vid="2").json()) == {**sent, "description": "re-read"}
    history, query = [], ""
    while query is not None:  # three versions of 1.5 MB exceed one response: two pages
        page = api("history", id=rid, query=query).json()
        history += page["entry"]
        query = next((link["url"].split("?", 1)[1] for link in page["link"] if link["relation"] == "next"), None)
    assert [e["response"]["etag"] for e in history] == ['W/"3"', 'W/"2"', 'W/"1"']
    assert without_id_and_meta(history[2]["resource"]) == sent
    assert len(objects(s3)) == (3 if in_s3 else 0)  # one object per version, no orphan

    # every version's findability terms were in its transaction; the instance terms follow from the stream
    assert api("search", query="subject=Patient/large&modality=CT&status=available").json()["total"] == 1
    assert repair(rid) == {"batchItemFailures": []}
    last_instance = sent["series"][2]["instance"][-1]["uid"]
    found = api("search", query=f"instance={last_instance}").json()
    assert found["total"] == 1
    assert without_id_and_meta(found["entry"][0]["resource"]) == {**sent, "description": "patched"}
    for series in sent["series"]:  # every series and the SOP class stay searchable too
        assert api("search", query=f"series={series['uid']}").json()["total"] == 1
    assert api("search", query=f"dicom-class={SOP_CT}").json()["total"] == 1


def test_an_update_that_drops_instances_no_longer_matches_them(stack):
    api, repair = stack[0], stack[4]
    sent = large_study(instances=3000, series=3)
    rid = api("create", body=sent).json()["id"]
    dropped = sent["series"][0]["instance"][0]["uid"]
    smaller = json.loads(json.dumps(sent))
    smaller["series"][0]["instance"] = smaller["series"][0]["instance"][1:]
    assert api("update", id=rid, body={**smaller, "id": rid}).status == 200
    repair(rid)
    assert api("search", query=f"instance={dropped}").json()["total"] == 0
    kept = sent["series"][0]["instance"][1]["uid"]
    assert api("search", query=f"instance={kept}").json()["total"] == 1


def test_a_refused_transaction_leaves_its_upload_to_the_sweep_and_no_trace_once_swept(stack, monkeypatch):
    api, store, s3, _, _ = stack
    rid = api("create", body=large_study(instances=3000)).json()["id"]
    before = objects(s3)

    def refused(**kwargs):  # as when another write took version 2 first
        raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "injected"},
                           "CancellationReasons": [{"Code": "ConditionalCheckFailed"}]}, "TransactWriteItems")

    resource = api("read", id=rid).json()
    monkeypatch.setattr(store._client, "transact_write_items", refused)
    response = api("update", id=rid, body={**resource, "description": "lost"}, headers={"If-Match": 'W/"1"'})
    assert response.status == 412
    monkeypatch.undo()
    # the write path never deletes an upload (a committed item might name it); the sweep decides from the items
    (upload,) = set(objects(s3)) - set(before)
    assert upload.startswith(f"ImagingStudy/{rid}/2/")
    later = datetime.now(timezone.utc) + body_store.ORPHAN_AGE + timedelta(minutes=1)
    assert sweep(store._bodies, store.body_key, now=lambda: later) == [upload]
    assert objects(s3) == before
    assert api("read", id=rid).headers["etag"] == 'W/"1"'
    assert "description" not in api("read", id=rid).json()


def test_a_write_that_dies_after_the_upload_leaves_nothing_visible_and_the_sweep_removes_its_orphan(stack, monkeypatch):
    api, store, s3, _, _ = stack
    kept_rid = api("create", body=large_study(instances=3000, seed=1)).json()["id"]
    kept = objects(s3)

    def lost(**kwargs):  # the process loses DynamoDB after the upload: the write may or may not have landed
        raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    monkeypatch.setattr(store._client, "transact_write_items", lost)
    with pytest.raises(WriteOutcomeUnknown):
        body = jsontext.dumps(large_study(instances=3000, seed=2))
        store.put_version(StoredVersion("orphan", 1, "2026-11-28T00:00:00.000Z", WriteKind.CREATE, body), None)
    monkeypatch.undo()
    orphans = sorted(set(objects(s3)) - set(kept))
    assert len(orphans) == 1 and orphans[0].startswith("ImagingStudy/orphan/1/")
    assert api("read", id="orphan").status == 404  # nothing of the failed write is visible
    assert api("search", query="subject=Patient/large").json()["total"] == 1

    # a young object is left alone (its write may still be landing); an old one that no item names is deleted
    assert sweep(store._bodies, store.body_key) == []
    later = datetime.now(timezone.utc) + body_store.ORPHAN_AGE + timedelta(minutes=1)
    assert sweep(store._bodies, store.body_key, now=lambda: later) == orphans
    assert objects(s3) == kept
    assert api("read", id=kept_rid).status == 200


def test_a_search_page_that_would_exceed_the_response_limit_is_shortened_and_says_so(stack, monkeypatch):
    api = stack[0]
    rids = [api("create", body=large_study(instances=300, seed=n)).json()["id"] for n in range(5)]
    one = len(api("read", id=rids[0]).text)
    monkeypatch.setattr(imaging_study, "PAGE_JSON_BUDGET", int(one * 2.5))
    seen, query, pages = [], "subject=Patient/large&_count=5", 0
    while query is not None:
        bundle = api("search", query=query).json()
        pages += 1
        matches = [e for e in bundle["entry"] if e["search"]["mode"] == "match"]
        seen += [e["resource"]["id"] for e in matches]
        outcome = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
        nxt = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if nxt:  # a short page says why, and goes on
            assert len(matches) == 2
            assert outcome[0]["resource"]["issue"][0]["code"] == "too-costly"
            assert "6 MB response limit" in outcome[0]["resource"]["issue"][0]["diagnostics"]
        query = nxt[0].split("?", 1)[1] if nxt else None
    assert pages == 3 and sorted(seen) == sorted(rids)
    # _summary=true leaves the instances out: all five fit
    summary = api("search", query="subject=Patient/large&_count=5&_summary=true").json()
    assert len(summary["entry"]) == 5 and not [link for link in summary["link"] if link["relation"] == "next"]


def test_a_history_page_that_would_exceed_the_response_limit_is_shortened_and_says_so(stack, monkeypatch):
    api = stack[0]
    rid = api("create", body=large_study(instances=300)).json()["id"]
    for n in range(3):
        resource = api("read", id=rid).json()
        api("update", id=rid, body={**resource, "description": f"v{n + 2}"})
    one = len(api("read", id=rid).text)
    monkeypatch.setattr(imaging_study, "PAGE_JSON_BUDGET", int(one * 2.5))
    first = api("history", id=rid).json()
    assert [e["response"]["etag"] for e in first["entry"]] == ['W/"4"', 'W/"3"']
    assert first["issues"]["issue"][0]["code"] == "too-costly"
    nxt = [link["url"] for link in first["link"] if link["relation"] == "next"][0]
    second = api("history", id=rid, query=nxt.split("?", 1)[1]).json()
    assert [e["response"]["etag"] for e in second["entry"]] == ['W/"2"', 'W/"1"']


def test_the_sweeper_function_deletes_only_old_objects_no_item_names(stack, monkeypatch):
    api, store, s3, _, _ = stack
    rid = api("create", body=large_study(instances=3000)).json()["id"]
    s3.put_object(Bucket=BUCKET, Key="ImagingStudy/gone/1/0123", Body=b"x")  # a write that died
    s3.put_object(Bucket=BUCKET, Key=f"ImagingStudy/{rid}/2/4567", Body=b"x")  # a version 2 that never landed
    named = [key for key in objects(s3) if key.startswith(f"ImagingStudy/{rid}/1/")]
    monkeypatch.setattr(body_store, "ORPHAN_AGE", timedelta(0))
    fn = TEMPLATE.function("BodySweeperFunction")
    result = load_handler(fn)(json.loads((EVENTS / "body_sweeper.json").read_text()), LambdaContext(fn))
    assert sorted(result["deleted"]) == sorted(["ImagingStudy/gone/1/0123", f"ImagingStudy/{rid}/2/4567"])
    assert objects(s3) == named
    assert api("read", id=rid).status == 200
