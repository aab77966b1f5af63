"""The checks of FHIR R5 that field types cannot express: primitive value rules, ele-1 and the invariants.

Pure functions on pydantic-core alone: the pydantic models call them while defining the schema, and the
compiled schema (core_schema.py) names them, so validating at run time never imports pydantic itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable

from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

Invariants = Callable[[dict, Any], list[InitErrorDetails]]


def fhir_error(message: str, code: str) -> PydanticCustomError:
    """An error of our own; `code` is the OperationOutcome issue code it maps to."""
    return PydanticCustomError("fhir", message, {"code": code})


def invariant_error(message: str, loc: tuple = (), code: str = "invariant") -> InitErrorDetails:
    """A broken rule, located by `loc` relative to the element whose invariants found it."""
    return InitErrorDetails(type=fhir_error(message, code), loc=loc, input=None)


# primitive values (after their regex has matched)


def _days_in(year: int, month: int) -> int:
    # Not calendar.monthrange: importing calendar (and locale) would cost every writing function ~2 ms.
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def day_exists(value: str) -> str:
    # The regex bounds the day to 01-31; only days 29-31 can fall outside their month.
    if len(value) >= 10 and value[8:10] > "28":
        year, month, day = int(value[0:4]), int(value[5:7]), int(value[8:10])
        if day > _days_in(year, month):
            raise fhir_error("not a calendar date", "value")
    return value


def integer64_in_range(value: str) -> str:
    if not -(2**63) <= int(value) < 2**63:
        raise fhir_error("outside the integer64 range", "value")
    return value


def decimal(value: Any) -> Any:
    # JSON is parsed with parse_float=Decimal, so a float here can only be NaN or Infinity.
    if type(value) is int or (type(value) is Decimal and value.is_finite()):
        return value
    raise PydanticCustomError("fhir_kind", "expected a number", {"code": "structure", "expected": "a number"})


# rules every element keeps


def ele_1_problem(data: dict, id_alone_is_empty: bool) -> PydanticCustomError | None:
    """The error for an object with no content (no properties, or only an id), if it is one.

    `id_alone_is_empty` is False for a primitive's `_x` (its value sits beside it) and for elements with
    required children: reporting those missing says more than ele-1 does.
    """
    if not data:
        return fhir_error("Empty object: a JSON object must have at least one property", "structure")
    if id_alone_is_empty and data.keys() == {"id"}:
        return fhir_error("Element has no content besides its id (ele-1)", "invariant")
    return None


def ele_1(id_alone_is_empty: bool, data: Any) -> Any:
    """Before-validator of every element: ele-1."""
    if type(data) is dict and len(data) < 2:
        problem = ele_1_problem(data, id_alone_is_empty)
        if problem is not None:
            raise problem
    return data


def check_invariants(model: str, invariants: Invariants, id_alone_is_empty: bool, data: Any, handler,
                     info) -> Any:
    """Wrap-validator of elements with invariants: their problems are reported together with the field
    errors, so one pass finds them all."""
    # An object without content is reported once, by ele-1, not again by each invariant it breaks.
    checkable = type(data) is dict and not (len(data) < 2 and ele_1_problem(data, id_alone_is_empty))
    problems = invariants(data, info.context) if checkable else None
    if not problems:
        return handler(data)
    try:
        handler(data)
        details = []
    except ValidationError as error:
        details = _as_init_details(error)
    raise ValidationError.from_exception_data(model, details + problems)


def _as_init_details(error: ValidationError) -> list[InitErrorDetails]:
    """The errors of a ValidationError in the form needed to raise them again, together with more."""
    details = []
    for item in error.errors(include_url=False):
        kind = item["type"]
        if kind.startswith("fhir"):
            kind = PydanticCustomError(kind, item["msg"], item.get("ctx"))
        detail = InitErrorDetails(type=kind, loc=item["loc"], input=item["input"])
        if "ctx" in item:
            detail["ctx"] = item["ctx"]
        details.append(detail)
    return details


def choice_problems(data: dict, names: frozenset[str], element: str) -> list[InitErrorDetails]:
    """A choice element ([x]) appears at most once, counting a primitive `_x` companion as the same choice."""
    present = sorted({key.lstrip("_") for key in data if key.lstrip("_") in names})
    if len(present) > 1:
        return [invariant_error(f"{element} appears more than once: {', '.join(present)}", code="structure")]
    return []


def primitive_array_problems(data: dict, name: str) -> list[InitErrorDetails]:
    """A repeating primitive and its `_x` array align by index; each position has a value or an extension."""
    values, companions = data.get(name), data.get("_" + name)
    values = values if type(values) is list else None
    companions = companions if type(companions) is list else None
    if values is None and companions is None:
        return []
    if values is not None and companions is not None and len(values) != len(companions):
        return [
            invariant_error(f"'_{name}' must have as many entries as '{name}'", (f"_{name}",), "structure")
        ]
    problems = []
    for index in range(len(values if values is not None else companions)):
        value = values[index] if values is not None else None
        companion = companions[index] if companions is not None else None
        if value is None and companion is None:
            at = (name, index) if values is not None else (f"_{name}", index)
            problems.append(
                invariant_error(
                    f"'{name}' entry {index} has neither a value nor an extension", at, "structure"
                )
            )
    return problems


# the invariants of each datatype and of contained resources


def contained_resource(data: dict, context: Any) -> list[InitErrorDetails]:
    problems = []
    if "contained" in data:
        problems.append(invariant_error("A contained resource must not contain resources (dom-2)", ("contained",)))
    meta = data.get("meta")
    if type(meta) is dict:
        if meta.keys() & {"versionId", "lastUpdated"}:
            problems.append(
                invariant_error(
                    "A contained resource must not have meta.versionId or meta.lastUpdated (dom-4)", ("meta",)
                )
            )
        if "security" in meta:
            problems.append(
                invariant_error("A contained resource must not have security labels (dom-5)", ("meta", "security"))
            )
    return problems


_DATETIME_PARTS = re.compile(
    r"(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d))?)?)?$"
)
# Compared with a zoned value, a date without a zone may be in any zone from +14:00 to -12:00.
_EARLIEST_ZONE, _LATEST_ZONE = timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))


def _boundary(value: Any, high: bool) -> datetime | None:
    """FHIRPath lowBoundary (or highBoundary) of a dateTime of any precision; None if it is not a valid one.

    Dates come back without a zone, times with theirs.
    """
    match = _DATETIME_PARTS.match(value) if type(value) is str else None
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        if hour is None:
            month_ = int(month) if month else (12 if high else 1)
            day_ = int(day) if day else (_days_in(int(year), month_) if high else 1)
            start = datetime(int(year), month_, day_)
            return start + timedelta(days=1, microseconds=-1) if high else start
        sign = -1 if zone[0] == "-" else 1
        offset = (
            timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))) if zone != "Z" else UTC
        )
        micros = int((fraction or "0")[:6].ljust(6, "0"))
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), min(int(second), 59), micros, tzinfo=offset
        )
    except ValueError:
        return None


def period(data: dict, context: Any) -> list[InitErrorDetails]:
    start, end = _boundary(data.get("start"), high=False), _boundary(data.get("end"), high=True)
    if start is None or end is None:
        return []
    if (start.tzinfo is None) != (end.tzinfo is None):
        start, end = (
            start.replace(tzinfo=start.tzinfo or _EARLIEST_ZONE),
            end.replace(tzinfo=end.tzinfo or _LATEST_ZONE),
        )
    if start > end:
        return [invariant_error("Period start is after its end (per-1)")]
    return []


def reference(data: dict, context: Any) -> list[InitErrorDetails]:
    problems = []
    if not data.keys() & {"reference", "_reference", "identifier", "display", "_display", "extension"}:
        problems.append(invariant_error("Reference needs a reference, identifier, display or extension (ref-2)"))
    target = data.get("reference")
    if type(target) is str and target.startswith("#"):
        # Only the root resource is validated here, so '#' (the container itself) is never valid.
        contained_ids = context.get("contained_ids", ()) if context else ()
        if target[1:] not in contained_ids:
            problems.append(
                invariant_error(f"Local reference {target[:70]} has no contained resource (ref-1)", ("reference",))
            )
    return problems


def simple_quantity(data: dict, context: Any) -> list[InitErrorDetails]:
    if data.keys() & {"code", "_code"} and not data.keys() & {"system", "_system"}:
        return [invariant_error("A coded unit needs a system (qty-3)")]
    return []


def ratio(data: dict, context: Any) -> list[InitErrorDetails]:
    if ("numerator" in data) != ("denominator" in data):
        return [invariant_error("Ratio needs both numerator and denominator, or neither (rat-1)")]
    return []


def attachment(data: dict, context: Any) -> list[InitErrorDetails]:
    if "data" in data and "contentType" not in data:
        return [invariant_error("Attachment data needs a contentType (att-1)")]
    return []


_AUTHOR_X = frozenset({"authorReference", "authorString"})


def annotation(data: dict, context: Any) -> list[InitErrorDetails]:
    return choice_problems(data, _AUTHOR_X, "author[x]")


def meta(data: dict, context: Any) -> list[InitErrorDetails]:
    return primitive_array_problems(data, "profile")


def extension(value_x: frozenset[str], data: dict, context: Any) -> list[InitErrorDetails]:
    """ext-1 and one value[x] of the names `value_x`."""
    problems = choice_problems(data, value_x, "value[x]")
    # An unknown value[x] name is reported as unknown, so it still counts as a value here.
    has_value = any(key.lstrip("_").startswith("value") for key in data)
    if has_value == ("extension" in data):
        problems.append(
            invariant_error(
                "Extension must have either a value[x] or nested extensions, not both and not neither (ext-1)"
            )
        )
    return problems
