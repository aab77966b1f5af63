"""The events/ files, as the tests use them: load one and point it at a given id, version, query or body."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"
_CACHE: dict[str, dict] = {}


def load_event(name: str, *, id: str | None = None, vid: str | None = None, query: str | None = None,
               body: Any = None, headers: dict[str, str] | None = None) -> dict:
    if name not in _CACHE:
        _CACHE[name] = json.loads((EVENTS / f"{name}.json").read_text())
    event = copy.deepcopy(_CACHE[name])
    params = event.get("pathParameters") or {}
    path = event["rawPath"]
    if id is not None:
        path = path.replace(f"/ImagingStudy/{params['id']}", f"/ImagingStudy/{id}", 1)
        params["id"] = id
    if vid is not None:
        path = path.rsplit("/", 1)[0] + f"/{vid}"
        params["vid"] = vid
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    if query is not None:
        event["rawQueryString"] = query
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    if headers:
        event["headers"].update({k.lower(): v for k, v in headers.items()})
    return event
