"""Transaction Bundles against the handler over moto: one change event per stored version, an answer lost after
the commit, a crash before it, and a concurrent write between the transaction's reads and its commit."""
from __future__ import annotations

import copy
import json

import pytest
from botocore.exceptions import EndpointConnectionError

from fhirimaging.changes import changes_from_stream
from fhirimaging.store.dynamodb import DynamoDbStore
from local.functions import LambdaContext, load_handler
from tests.events import load_event
from tests.functional.conftest import FUNCTIONS, TEMPLATE, stream_event
from tests.functional.test_write_outcomes import FAULTS, once

TRANSACTION = json.loads(load_event("transaction")["body"])


def transaction(*entries: dict) -> dict:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def study(uid: str, **changes) -> dict:
    resource = copy.deepcopy(TRANSACTION["entry"][0]["resource"])
    resource["identifier"] = [{"system": "urn:dicom:uid", "value": f"urn:oid:2.25.{uid}"}]
    return {**resource, **changes}


def post(api, bundle: dict, **headers):
    return api("bundle", "transaction", body=bundle, headers=headers)


def test_the_event_files_transaction_lands_both_studies_with_the_reference_rewritten(api):
    r = post(api, TRANSACTION)
    assert r.status == 200, r.text
    parent, child = (e["resource"] for e in r.json()["entry"])
    assert child["partOf"] == [{"reference": f"ImagingStudy/{parent['id']}"}]
    assert api("read", id=child["id"]).json() == child
    again = post(api, TRANSACTION)  # its first entry is a conditional create: it finds the parent now
    assert again.status == 409 and "entry 1 (POST)" in again.text  # the second's UID is taken: nothing written
    assert api("search", query="status=available").json()["total"] == 2


def test_a_transaction_gives_one_change_event_per_version_it_stores(api, dynamodb, streams):
    kept = api("create", body=study("1")).json()
    gone = api("create", body=study("2")).json()["id"]
    before = len(changes_from_stream(stream_event(dynamodb, streams)["Records"]))
    r = post(api, transaction(
        {"request": {"method": "DELETE", "url": f"ImagingStudy/{gone}"}},
        {"resource": study("3"), "request": {"method": "POST", "url": "ImagingStudy"}},
        {"resource": {**kept, "description": "changed"},
         "request": {"method": "PUT", "url": f"ImagingStudy/{kept['id']}"}},
        {"request": {"method": "GET", "url": f"ImagingStudy/{kept['id']}"}},
    ))
    assert r.status == 200, r.text
    statuses = [e["response"]["status"] for e in r.json()["entry"]]
    assert statuses == ["204 No Content", "201 Created", "200 OK", "200 OK"]
    created = r.json()["entry"][1]["resource"]["id"]
    events = changes_from_stream(stream_event(dynamodb, streams)["Records"])[before:]
    assert sorted((e.detail_type, e.id, e.version_id) for e in events) == sorted([
        ("ImagingStudy Deleted", gone, "2"), ("ImagingStudy Created", created, "1"),
        ("ImagingStudy Updated", kept["id"], "2")])


@pytest.mark.parametrize("fault", FAULTS)
def test_a_committed_transaction_whose_answer_was_lost_answers_as_stored(api, monkeypatch, fault):
    from fhirimaging import runtime

    existing = api("create", body=study("10")).json()
    seen = once(monkeypatch, runtime.store()._client, "transact_write_items", FAULTS[fault])
    r = post(api, transaction(
        {"resource": study("11"), "request": {"method": "POST", "url": "ImagingStudy"}},
        {"resource": {**existing, "description": "changed"},
         "request": {"method": "PUT", "url": f"ImagingStudy/{existing['id']}", "ifMatch": 'W/"1"'}},
    ))
    assert seen and r.status == 200, r.text
    created, updated = r.json()["entry"]
    assert created["response"]["status"] == "201 Created" and updated["response"]["status"] == "200 OK"
    assert api("read", id=created["resource"]["id"]).json() == created["resource"]
    assert api("read", id=existing["id"]).json() == updated["resource"]
    assert [e["response"]["etag"] for e in api("history", id=existing["id"]).json()["entry"]] == ['W/"2"', 'W/"1"']
    assert api("search", query="identifier=urn:dicom:uid|urn:oid:2.25.11").json()["total"] == 1


def test_a_transaction_whose_commit_never_reached_the_database_wrote_nothing_and_says_so(api, monkeypatch):
    from fhirimaging import runtime

    def unreachable(real):
        def transact(**kwargs):
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
        return transact

    existing = api("create", body=study("20")).json()
    once(monkeypatch, runtime.store()._client, "transact_write_items", unreachable)
    fn = TEMPLATE.function(FUNCTIONS["bundle"])  # invoked directly: the harness refuses a 5xx
    r = load_handler(fn)(load_event("transaction", body=transaction(
        {"resource": study("21"), "request": {"method": "POST", "url": "ImagingStudy"}},
        {"resource": {**existing, "description": "changed"},
         "request": {"method": "PUT", "url": f"ImagingStudy/{existing['id']}"}},
    )), LambdaContext(fn))
    # nothing tells whether it landed until the items are read: 503, retry after reading
    assert r["statusCode"] == 503 and json.loads(r["body"])["resourceType"] == "OperationOutcome"
    assert "read the resource before retrying" in r["body"] and r["headers"]["retry-after"]
    assert api("read", id=existing["id"]).json() == existing
    assert api("search", query="identifier=urn:dicom:uid|urn:oid:2.25.21").json()["total"] == 0


@pytest.mark.parametrize("if_match", [False, True], ids=["plain update", "If-Match update"])
def test_a_write_between_the_transactions_reads_and_its_commit_is_never_lost(api, monkeypatch, if_match):
    existing = api("create", body=study("30")).json()
    real = DynamoDbStore.put_versions
    raced = []

    def concurrent_write_first(store, writes):
        if not raced and len(writes) > 1:  # another client's update lands just before this transaction's commit
            raced.append(api("update", id=existing["id"], body={**existing, "description": "theirs"}).status)
        return real(store, writes)

    monkeypatch.setattr(DynamoDbStore, "put_versions", concurrent_write_first)
    request = {"method": "PUT", "url": f"ImagingStudy/{existing['id']}", **({"ifMatch": 'W/"1"'} if if_match else {})}
    r = post(api, transaction({"resource": {**existing, "description": "ours"}, "request": request},
                              {"resource": study("31"), "request": {"method": "POST", "url": "ImagingStudy"}}))
    assert raced == [200]
    current = api("read", id=existing["id"]).json()
    if if_match:  # version 1 is gone: the transaction fails whole, and their write stands
        assert r.status == 412 and "Bundle.entry[0]" in r.text
        assert current["description"] == "theirs" and current["meta"]["versionId"] == "2"
        assert api("search", query="identifier=urn:dicom:uid|urn:oid:2.25.31").json()["total"] == 0
    else:  # worked out again over their version: ours is version 3, theirs stays in history
        assert r.status == 200, r.text
        assert current["description"] == "ours" and current["meta"]["versionId"] == "3"
        assert api("vread", id=existing["id"], vid="2").json()["description"] == "theirs"
