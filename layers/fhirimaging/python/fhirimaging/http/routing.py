"""Requests that no route claims: 405 (with Allow) on a known path, 404 elsewhere."""
from __future__ import annotations

from typing import NoReturn

from fhirimaging.errors import MethodNotAllowed, NotFound
from fhirimaging.http.request import HttpRequest
from fhirimaging.interactions import FHIR_BASE_PATH, allowed_methods


def unmatched(http: HttpRequest) -> NoReturn:
    path = http.path.rstrip("/") or "/"
    if path.startswith(FHIR_BASE_PATH + "/") or path == FHIR_BASE_PATH:
        allowed = allowed_methods(path[len(FHIR_BASE_PATH):])
        # A method the path template allows reached here only through a variant of the path no route
        # serves (a trailing slash): that is a 404, not a 405 whose Allow lists the very method refused.
        if allowed and http.method not in allowed:
            raise MethodNotAllowed(f"{http.method} is not supported on {path}; allowed: {', '.join(allowed)}",
                                   headers={"Allow": ", ".join(allowed)})
    raise NotFound(f"no FHIR interaction is served at {http.method} {http.path}")
