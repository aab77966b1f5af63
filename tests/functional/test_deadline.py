"""The request deadline over the real handlers and DynamoDB adapter (moto): a request that runs out of time
answers 503 + OperationOutcome + Retry-After and changes nothing; a write that committed is answered as written.

Time is a clock the test controls: each DynamoDB call "takes" as long as the test says (botocore's after-call
event advances it), so the deadline passes at a known point of the request.
"""
from __future__ import annotations

import json

import pytest
from moto import mock_aws

from fhirimaging import deadline, runtime
from fhirimaging.service import ImagingStudyService
from fhirimaging.settings import Settings
from fhirimaging.store.dynamodb import DynamoDbStore
from local.dynamodb import ensure_table
from local.functions import LambdaContext, load_handler
from tests.events import load_event
from tests.functional.conftest import FUNCTIONS, SECRET, TABLE, TEMPLATE
from tests.functional.test_search_index_writes import study_with_instances
from tests.uids import own_uid

BUDGET = 2.5  # seconds of the fake clock a request may use


class SlowDynamoDB:
    """Advances the deadline's clock by `seconds[operation]` after each DynamoDB call of that name."""

    def __init__(self, dynamodb, monkeypatch) -> None:
        self.now, self.seconds, self.calls = 0.0, {}, []
        monkeypatch.setattr(deadline, "_clock", lambda: self.now)
        self._events = dynamodb.meta.events
        self._events.register("after-call.dynamodb", self._after)

    def _after(self, model, **_) -> None:
        self.calls.append(model.name)
        self.now += self.seconds.get(model.name, self.seconds.get("*", 0.0))

    def close(self) -> None:
        self._events.unregister("after-call.dynamodb", self._after)


@pytest.fixture
def slow(dynamodb, monkeypatch):
    with mock_aws():
        ensure_table(dynamodb, TABLE, TEMPLATE.table_properties)
        store = DynamoDbStore(dynamodb, TABLE)
        runtime.override(Settings(table_name=TABLE, cursor_secret=SECRET, request_deadline_seconds=BUDGET),
                         ImagingStudyService(store, SECRET), store_value=store)
        clock = SlowDynamoDB(dynamodb, monkeypatch)
        try:
            yield clock
        finally:
            clock.close()
            runtime.override()


def invoke(function: str, event_name: str | None = None, **overrides) -> dict:
    fn = TEMPLATE.function(FUNCTIONS[function])
    raw = load_handler(fn)(load_event(event_name or function, **overrides), LambdaContext(fn))
    return {**raw, "headers": {k.lower(): v for k, v in raw["headers"].items()}}


def create(body: dict | None = None) -> str:
    body = body or own_uid(json.loads(load_event("create")["body"]))
    response = invoke("create", body=body)
    assert response["statusCode"] == 201, response["body"]
    return json.loads(response["body"])["id"]


def stored(dynamodb, resource_id: str) -> list[dict]:
    """Every base-table item of the study (versions, current, index), in key order."""
    return dynamodb.query(TableName=TABLE, KeyConditionExpression="pk = :pk", ConsistentRead=True,
                          ExpressionAttributeValues={":pk": {"S": f"ImagingStudy#{resource_id}"}})["Items"]


def assert_timed_out(response: dict) -> None:
    assert response["statusCode"] == 503
    headers = response["headers"]
    assert headers["retry-after"] and headers["content-type"].startswith("application/fhir+json")
    outcome = json.loads(response["body"])
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "timeout"


def test_a_search_whose_reads_outlast_the_deadline_answers_503_with_an_operation_outcome(slow):
    # GIVEN three CT studies, and an index query that takes longer than the whole budget
    for _ in range(3):
        create()
    slow.calls.clear()
    slow.seconds = {"Query": BUDGET + 0.5}
    # WHEN a search needs a second request (the index, then the studies)
    response = invoke("search", query="modality=CT")
    # THEN it stops before that request and says so
    assert_timed_out(response)
    assert slow.calls == ["Query"]


def test_a_patch_that_runs_out_of_time_before_its_write_answers_503_and_changes_nothing(slow, dynamodb):
    # GIVEN a study, and a read of its current version that uses up the whole budget
    resource_id = create()
    before = stored(dynamodb, resource_id)
    slow.calls.clear()
    slow.seconds = {"GetItem": BUDGET + 1}
    # WHEN it is patched
    response = invoke("patch", id=resource_id)
    # THEN the write is never started, the answer is a 503, and the study is as it was
    assert_timed_out(response)
    assert slow.calls == ["GetItem"]
    assert stored(dynamodb, resource_id) == before


def test_a_write_whose_commit_outlasted_the_deadline_is_answered_as_written(slow, dynamodb):
    # GIVEN a study with more index entries than one transaction holds, and a commit that takes longer than the
    # whole budget
    slow.seconds = {"TransactWriteItems": BUDGET + 1}
    # WHEN it is created (the transaction, then the rest of its index in batches after the deadline)
    response = invoke("create", body=study_with_instances(150))
    # THEN the committed write is answered normally, with every index entry written
    assert response["statusCode"] == 201, response["body"]
    assert slow.calls[0] == "TransactWriteItems" and "BatchWriteItem" in slow.calls
    resource_id = json.loads(response["body"])["id"]
    index_items = [item for item in stored(dynamodb, resource_id) if item["sk"]["S"].startswith("i#")]
    assert len(index_items) > 100


def test_an_update_that_commits_in_time_is_unaffected(slow):
    resource_id = create()
    slow.seconds = {"*": 1.0}
    body = {**json.loads(load_event("update")["body"]), "id": resource_id}
    assert invoke("update", id=resource_id, body=body)["statusCode"] == 200
