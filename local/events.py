"""HTTP request <-> API Gateway HTTP API (payload format 2.0) Lambda event and response.

Handlers must see locally exactly what API Gateway gives them in AWS, including the parts that
trip people: repeated query parameters and headers arrive comma-joined (only `rawQueryString`
keeps `a=1&a=2` apart from `a=1,2`), header names are lower-cased, cookies move to `cookies`,
non-text bodies arrive base64-encoded, and a static route segment beats a `{param}`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from local.template import Route

log = logging.getLogger(__name__)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ---------------------------------------------------------------------------------------------
# Routing


class Router:
    """API Gateway route selection: the most specific path wins, then a named method over ANY.

    Segments compare left to right: static beats `{param}`, which beats a greedy `{proxy+}`; so
    `GET /ImagingStudy/_history` goes to its own route, never to `GET /ImagingStudy/{id}`. A
    request no route claims goes to the `$default` route, if there is one.
    """

    def __init__(self, routes: Iterable[Route]):
        routes = list(routes)
        self.default = next((r for r in routes if r.is_default), None)
        self._routes = [(r, _segments(r.path)) for r in routes if not r.is_default]

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        parts = raw_path.lstrip("/").split("/")
        best: tuple[tuple[int, ...], Route, dict[str, str]] | None = None
        for route, segments in self._routes:
            if route.method not in (method, "ANY"):
                continue
            params = _match_segments(segments, parts)
            if params is None:
                continue
            rank = tuple(kind for kind, _ in segments) + ((1,) if route.method == "ANY" else (0,))
            if best is None or rank < best[0]:
                best = (rank, route, params)
        if best is not None:
            return best[1], best[2]
        return (self.default, {}) if self.default else None


_STATIC, _PARAM, _GREEDY = 0, 1, 2


def _segments(path: str | None) -> list[tuple[int, str]]:
    segments = []
    for part in (path or "").lstrip("/").split("/"):
        if part.startswith("{") and part.endswith("+}"):
            segments.append((_GREEDY, part[1:-2]))
        elif part.startswith("{") and part.endswith("}"):
            segments.append((_PARAM, part[1:-1]))
        else:
            segments.append((_STATIC, part))
    return segments


def _match_segments(segments: list[tuple[int, str]], parts: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for i, (kind, name) in enumerate(segments):
        if kind == _GREEDY:
            rest = parts[i:]
            if not rest or not rest[0]:
                return None
            params[name] = unquote("/".join(rest))
            return params
        if i >= len(parts):
            return None
        if kind == _STATIC:
            if parts[i] != name:
                return None
        elif not parts[i]:
            return None
        else:
            params[name] = unquote(parts[i])
    return params if len(parts) == len(segments) else None


# ---------------------------------------------------------------------------------------------
# Request -> event


def is_text_content_type(content_type: str | None) -> bool:
    """Bodies API Gateway passes as text; anything else (form posts included) arrives base64."""
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = mime.partition("/")
    return kind == "text" or subtype in ("json", "xml") or subtype.endswith(("+json", "+xml"))


def _apigw_time(now: datetime) -> str:
    return f"{now:%d}/{_MONTHS[now.month - 1]}/{now:%Y:%H:%M:%S} +0000"


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


def _trace_id(epoch_seconds: int) -> str:
    return f"Root=1-{epoch_seconds:08x}-{os.urandom(12).hex()}"


def build_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    route_key: str,
    path_parameters: dict[str, str] | None,
    source_ip: str,
    protocol: str = "HTTP/1.1",
    forwarded_proto: str = "http",
    forwarded_port: int | None = None,
    api_id: str = "local",
    account_id: str = "123456789012",
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway would send for this request."""
    now = now or datetime.now(UTC)
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        joined[name] = f"{joined[name]},{value}" if name in joined else value

    joined["x-forwarded-for"] = (
        f"{joined['x-forwarded-for']}, {source_ip}" if "x-forwarded-for" in joined else source_ip
    )
    joined["x-forwarded-proto"] = forwarded_proto
    if forwarded_port is not None:
        joined["x-forwarded-port"] = str(forwarded_port)
    joined.setdefault("x-amzn-trace-id", _trace_id(int(now.timestamp())))

    host = _hostname(joined.get("host") or "localhost")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = joined
    if raw_query:
        params: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
        event["queryStringParameters"] = params
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": protocol,
            "sourceIp": source_ip,
            "userAgent": joined.get("user-agent", ""),
        },
        "requestId": request_id or str(uuid.uuid4()),
        "routeKey": route_key,
        "stage": "$default",
        "time": _apigw_time(now),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    is_base64 = False
    if body:
        text = None
        if is_text_content_type(joined.get("content-type")):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is None:
            event["body"] = base64.b64encode(body).decode("ascii")
            is_base64 = True
        else:
            event["body"] = text
    event["isBase64Encoded"] = is_base64
    return event


# ---------------------------------------------------------------------------------------------
# Lambda response -> HTTP response


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def error_response(status: int, message: str) -> HttpResponse:
    """API Gateway's own error shape, e.g. `{"message":"Internal Server Error"}`."""
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("content-type", "application/json")], body)


class MalformedResponse(ValueError):
    pass


def to_http_response(payload: str) -> HttpResponse:
    """Interpret the Lambda's JSON result the way API Gateway does for payload format 2.0.

    A JSON object with `statusCode` is a proxy response (`headers`, `cookies`, `body`,
    `isBase64Encoded`; `multiValueHeaders` is not part of format 2.0 and is ignored, as in AWS).
    Any other valid JSON is returned as the body of a 200 application/json response.
    """
    try:
        result = json.loads(payload)
    except ValueError as e:
        raise MalformedResponse(f"not JSON: {e}") from None
    if not isinstance(result, dict) or "statusCode" not in result:
        return HttpResponse(200, [("content-type", "application/json")], payload.encode())

    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, (int, str)) or not str(status).isdigit():
        raise MalformedResponse(f"statusCode {status!r} is not an integer")
    status = int(status)
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status} out of range")

    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        if isinstance(value, (dict, list)):
            raise MalformedResponse(f"header {name!r} is not a scalar")
        value = json.dumps(value) if isinstance(value, bool) else str(value)
        if any(c in f"{name}{value}" for c in "\r\n"):
            raise MalformedResponse(f"header {name!r} contains a line break")
        headers.append((str(name), value))
    if result.get("multiValueHeaders"):
        log.warning("multiValueHeaders is ignored by HTTP API payload format 2.0; use comma-joined headers")
    for cookie in result.get("cookies") or []:
        if any(c in str(cookie) for c in "\r\n"):
            raise MalformedResponse("cookie contains a line break")
        headers.append(("set-cookie", str(cookie)))

    body = result.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise MalformedResponse("body must be a string")
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except binascii.Error as e:
            raise MalformedResponse(f"isBase64Encoded but body is not base64: {e}") from None
    else:
        data = body.encode("utf-8")
    return HttpResponse(status, headers, data)
