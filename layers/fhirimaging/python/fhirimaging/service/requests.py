"""One typed request per interaction; built from HTTP by fhirimaging.http.parse."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhirimaging.search.query import SearchQuery


@dataclass(frozen=True)
class ReadRequest:
    """What a read asks for."""

    id: str


@dataclass(frozen=True)
class VreadRequest:
    """What a vread asks for."""

    id: str
    version_id: str


@dataclass(frozen=True)
class CreateRequest:
    """What a create asks for."""

    resource: dict[str, Any]
    if_none_exist: SearchQuery | None = None  # conditional create


@dataclass(frozen=True)
class UpdateRequest:
    """What a update asks for."""

    id: str | None  # None for a conditional update, which names its target by `query`
    resource: dict[str, Any]
    if_match: int | None = None
    create_only: bool = False  # If-None-Match: *
    query: SearchQuery | None = None


@dataclass(frozen=True)
class DeleteRequest:
    """What a delete asks for."""

    id: str | None
    query: SearchQuery | None = None  # conditional delete


@dataclass(frozen=True)
class PatchRequest:
    """What a patch asks for."""

    id: str | None  # None for a conditional patch, which names its target by `query`
    content_type: str  # the media type alone: application/json-patch+json or application/fhir+json
    body: bytes  # the patch document, read by fhirimaging.patch
    if_match: int | None = None
    query: SearchQuery | None = None


@dataclass(frozen=True)
class HistoryRequest:
    """Instance history when `id` is set, type history otherwise."""

    id: str | None
    count: int | None = None
    since: str | None = None
    at: str | None = None
    cursor: str | None = None


@dataclass(frozen=True)
class SearchRequest:
    """What a search asks for."""

    query: SearchQuery
    compartment: str | None = None  # Patient id for GET Patient/<id>/ImagingStudy
