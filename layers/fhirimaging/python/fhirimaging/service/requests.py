"""One typed request per interaction; built from HTTP by fhirimaging.http.parse."""
from __future__ import annotations

from typing import Any, NamedTuple

from fhirimaging.search.query import SearchQuery


class ReadRequest(NamedTuple):
    """What a read asks for."""

    id: str


class VreadRequest(NamedTuple):
    """What a vread asks for."""

    id: str
    version_id: str


class CreateRequest(NamedTuple):
    """What a create asks for."""

    resource: dict[str, Any]
    if_none_exist: SearchQuery | None = None  # conditional create
    assigned_id: str | None = None  # chosen by a transaction beforehand, so that its entries can refer to the study


class UpdateRequest(NamedTuple):
    """What a update asks for."""

    id: str | None  # None for a conditional update, which names its target by `query`
    resource: dict[str, Any]
    if_match: int | None = None
    create_only: bool = False  # If-None-Match: *
    query: SearchQuery | None = None


class DeleteRequest(NamedTuple):
    """What a delete asks for."""

    id: str | None
    query: SearchQuery | None = None  # conditional delete


class PatchRequest(NamedTuple):
    """What a patch asks for."""

    id: str | None  # None for a conditional patch, which names its target by `query`
    content_type: str  # the media type alone: application/json-patch+json or application/fhir+json
    body: bytes  # the patch document, read by fhirimaging.patch
    if_match: int | None = None
    query: SearchQuery | None = None


class HistoryRequest(NamedTuple):
    """Instance history when `id` is set, type history otherwise."""

    id: str | None
    count: int | None = None
    since: str | None = None
    at: str | None = None
    cursor: str | None = None


class SearchRequest(NamedTuple):
    """What a search asks for."""

    query: SearchQuery
    compartment: str | None = None  # Patient id for GET Patient/<id>/ImagingStudy


class BundleEntry(NamedTuple):
    """One entry of a batch or transaction Bundle: its typed request, and the service interaction that serves it."""

    method: str  # the entry's request.method: the order a transaction processes it in
    interaction: str  # read, vread, create, update, patch, delete, history or search
    request: Any  # that interaction's typed request
    full_url: str | None = None  # Bundle.entry.fullUrl (a transaction resolves urn:uuid references to it)
