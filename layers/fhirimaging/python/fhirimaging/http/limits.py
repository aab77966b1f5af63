"""The request line's limits, checked before it is parsed (`check_event`, from the endpoint).

The body size limit stays in the endpoint (413); the limits on what a request holds (JSON, search, PATCH)
are checked below the HTTP layer (fhirimaging/limits.py).
"""
from __future__ import annotations

from typing import Any

from fhirimaging.errors import BadRequest, UriTooLong

MAX_QUERY_BYTES = 8 * 1024
MAX_QUERY_PARAMETERS = 100


def check_event(event: dict[str, Any]) -> None:
    """414 for a query string over 8 KiB, 400 for more than 100 parameters."""
    raw = event.get("rawQueryString") or ""
    if len(raw) > MAX_QUERY_BYTES:
        raise UriTooLong(f"the query string is {len(raw)} characters; the limit is {MAX_QUERY_BYTES}")
    if raw and raw.count("&") + 1 > MAX_QUERY_PARAMETERS:
        count = sum(1 for part in raw.split("&") if part)
        if count > MAX_QUERY_PARAMETERS:
            raise BadRequest(f"the query has {count} parameters; the limit is {MAX_QUERY_PARAMETERS}")
