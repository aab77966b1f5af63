"""Service results and errors -> API Gateway responses. Every header is set here and only here."""
from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import timezone
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from fhirimaging import fhirtime, jsontext
from fhirimaging.errors import FhirError, Issue
from fhirimaging.http.bundle import BundleResponse
from fhirimaging.http.request import HttpRequest
from fhirimaging.resource import RESOURCE_TYPE
from fhirimaging.search.subset import needs_subset, subset
from fhirimaging.service import DeleteResult, HistoryResult, JsonDocument, ResourceResult, SearchResult
from fhirimaging.service.imaging_study import PAGE_JSON_BUDGET
from fhirimaging.store import StoredVersion

FHIR_JSON = "application/fhir+json; charset=utf-8"
# A body this large travels gzip-compressed to a client that accepts it (HTTP APIs do not compress): a
# 10,000-instance study's 1.5 MB of JSON becomes ~0.25 MB (~15 ms), far from Lambda's 6 MB response limit.
COMPRESS_FROM = 32 * 1024


def response(status: int, body: str | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    out_headers = {"content-type": FHIR_JSON} if body is not None else {}
    out_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    return {"statusCode": status, "headers": out_headers, "body": body or "", "isBase64Encoded": False}


def encoded(response: dict[str, Any], accept_encoding: str | None) -> dict[str, Any]:
    """The response gzip-compressed if it is large and the client accepts gzip (RFC 9110 Accept-Encoding)."""
    body = response["body"]
    if len(body) < COMPRESS_FROM:
        return response
    headers = {**response["headers"], "vary": "accept-encoding"}
    if not _accepts_gzip(accept_encoding or ""):
        return {**response, "headers": headers}
    data = gzip.compress(body.encode(), compresslevel=5, mtime=0)
    return {**response, "headers": {**headers, "content-encoding": "gzip"},
            "body": base64.b64encode(data).decode("ascii"), "isBase64Encoded": True}


def _accepts_gzip(accept_encoding: str) -> bool:
    qualities = {}
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            qualities[coding.strip()] = float(q)
        except ValueError:
            qualities[coding.strip()] = 0.0
    return qualities.get("gzip", qualities.get("x-gzip", qualities.get("*", 0.0))) > 0


def operation_outcome(issues: list[Issue]) -> str:
    return json.dumps({"resourceType": "OperationOutcome", "issue": [i.to_json() for i in issues]})


def error(e: FhirError) -> dict[str, Any]:
    return response(e.status, operation_outcome(e.issues), e.headers)


def result(value: Any, http: HttpRequest) -> dict[str, Any]:
    if isinstance(value, ResourceResult):
        return _resource(value, http)
    if isinstance(value, DeleteResult):
        return _deleted(value, http)
    if isinstance(value, HistoryResult):
        return response(200, history_bundle(value, http))
    if isinstance(value, SearchResult):
        return response(200, search_bundle(value, http))
    if isinstance(value, dict):  # a resource the server composes itself (CapabilityStatement)
        return response(200, json.dumps(value))
    if isinstance(value, BundleResponse):
        return response(200, bundle_response(value))
    if isinstance(value, JsonDocument):
        return response(200, json.dumps(value.content), {"Content-Type": "application/json"})
    raise TypeError(f"no rendering for {type(value).__name__}")


def version_headers(v: StoredVersion) -> dict[str, str]:
    return {"ETag": f'W/"{v.version}"', "Last-Modified": fhirtime.http_date(v.last_updated)}


def _resource(value: ResourceResult, http: HttpRequest) -> dict[str, Any]:
    v = value.version
    headers = version_headers(v)
    is_write = http.method in ("POST", "PUT", "PATCH")
    if is_write:
        location = f"{http.base_url}/{RESOURCE_TYPE}/{v.id}/_history/{v.version}"
        headers["Location"] = location
        if value.status == 201:
            headers["Content-Location"] = location
        preference = http.prefer("return")
        if preference == "minimal":
            return response(value.status, None, headers)
        if preference == "OperationOutcome":
            verb = "created" if value.status == 201 else "updated"
            outcome = operation_outcome([Issue("informational", f"{RESOURCE_TYPE}/{v.id} {verb} as version "
                                               f"{v.version}", severity="information")])
            return response(value.status, outcome, headers)
    elif _not_modified(v, http):
        return response(304, None, headers)
    return response(value.status, v.body, headers)


def _not_modified(v: StoredVersion, http: HttpRequest) -> bool:
    """Conditional read (RFC 9110 13.1.2-3): If-None-Match wins over If-Modified-Since."""
    if_none_match = http.header("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or f'"{v.version}"' in tags
    if_modified_since = http.header("if-modified-since")
    if if_modified_since is None:
        return False
    from email.utils import parsedate_to_datetime  # ~10 ms of import, for this header only

    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # an invalid date is ignored, as RFC 9110 asks
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return fhirtime.parse_range(v.last_updated)[0].replace(microsecond=0) <= since


def _deleted(value: DeleteResult, http: HttpRequest) -> dict[str, Any]:
    headers = version_headers(value.version) if value.version else {}
    if http.prefer("return") == "OperationOutcome":
        what = f"deleted (version {value.version.version})" if value.version else "was not present"
        outcome = operation_outcome([Issue("informational", f"{RESOURCE_TYPE}/{http.path_params.get('id')} {what}",
                                           severity="information")])
        return response(200, outcome, headers)
    return response(204, None, headers)


def history_bundle(value: HistoryResult, http: HttpRequest) -> str:
    """The history Bundle, assembled around each version's stored JSON text without re-parsing it."""
    resource_url = f"{http.base_url}/{RESOURCE_TYPE}"
    self_path = f"{resource_url}/{value.resource_id}/_history" if value.resource_id else f"{resource_url}/_history"
    kept = [(k, v) for k, v in http.query if k in ("_count", "_since", "_at", "_cursor")]
    links = [{"relation": "self", "url": _url(self_path, kept)}]
    if value.next_cursor:
        params = [(k, v) for k, v in kept if k != "_cursor"]
        if not any(k == "_count" for k, _ in params):
            params.append(("_count", str(value.count)))
        links.append({"relation": "next", "url": _url(self_path, [*params, ("_cursor", value.next_cursor)])})
    head = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": fhirtime.format_instant(fhirtime.now())},
        "type": "history",
    }
    if value.warnings:  # R5 Bundle.issues: about how the Bundle was put together
        head["issues"] = json.loads(operation_outcome(value.warnings))
    head["link"] = links
    entries = ",".join(_history_entry(v, resource_url) for v in value.versions)
    return json.dumps(head)[:-1] + (f',"entry":[{entries}]}}' if entries else "}")


def _history_entry(v: StoredVersion, resource_url: str) -> str:
    status = 204 if v.deleted else (201 if v.version == 1 or v.kind.value == "POST" else 200)
    request_url = RESOURCE_TYPE if v.kind.value == "POST" else f"{RESOURCE_TYPE}/{v.id}"
    envelope = {
        "fullUrl": f"{resource_url}/{v.id}",
        "request": {"method": v.kind.value, "url": request_url},
        "response": {"status": _status_line(status), "etag": f'W/"{v.version}"',
                     "lastModified": v.last_updated},
    }
    text = json.dumps(envelope)
    if v.deleted:
        return text
    return f'{text[:-1]},"resource":{v.body}}}'


def search_bundle(value: SearchResult, http: HttpRequest) -> str:
    """The searchset Bundle; unless subsetting, each match is its stored JSON text, not re-serialised."""
    resource_url = f"{http.base_url}/{RESOURCE_TYPE}"
    params = list(value.self_params)
    if value.compartment is not None:
        path = f"{http.base_url}/Patient/{value.compartment}/{RESOURCE_TYPE}"
        params.remove(("patient", value.compartment))
    else:
        path = resource_url
    links = [{"relation": "self", "url": _url(path, params)}]
    if value.next_cursor:
        links.append({"relation": "next", "url": _url(path, [*params, ("_cursor", value.next_cursor)])})
    head: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": fhirtime.format_instant(fhirtime.now())},
        "type": "searchset",
    }
    if value.total is not None:
        head["total"] = value.total
    head["link"] = links
    subsetting = needs_subset(value.summary, value.elements)
    entries = []
    for version, resource in zip(value.matches, value.resources):
        body = jsontext.dumps(subset(resource, value.summary, value.elements)) if subsetting else version.body
        envelope = json.dumps({"fullUrl": f"{resource_url}/{version.id}", "search": {"mode": "match"}})
        entries.append(f'{envelope[:-1]},"resource":{body}}}')
    if value.warnings:
        outcome = operation_outcome(value.warnings)
        entries.append(f'{{"resource":{outcome},"search":{{"mode":"outcome"}}}}')
    return json.dumps(head)[:-1] + (f',"entry":[{",".join(entries)}]}}' if entries else "}")


def bundle_response(value: BundleResponse) -> str:
    """The batch-response or transaction-response: per entry, the status, Location, ETag and lastModified its
    single interaction would answer, and its body (the resource, the searchset, or the OperationOutcome of a
    failed entry). Bodies stop being included once they would take the response past Lambda's 6 MB."""
    head: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": fhirtime.format_instant(fhirtime.now())},
        "type": f"{value.kind}-response",
    }
    entries, used, left_out = [], 0, 0
    for entry_http, outcome in value.entries:
        if isinstance(outcome, FhirError):
            entries.append(json.dumps({"response": {"status": _status_line(outcome.status),
                                                    "outcome": json.loads(operation_outcome(outcome.issues))}}))
            continue
        answer = result(outcome, entry_http)
        headers = answer["headers"]
        envelope: dict[str, Any] = {}
        version = getattr(outcome, "version", None)
        if version is not None:
            envelope["fullUrl"] = f"{entry_http.base_url}/{RESOURCE_TYPE}/{version.id}"
        status = {"status": _status_line(answer["statusCode"])}
        if "location" in headers:
            status["location"] = headers["location"]
        if "etag" in headers:
            status["etag"] = headers["etag"]
        if version is not None:
            status["lastModified"] = version.last_updated
        envelope["response"] = status
        text, body = json.dumps(envelope), answer["body"]
        if body and used + len(body) > PAGE_JSON_BUDGET:
            left_out += 1
        elif body:
            used += len(body)
            text = f'{text[:-1]},"resource":{body}}}'
        entries.append(text)
    if left_out:
        head["issues"] = json.loads(operation_outcome([Issue(
            "too-costly", f"{left_out} entries are answered without their resource: with it the response would "
            "exceed the 6 MB response limit; read them by their location", severity="warning")]))
    return json.dumps(head)[:-1] + (f',"entry":[{",".join(entries)}]}}' if entries else "}")


def _status_line(status: int) -> str:
    """Bundle.entry.response.status: the code and its reason phrase, e.g. "201 Created"."""
    return f"{status} {HTTPStatus(status).phrase}"


def _url(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}" if params else path
