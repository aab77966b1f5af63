"""Turns pydantic validation errors into OperationOutcome issues: one Issue per error, located by FHIRPath.

Runs only on invalid input, so clarity wins over speed here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic_core import ValidationError

from fhirimaging.errors import Issue

from .core_schema import FORMATS

# pydantic error type -> the JSON kind the element needed.
_EXPECTED_KIND = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "a boolean",
    "list_type": "an array",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dict_type": "an object",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "greater than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}
_CONTROL = {chr(n) for n in range(32)} - {"\t", "\n", "\r"}


def issues_from(error: ValidationError, root: str) -> list[Issue]:
    return [_issue(item, root) for item in error.errors(include_url=False)]


def _issue(item: dict, root: str) -> Issue:
    kind, loc, value, ctx = item["type"], item["loc"], item["input"], item.get("ctx") or {}
    code, diagnostics = _explain(kind, loc, value, ctx, item["msg"], root)
    return Issue(code=code, diagnostics=diagnostics, expression=(expression(root, loc, kind),))


def expression(root: str, loc: tuple, kind: str = "") -> str:
    """FHIRPath of a pydantic location: `_x` companions are reported as `x`, unknown elements as sent."""
    parts = [root]
    for position, part in enumerate(loc):
        if type(part) is int:
            parts.append(f"[{part}]")
            continue
        unknown = kind == "extra_forbidden" and position == len(loc) - 1
        parts.append("." + (part[1:] if part.startswith("_") and not unknown else part))
    return "".join(parts)


def _explain(kind: str, loc: tuple, value: Any, ctx: dict, message: str, root: str) -> tuple[str, str]:
    name = next((part for part in reversed(loc) if type(part) is str), root)
    if kind == "fhir":
        # Our own errors: invariants are self-explanatory, primitive checks name the offending value.
        diagnostics = f"'{name}' is {_show(value)}: {message}" if type(value) is str else message
        return ctx.get("code", "invalid"), diagnostics
    if value is None and kind != "missing":
        return (
            "structure",
            f"'{name}' is null; JSON null is only allowed in a primitive extension ('_x') array",
        )
    if kind == "fhir_kind" and isinstance(value, (float, Decimal)):
        return "value", f"'{name}' is {value}; FHIR decimals are finite numbers"
    if kind in _EXPECTED_KIND or kind == "fhir_kind":
        return "structure", _wrong_kind(name, value, ctx.get("expected") or _EXPECTED_KIND[kind])
    if kind == "extra_forbidden":
        return "structure", _unknown(name, loc)
    if kind == "missing":
        return "required", f"Missing required element '{name}'"
    if kind == "too_short":
        what = "array" if ctx.get("field_type") == "List" else "object"
        return "structure", f"'{name}' is an empty {what}; FHIR JSON has no empty {what}s"
    if kind == "string_pattern_mismatch":
        return _bad_format(name, value, ctx["pattern"])
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return "value", f"'{name}' is {value}; it must be {words} {ctx[key]}"
    if kind == "literal_error":
        if loc == ("resourceType",):
            return "structure", f"resourceType is {_show(value)}; it must be 'ImagingStudy'"
        if type(value) is not str:
            return "structure", _wrong_kind(name, value, "a string")
        return "code-invalid", f"'{name}' has code {_show(value)}, which is not one of {ctx['expected']}"
    return "invalid", f"'{name}': {message}"


def _wrong_kind(name: str, value: Any, expected: str) -> str:
    if expected == "an array":
        return f"'{name}' repeats, so it must be an array, not {_kind(value)}"
    if type(value) is list:
        return f"'{name}' does not repeat, so it must be {expected}, not an array"
    return f"'{name}' must be {expected}, not {_kind(value)}"


def _unknown(name: str, loc: tuple) -> str:
    in_extension = len(loc) >= 3 and loc[-3] in ("extension", "modifierExtension") and type(loc[-2]) is int
    if in_extension and name.lstrip("_").startswith("value"):
        return f"Unknown element '{name}': not an R5 value[x] type"
    return f"Unknown element '{name}'"


def _bad_format(name: str, value: str, pattern: str) -> tuple[str, str]:
    if value == "":
        return "structure", f"'{name}' is an empty string; FHIR JSON has no empty strings"
    if not value.strip():
        return "structure", f"'{name}' contains only whitespace"
    control = next((char for char in value if char in _CONTROL), None)
    if control is not None:
        return "value", f"'{name}' contains the control character U+{ord(control):04X}"
    return "value", f"'{name}' is {_show(value)}; expected {FORMATS.get(pattern, 'pattern ' + pattern)}"


def _kind(value: Any) -> str:
    if type(value) is bool:
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
