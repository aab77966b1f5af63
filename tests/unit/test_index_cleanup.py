"""The stale index terms a stream record tells of, and how the local stack hands the stream to the functions
the template feeds from it (each with its own filter patterns and batch size)."""
from __future__ import annotations

import base64
import copy
import json
from types import SimpleNamespace

import pytest

from fhirimaging.store.dynamodb import StaleTerms, stale_terms
from local.changes import StreamPoller, matches
from local.template import load_template
from tests.events import EVENTS

STALE_CT = frozenset({"modality|*|CT", "modality|http://dicom.nema.org/resources/ontology/DCM|CT"})


@pytest.fixture(scope="module")
def template():
    return load_template()


def cleanup_record() -> dict:
    """The MODIFY of a current item that an If-Match update wrote without a read (CT -> MR), as Lambda gives it."""
    (record,) = json.loads((EVENTS / "index_cleanup.json").read_text())["Records"]
    return record


def test_the_events_file_tells_of_the_terms_only_the_old_version_had():
    assert stale_terms(cleanup_record()) == StaleTerms("example", 1, STALE_CT)


def test_binary_terms_may_come_base64_encoded_as_lambda_delivers_them_or_as_bytes_from_getrecords():
    record = cleanup_record()
    for image in ("NewImage", "OldImage"):
        terms = record["dynamodb"][image]["terms"]
        terms["B"] = base64.b64decode(terms["B"])
    assert stale_terms(record) == StaleTerms("example", 1, STALE_CT)


def test_records_of_writes_that_left_nothing_stale_tell_of_nothing():
    record = cleanup_record()
    unmarked = copy.deepcopy(record)
    del unmarked["dynamodb"]["NewImage"]["staleTerms"]  # a write that read first deleted the terms itself
    same_terms = copy.deepcopy(record)
    same_terms["dynamodb"]["OldImage"]["terms"] = same_terms["dynamodb"]["NewImage"]["terms"]
    insert = {**copy.deepcopy(record), "eventName": "INSERT"}
    index_item = copy.deepcopy(record)
    index_item["dynamodb"]["Keys"]["sk"] = {"S": "i#modality|*|CT"}
    for nothing in (unmarked, same_terms, insert, index_item):
        assert stale_terms(nothing) is None


def test_the_stream_feeds_the_publisher_and_the_index_cleanup_with_their_own_filters(template):
    fed = {fn.logical_id: fn.stream for fn in template.functions if fn.stream is not None}
    assert set(fed) == {"PublisherFunction", "IndexCleanupFunction"}
    record = cleanup_record()
    insert = {**copy.deepcopy(record), "eventName": "INSERT"}
    del insert["dynamodb"]["OldImage"]
    del insert["dynamodb"]["NewImage"]["staleTerms"]
    unmarked = copy.deepcopy(record)
    del unmarked["dynamodb"]["NewImage"]["staleTerms"]
    index_item = copy.deepcopy(record)
    index_item["dynamodb"]["Keys"]["sk"] = {"S": "i#modality|*|CT"}

    def passes(function: str, r: dict) -> bool:
        return any(matches(p, r) for p in fed[function].patterns)

    assert [passes("IndexCleanupFunction", r) for r in (record, insert, unmarked, index_item)] == [
        True, False, False, False]
    assert [passes("PublisherFunction", r) for r in (record, insert, unmarked, index_item)] == [
        True, True, True, False]


def test_a_filter_rule_other_than_exact_values_is_refused_rather_than_passed():
    with pytest.raises(ValueError):
        matches({"eventName": [{"prefix": "MOD"}]}, cleanup_record())
    assert not matches({"dynamodb": {"NewImage": {"staleTerms": {"BOOL": [True]}}}}, {"dynamodb": "text"})


def test_the_poller_delivers_only_what_the_patterns_pass_in_batches_and_moves_past_the_rest():
    def record(seq: int, marked: bool) -> SimpleNamespace:
        image = {"staleTerms": {"BOOL": True}} if marked else {}
        return SimpleNamespace(record={"eventName": "MODIFY", "dynamodb": {"SequenceNumber": str(seq),
                                                                           "NewImage": image}})

    stream = [record(n, marked=n % 3 == 0) for n in range(1, 11)]  # 3, 6 and 9 are marked
    batches: list[list[str]] = []

    def deliver(event: dict) -> dict:
        batches.append([r["dynamodb"]["SequenceNumber"] for r in event["Records"]])
        return {"batchItemFailures": []}

    poller = StreamPoller(lambda: stream, deliver, [{"dynamodb": {"NewImage": {"staleTerms": {"BOOL": [True]}}}}],
                          batch_size=2)
    assert poller.poll() == 3
    assert batches == [["3", "6"], ["9"]]
    stream.append(record(11, marked=False))
    assert poller.poll() == 0 and len(batches) == 2
    stream.append(record(12, marked=True))
    assert poller.poll() == 1 and batches[-1] == ["12"]
