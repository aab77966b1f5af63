"""SMART App Launch scopes (v2 `.cruds` and v1 `.read/.write/.*`) -> the permissions they grant here."""
from __future__ import annotations

import re
from typing import NamedTuple

from fhirimaging.resource import RESOURCE_TYPE

PERMISSIONS = "cruds"
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}
_SCOPE = re.compile(r"(patient|user|system)/(\*|[A-Z][A-Za-z]{0,63})\.(read|write|\*|[cruds]{1,5})")


class Grants(NamedTuple):
    """Permission letters granted on ImagingStudy: without restriction (system/user) and for the patient only."""

    unrestricted: frozenset[str] = frozenset()
    patient: frozenset[str] = frozenset()


def parse_scopes(scope: str) -> Grants:
    """Scopes are separated by spaces (RFC 6749 3.3: %x20, no other whitespace); unknown, malformed and
    finer-grained (`?param=`) scopes grant nothing."""
    unrestricted: set[str] = set()
    patient: set[str] = set()
    for item in scope.split(" "):
        m = _SCOPE.fullmatch(item)
        if not m or m[2] not in ("*", RESOURCE_TYPE):
            continue
        letters = _V1.get(m[3]) or _v2(m[3])
        (patient if m[1] == "patient" else unrestricted).update(letters)
    return Grants(frozenset(unrestricted), frozenset(patient))


def _v2(text: str) -> str:
    """v2 letters must be distinct and in c, r, u, d, s order; anything else is not a v2 scope."""
    positions = [PERMISSIONS.find(c) for c in text]
    return text if positions == sorted(set(positions)) else ""
