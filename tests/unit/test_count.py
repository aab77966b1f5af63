"""`_count`: one parser for search and history (the same 400 for the same value) and one clamp, the service's."""
from __future__ import annotations

import pytest

from fhirimaging.errors import BadRequest
from fhirimaging.http import parse
from fhirimaging.http.request import HttpRequest
from fhirimaging.search.query import parse_query
from fhirimaging.service import CreateRequest, ImagingStudyService, SearchRequest
from fhirimaging.store.memory import MemoryStore

STUDY = {"resourceType": "ImagingStudy", "status": "available", "subject": {"reference": "Patient/p"}}


def history_request(count: str) -> HttpRequest:
    return HttpRequest("GET", "/fhir/R5/ImagingStudy/_history", {}, [("_count", count)], {}, b"", "https://x")


@pytest.mark.parametrize("count", ["-1", "abc", "²", "1.5"])
def test_search_and_history_refuse_the_same_counts_with_the_same_400(count):
    # GIVEN/WHEN a count that is not a non-negative integer, on a search and on a history
    with pytest.raises(BadRequest) as search:
        parse_query([("_count", count)], strict=False, base_url="https://x")
    with pytest.raises(BadRequest) as history:
        parse.history(history_request(count))
    # THEN both refuse it with the same words
    assert search.value.diagnostics == history.value.diagnostics
    assert search.value.diagnostics == f"_count must be a non-negative integer, not '{count}'"


def test_search_and_history_read_a_count_alike_and_the_service_clamps_both_to_its_largest_page():
    # GIVEN a service whose pages hold at most 3, and 4 studies
    service = ImagingStudyService(MemoryStore(), b"secret", default_page_size=2, max_page_size=3)
    for _ in range(4):
        service.create(CreateRequest(STUDY))
    # WHEN search and history ask for 1000, and for nothing
    asked = parse_query([("_count", "1000")], strict=False, base_url="https://x")
    searched = service.search(SearchRequest(asked))
    history_asked = parse.history(history_request("1000"))
    history = service.history(history_asked)
    # THEN both read 1000, and the service pages both at 3; absent or empty, at 2
    assert asked.count == history_asked.count == 1000
    assert len(searched.matches) == len(history.versions) == history.count == 3
    assert service.history(parse.history(history_request(""))).count == 2
    assert parse_query([("_count", "")], strict=False, base_url="https://x").count is None
