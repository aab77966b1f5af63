"""FHIR JSON text in and out, without changing a value on the way.

Decimals are parsed as Decimal and written back with their original digits (FHIR treats 1.50 and 1.5
as different values); duplicate keys are rejected because FHIR JSON forbids them.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_SENTINEL = "\x00decimal:"
_SENTINEL_JSON = re.compile(r'"\\u0000decimal:([^"]+)"')


class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise DuplicateKey(f'duplicate property "{duplicate}"')
    return obj


def loads(text: str | bytes) -> Any:
    """Parse JSON; raises ValueError (json.JSONDecodeError, DuplicateKey, UnicodeDecodeError)."""
    return json.loads(text, parse_float=Decimal, object_pairs_hook=_no_duplicates)


def dumps(obj: Any) -> str:
    """Compact JSON text; Decimals keep their exact digits."""
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except TypeError:
        pass  # only Decimals are not JSON-native here: take the slower exact path
    text = json.dumps(_mark_decimals(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _SENTINEL_JSON.sub(lambda m: m.group(1), text)


def _mark_decimals(obj: Any) -> Any:
    # Control characters never survive validation, so the sentinel cannot collide with client text.
    if isinstance(obj, Decimal):
        return _SENTINEL + str(obj)
    if isinstance(obj, dict):
        return {k: _mark_decimals(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_mark_decimals(v) for v in obj]
    return obj
