"""HTTP request -> the typed service request of each interaction."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from fhirimaging import jsontext
from fhirimaging.cursor import parse_count
from fhirimaging.errors import BadRequest, UnsupportedMediaType
from fhirimaging.http.request import JSON_TYPES, HttpRequest
from fhirimaging.patch import MEDIA_TYPES as PATCH_TYPES
from fhirimaging.search.query import SearchQuery, parse_query
from fhirimaging.service import (
    CreateRequest,
    DeleteRequest,
    HistoryRequest,
    PatchRequest,
    ReadRequest,
    SearchRequest,
    UpdateRequest,
    VreadRequest,
)

_ETAG = re.compile(r'\s*(?:W/)?"([1-9][0-9]{0,9})"\s*')


def read(http: HttpRequest) -> ReadRequest:
    return ReadRequest(http.path_params.get("id", ""))


def vread(http: HttpRequest) -> VreadRequest:
    return VreadRequest(http.path_params.get("id", ""), http.path_params.get("vid", ""))


def create(http: HttpRequest) -> CreateRequest:
    if_none_exist = http.header("if-none-exist")
    condition = None if if_none_exist is None else _condition(http, parse_qsl(if_none_exist.lstrip("?"),
                                                                               keep_blank_values=True))
    return CreateRequest(resource_body(http), condition)


def update(http: HttpRequest) -> UpdateRequest:
    if_none_match = http.header("if-none-match")
    if if_none_match is not None and if_none_match.strip() != "*":
        raise BadRequest(f"If-None-Match on an update must be *, not {if_none_match}")
    resource_id = http.path_params.get("id")
    return UpdateRequest(resource_id, resource_body(http), if_match(http), create_only=if_none_match is not None,
                         query=_condition(http, http.query) if resource_id is None else None)


def delete(http: HttpRequest) -> DeleteRequest:
    resource_id = http.path_params.get("id")
    return DeleteRequest(resource_id, _condition(http, http.query) if resource_id is None else None)


def _condition(http: HttpRequest, params: list[tuple[str, str]]) -> SearchQuery:
    """The search of a conditional interaction. Always strict: an ignored parameter would widen the match."""
    return parse_query([(k, v) for k, v in params if k != "_format"], strict=True, base_url=http.base_url)


def patch(http: HttpRequest) -> PatchRequest:
    resource_id = http.path_params.get("id")
    return PatchRequest(resource_id, _patch_media_type(http), http.body, if_match(http),
                        _condition(http, http.query) if resource_id is None else None)


def _patch_media_type(http: HttpRequest) -> str:
    """The patch format named by Content-Type: JSON Patch, or FHIR JSON for a FHIRPath Patch Parameters."""
    return _media_type(http, PATCH_TYPES, "is not a patch format",
                       f"send {' or '.join(PATCH_TYPES)} (a FHIRPath Patch Parameters resource)")


def history(http: HttpRequest) -> HistoryRequest:
    return HistoryRequest(
        id=http.path_params.get("id"),
        count=parse_count(http.param("_count")),
        since=http.param("_since"),
        at=http.param("_at"),
        cursor=http.param("_cursor"),
    )


def search(http: HttpRequest) -> SearchRequest:
    """GET ?params, POST _search (form body plus any URL params) or the Patient compartment."""
    params = list(http.query)
    if http.method == "POST":
        params += _form_body(http)
    compartment = http.path_params.get("patient_id")
    if compartment is not None:
        params.insert(0, ("patient", compartment))
    strict = (http.prefer("handling") or "lenient").lower() == "strict"
    return SearchRequest(parse_query(params, strict=strict, base_url=http.base_url), compartment)


def _form_body(http: HttpRequest) -> list[tuple[str, str]]:
    if not http.body:
        return []
    media_type = (http.header("content-type") or "").split(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("POST _search takes application/x-www-form-urlencoded parameters")
    try:
        return parse_qsl(http.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as e:
        raise BadRequest("the form body is not UTF-8") from e


def resource_body(http: HttpRequest) -> dict[str, Any]:
    """The JSON object in the body, checked for media type and syntax (not FHIR validity)."""
    _media_type(http, JSON_TYPES, "is not supported", "send application/fhir+json")
    resource = jsontext.load_document(http.body, "body", "an ImagingStudy")
    if not isinstance(resource, dict):
        raise BadRequest("the body must be a JSON object (a FHIR resource)")
    return resource


def _media_type(http: HttpRequest, allowed: tuple[str, ...], refusal: str, wanted: str) -> str:
    """The body's media type if it is one of `allowed` and UTF-8; a 415 saying what to send otherwise."""
    content_type = http.header("content-type")
    if not content_type:
        raise UnsupportedMediaType(f"Content-Type is missing; {wanted}")
    media_type, *params = [p.strip() for p in content_type.split(";")]
    if media_type.lower() not in allowed:
        raise UnsupportedMediaType(f"Content-Type {media_type} {refusal}; {wanted}")
    for p in params:
        name, _, value = p.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(f"charset {value} is not supported; request bodies are UTF-8")
    return media_type.lower()


def if_match(http: HttpRequest) -> int | None:
    value = http.header("if-match")
    if value is None:
        return None
    m = _ETAG.fullmatch(value)
    if not m:
        raise BadRequest(f'If-Match must be a version ETag such as W/"3", not {value}')
    return int(m.group(1))
