"""Which stream records call for the index repair, and how the local stack hands the stream to the functions
the template feeds from it (each with its own filter patterns and batch size)."""
from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import pytest

from fhirimaging.store.dynamodb import pending_study
from local.changes import StreamPoller, matches
from local.template import load_template
from tests.events import EVENTS


@pytest.fixture(scope="module")
def template():
    return load_template()


def cleanup_record() -> dict:
    """The MODIFY of a current item that an If-Match update wrote without a read (CT -> MR), as Lambda gives it."""
    (record,) = json.loads((EVENTS / "index_cleanup.json").read_text())["Records"]
    return record


def test_a_current_item_marked_index_pending_calls_for_the_repair_of_its_study():
    assert pending_study(cleanup_record()) == "example"


def test_so_does_the_write_that_replaces_a_marked_one_and_nothing_else():
    record = cleanup_record()
    replaced = copy.deepcopy(record)  # its change was computed from entries that may not all be written yet
    replaced["dynamodb"]["OldImage"]["indexPending"] = replaced["dynamodb"]["NewImage"].pop("indexPending")
    unmarked = copy.deepcopy(record)
    del unmarked["dynamodb"]["NewImage"]["indexPending"]  # a write whose whole index change was in its transaction
    index_item = copy.deepcopy(record)
    index_item["dynamodb"]["Keys"]["sk"] = {"S": "i#modality|*|CT"}
    assert [pending_study(r) for r in (replaced, unmarked, index_item)] == ["example", None, None]


def test_the_stream_feeds_the_publisher_and_the_index_cleanup_with_their_own_filters(template):
    fed = {fn.logical_id: fn.stream for fn in template.functions if fn.stream is not None}
    assert set(fed) == {"PublisherFunction", "IndexCleanupFunction"}
    record = cleanup_record()
    insert = {**copy.deepcopy(record), "eventName": "INSERT"}
    del insert["dynamodb"]["OldImage"]
    del insert["dynamodb"]["NewImage"]["indexPending"]
    unmarked = copy.deepcopy(record)
    del unmarked["dynamodb"]["NewImage"]["indexPending"]
    replaced = copy.deepcopy(unmarked)
    replaced["dynamodb"]["OldImage"]["indexPending"] = {"BOOL": True}
    index_item = copy.deepcopy(record)
    index_item["dynamodb"]["Keys"]["sk"] = {"S": "i#modality|*|CT"}
    records = (record, insert, unmarked, replaced, index_item)

    def passes(function: str, r: dict) -> bool:
        return any(matches(p, r) for p in fed[function].patterns)

    # the filters pass exactly what pending_study picks
    assert [passes("IndexCleanupFunction", r) for r in records] == [pending_study(r) is not None for r in records]
    assert [passes("IndexCleanupFunction", r) for r in records] == [True, False, False, True, False]
    assert [passes("PublisherFunction", r) for r in records] == [True, True, True, True, False]


def test_a_filter_rule_other_than_exact_values_is_refused_rather_than_passed():
    with pytest.raises(ValueError):
        matches({"eventName": [{"prefix": "MOD"}]}, cleanup_record())
    assert not matches({"dynamodb": {"NewImage": {"indexPending": {"BOOL": [True]}}}}, {"dynamodb": "text"})


def test_the_poller_delivers_only_what_the_patterns_pass_in_batches_and_moves_past_the_rest():
    def record(seq: int, marked: bool) -> SimpleNamespace:
        image = {"indexPending": {"BOOL": True}} if marked else {}
        return SimpleNamespace(record={"eventName": "MODIFY", "dynamodb": {"SequenceNumber": str(seq),
                                                                           "NewImage": image}})

    stream = [record(n, marked=n % 3 == 0) for n in range(1, 11)]  # 3, 6 and 9 are marked
    batches: list[list[str]] = []

    def deliver(event: dict) -> dict:
        batches.append([r["dynamodb"]["SequenceNumber"] for r in event["Records"]])
        return {"batchItemFailures": []}

    poller = StreamPoller(lambda: stream, deliver, [{"dynamodb": {"NewImage": {"indexPending": {"BOOL": [True]}}}}],
                          batch_size=2)
    assert poller.poll() == 3
    assert batches == [["3", "6"], ["9"]]
    stream.append(record(11, marked=False))
    assert poller.poll() == 0 and len(batches) == 2
    stream.append(record(12, marked=True))
    assert poller.poll() == 1 and batches[-1] == ["12"]
