"""What the service returns; fhirimaging.http.render turns each into a response."""
from __future__ import annotations

from typing import NamedTuple

from fhirimaging.errors import Issue
from fhirimaging.store import StoredVersion


class ResourceResult(NamedTuple):
    """A version to return, and the status it is returned with."""

    version: StoredVersion
    status: int  # 200, or 201 when the write brought the resource into existence


class DeleteResult(NamedTuple):
    """What a delete wrote."""

    version: StoredVersion | None  # the deletion written now; None when nothing was there to delete


class HistoryResult(NamedTuple):
    """One page of history, newest first."""

    versions: list[StoredVersion]  # newest first
    count: int
    next_cursor: str | None
    resource_id: str | None  # None for type history
    warnings: tuple[Issue, ...] | list[Issue] = ()  # for Bundle.issues


class SearchResult(NamedTuple):
    """One page of search matches."""

    matches: list[StoredVersion]
    resources: list[dict]  # the parsed matches, for _summary/_elements
    total: int | None
    next_cursor: str | None
    self_params: list[tuple[str, str]]
    compartment: str | None
    summary: str | None
    elements: tuple[str, ...]
    warnings: list[Issue]  # for an OperationOutcome entry (search.mode = outcome)


class JsonDocument(NamedTuple):
    """A plain JSON document that is not a FHIR resource (SMART's .well-known/smart-configuration)."""

    content: dict
