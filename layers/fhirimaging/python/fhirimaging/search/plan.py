"""The query planner: pick the most selective indexed criterion, walk its GSI partitions in order,
verify every other criterion against the current resource.

Candidates arrive as GSI sort keys `<started or lastUpdated>#<id>`, merged across OR-ed terms and
shards; a page ends at the sort key of its last match, which is where the next page resumes, so a
page boundary is stable while other studies change. The first page of every partition is fetched side by side
(heapq.merge would ask for them one after another before yielding anything); later pages follow as the merge
needs them.
"""
from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from itertools import chain, islice
from typing import NamedTuple

from fhirimaging import deadline, fhirtime
from fhirimaging.errors import TooCostly
from fhirimaging.search import index
from fhirimaging.search.match import matches_all, sort_key
from fhirimaging.search.query import Criterion, DateValue, SearchQuery, TokenValue
from fhirimaging.store import Store, StoredVersion
from fhirimaging.store.keys import NO_DATE

# Most selective first: identifiers and UIDs name one study, a patient a handful, a modality thousands.
PRIORITY = ("identifier", "instance", "series", "patient", "subject", "encounter", "based-on", "referrer",
            "performer", "endpoint", "body-structure", "_tag", "_security", "_profile", "_source",
            "dicom-class", "body-site", "reason", "modality", "status")
NATURAL_SORTS = {"started": "started", "_lastUpdated": "lastUpdated"}
# Bounded work per page: a page may come back short (with a next link) rather than time out.
CANDIDATE_BUDGET = 2000
# Sorts the index cannot serve are done in memory over at most this many matches.
IN_MEMORY_SORT_LIMIT = 2000
_WIDEST_PRECISION = timedelta(days=366)
# Partitions queried at once: below botocore's 10 pooled connections, so no request waits for a socket.
PREFETCH_THREADS = 8


class Plan(NamedTuple):
    """How a query is answered: the index partitions to merge and the sort-key range."""

    ids: tuple[str, ...] | None  # _id criteria: fetch these directly
    terms: tuple[str, ...]  # GSI partitions to merge
    key: str  # what the partitions' sort keys start with: "started" | "lastUpdated"
    low: str | None
    high: str | None


class Page(NamedTuple):
    """One page of verified matches and where the next one resumes."""

    matches: list[StoredVersion]
    resources: list[dict]
    position: dict | None  # where the next page resumes ({"k": sort key} or {"o": offset}); None at the end
    complete: bool  # the stream was exhausted within this request (so len(matches) is the total)
    shrunk: bool = False  # ended before `count` matches because the next would exceed the byte budget


class Budget(NamedTuple):
    """How many characters of JSON a page's resources may take, and how one match is measured."""

    limit: int
    size: Callable[[StoredVersion, dict], int]


def plan(query: SearchQuery) -> Plan:
    criteria = query.criteria
    ids = _ids(criteria)
    if ids is not None:
        return Plan(tuple(ids), (), "started", None, None)
    best = None
    for criterion in criteria:
        terms = index.criterion_terms(criterion)
        if terms is not None:
            rank = PRIORITY.index(criterion.parameter.code) if criterion.parameter.code in PRIORITY else len(PRIORITY)
            if best is None or rank < best[0]:
                best = (rank, terms)
    sort_code = query.sort[0][0] if query.sort else "started"
    dates = [c for c in criteria if c.parameter.code in ("started", "_lastUpdated") and c.modifier is None]
    if best is None and (sort_code == "_lastUpdated" or (dates and dates[0].parameter.code == "_lastUpdated")):
        key, shard_term = "lastUpdated", index.last_updated_term
    else:
        key, shard_term = "started", index.all_term
    terms = tuple(best[1]) if best else tuple(shard_term(n) for n in range(index.SHARDS))
    low, high = _key_bounds([c for c in dates if NATURAL_SORTS[c.parameter.code] == key])
    return Plan(None, terms, key, low, high)


def _ids(criteria: Iterable[Criterion]) -> set[str] | None:
    found: set[str] | None = None
    for c in criteria:
        if c.parameter.code == "_id" and c.modifier is None:
            values = {v.code for v in c.values if isinstance(v, TokenValue) and v.code}
            found = values if found is None else found & values
    return found


def _key_bounds(criteria: list[Criterion]) -> tuple[str | None, str | None]:
    """Bounds on the low end of a date that every match must satisfy (a superset, verified later)."""
    low, high = None, None
    for c in criteria:
        lows, highs = [], []
        for v in c.values:
            if not isinstance(v, DateValue):
                return None, None
            lo, hi = _value_bounds(v)
            lows.append(lo)
            highs.append(hi)
        if None not in lows:
            candidate = min(lows)
            low = candidate if low is None else max(low, candidate)
        if None not in highs:
            candidate = max(highs)
            high = candidate if high is None else min(high, candidate)
    return low, high


def _value_bounds(v: DateValue) -> tuple[str | None, str | None]:
    # A stored value's low end lies within its own precision range of any moment it covers.
    fmt = fhirtime.format_instant
    earliest = fmt(v.low - _WIDEST_PRECISION) if v.low.year > 1 else None
    if v.prefix == "eq":
        return fmt(v.low), fmt(v.high)
    if v.prefix in ("gt", "ge", "sa"):
        return earliest, None
    if v.prefix in ("lt", "le", "eb"):
        return None, fmt(v.high)
    return None, None  # ne, ap


def run(store: Store, query: SearchQuery, the_plan: Plan, count: int, position: dict,
        budget: Budget | None = None) -> Page:
    """A page of at most `count` matches; with a budget, fewer when their JSON would exceed it (never none)."""
    if the_plan.ids is not None:
        keys = _direct(the_plan.ids, position.get("k"))
        return _page(store, query, keys, count, position.get("k"), the_plan, budget)
    descending = bool(query.sort) and query.sort[0][1]
    if query.sort and (NATURAL_SORTS.get(query.sort[0][0]) != the_plan.key or len(query.sort) > 1):
        return _sorted_in_memory(store, query, the_plan, count, int(position.get("o", 0)), budget)
    after = position.get("k")
    if descending and the_plan.key == "started":
        streams = [_undated_last(store, term, the_plan, after) for term in the_plan.terms]
        merged = heapq.merge(*_prefetched(streams), key=_dated_first, reverse=True)
    else:
        streams = [store.index_range(term, the_plan.low, the_plan.high, descending, after) for term in the_plan.terms]
        merged = heapq.merge(*_prefetched(streams), reverse=descending)
    return _page(store, query, _dedupe(merged), count, after, the_plan, budget)


def _prefetched(streams: list[Iterator[str]]) -> list[Iterator[str]]:
    """The same streams, each with its first item (and so its first Query) already taken, in a thread pool."""
    if len(streams) < 2:
        return streams
    from concurrent.futures import ThreadPoolExecutor  # only searches over several partitions need it

    left = deadline.remaining()
    until = None if left is None else deadline._clock() + left

    def first(stream: Iterator[str]) -> tuple[str, ...]:
        # The deadline is per thread: a pool thread keeps the request's, so its Query is checked as well.
        if until is not None:
            deadline.start(until - deadline._clock())
        try:
            key = next(stream, None)
        finally:
            deadline.clear()
        return () if key is None else (key,)

    with ThreadPoolExecutor(min(PREFETCH_THREADS, len(streams))) as pool:
        firsts = list(pool.map(first, streams))
    return [chain(first, stream) for first, stream in zip(firsts, streams)]


def _undated_last(store: Store, term: str, the_plan: Plan, after: str | None) -> Iterator[str]:
    """One partition by `started` descending with the studies that have none still last (NO_DATE sorts
    after every instant), as in ascending order and in the in-memory sorts."""
    undated = NO_DATE + "#"
    if after is None or not after.startswith(undated):
        high = min(the_plan.high or NO_DATE, NO_DATE)
        yield from store.index_range(term, the_plan.low, high, True, after)
        after = None
    if the_plan.high is None:  # an upper date bound excludes every study without a date
        yield from store.index_range(term, undated, None, True, after)


def _dated_first(key: str) -> tuple[bool, str]:
    return not key.startswith(NO_DATE + "#"), key


def _direct(ids: Iterable[str], after: str | None = None) -> Iterator[str]:
    yield from (f"{NO_DATE}#{rid}" for rid in sorted(ids) if after is None or f"{NO_DATE}#{rid}" > after)


def _dedupe(keys: Iterator[str]) -> Iterator[str]:
    previous = None
    for key in keys:
        if key != previous:
            yield key
        previous = key


def _candidates(store: Store, keys: Iterator[str], batch: int) -> Iterator[tuple[str, StoredVersion | None]]:
    """(sort key, current version) in order, fetched in batches."""
    while True:
        chunk = list(islice(keys, batch))
        if not chunk:
            return
        deadline.check("examining more candidates")
        currents = store.get_currents([k.rsplit("#", 1)[1] for k in chunk])
        for k in chunk:
            yield k, currents.get(k.rsplit("#", 1)[1])


def _verified(query: SearchQuery, the_plan: Plan, key: str, current: StoredVersion | None) -> dict | None:
    if current is None or current.deleted:
        return None
    resource = json.loads(current.body, parse_float=Decimal)  # Decimal: subsets keep the digits as stored
    if the_plan.ids is None and key != _expected_key(resource, current, the_plan.key):
        return None  # an index entry left from an older version; the current one sits elsewhere
    return resource if matches_all(resource, query.criteria) else None


def _expected_key(resource: dict, current: StoredVersion, key: str) -> str:
    first = current.last_updated if key == "lastUpdated" else index.started_key(resource)
    return f"{first}#{current.id}"


def _page(store: Store, query: SearchQuery, keys: Iterator[str], count: int, after: str | None,
          the_plan: Plan, budget: Budget | None) -> Page:
    matches: list[StoredVersion] = []
    resources: list[dict] = []
    examined = 0
    used = 0
    last_examined = after
    for key, current in _candidates(store, keys, max(count, 1) + 1 if count < 50 else 100):
        examined += 1
        resource = _verified(query, the_plan, key, current)
        if resource is not None:
            if len(matches) == count:
                return Page(matches, resources, {"k": _resume_key(matches, resources, the_plan) or after}, False)
            size = budget.size(current, resource) if budget else 0
            if matches and budget and used + size > budget.limit:
                return Page(matches, resources, {"k": _resume_key(matches, resources, the_plan)}, False, True)
            used += size
            matches.append(current)
            resources.append(resource)
        last_examined = key
        if examined >= CANDIDATE_BUDGET and len(matches) < count:
            return Page(matches, resources, {"k": last_examined}, False)
    return Page(matches, resources, None, True)


def _resume_key(matches: list[StoredVersion], resources: list[dict], the_plan: Plan) -> str | None:
    if not matches:
        return None
    if the_plan.ids is not None:
        return f"{NO_DATE}#{matches[-1].id}"
    return _expected_key(resources[-1], matches[-1], the_plan.key)


def _sorted_in_memory(store: Store, query: SearchQuery, the_plan: Plan, count: int, offset: int,
                      budget: Budget | None) -> Page:
    """Sorts the index cannot serve: gather every match (bounded), sort, and page by offset."""
    streams = [store.index_range(term, the_plan.low, the_plan.high, False, None) for term in the_plan.terms]
    everything: list[tuple[tuple, StoredVersion, dict]] = []
    for key, current in _candidates(store, _dedupe(heapq.merge(*_prefetched(streams))), 100):
        resource = _verified(query, the_plan, key, current)
        if resource is not None:
            everything.append((_sort_tuple(resource, query), current, resource))
            if len(everything) > IN_MEMORY_SORT_LIMIT:
                raise TooCostly(f"more than {IN_MEMORY_SORT_LIMIT} matches to sort by "
                                f"{','.join(c for c, _ in query.sort)}; narrow the search or sort by started")
    everything.sort(key=lambda t: t[0])
    page = everything[offset:offset + count]
    shrunk = False
    if budget:
        used = 0
        for n, (_, version, resource) in enumerate(page):
            used += budget.size(version, resource)
            if n and used > budget.limit:
                page, shrunk = page[:n], True
                break
    more = len(everything) > offset + len(page)
    return Page([t[1] for t in page], [t[2] for t in page], {"o": offset + len(page)} if more else None,
                not more and offset == 0, shrunk)


def _sort_tuple(resource: dict, query: SearchQuery) -> tuple:
    parts: list = []
    for code, descending in query.sort:
        value = sort_key(resource, code)
        missing = value is None
        # Missing values sort last in either direction; descending inverts strings by comparison key.
        parts.append((missing, _Reverse(value) if descending and not missing else value or ""))
    parts.append(resource.get("id", ""))
    return tuple(parts)


class _Reverse:
    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value

    def __lt__(self, other: "_Reverse") -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reverse) and self.value == other.value
