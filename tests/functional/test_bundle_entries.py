"""Each kind of Bundle entry answers as its single interaction (PATCH by JSON Patch and FHIRPath Patch, conditional
update and delete, vread, history and search), and malformed or oversized Bundles are refused before any work."""
from __future__ import annotations

import base64
import json

import pytest

from fhirimaging import deadline
from fhirimaging.limits import MAX_BUNDLE_ENTRIES
from tests.functional.test_bundles import study


def bundle(kind: str, *entries: dict) -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def post(api, body, **headers):
    return api("bundle", "transaction", body=body, headers=headers)


def json_patch(operations: list[dict]) -> dict:
    return {"resourceType": "Binary", "contentType": "application/json-patch+json",
            "data": base64.b64encode(json.dumps(operations).encode()).decode()}


FHIRPATH_PATCH = {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": [
    {"name": "type", "valueCode": "replace"}, {"name": "path", "valueString": "ImagingStudy.status"},
    {"name": "value", "valueCode": "cancelled"}]}]}


@pytest.mark.parametrize("kind", ["transaction", "batch"])
def test_patch_conditional_update_and_conditional_delete_entries_write_as_their_interactions(api, kind):
    a, b, c, d = (api("create", body=study(uid)).json() for uid in ("100", "101", "102", "103"))
    r = post(api, bundle(
        kind,
        {"resource": json_patch([{"op": "add", "path": "/description", "value": "json-patched"}]),
         "request": {"method": "PATCH", "url": f"ImagingStudy/{a['id']}", "ifMatch": 'W/"1"'}},
        {"resource": FHIRPATH_PATCH, "request": {"method": "PATCH", "url": f"ImagingStudy/{b['id']}"}},
        {"resource": {**{k: v for k, v in c.items() if k != "id"}, "description": "by query"},
         "request": {"method": "PUT", "url": "ImagingStudy?identifier=urn:dicom:uid|urn:oid:2.25.102"}},
        {"request": {"method": "DELETE", "url": "ImagingStudy?identifier=urn:dicom:uid|urn:oid:2.25.103"}},
    ))
    assert r.status == 200, r.text
    entries = r.json()["entry"]
    assert [e["response"]["status"] for e in entries] == ["200 OK", "200 OK", "200 OK", "204 No Content"]
    assert entries[0]["resource"]["description"] == "json-patched" and entries[0]["response"]["etag"] == 'W/"2"'
    assert api("read", id=a["id"]).json() == entries[0]["resource"]
    assert api("read", id=b["id"]).json()["status"] == "cancelled"
    assert api("read", id=c["id"]).json()["description"] == "by query"
    assert api("read", id=d["id"]).status == 410


def test_a_transaction_may_not_write_one_study_twice(api):
    a = api("create", body=study("110")).json()
    r = post(api, bundle(
        "transaction",
        {"resource": json_patch([{"op": "add", "path": "/description", "value": "x"}]),
         "request": {"method": "PATCH", "url": f"ImagingStudy/{a['id']}"}},
        {"request": {"method": "DELETE", "url": f"ImagingStudy/{a['id']}"}},
    ))
    assert r.status == 400 and "at most once" in r.text and "Bundle.entry[0]" in r.text  # DELETE ran first
    assert api("read", id=a["id"]).json() == a


def test_two_entries_claiming_one_study_instance_uid_fail_the_transaction(api):
    r = post(api, bundle("transaction",
                         {"resource": study("120"), "request": {"method": "POST", "url": "ImagingStudy"}},
                         {"resource": study("120"), "request": {"method": "POST", "url": "ImagingStudy"}}))
    assert r.status == 409 and "Bundle.entry[1]" in r.text
    assert api("search", query="identifier=urn:dicom:uid|urn:oid:2.25.120").json()["total"] == 0


def test_get_entries_read_vread_history_and_search_as_their_interactions(api):
    a = api("create", body=study("130")).json()
    api("update", id=a["id"], body={**a, "description": "v2"})
    r = post(api, bundle(
        "batch",
        {"request": {"method": "GET", "url": f"ImagingStudy/{a['id']}", "ifNoneMatch": 'W/"2"'}},
        {"request": {"method": "GET", "url": f"ImagingStudy/{a['id']}/_history/1"}},
        {"request": {"method": "GET", "url": f"ImagingStudy/{a['id']}/_history"}},
        {"request": {"method": "GET", "url": "ImagingStudy/_history?_count=1"}},
        {"request": {"method": "GET", "url": "ImagingStudy?identifier=urn:dicom:uid|urn:oid:2.25.130"}},
        {"request": {"method": "GET", "url": "Patient/example/ImagingStudy"}},
        {"request": {"method": "GET", "url": "ImagingStudy?bogus=1"}},
    ), prefer="handling=strict")
    assert r.status == 200, r.text
    e = r.json()["entry"]
    assert e[0]["response"] == {"status": "304 Not Modified", "etag": 'W/"2"',
                                "lastModified": e[0]["response"]["lastModified"]} and "resource" not in e[0]
    assert e[1]["resource"]["meta"]["versionId"] == "1"
    assert e[2]["resource"]["type"] == "history" and len(e[2]["resource"]["entry"]) == 2
    assert e[3]["resource"]["type"] == "history" and len(e[3]["resource"]["entry"]) == 1
    assert [m["resource"]["id"] for m in e[4]["resource"]["entry"]] == [a["id"]]
    assert a["id"] in [m["resource"]["id"] for m in e[5]["resource"]["entry"]]
    assert e[6]["response"]["status"] == "400 Bad Request"  # Prefer: handling=strict applies to each entry


@pytest.mark.parametrize("body, status, words", [
    ({"resourceType": "ImagingStudy"}, 400, "takes a Bundle of type batch or transaction"),
    ({"resourceType": "Bundle", "type": "collection", "entry": []}, 400, "of type 'collection'"),
    ({"resourceType": "Bundle", "type": "transaction", "entry": {}}, 400, "must be an array"),
    (bundle("transaction", *[{"request": {"method": "GET", "url": "ImagingStudy/x"}}] * (MAX_BUNDLE_ENTRIES + 1)),
     413, f"the limit is {MAX_BUNDLE_ENTRIES}"),
    (bundle("transaction", *[{"resource": study(str(n)), "request": {"method": "POST", "url": "ImagingStudy"}}
                             for n in range(51)]), 413, "has 51 writes"),
    (bundle("transaction", {"request": {"method": "OPTIONS", "url": "ImagingStudy"}}), 400, "is not one of"),
    (bundle("transaction", {"request": {"method": "GET"}}), 400, "request.url is missing"),
    (bundle("transaction", {"request": {"method": "GET", "url": "https://elsewhere.example/fhir/ImagingStudy/x"}}),
     400, "not relative to this server's base"),
    (bundle("transaction", {"request": {"method": "POST", "url": "ImagingStudy"}}), 400, "carries the resource"),
    (bundle("transaction", {"resource": {"resourceType": "Binary", "data": "%%%"},
                            "request": {"method": "PATCH", "url": "ImagingStudy/x"}}), 400, "no base64 data"),
    (bundle("transaction", {"resource": study("140", partOf=[{"reference": "urn:uuid:nowhere"}]),
                            "request": {"method": "POST", "url": "ImagingStudy"}}), 400, "names no entry"),
    (bundle("transaction", {"resource": study("141", partOf=[{"reference": "Procedure?identifier=x|y"}]),
                            "request": {"method": "POST", "url": "ImagingStudy"}}), 400, "holds only ImagingStudy"),
    (bundle("batch", {"fullUrl": "urn:uuid:1", "request": {"method": "GET", "url": "metadata"}}), 200, "404 Not Found"),
], ids=["not a Bundle", "a collection", "entry not an array", "too many entries", "too many writes",
        "unknown method", "no url", "another server", "no resource", "bad Binary", "dangling urn:uuid",
        "other type's conditional reference", "metadata in a batch"])
def test_a_malformed_or_oversized_bundle_is_refused_with_an_outcome_naming_why(api, body, status, words):
    r = post(api, body)
    assert r.status == status and words in r.text, r.text
    if status != 200:
        assert r.json()["resourceType"] == "OperationOutcome"
    assert api("search", query="_total=accurate").json()["total"] == 0


def test_a_batch_that_runs_out_of_time_answers_every_entry_and_runs_no_more(api, monkeypatch):
    started = []
    real_check = deadline.check

    def expiring(work):  # the deadline passes once four entries have started their work
        if work == "writing":
            started.append(1)
        if len(started) > 4:
            raise deadline.DeadlineExceeded(f"the request ran out of time before {work}; it may be retried")
        return real_check(work)

    monkeypatch.setattr(deadline, "check", expiring)
    r = api("bundle", "batch", body=bundle("batch", *[
        {"resource": study(str(200 + n)), "request": {"method": "POST", "url": "ImagingStudy"}} for n in range(40)]))
    monkeypatch.undo()
    assert r.status == 200
    statuses = [e["response"]["status"] for e in r.json()["entry"]]
    assert len(statuses) == 40 and set(statuses) == {"201 Created", "503 Service Unavailable"}
    created = statuses.count("201 Created")
    assert 1 <= created <= 8 and api("search", query="_total=accurate").json()["total"] == created
