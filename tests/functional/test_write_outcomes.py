"""What a client is told when the database's answer to a write goes missing, and what a crash leaves behind.

A write is one TransactWriteItems. When its answer is lost (a read timeout after the commit) or botocore's retry
of it meets the first try's own items (moto, and DynamoDB after the token's ten minutes, fail the retry's
conditions), the write is stored and the client must be told so, exactly as if the answer had come back. A crash
between any two requests leaves either the previous state or the new version, which every search parameter finds
once the index repair (IndexCleanupFunction, driven by the table's stream) has run.
"""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from fhirimaging.search import index
from fhirimaging.store import dynamodb as dynamodb_store
from local.dynamodb import ensure_table
from local.functions import LambdaContext, load_handler
from tests.events import load_event
from tests.functional.conftest import BUCKET, FUNCTIONS, TABLE, TEMPLATE, repair_study_index
from tests.functional.test_large_studies import SOP_CT, large_study, objects

ENDPOINT = "https://dynamodb.us-east-1.amazonaws.com"


def small_study() -> dict:
    return json.loads(load_event("create")["body"])


STUDIES = {"small": small_study, "body-in-s3": lambda: large_study(instances=300)}  # over 98 terms too


def answer_lost(real):
    """The commit lands, its answer does not come back (botocore's retries ran out waiting)."""
    def transact(**kwargs):
        real(**kwargs)
        raise ReadTimeoutError(endpoint_url=ENDPOINT)
    return transact


def retried(real):
    """The commit lands, its answer is lost, and botocore sends the request again: the retry meets the first
    try's items and is cancelled (its ClientError is what the store sees)."""
    def transact(**kwargs):
        real(**kwargs)
        return real(**kwargs)
    return transact


FAULTS = {"answer-lost": answer_lost, "sdk-retry": retried}


def once(monkeypatch, client, name: str, fault) -> list[int]:
    """Wrap the client's next `name` call in `fault` (later ones pass); the list counts the calls it saw."""
    real, seen = getattr(client, name), []

    def call(**kwargs):
        seen.append(1)
        return (fault(real) if len(seen) == 1 else real)(**kwargs)

    monkeypatch.setattr(client, name, call)
    return seen


def write(api, interaction: str, rid: str | None, resource: dict | None):
    if interaction == "create":
        return api("create", body=resource)
    if interaction == "update":
        return api("update", id=rid, body={**resource, "description": "changed"})
    if interaction == "update If-Match":
        return api("update", id=rid, body={**resource, "description": "changed"}, headers={"If-Match": 'W/"1"'})
    if interaction == "patch":
        return api("patch", id=rid, body=[{"op": "add", "path": "/description", "value": "changed"}])
    return api("delete", id=rid)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("study", STUDIES)
@pytest.mark.parametrize("interaction", ["create", "update", "update If-Match", "patch", "delete"])
def test_a_stored_write_whose_answer_was_lost_answers_as_stored(stack, monkeypatch, interaction, study, fault):
    api, store, s3_client, _, _ = stack
    monkeypatch.setattr(dynamodb_store, "INLINE_BODY_LIMIT", 1_000)
    sent = STUDIES[study]()
    # GIVEN a study at version 1 (except for a create)
    rid = None if interaction == "create" else api("create", body=sent).json()["id"]
    resource = sent if rid is None else api("read", id=rid).json()
    # WHEN the write's transaction is stored but its answer goes missing
    seen = once(monkeypatch, store._client, "transact_write_items", FAULTS[fault])
    response = write(api, interaction, rid, resource)
    assert seen and (study == "small" or objects(s3_client))
    # THEN the client is told what a clean answer would have told it
    if interaction == "delete":
        assert response.status == 204
        assert api("read", id=rid).status == 410
        assert api("search", query="subject=Patient/large,Patient/example").json()["total"] == 0
        versions = ['W/"2"', 'W/"1"']
    else:
        version = "1" if interaction == "create" else "2"
        assert response.status == (201 if interaction == "create" else 200), response.text
        assert response.headers["etag"] == f'W/"{version}"'
        rid = response.json()["id"]
        if interaction == "create":
            assert response.headers["location"].endswith(f"/ImagingStudy/{rid}/_history/1")
        read = api("read", id=rid)
        assert read.headers["etag"] == f'W/"{version}"' and read.json() == response.json()
        expected_description = None if interaction == "create" else "changed"
        assert read.json().get("description") == expected_description
        # findable at once by its findability terms, and by every other once the repair ran
        subject = sent["subject"]["reference"]
        assert [e["resource"]["id"] for e in api("search", query=f"subject={subject}&status=available&modality=CT"
                                                 ).json()["entry"]] == [rid]
        repair_study_index(rid)
        instance = sent["series"][-1]["instance"][-1]["uid"]
        assert api("search", query=f"instance={instance}").json()["total"] == 1
        versions = [f'W/"{n}"' for n in range(int(version), 0, -1)]
    # AND history holds each version once
    assert [e["response"]["etag"] for e in api("history", id=rid).json()["entry"]] == versions


def test_a_stored_write_whose_check_is_throttled_at_first_still_answers_as_stored(stack, monkeypatch):
    api, store, _, _, _ = stack
    once(monkeypatch, store._client, "transact_write_items", answer_lost)
    once(monkeypatch, store._client, "get_item", lambda real: _throttled)
    response = api("create", body=small_study())
    assert response.status == 201 and response.headers["etag"] == 'W/"1"'
    assert api("read", id=response.json()["id"]).json() == response.json()


def _throttled(**_):
    raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "GetItem")


def raw(function: str, **overrides) -> tuple[int, dict, dict]:
    """A handler's answer, whatever its status (the Api helper refuses 5xx)."""
    fn = TEMPLATE.function(FUNCTIONS[function])
    answer = load_handler(fn)(load_event(function, **overrides), LambdaContext(fn))
    return answer["statusCode"], {k.lower(): v for k, v in answer["headers"].items()}, json.loads(answer["body"])


def test_a_write_nobody_can_tell_the_fate_of_answers_503_and_says_to_read_first(stack, monkeypatch):
    api, store, _, _, _ = stack

    def unreachable(**_):
        raise EndpointConnectionError(endpoint_url=ENDPOINT)

    monkeypatch.setattr(store._client, "transact_write_items", unreachable)
    status, headers, outcome = raw("create", body=small_study())
    assert status == 503 and headers["retry-after"] == "1"
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "transient"
    assert "read the resource before retrying" in outcome["issue"][0]["diagnostics"]
    monkeypatch.setattr(store._client, "get_item", unreachable)  # not even the check gets through
    status, _, outcome = raw("create", body=small_study())
    assert status == 503 and "may or may not be stored" in outcome["issue"][0]["diagnostics"]
    monkeypatch.undo()
    assert api("search").json()["total"] == 0


def test_store_errors_reach_the_client_as_503_operation_outcomes_never_500(stack, monkeypatch):
    api, store, s3_client, _, _ = stack
    rid = api("create", body=large_study(instances=3000)).json()["id"]
    # an object the items name is gone (a fault of the bucket, not of the request)
    (key,) = objects(s3_client)
    s3_client.delete_object(Bucket=BUCKET, Key=key)
    status, _, outcome = raw("read", id=rid)
    assert status == 503 and outcome["issue"][0]["code"] == "transient"

    def refused(**_):  # an error the store has no better name for
        raise ClientError({"Error": {"Code": "ValidationException", "Message": "injected"}}, "GetItem")

    monkeypatch.setattr(store._client, "get_item", refused)
    assert raw("read", id=rid)[0] == 503
    monkeypatch.setattr(store._client, "get_item", lambda **_: (_ for _ in ()).throw(
        ReadTimeoutError(endpoint_url=ENDPOINT)))
    assert raw("read", id=rid)[0] == 503


@pytest.fixture
def requests_made(dynamodb, s3):
    made: list[str] = []

    def record(model, **_):
        made.append(model.name)

    for client in (dynamodb, s3):
        client.meta.events.register("after-call", record)
    try:
        yield made
    finally:
        for client in (dynamodb, s3):
            client.meta.events.unregister("after-call", record)


@pytest.mark.parametrize("study", STUDIES)
def test_the_commit_is_the_last_request_of_a_write_so_nothing_after_it_can_fail(stack, requests_made, study):
    api = stack[0]
    requests_made.clear()
    assert api("create", body=STUDIES[study]()).status == 201
    assert requests_made[-1] == "TransactWriteItems" and requests_made.count("TransactWriteItems") == 1


def test_a_write_whose_findability_terms_do_not_fit_one_transaction_is_refused_before_anything_is_written(
        stack, requests_made):
    api = stack[0]
    study = small_study()
    study["identifier"] = [{"system": "urn:example", "value": f"accession-{n}"} for n in range(60)]
    requests_made.clear()
    response = api("create", body=study)
    assert response.status == 422 and "one write takes at most 98" in response.json()["issue"][0]["diagnostics"]
    assert requests_made == [] and api("search").json()["total"] == 0


# crash at any request


class Crash(BaseException):
    """The process dies: nothing catches it, nothing after it runs."""


class CrashAt:
    """Counts the AWS requests of the clients and crashes at the `at`-th: before it is sent or after it was."""

    def __init__(self, clients, at: int | None = None, after: bool = False):
        self.clients, self.at, self.after, self.made = clients, at, after, []

    def _before(self, model, **_):
        self.made.append(model.name)
        if len(self.made) == self.at and not self.after:
            raise Crash(f"before {model.name}")

    def _after(self, model, **_):
        if len(self.made) == self.at and self.after:
            raise Crash(f"after {model.name}")

    def __enter__(self):
        for client in self.clients:
            client.meta.events.register("before-call", self._before)
            client.meta.events.register("after-call", self._after)
        return self

    def __exit__(self, *exc):
        for client in self.clients:
            client.meta.events.unregister("before-call", self._before)
            client.meta.events.unregister("after-call", self._after)
        return exc[0] is Crash  # the crash ends the steps inside; the test goes on as the next process


def fresh_table(dynamodb, s3_client) -> None:
    dynamodb.delete_table(TableName=TABLE)
    ensure_table(dynamodb, TABLE, TEMPLATE.table_properties)
    for key in objects(s3_client):
        s3_client.delete_object(Bucket=BUCKET, Key=key)


def changed(study: dict) -> dict:
    """Version 2: the first series loses its first 20 instances, the last gains 20."""
    new = json.loads(json.dumps(study))
    new["series"][0]["instance"] = new["series"][0]["instance"][20:]
    new["series"][-1]["instance"] += [{**i, "uid": i["uid"] + ".2", "number": i["number"] + 10_000}
                                      for i in new["series"][-1]["instance"][:20]]
    return new


def findable(api, rid: str, study: dict, dropped: list[str] = (), every_series: bool = True) -> None:
    """Every search parameter finds the study by its current content, and not by what it no longer has."""
    resource = api("read", id=rid).json()
    last_updated = resource["meta"]["lastUpdated"]
    series = study["series"] if every_series else study["series"][-1:]  # moto reads every item per GSI query
    queries = ["", f"_lastUpdated=ge{last_updated}", "patient=Patient/large",
               f"identifier={study['identifier'][0]['system']}|{study['identifier'][0]['value']}",
               "status=available", "modality=CT", f"dicom-class={SOP_CT}",
               *(f"series={s['uid']}" for s in series),
               *(f"instance={i['uid']}" for s in series for i in (s["instance"][0], s["instance"][-1]))]
    for query in queries:
        bundle = api("search", query=f"{query}&_summary=count" if query else "_summary=count").json()
        assert bundle["total"] == 1, query
    assert set(index.index_entries(resource, rid, last_updated)) == set(
        repair_entries(api, rid))  # nothing stale is left either
    for uid in dropped:
        assert api("search", query=f"instance={uid}&_summary=count").json()["total"] == 0


def repair_entries(api, rid: str) -> list[str]:
    from fhirimaging import runtime

    return list(runtime.store().index_items(rid))


CRASH_WRITES = {  # interaction, body kept in S3
    "create, body in S3": ("create", True),
    "update, body in S3": ("update", True),
    "update If-Match, body in the items": ("update If-Match", False),
}


@pytest.mark.parametrize("after", [False, True], ids=["before-request", "after-request"])
@pytest.mark.parametrize("name", CRASH_WRITES)
def test_a_crash_at_any_request_of_a_large_write_and_its_repair_leaves_the_old_or_the_new_study_fully_findable(
        stack, dynamodb, monkeypatch, name, after):
    api, store, s3_client, _, _ = stack
    interaction, in_s3 = CRASH_WRITES[name]
    monkeypatch.setattr(dynamodb_store, "INLINE_BODY_LIMIT", 1_000 if in_s3 else 350_000)
    v1 = large_study(instances=200)  # about 220 index terms: two transactions beyond the first
    v2 = changed(v1)
    dropped = [i["uid"] for i in v1["series"][0]["instance"][:20]]

    def given() -> str | None:
        if interaction == "create":
            return None
        rid = api("create", body=v1).json()["id"]
        repair_study_index(rid)
        return rid

    def steps(rid: str | None) -> None:
        """The write, then the repair pass its stream record starts."""
        if rid is None:
            rid = write(api, "create", None, v1).json()["id"]
        else:
            write(api, interaction, rid, {**v2, "id": rid})
        repair_study_index(rid)

    # every request the write and its repair make, counted on a clean run
    fresh_table(dynamodb, s3_client)
    rid = given()
    with CrashAt([dynamodb, s3_client]) as counted:
        steps(rid)
    assert len(counted.made) >= 4, counted.made
    for at in range(1, len(counted.made) + 1):
        fresh_table(dynamodb, s3_client)
        rid = given()
        with CrashAt([dynamodb, s3_client], at, after):  # WHEN the process dies at request `at`
            steps(rid)
        # THEN once the stream's next delivery runs the repair, the study is the old one or the new one, whole
        listed = api("search", query="_summary=true").json().get("entry", [])
        if interaction == "create":
            if not listed:  # died before the commit: nothing of it is visible
                assert not api("type_history").json().get("entry"), (at, counted.made)
                continue
            rid = listed[0]["resource"]["id"]
        repair_study_index(rid)
        version = api("read", id=rid).headers["etag"]
        history = [e["response"]["etag"] for e in api("history", id=rid).json()["entry"]]
        expected = v1 if interaction == "create" or version == 'W/"1"' else v2
        assert without_meta(api("read", id=rid).json()) == without_meta({**expected, "id": rid}), (at, counted.made)
        assert history == [f'W/"{n}"' for n in range(int(version[3:-1]), 0, -1)]
        findable(api, rid, expected, dropped if expected is v2 else [])


def without_meta(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k not in ("meta", "description")}


class CrashAtWrite(CrashAt):
    """Crashes before (or after) the `at`-th TransactWriteItems."""

    def _before(self, model, **_):
        self.made.append(model.name)
        if self._reached(model) and not self.after:
            raise Crash(f"before {model.name}")

    def _after(self, model, **_):
        if self._reached(model) and self.after:
            raise Crash(f"after {model.name}")

    def _reached(self, model) -> bool:
        return model.name == "TransactWriteItems" and self.made.count(model.name) == self.at


def test_a_10000_instance_study_whose_repair_died_midway_is_fully_findable_after_the_next_repair(stack, dynamodb):
    # (a writer dying at any request of such a write: the test below)
    api, _, s3_client, _, _ = stack
    sent = large_study()
    rid = api("create", body=sent).json()["id"]
    with CrashAtWrite([dynamodb, s3_client], 50):  # half its writes done
        repair_study_index(rid)
    repair_study_index(rid)
    findable(api, rid, sent, every_series=False)


# The requests of a write of a 10,000-instance study (its body goes to S3): an update without If-Match reads the
# current version (its item, then its body) first.
PLANNED_REQUESTS = {"create": ["PutObject", "TransactWriteItems"],
                    "update": ["GetItem", "GetObject", "PutObject", "TransactWriteItems"]}


@pytest.mark.parametrize("interaction", PLANNED_REQUESTS)
def test_a_crash_between_any_two_requests_of_a_10000_instance_write_leaves_a_study_found_after_the_repair(
        stack, dynamodb, interaction):
    api, _, s3_client, _, _ = stack
    v1 = large_study()
    v2 = changed(v1)
    dropped = [i["uid"] for i in v1["series"][0]["instance"][:20]]
    fresh_table(dynamodb, s3_client)
    rid = None if interaction == "create" else api("create", body=v1).json()["id"]
    if rid is not None:
        repair_study_index(rid)
        findable(api, rid, v1, every_series=False)
    before = repair_entries(api, rid) if rid is not None else None

    def the_write():
        return write(api, interaction, rid, v1 if rid is None else {**v2, "id": rid})

    # a crash before or after each request of the write; only the last one can follow its commit, so the
    # earlier ones all start from the same stored state
    points = [(at, after) for at in range(1, len(PLANNED_REQUESTS[interaction]) + 1) for after in (False, True)]
    for at, after in points:
        with CrashAt([dynamodb, s3_client], at, after) as crashed:  # WHEN the process dies at this request
            the_write()
        assert crashed.made[:at] == PLANNED_REQUESTS[interaction][:at]
        committed = crashed.made[at - 1] == "TransactWriteItems" and after
        listed = api("search", query="_summary=true").json().get("entry", [])
        if interaction == "create" and not committed:  # nothing of it is visible
            assert not listed and not api("type_history").json().get("entry"), (at, after)
            continue
        (entry,) = listed
        if not committed:  # nothing of it was stored: the study's items are as they were, found by everything
            assert api("read", id=rid).headers["etag"] == 'W/"1"' and repair_entries(api, rid) == before, (at, after)
            continue
        # THEN once the index repair has run, the study is the new version, found by everything
        repair_study_index(entry["resource"]["id"])
        current = v2 if interaction == "update" else v1
        assert api("read", id=entry["resource"]["id"]).headers["etag"] == ('W/"2"' if current is v2 else 'W/"1"')
        findable(api, entry["resource"]["id"], current, dropped if current is v2 else [], every_series=False)


def test_an_if_match_update_that_meets_a_concurrent_transaction_is_tried_again_not_answered_412(stack, monkeypatch):
    # GIVEN a study at version 1, and the index repair (or any transaction) busy on its items
    api, store, _, _, _ = stack
    rid = api("create", body=small_study()).json()["id"]
    real, calls = store._client.transact_write_items, []

    def busy(**kwargs):
        calls.append(kwargs)
        if len(calls) <= 2:  # the write without a read, then the read path's first try
            raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "injected"},
                               "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]},
                              "TransactWriteItems")
        return real(**kwargs)

    monkeypatch.setattr(store._client, "transact_write_items", busy)
    resource = api("read", id=rid).json()
    response = api("update", id=rid, body={**resource, "description": "changed"}, headers={"If-Match": 'W/"1"'})
    # THEN the write lands at version 2, each try with a token of its own
    assert response.status == 200 and response.headers["etag"] == 'W/"2"'
    assert len(calls) == 3 and len({c["ClientRequestToken"] for c in calls}) == 3
