"""FHIR R5 primitive types as annotated pydantic types.

Formats are regexes and bounds that pydantic-core checks in Rust, keeping the per-value path out of Python.
"""

from __future__ import annotations

from decimal import Decimal as _Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PlainValidator, StringConstraints

from fhirimaging.resource import FHIR_ID_PATTERN

from . import rules


class FhirPrimitive:
    """Annotated metadata naming a FHIR primitive type: such elements may have a JSON `_x` companion."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"FhirPrimitive({self.name!r})"


# Any character except the C0 controls; tab, LF and CR are the only controls FHIR strings may hold.
_TEXT_CHAR = r"[^\x00-\x08\x0B\x0C\x0E-\x1F]"
_VISIBLE = r"[^\s\x00-\x1F]"
_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[12][0-9]|3[01])"
# Second 60 is kept because the R5 regexes allow a leap second.
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?"
_ZONE = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"

# Pattern -> what the value should look like; issues.py explains a mismatch with it.
FORMATS: dict[str, str] = {}


def _pattern(regex: str, description: str) -> StringConstraints:
    FORMATS[regex] = description
    return StringConstraints(strict=True, pattern=regex)


_STRING = _pattern(
    rf"^{_TEXT_CHAR}*{_VISIBLE}{_TEXT_CHAR}*$", "a non-blank string without control characters"
)
_URI = _pattern(rf"^{_VISIBLE}+$", "a URI without whitespace")
_CODE = _pattern(rf"^{_VISIBLE}+( {_VISIBLE}+)*$", "a code without leading, trailing or repeated whitespace")
_ID = _pattern(rf"^{FHIR_ID_PATTERN}$", "an id of 1 to 64 characters from A-Z a-z 0-9 - .")
_OID = _pattern(r"^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$", "an OID such as urn:oid:1.2.3")
_UUID = _pattern(
    r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    "a lower-case UUID such as urn:uuid:c757873d-ec9a-4326-a141-556f43239520",
)
_BASE64 = _pattern(r"^(\s*[0-9a-zA-Z+/=]{4}\s*)+$", "base64 data")
_DATE = _pattern(rf"^{_YEAR}(-{_MONTH}(-{_DAY})?)?$", "a date: YYYY, YYYY-MM or YYYY-MM-DD")
_DATETIME = _pattern(
    rf"^{_YEAR}(-{_MONTH}(-{_DAY}(T{_TIME}{_ZONE})?)?)?$",
    "a dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff] with a time zone (Z or +hh:mm)",
)
_INSTANT = _pattern(
    rf"^{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_ZONE}$",
    "an instant: YYYY-MM-DDThh:mm:ss[.fff] with a time zone (Z or +hh:mm)",
)
_TIME_OF_DAY = _pattern(rf"^{_TIME}$", "a time: hh:mm:ss[.fff]")
_INTEGER64 = _pattern(r"^(0|[-+]?[1-9][0-9]{0,18})$", "an integer64 written as a JSON string")
_XHTML = _pattern(rf"^<div[\s>]{_TEXT_CHAR}*$", "XHTML starting with a <div> element")


_INT32 = 2**31 - 1

String = Annotated[str, _STRING, FhirPrimitive("string")]
Markdown = Annotated[str, _STRING, FhirPrimitive("markdown")]
Code = Annotated[str, _CODE, FhirPrimitive("code")]
Id = Annotated[str, _ID, FhirPrimitive("id")]
Uri = Annotated[str, _URI, FhirPrimitive("uri")]
Url = Annotated[str, _URI, FhirPrimitive("url")]
Canonical = Annotated[str, _URI, FhirPrimitive("canonical")]
Oid = Annotated[str, _OID, FhirPrimitive("oid")]
Uuid = Annotated[str, _UUID, FhirPrimitive("uuid")]
Base64Binary = Annotated[str, _BASE64, FhirPrimitive("base64Binary")]
Date = Annotated[str, _DATE, AfterValidator(rules.day_exists), FhirPrimitive("date")]
DateTime = Annotated[str, _DATETIME, AfterValidator(rules.day_exists), FhirPrimitive("dateTime")]
Instant = Annotated[str, _INSTANT, AfterValidator(rules.day_exists), FhirPrimitive("instant")]
Time = Annotated[str, _TIME_OF_DAY, FhirPrimitive("time")]
Boolean = Annotated[bool, Field(strict=True), FhirPrimitive("boolean")]
Integer = Annotated[int, Field(strict=True, ge=-_INT32 - 1, le=_INT32), FhirPrimitive("integer")]
UnsignedInt = Annotated[int, Field(strict=True, ge=0, le=_INT32), FhirPrimitive("unsignedInt")]
PositiveInt = Annotated[int, Field(strict=True, ge=1, le=_INT32), FhirPrimitive("positiveInt")]
Integer64 = Annotated[str, _INTEGER64, AfterValidator(rules.integer64_in_range), FhirPrimitive("integer64")]
Decimal = Annotated[_Decimal, PlainValidator(rules.decimal), FhirPrimitive("decimal")]

# Typed System.String (element and resource ids, Extension.url) or xhtml in R5: no `_x` companion.
ElementId = Annotated[str, _STRING]
ResourceId = Annotated[str, _ID]
ExtensionUrl = Annotated[str, _URI]
Xhtml = Annotated[str, _XHTML]
ResourceType = Annotated[str, _pattern(r"^[A-Z][A-Za-z]{1,63}$", "a resource type name such as Patient")]


def required_code(*codes: str) -> Any:
    """A code with a required binding to a small fixed value set."""
    return Annotated[Literal[codes], FhirPrimitive("code")]
