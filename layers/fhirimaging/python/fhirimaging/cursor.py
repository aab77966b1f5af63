"""Paging, for search and history alike: the page size a client asks for (`_count`), and opaque,
tamper-evident cursors: an HMAC-signed position bound to one query.

A cursor names the query it belongs to (scope) and expires; a forged, altered, expired or
borrowed cursor is a 400, never another query's data.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from fhirimaging.errors import BadRequest

LIFETIME_SECONDS = 24 * 3600


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, scope: str, position: dict) -> str:
    payload = _b64(json.dumps({"s": scope, "p": position, "x": int(time.time()) + LIFETIME_SECONDS},
                              separators=(",", ":")).encode())
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:16]
    return f"{payload}.{_b64(mac)}"


def verify(secret: bytes, scope: str, token: str) -> dict:
    """The position inside a cursor this server issued for this very query."""
    try:
        payload, mac = token.split(".")
        expected = hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise ValueError("signature")
        body = json.loads(_unb64(payload))
    except (ValueError, TypeError) as e:
        raise BadRequest("the paging cursor is not one this server issued") from e
    if type(body) is not dict or type(body.get("p")) is not dict or type(body.get("x")) is not int:
        raise BadRequest("the paging cursor is not one this server issued")  # signed, yet not by sign()
    if body.get("s") != scope:
        raise BadRequest("the paging cursor belongs to a different query")
    if body["x"] < time.time():
        raise BadRequest("the paging cursor has expired; start the query again")
    return body["p"]


def parse_count(value: str | None) -> int | None:
    """`_count` as the client sent it (None: absent, or empty as search ignores an empty parameter); the service
    clamps it to its page sizes."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):  # str.isdigit() also accepts e.g. "²", which int() refuses
        raise BadRequest(f"_count must be a non-negative integer, not '{value}'")
    return int(value)
