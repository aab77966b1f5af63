"""FHIR JSON text in and out, without changing a value on the way.

Decimals are parsed as Decimal and written back with their original digits (FHIR treats 1.50 and 1.5
as different values); duplicate keys are rejected because FHIR JSON forbids them, and so are what no FHIR
JSON can hold anywhere, even in parts the models do not validate (contained resources): NaN and
Infinity (not JSON) and strings with control characters or unpaired surrogates (not FHIR strings).
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from fhirimaging import limits
from fhirimaging.errors import BadRequest, DuplicateKey, ForbiddenText

_SENTINEL = "\x00decimal:"
_SENTINEL_JSON = re.compile(r'"\\u0000decimal:([^"]+)"')
# FHIR strings allow no control character but tab, LF and CR; a lone surrogate is not Unicode text.
_FORBIDDEN_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise DuplicateKey(f'duplicate property "{duplicate}"')
    for key, value in pairs:  # nested objects were checked by their own call
        if char := _forbidden_char(key):
            raise ForbiddenText(f"the property name {key!r} {_why(char)}")
        if char := _forbidden_char(value):
            raise ForbiddenText(f'a string in "{key}" {_why(char)}')
    return obj


def _forbidden_char(value: Any) -> str | None:
    if type(value) is str:
        m = _FORBIDDEN_CHAR.search(value)
        return m.group() if m else None
    if type(value) is list:
        return next((char for v in value if (char := _forbidden_char(v))), None)
    return None


def _why(char: str) -> str:
    kind = "an unpaired surrogate" if "\ud800" <= char <= "\udfff" else "the control character"
    return f"contains {kind} U+{ord(char):04X}, which no FHIR string may hold"


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(text: str | bytes) -> Any:
    """Parse JSON; raises ValueError (json.JSONDecodeError, DuplicateKey, ForbiddenText, UnicodeDecodeError).

    A body nested deeper than the interpreter's recursion limit raises RecursionError.
    """
    return json.loads(text, parse_float=Decimal, parse_constant=_not_a_number, object_pairs_hook=_no_duplicates)


def load_document(body: bytes, what: str, expected: str) -> Any:
    """A request body's JSON; every way it can fail is a 400 naming `what` ("body", "patch document")."""
    if not body.strip():
        raise BadRequest(f"the request body is empty; expected {expected}")
    try:
        document = loads(body)
    except UnicodeDecodeError as e:
        raise BadRequest(f"the {what} is not UTF-8") from e
    except ValueError as e:
        raise BadRequest(f"the {what} is not valid JSON: {e}") from e
    except RecursionError as e:
        raise BadRequest(f"the {what} is not valid JSON: it is nested too deeply") from e
    limits.check_document(document, what)  # depth, array and string lengths: one pass
    return document


def dumps(obj: Any) -> str:
    """Compact JSON text; Decimals keep their exact digits."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except TypeError:
        pass  # only Decimals are not JSON-native here: take the slower exact path
    text = json.dumps(_mark_decimals(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _SENTINEL_JSON.sub(lambda m: m.group(1), text)


def _mark_decimals(obj: Any) -> Any:
    # loads() lets no control character through, so the sentinel cannot collide with client text.
    if isinstance(obj, Decimal):
        return _SENTINEL + str(obj)
    if isinstance(obj, dict):
        return {k: _mark_decimals(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_mark_decimals(v) for v in obj]
    return obj
