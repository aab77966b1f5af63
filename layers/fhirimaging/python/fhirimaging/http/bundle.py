"""POST /fhir/R5 with a batch or transaction Bundle: each entry becomes the HTTP request it describes, is parsed
by the very parser of its single interaction (fhirimaging.http.parse) and served by the service's batch or
transaction (fhirimaging.service.bundles); render.py turns the results into the batch-response or
transaction-response Bundle, each entry as its single interaction would have answered.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from fhirimaging import jsontext
from fhirimaging.errors import BadRequest, FhirError, NotFound, PayloadTooLarge
from fhirimaging.http import parse
from fhirimaging.http.request import JSON_TYPES, HttpRequest
from fhirimaging.interactions import FHIR_BASE_PATH, route
from fhirimaging.limits import MAX_BUNDLE_ENTRIES
from fhirimaging.resource import RESOURCE_TYPE
from fhirimaging.service.access import Access
from fhirimaging.service.bundles import at_entry
from fhirimaging.service.requests import BundleEntry

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_PARSERS = {"read": parse.read, "vread": parse.vread, "create": parse.create, "update": parse.update,
            "patch": parse.patch, "delete": parse.delete, "history": parse.history, "type_history": parse.history,
            "search": parse.search}
# Bundle.entry.request's conditional fields, as the headers of the single interaction.
_HEADERS = {"ifMatch": "if-match", "ifNoneExist": "if-none-exist", "ifNoneMatch": "if-none-match",
            "ifModifiedSince": "if-modified-since"}
FHIR_JSON = JSON_TYPES[0]


class BundleResponse(NamedTuple):
    """A batch or transaction's answer: per entry, its request as HTTP (None if it could not be read) and its
    result or error."""

    kind: str  # batch or transaction
    entries: list[tuple[HttpRequest | None, Any]]


def serve(service: Any, http: HttpRequest, access: Access) -> BundleResponse:
    bundle = parse.resource_body(http)
    kind = bundle.get("type")
    if bundle.get("resourceType") != "Bundle" or kind not in ("batch", "transaction"):
        raise BadRequest(f"POST {FHIR_BASE_PATH} takes a Bundle of type batch or transaction, not "
                         f"{bundle.get('resourceType')!r} of type {kind!r}")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise BadRequest("Bundle.entry must be an array")
    if len(entries) > MAX_BUNDLE_ENTRIES:
        raise PayloadTooLarge(f"the Bundle has {len(entries)} entries; the limit is {MAX_BUNDLE_ENTRIES}")
    read = [_entry(n, entry, http) for n, entry in enumerate(entries)]
    if kind == "transaction":
        for _, entry in read:
            if isinstance(entry, FhirError):
                raise entry  # nothing is written when one entry cannot even be read
        results = service.transaction([entry for _, entry in read], access, http.base_url)
    else:
        runnable = [(n, entry) for n, (_, entry) in enumerate(read) if isinstance(entry, BundleEntry)]
        results = [entry for _, entry in read]
        for (n, _), result in zip(runnable, service.batch([entry for _, entry in runnable], access)):
            results[n] = result
    return BundleResponse(kind, [(entry_http, result) for (entry_http, _), result in zip(read, results)])


def _entry(n: int, entry: Any, http: HttpRequest) -> tuple[HttpRequest | None, BundleEntry | FhirError]:
    """The entry as its HTTP request and its typed request, or the error (naming the entry) that it is."""
    method = "?"
    try:
        if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
            raise BadRequest("the entry has no request")
        request = entry["request"]
        method, url = request.get("method"), request.get("url")
        if method not in _METHODS:
            raise BadRequest(f"request.method {method!r} is not one of {', '.join(_METHODS)}")
        if not isinstance(url, str) or not url:
            raise BadRequest("request.url is missing")
        entry_http = _as_http(method, url, request, entry.get("resource"), http)
        found = route(method, entry_http.path[len(FHIR_BASE_PATH):])
        if found is None or found[0].name not in _PARSERS:
            segments = url.split("?")[0].split("/")
            ours = segments[0] == RESOURCE_TYPE or segments[0] == "Patient" and segments[2:3] == [RESOURCE_TYPE]
            raise NotFound(f"no interaction is served at {method} {url}" + (
                "" if ours else f": this server holds only {RESOURCE_TYPE} resources"))
        interaction, params = found
        entry_http = entry_http._replace(path_params=params)
        full_url = entry.get("fullUrl")
        return entry_http, BundleEntry(method, interaction.name, _PARSERS[interaction.name](entry_http),
                                       full_url if isinstance(full_url, str) else None)
    except FhirError as e:
        return None, at_entry(n, method, e)


def _as_http(method: str, url: str, request: dict[str, Any], resource: Any, http: HttpRequest) -> HttpRequest:
    """The single interaction's HTTP request that the entry stands for; the Bundle's Prefer applies to each."""
    if url.startswith(http.base_url + "/"):
        url = url[len(http.base_url) + 1:]
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("/"):
        raise BadRequest(f"request.url {url} is not relative to this server's base {http.base_url}")
    headers = {header: request[field] for field, header in _HEADERS.items() if isinstance(request.get(field), str)}
    if http.header("prefer") is not None:
        headers["prefer"] = http.header("prefer")
    body = b""
    if method in ("POST", "PUT"):
        if not isinstance(resource, dict):
            raise BadRequest(f"a {method} entry carries the resource")
        body, headers["content-type"] = jsontext.dumps(resource).encode(), FHIR_JSON
    elif method == "PATCH":
        body, headers["content-type"] = _patch_document(resource)
    return HttpRequest(method=method, path=f"{FHIR_BASE_PATH}/{parts.path}", path_params={},
                       query=parse_qsl(parts.query, keep_blank_values=True), headers=headers, body=body,
                       base_url=http.base_url, request_id=http.request_id, raw_query=parts.query)


def _patch_document(resource: Any) -> tuple[bytes, str]:
    """A PATCH entry's document: a Binary holding a JSON Patch, or a FHIRPath Patch Parameters resource."""
    if isinstance(resource, dict) and resource.get("resourceType") == "Binary":
        data = resource.get("data")
        try:
            document = base64.b64decode(data, validate=True) if isinstance(data, str) else None
        except (binascii.Error, ValueError):
            document = None
        if document is None:
            raise BadRequest("the PATCH entry's Binary has no base64 data")
        return document, str(resource.get("contentType") or "")
    if isinstance(resource, dict) and resource.get("resourceType") == "Parameters":
        return jsontext.dumps(resource).encode(), FHIR_JSON
    raise BadRequest("a PATCH entry carries a Binary (JSON Patch) or a Parameters resource (FHIRPath Patch)")
