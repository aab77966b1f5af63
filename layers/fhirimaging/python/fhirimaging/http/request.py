"""An API Gateway HTTP API (payload 2.0) event as a typed request, plus FHIR content negotiation.

The query is read from rawQueryString: payload 2.0 joins repeated parameters with commas in
queryStringParameters, which would turn FHIR's AND (a=1&a=2) into OR (a=1,2).
"""
from __future__ import annotations

import base64
import binascii
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from fhirimaging.errors import BadRequest, NotAcceptable
from fhirimaging.interactions import FHIR_BASE_PATH

JSON_TYPES = ("application/fhir+json", "application/json")
_FORMAT_ALIASES = {"json", "application/json", "application/fhir+json"}


class HttpRequest(NamedTuple):
    """The parts of an API Gateway event that the parsers read."""

    method: str
    path: str
    path_params: dict[str, str]
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    base_url: str
    request_id: str = ""
    raw_query: str = ""

    @classmethod
    def from_event(cls, event: dict[str, Any], base_url: str | None = None) -> "HttpRequest":
        context = event.get("requestContext") or {}
        http = context.get("http") or {}
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        body = event.get("body") or ""
        if event.get("isBase64Encoded"):
            try:
                raw = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError) as e:
                raise BadRequest("the request body is not valid base64") from e
        else:
            raw = body.encode()
        if base_url is None:
            host = headers.get("host") or context.get("domainName") or "localhost"
            base_url = f"{headers.get('x-forwarded-proto', 'https')}://{host}{FHIR_BASE_PATH}"
        raw_query = event.get("rawQueryString") or ""
        return cls(
            method=(http.get("method") or "GET").upper(),
            path=event.get("rawPath") or http.get("path") or "/",
            path_params=event.get("pathParameters") or {},
            query=parse_qsl(raw_query, keep_blank_values=True),
            headers=headers,
            body=raw,
            base_url=base_url,
            request_id=context.get("requestId", ""),
            raw_query=raw_query,
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def param(self, name: str) -> str | None:
        """The single value of a query parameter; repeating it is an error."""
        values = [v for k, v in self.query if k == name]
        if len(values) > 1:
            raise BadRequest(f"the parameter {name} may appear only once")
        return values[0] if values else None

    def prefer(self, token: str) -> str | None:
        """A Prefer header preference (RFC 7240), e.g. prefer("return") -> "minimal"."""
        for part in (self.header("prefer") or "").split(","):
            name, _, value = part.strip().partition("=")
            if name.strip().lower() == token:
                return value.strip().strip('"')
        return None

    def check_acceptable(self) -> None:
        """406 unless the client accepts FHIR JSON (via _format or Accept)."""
        fmt = self.param("_format")
        if fmt is not None:
            if fmt.split(";")[0].strip().lower() not in _FORMAT_ALIASES:
                raise NotAcceptable(f"_format={fmt} is not supported; this server speaks application/fhir+json")
            return
        accept = self.header("accept")
        if not accept:
            return
        for media_range in accept.split(","):
            media_type, *params = [p.strip() for p in media_range.split(";")]
            if _quality(params) == 0:
                continue
            if media_type.lower() in ("*/*", "application/*", *JSON_TYPES) and _fhir_version_ok(params):
                return
        raise NotAcceptable(f"cannot produce any of Accept: {accept}; this server speaks application/fhir+json")


def _quality(params: list[str]) -> float:
    for p in params:
        name, _, value = p.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 1.0
    return 1.0


def _fhir_version_ok(params: list[str]) -> bool:
    for p in params:
        name, _, value = p.partition("=")
        if name.strip().lower() == "fhirversion" and value.strip().strip('"') not in ("5.0", "5.0.0"):
            return False
    return True
