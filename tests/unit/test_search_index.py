"""The index never hides a match: for every case the matcher accepts, the plan's GSI partitions and
sort-key bounds hold that study. And a write's index change is exactly the difference of two versions."""
from __future__ import annotations

import pytest

from fhirimaging.search import index, plan
from fhirimaging.search.query import parse_query
from fhirimaging.store.base import StoredVersion, WriteKind
from tests.unit.test_search_match import BASE, CASES, DATE_TABLE, PREFIXES, RESOURCES, fixed_now  # noqa: F401

LAST_UPDATED = "2026-01-01T00:00:00.000Z"
MATCHING = [(q, r) for q, r, expected in CASES if expected]


def _plan(query: str):
    pairs = [tuple(p.split("=", 1)) for p in query.split("&")]
    return plan.plan(parse_query(pairs, strict=True, base_url=BASE))


def _reachable(query: str, resource: dict) -> bool:
    chosen = _plan(query)
    if chosen.ids is not None:
        return resource["id"] in chosen.ids
    entries = index.index_entries(resource, resource["id"], resource.get("meta", {}).get("lastUpdated", LAST_UPDATED))
    keys = [entries[t] for t in chosen.terms if t in entries]
    return any((chosen.low is None or k >= chosen.low) and (chosen.high is None or k < chosen.high) for k in keys)


@pytest.mark.parametrize("query, resource", MATCHING, ids=[f"{q} on {r}" for q, r in MATCHING])
def test_the_planned_index_partitions_hold_every_match(query, resource):
    assert _reachable(query, RESOURCES[resource])


def test_date_criteria_bound_the_sort_key_without_losing_matches():
    checked = 0
    for row in DATE_TABLE:
        started, value, expected = row[0], row[1], row[2]
        for prefix, hit in zip(PREFIXES, expected.split()):
            if hit == "1" and prefix != "ap":  # ap depends on the clock; covered by its own cases
                resource = {**RESOURCES["bare"], "started": started}
                assert _reachable(f"started={prefix}{value}", resource), (started, prefix, value)
                checked += 1
    assert checked > 50


def test_an_index_change_adds_rewrites_and_removes_exactly_the_difference():
    before = {**RESOURCES["example"], "id": "s1"}
    after = {**before, "status": "cancelled", "started": "2020-01-01"}
    old = StoredVersion("s1", 1, "2026-01-01T00:00:00.000Z", WriteKind.CREATE, index.json.dumps(before))
    change = index.change("s1", old, after, "2026-01-02T00:00:00.000Z")
    old_entries = index.index_entries(before, "s1", old.last_updated)
    new_entries = index.index_entries(after, "s1", "2026-01-02T00:00:00.000Z")
    assert change.delete == set(old_entries) - set(new_entries)
    assert "status|*|available" in change.delete and "status|*|cancelled" in change.put
    # started moved, so every surviving term is rewritten with its new sort key
    assert all(change.put[t].startswith("2020-01-01") for t in change.put if not t.startswith("_lu#"))
    deletion = index.change("s1", StoredVersion("s1", 2, "2026-01-02T00:00:00.000Z", WriteKind.UPDATE,
                                                index.json.dumps(after)), None, "2026-01-03T00:00:00.000Z")
    assert deletion.put == {} and deletion.delete == set(new_entries)


def test_prefetching_takes_every_first_query_side_by_side_and_keeps_each_stream_whole():
    import threading

    started = threading.Barrier(3, timeout=5)  # only passes if the three first Queries run at once

    def partition(keys):
        started.wait()
        yield from keys

    streams = plan._prefetched([partition(["a#1", "c#3"]), partition([]), partition(["b#2"])])
    assert [list(s) for s in streams] == [["a#1", "c#3"], [], ["b#2"]]


def test_a_failed_prefetch_raises_the_store_error():
    def failing():
        raise RuntimeError("throttled")
        yield  # a generator, as index_range is

    with pytest.raises(RuntimeError, match="throttled"):
        plan._prefetched([iter(["a#1"]), failing()])


def test_a_prefetch_thread_keeps_the_requests_deadline():
    from fhirimaging import deadline
    from fhirimaging.errors import DeadlineExceeded

    def partition():
        deadline.check("reading the search index")
        yield "a#1"

    deadline.start(60)
    try:
        assert [list(s) for s in plan._prefetched([partition(), partition()])] == [["a#1"], ["a#1"]]
        deadline.start(-1)
        with pytest.raises(DeadlineExceeded):
            plan._prefetched([partition(), partition()])
    finally:
        deadline.clear()
