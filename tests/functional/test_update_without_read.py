"""An If-Match update is ONE TransactWriteItems: no read, every index entry of the new version put (as many as
fit, findability terms first), the old version's other terms left for the index repair that the table's stream
drives (IndexCleanupFunction). Whatever the write cannot settle (a stale If-Match, a deleted study, a clock
behind the last write) goes the read-then-write way and answers exactly as that path alone does."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from fhirimaging import runtime
from fhirimaging.search import index
from fhirimaging.service import ImagingStudyService
from fhirimaging.settings import Settings
from fhirimaging.store.dynamodb import DynamoDbStore, pending_study
from local.dynamodb import ensure_table
from tests.clock import Clock
from tests.events import load_event
from tests.functional.conftest import SECRET, TABLE, TEMPLATE, run_index_repair, stream_event
from tests.functional.test_search_index_writes import ids, study_with_instances

CT = "modality|*|CT"
MR = "modality|*|MR"


class ReadFirst(DynamoDbStore):
    """The store as it was before writes without a read: every update reads the current version first."""

    def put_version_unread(self, new, expected_version, index) -> bool:
        return False


@pytest.fixture
def requests_made(dynamodb):
    """The DynamoDB operations the handlers call, in order (botocore's after-call event)."""
    made: list[str] = []

    def record(model, **_):
        made.append(model.name)

    dynamodb.meta.events.register("after-call.dynamodb", record)
    try:
        yield made
    finally:
        dynamodb.meta.events.unregister("after-call.dynamodb", record)


def wire(dynamodb, store_class) -> Clock:
    """A fresh table and a service over it, with a clock that moves only when told (the same in every run)."""
    dynamodb.delete_table(TableName=TABLE)
    ensure_table(dynamodb, TABLE, TEMPLATE.table_properties)
    clock, store = Clock(datetime(2026, 3, 1, tzinfo=timezone.utc)), store_class(dynamodb, TABLE)
    runtime.override(Settings(table_name=TABLE, cursor_secret=SECRET),
                     ImagingStudyService(store, SECRET, clock=clock), store_value=store)
    return clock


def put(api, rid: str, body: dict, if_match: int | None = None):
    headers = {"If-Match": f'W/"{if_match}"'} if if_match is not None else None
    return api("update", id=rid, body={**body, "id": rid}, headers=headers)


def example(modality: str = "CT", description: str | None = None) -> dict:
    body = json.loads(load_event("create")["body"])
    body["series"][0]["modality"]["coding"][0]["code"] = modality
    if description is not None:
        body["description"] = description
    return body


def items(dynamodb, rid: str) -> dict[str, dict]:
    """Every base-table item of the study, by sort key (one Query on its partition)."""
    found, kwargs = {}, dict(TableName=TABLE, KeyConditionExpression="pk = :pk",
                             ExpressionAttributeValues={":pk": {"S": f"ImagingStudy#{rid}"}}, ConsistentRead=True)
    while True:
        page = dynamodb.query(**kwargs)
        found.update({item["sk"]["S"]: item for item in page["Items"]})
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def index_items(dynamodb, rid: str) -> dict[str, dict]:
    return {sk[2:]: item for sk, item in items(dynamodb, rid).items() if sk.startswith("i#")}


def entries_of(api, rid: str) -> dict[str, str]:
    """The index entries (term -> GSI sort key) the current version of the study should have."""
    resource = api("read", id=rid).json()
    return index.index_entries(resource, rid, resource["meta"]["lastUpdated"])


def clean(dynamodb, streams) -> dict:
    return run_index_repair(dynamodb, streams)


def without_write_ids(found: dict[str, dict]) -> dict[str, dict]:
    """Items without `writeId`: a token of its own for every write, the same in no two runs."""
    return {sk: {k: v for k, v in item.items() if k != "writeId"} for sk, item in found.items()}


def test_an_if_match_update_is_one_transaction_that_puts_every_entry_of_the_new_version(api, dynamodb,
                                                                                         requests_made):
    # GIVEN a study at version 1, indexed by modality CT
    rid = api("create", body=example("CT")).json()["id"]
    assert CT in index_items(dynamodb, rid)
    # WHEN it is updated with If-Match: W/"1" to modality MR
    requests_made.clear()
    response = put(api, rid, example("MR", "second"), if_match=1)
    # THEN the update took exactly one DynamoDB request, and answered as any update does
    assert requests_made == ["TransactWriteItems"]
    assert response.status == 200 and response.headers["etag"] == 'W/"2"'
    stored = items(dynamodb, rid)
    assert stored["v#0000000002"]["body"] == stored["current"]["body"]
    assert stored["current"]["version"] == {"N": "2"} and stored["current"]["indexPending"] == {"BOOL": True}
    # AND every entry of version 2 was put by version 2, at its sort key
    expected = entries_of(api, rid)
    assert MR in expected and CT not in expected
    found = index_items(dynamodb, rid)
    assert {t: (i["s_sk"]["S"], i["v"]["N"]) for t, i in found.items() if t in expected} == {
        t: (k, "2") for t, k in expected.items()}
    # AND the only other entry is the stale CT one of version 1: a search by it no longer finds the study
    assert {t: i["v"]["N"] for t, i in found.items() if t not in expected} == {
        CT: "1", "modality|http://dicom.nema.org/resources/ontology/DCM|CT": "1"}
    assert ids(api("search", query="modality=CT").json()) == []
    assert ids(api("search", query="modality=MR").json()) == [rid]


def test_the_stream_cleanup_deletes_exactly_the_stale_entries(api, dynamodb, streams):
    rid = api("create", body=example("CT")).json()["id"]
    put(api, rid, example("MR"), if_match=1)
    # WHEN the stream reaches the cleanup function
    event = stream_event(dynamodb, streams)
    assert [pending_study(r) for r in event["Records"] if pending_study(r) is not None] == [rid]
    assert clean(dynamodb, streams) == {"batchItemFailures": []}
    # THEN the index holds exactly the entries of the current version
    assert {t: i["s_sk"]["S"] for t, i in index_items(dynamodb, rid).items()} == entries_of(api, rid)
    # AND delivering the records again (at-least-once) changes nothing
    assert clean(dynamodb, streams) == {"batchItemFailures": []}
    assert set(index_items(dynamodb, rid)) == set(entries_of(api, rid))


@pytest.mark.parametrize("readds", ["with If-Match", "without If-Match"])
def test_a_term_a_later_version_has_again_survives_a_late_cleanup_of_an_earlier_update(api, dynamodb, streams,
                                                                                        readds):
    # GIVEN CT (v1), MR by an If-Match update (v2: CT left stale), CT again (v3) by either kind of update
    rid = api("create", body=example("CT")).json()["id"]
    put(api, rid, example("MR"), if_match=1)
    put(api, rid, example("CT", "third"), if_match=2 if readds == "with If-Match" else None)
    # WHEN the cleanup of v1 -> v2 (CT is stale) runs only now
    assert clean(dynamodb, streams) == {"batchItemFailures": []}
    # THEN CT, written again by v3, stays; only MR (in v2, not in v3) is gone
    found = index_items(dynamodb, rid)
    assert found[CT]["v"] == {"N": "3"} and MR not in found
    assert set(found) == set(entries_of(api, rid))
    assert ids(api("search", query="modality=CT").json()) == [rid]
    assert ids(api("search", query="modality=MR").json()) == []


def test_an_update_without_if_match_reads_first_and_leaves_nothing_stale(api, dynamodb, streams, requests_made):
    rid = api("create", body=example("CT")).json()["id"]
    requests_made.clear()
    assert put(api, rid, example("MR")).status == 200
    assert requests_made == ["GetItem", "TransactWriteItems"]
    assert "indexPending" not in items(dynamodb, rid)["current"]
    assert set(index_items(dynamodb, rid)) == set(entries_of(api, rid))
    assert not [r for r in stream_event(dynamodb, streams)["Records"] if pending_study(r) is not None]


def test_a_throttled_delete_reports_its_record_so_that_lambda_resumes_there(api, dynamodb, streams, monkeypatch):
    rid = api("create", body=example("CT")).json()["id"]
    put(api, rid, example("MR"), if_match=1)

    def throttled(**_):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "TransactWriteItems")

    monkeypatch.setattr(dynamodb, "transact_write_items", throttled)
    (marked,) = [r for r in stream_event(dynamodb, streams)["Records"] if pending_study(r) is not None]
    result = clean(dynamodb, streams)
    assert result == {"batchItemFailures": [{"itemIdentifier": marked["dynamodb"]["SequenceNumber"]}]}
    assert CT in index_items(dynamodb, rid)


# Each scenario: the writes (body or None for a delete, If-Match) before the compared If-Match update of "s",
# that update's body and If-Match, and its expected status and ETag.
BIG = study_with_instances(120)  # 120 instance terms: more than one transaction holds
SCENARIOS = {
    "current": ([(example("CT"), None)], example("MR"), 1, (200, 'W/"2"')),
    "stale If-Match": ([(example("CT"), None), (example("MR"), None)], example("CT"), 1, (412, None)),
    "no such study": ([], example("CT"), 1, (412, None)),
    "deleted study": ([(example("CT"), None), (None, None)], example("MR"), 2, (201, 'W/"3"')),
    "If-Match and If-None-Match": ([(example("CT"), None)], example("MR"), 1, (412, None)),
    "clock behind the last write": ([(example("CT"), None)], example("MR"), 1, (200, 'W/"2"')),
}
# ... and those a write without a read now settles in its one request, leaving more than the read path to the repair
SETTLED = {
    "current": SCENARIOS["current"],
    "new version too large for one transaction": ([(example("CT"), None)], BIG, 1, (200, 'W/"2"')),
    "old version too large for one transaction": ([(BIG, None)], example("MR"), 1, (200, 'W/"2"')),
}


def run(api, dynamodb, requests_made, name: str, store_class) -> tuple:
    """One scenario on a fresh table: the compared response, the requests it took, and the study's items after."""
    clock = wire(dynamodb, store_class)
    before, body, if_match, _ = {**SCENARIOS, **SETTLED}[name]
    for previous, previous_match in before:
        clock.advance()
        if previous is None:
            assert api("delete", id="s").status == 204
        else:
            assert put(api, "s", previous, previous_match).status in (200, 201)
    clock.advance(minutes=-5 if name == "clock behind the last write" else 0, seconds=1)
    headers = {"If-Match": f'W/"{if_match}"', **({"If-None-Match": "*"} if "If-None-Match" in name else {})}
    requests_made.clear()
    response = api("update", id="s", body={**body, "id": "s"}, headers=headers)
    return (response.status, response.headers, response.text), list(requests_made), without_write_ids(
        items(dynamodb, "s"))


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "current"])
def test_what_the_write_without_a_read_cannot_settle_answers_exactly_as_the_read_then_write_path(
        api, dynamodb, requests_made, name):
    # GIVEN the same history on a fresh table, once with writes without a read and once with reads first
    fast, fast_requests, fast_items = run(api, dynamodb, requests_made, name, DynamoDbStore)
    slow, slow_requests, slow_items = run(api, dynamodb, requests_made, name, ReadFirst)
    # THEN the If-Match update answers the same (status, headers, body), as expected of the scenario
    assert fast == slow
    assert (fast[0], fast[1].get("etag")) == SCENARIOS[name][3]
    # AND it stored the same items: a refused write without a read wrote nothing
    assert fast_items == slow_items
    # AND it made the read path's requests, after at most one refused transaction
    refused = fast_requests[:len(fast_requests) - len(slow_requests)]
    assert fast_requests[len(refused):] == slow_requests and refused in ([], ["TransactWriteItems"])


@pytest.mark.parametrize("name", list(SETTLED))
def test_where_it_can_settle_it_one_request_answers_as_the_two_of_the_read_path(api, dynamodb, streams,
                                                                                 requests_made, name):
    fast, fast_requests, _ = run(api, dynamodb, requests_made, name, DynamoDbStore)
    assert clean(dynamodb, streams) == {"batchItemFailures": []}
    fast_index = {t: i["s_sk"]["S"] for t, i in index_items(dynamodb, "s").items()}
    slow, slow_requests, _ = run(api, dynamodb, requests_made, name, ReadFirst)
    assert clean(dynamodb, streams) == {"batchItemFailures": []}
    assert fast == slow and (fast[0], fast[1].get("etag")) == SETTLED[name][3]
    assert fast_requests == ["TransactWriteItems"] and slow_requests == ["GetItem", "TransactWriteItems"]
    # AND once the index repair ran, both hold exactly the current version's entries
    assert fast_index == {t: i["s_sk"]["S"] for t, i in index_items(dynamodb, "s").items()} == entries_of(api, "s")


def test_a_clock_behind_the_last_write_still_moves_last_updated_forward(api, dynamodb, requests_made):
    (status, _, text), requests, _ = run(api, dynamodb, requests_made, "clock behind the last write", DynamoDbStore)
    first = api("vread", id="s", vid="1").json()["meta"]["lastUpdated"]
    assert status == 200 and requests == ["TransactWriteItems", "GetItem", "TransactWriteItems"]
    assert json.loads(text)["meta"]["lastUpdated"] == (datetime.fromisoformat(first) + timedelta(milliseconds=1)
                                                       ).isoformat(timespec="milliseconds").replace("+00:00", "Z")
