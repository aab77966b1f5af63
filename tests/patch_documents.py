"""FHIRPath Patch documents for the tests: a Parameters operation from keyword arguments."""
from __future__ import annotations

from typing import Any


def operation(kind: str, path: str, **parts: Any) -> dict:
    """One FHIRPath Patch operation; `value` is a {"valueX": ...} or {"part": [...]} dict."""
    out: list[dict] = [{"name": "type", "valueCode": kind}, {"name": "path", "valueString": path}]
    for name, value in parts.items():
        if name == "name":
            out.append({"name": "name", "valueString": value})
        elif name in ("index", "source", "destination"):
            out.append({"name": name, "valueInteger": value})
        else:
            out.append({"name": "value", **value})
    return {"name": "operation", "part": out}
