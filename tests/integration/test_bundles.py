"""Batch and transaction Bundles at POST /fhir/R5 over HTTP: urn:uuid references, all-or-nothing transactions,
the ceiling of one DynamoDB transaction, a 500-entry batch, and conditional creates of one UID racing."""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.test_conditional import found, new_uid, post, study
from tests.integration.test_interactions import FHIR_JSON, checked

DICOM = "urn:dicom:uid"


def bundle(kind: str, *entries: dict) -> str:
    return json.dumps({"resourceType": "Bundle", "type": kind, "entry": list(entries)})


def create_entry(resource: dict, full_url: str | None = None, **request) -> dict:
    entry = {"resource": resource, "request": {"method": "POST", "url": "ImagingStudy", **request}}
    return {"fullUrl": full_url, **entry} if full_url else entry


def send(http, kind: str, *entries: dict, path: str = ""):
    return checked(http.post(path, data=bundle(kind, *entries), headers=FHIR_JSON))


def urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def snapshot(http, *ids: str) -> dict[str, tuple[int, str]]:
    """Each study's status and current text: what a transaction that changes nothing leaves as it was."""
    return {rid: (r.status_code, r.text) for rid in ids for r in [checked(http.get(f"ImagingStudy/{rid}"))]}


def test_a_transaction_creates_two_studies_whose_urn_uuid_references_name_each_other(http):
    parent, child = urn(), urn()
    parent_uid, child_uid = new_uid(), new_uid()
    r = send(http, "transaction",
             create_entry(study(child_uid, partOf=[{"reference": parent}], basedOn=[{"reference": parent}]), child),
             create_entry(study(parent_uid), parent),
             {"request": {"method": "GET", "url": f"ImagingStudy?identifier={DICOM}|{child_uid}"}},
             path="/")
    assert r.status_code == 200
    answer = r.json()
    assert answer["type"] == "transaction-response" and len(answer["entry"]) == 3
    made = []
    for entry in answer["entry"][:2]:
        response = entry["response"]
        assert response["status"] == "201 Created"
        assert response["etag"] == 'W/"1"' and response["lastModified"] == entry["resource"]["meta"]["lastUpdated"]
        rid = entry["resource"]["id"]
        assert response["location"] == f"{http.base_url}/ImagingStudy/{rid}/_history/1"
        assert entry["fullUrl"] == f"{http.base_url}/ImagingStudy/{rid}"
        made.append(rid)
    child_id, parent_id = made
    stored_child = checked(http.get(f"ImagingStudy/{child_id}")).json()
    assert stored_child["partOf"] == [{"reference": f"ImagingStudy/{parent_id}"}]
    assert stored_child["basedOn"] == [{"reference": f"ImagingStudy/{parent_id}"}]
    assert checked(http.get(f"ImagingStudy/{parent_id}")).json()["identifier"][0]["value"] == parent_uid
    # The GET ran after the commit: it sees the child, as every later search does.
    searchset = answer["entry"][2]
    assert searchset["response"]["status"] == "200 OK"
    assert [e["resource"]["id"] for e in searchset["resource"]["entry"]] == [child_id]
    assert found(http, parent_uid) == [parent_id] and found(http, child_uid) == [child_id]


def test_conditional_references_resolve_to_the_one_matching_study(http):
    target_uid = new_uid()
    target = post(http, study(target_uid)).json()["id"]
    child_uid = new_uid()
    reference = f"ImagingStudy?identifier={DICOM}|{target_uid}"
    r = send(http, "transaction", create_entry(study(child_uid, partOf=[{"reference": reference}])))
    assert r.status_code == 200, r.text
    child = r.json()["entry"][0]["resource"]
    assert child["partOf"] == [{"reference": f"ImagingStudy/{target}"}]
    missing = send(http, "transaction", create_entry(study(new_uid(), partOf=[
        {"reference": f"ImagingStudy?identifier={DICOM}|{new_uid()}"}])))
    assert missing.status_code == 412 and "matches no study" in missing.text


def _stale_if_match(http, existing):
    return {"resource": {**existing, "description": "stale"},
            "request": {"method": "PUT", "url": f"ImagingStudy/{existing['id']}", "ifMatch": 'W/"1"'}}, 412


def _invalid_resource(http, existing):
    return create_entry({**study(new_uid()), "status": "done"}), 400


def _several_matches(http, existing):
    accession = f"acc-{uuid.uuid4().hex}"
    for _ in range(2):
        post(http, study(new_uid(), identifier=[{"system": DICOM, "value": new_uid()},
                                                {"system": "http://example.org/accession", "value": accession}]))
    return create_entry(study(new_uid()), ifNoneExist=f"identifier=http://example.org/accession|{accession}"), 412


@pytest.mark.parametrize("failing", [_stale_if_match, _invalid_resource, _several_matches],
                         ids=["stale ifMatch", "invalid resource", "conditional create with several matches"])
def test_a_transaction_with_one_failing_entry_changes_nothing_and_answers_that_entrys_outcome(http, failing):
    existing = post(http, study(new_uid())).json()
    checked(http.put(f"ImagingStudy/{existing['id']}", data=json.dumps({**existing, "description": "v2"}),
                     headers=FHIR_JSON))  # now at version 2
    to_delete = post(http, study(new_uid())).json()["id"]
    to_update = post(http, study(new_uid())).json()
    before = snapshot(http, existing["id"], to_delete, to_update["id"])
    new_uid_value = new_uid()
    bad, status = failing(http, existing)
    r = send(http, "transaction",
             {"request": {"method": "DELETE", "url": f"ImagingStudy/{to_delete}"}},
             create_entry(study(new_uid_value)),
             {"resource": {**to_update, "description": "changed"},
              "request": {"method": "PUT", "url": f"ImagingStudy/{to_update['id']}"}},
             bad)
    assert r.status_code == status, r.text
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"][0] == "Bundle.entry[3]"
    assert outcome["issue"][0]["diagnostics"].startswith("entry 3 (")
    assert snapshot(http, existing["id"], to_delete, to_update["id"]) == before
    assert found(http, new_uid_value) == []
    assert len(checked(http.get(f"ImagingStudy/{to_delete}/_history")).json()["entry"]) == 1


def test_a_transaction_beyond_one_dynamodb_transaction_is_413_and_writes_nothing(http):
    capability = checked(http.get("metadata")).json()["rest"][0]
    ceiling_text = next(i["documentation"] for i in capability["interaction"] if i["code"] == "transaction")
    ceiling = int(ceiling_text.split("up to ")[1].split()[0])
    fits = [new_uid() for _ in range(ceiling)]
    r = send(http, "transaction", *(create_entry(study(uid)) for uid in fits))
    assert r.status_code == 200 and all(e["response"]["status"] == "201 Created" for e in r.json()["entry"])
    assert all(len(found(http, uid)) == 1 for uid in fits)
    too_many = [new_uid() for _ in range(ceiling + 1)]
    r = send(http, "transaction", *(create_entry(study(uid)) for uid in too_many))
    assert r.status_code == 413, r.text
    assert "one atomic DynamoDB transaction" in r.text and "Nothing was written" in r.text
    assert all(found(http, uid) == [] for uid in too_many)


def test_a_transaction_for_another_resource_type_is_refused_whole_and_a_batch_answers_that_entry_alone(http):
    patient = {"resource": {"resourceType": "Patient"}, "request": {"method": "PUT", "url": "Patient/p1"}}
    uid = new_uid()
    r = send(http, "transaction", create_entry(study(uid)), patient)
    assert r.status_code == 404 and "holds only ImagingStudy" in r.text and "Bundle.entry[1]" in r.text
    assert found(http, uid) == []
    r = send(http, "batch", create_entry(study(uid)), patient)
    assert r.status_code == 200
    first, second = r.json()["entry"]
    assert first["response"]["status"] == "201 Created" and found(http, uid) == [first["resource"]["id"]]
    assert second["response"]["status"] == "404 Not Found"
    assert second["response"]["outcome"]["issue"][0]["expression"] == ["Bundle.entry[1]"]


def test_a_500_entry_batch_of_creates_updates_and_reads_answers_500_entries_in_order(http):
    existing = [post(http, study(new_uid())).json() for _ in range(20)]
    entries, expected = [], []
    for n in range(500):
        target = existing[n % len(existing)]
        kind = n % 3
        if kind == 0:
            uid = new_uid()
            entries.append(create_entry(study(uid, description=f"entry {n}")))
            expected.append(("201 Created", f"entry {n}"))
        elif kind == 1 and n // 3 < len(existing):  # one update per study: every update is version-checked
            target = existing[n // 3]
            entries.append({"resource": {**target, "description": f"entry {n}"},
                            "request": {"method": "PUT", "url": f"ImagingStudy/{target['id']}",
                                        "ifMatch": 'W/"1"'}})
            expected.append(("200 OK", f"entry {n}"))
        elif kind == 1:
            entries.append({"request": {"method": "GET", "url": f"ImagingStudy/{uuid.uuid4()}"}})
            expected.append(("404 Not Found", None))
        else:
            entries.append({"request": {"method": "GET", "url": f"ImagingStudy/{target['id']}/_history/1"}})
            expected.append(("200 OK", target.get("description")))
    r = send(http, "batch", *entries)
    assert r.status_code == 200
    answer = r.json()
    assert answer["type"] == "batch-response" and len(answer["entry"]) == 500
    for n, (entry, (status, description)) in enumerate(zip(answer["entry"], expected)):
        assert entry["response"]["status"] == status, (n, entry)
        if status == "404 Not Found":
            assert entry["response"]["outcome"]["issue"][0]["code"] == "not-found"
        else:
            assert entry["resource"].get("description") == description, n
    for n in range(1, 3 * len(existing), 3):
        updated = existing[n // 3]
        current = checked(http.get(f"ImagingStudy/{updated['id']}")).json()
        assert current["meta"]["versionId"] == "2" and current["description"] == f"entry {n}"


def test_16_concurrent_transactions_conditionally_creating_one_uid_make_exactly_one_study(http):
    uid = new_uid()

    def one(_):  # each with a study of its own besides, which lands with the winner's or its own retry
        body = bundle("transaction", create_entry(study(uid), ifNoneExist=f"identifier={DICOM}|{uid}"),
                      create_entry(study(new_uid())))
        return http.post("", data=body, headers=FHIR_JSON)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(16)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    statuses = sorted(a.json()["entry"][0]["response"]["status"] for a in answers)
    assert statuses == ["200 OK"] * 15 + ["201 Created"]
    ids = {a.json()["entry"][0]["resource"]["id"] for a in answers}
    assert len(ids) == 1 and found(http, uid) == list(ids)
