"""A FHIR search query string -> a typed SearchQuery, with every value parsed once, before any matching.

Unknown parameters and modifiers are skipped (or a 400 under handling=strict); an invalid value is always a 400.
Every OR-ed value may cost a GSI Query, so their number is bounded per parameter and per query (a 400
too-costly naming the limit); conditional interactions parse their criteria here too, so the bounds hold there.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

from fhirimaging import fhirtime
from fhirimaging.cursor import parse_count
from fhirimaging.errors import BadRequest, Issue, TooCostly
from fhirimaging.limits import MAX_OR_VALUES, MAX_SEARCH_VALUES
from fhirimaging.resource import FHIR_ID, FHIR_ID_PATTERN, RESOURCE_TYPE
from fhirimaging.search.parameters import (
    ELEMENTS,
    PARAMETERS,
    RESULT_PARAMETERS,
    SORTABLE,
    SUMMARY_VALUES,
    TOTAL_VALUES,
    SearchParameter,
)


class TokenValue(NamedTuple):
    """A token search value: system|code."""

    system: str | None  # None: any system; "": no system ("|code")
    code: str | None  # None: any code of the system ("system|")


class ReferenceValue(NamedTuple):
    """A reference search value: type/id, a URL, and optionally a version."""

    type: str | None
    id: str | None
    url: str | None  # an absolute URL not on this server, or a local "#id" on the resource side
    version: str | None
    identifier: TokenValue | None


class DateValue(NamedTuple):
    """A date search value: a prefix and the range its precision covers."""

    prefix: str
    low: datetime  # [low, high): the range the value's precision covers, UTC
    high: datetime


class OfTypeValue(NamedTuple):
    """identifier:of-type=system|code|value: an Identifier of that type with that value."""

    type: TokenValue
    value: str


class TextValue(NamedTuple):
    """A :text search; `folded` is the text as compared (case and accents removed)."""

    text: str
    folded: str


@dataclass(frozen=True)
class Criterion:
    """One search parameter of a query, with its modifier and OR-ed values."""

    parameter: SearchParameter
    modifier: str | None
    values: tuple[Any, ...]  # OR-ed
    raw: tuple[str, str]
    # Where absolute references in resources count as local ones.
    base_url: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class SearchQuery:
    """A parsed search: AND-ed criteria and the result parameters."""

    criteria: tuple[Criterion, ...]  # AND-ed
    count: int | None
    sort: tuple[tuple[str, bool], ...]  # (code, descending)
    total: str | None
    summary: str | None
    elements: tuple[str, ...]
    includes: tuple[tuple[str, str], ...]
    cursor: str | None
    ignored: tuple[str, ...]  # a parameter name as sent, or "_sort=x" / "_elements=x" for one skipped item
    format: str | None = None
    base_url: str = field(default="", compare=False, repr=False)  # where absolute references are local

    def confined_to(self, patient_id: str) -> "SearchQuery":
        """This query AND `patient=Patient/<patient_id>`, built as a criterion, never parsed from text: no value
        of the id can add a parameter or an OR. Not among self_params: links carry the client's query."""
        confinement = Criterion(PARAMETERS["patient"], None,
                                (ReferenceValue("Patient", patient_id, None, None, None),),
                                ("patient", f"Patient/{patient_id}"), self.base_url)
        return replace(self, criteria=(*self.criteria, confinement))

    def self_params(self) -> list[tuple[str, str]]:
        """The parameters this query was run with, in one order for equivalent queries (no _cursor)."""
        params = sorted(c.raw for c in self.criteria)
        if self.count is not None:
            params.append(("_count", str(self.count)))
        if self.elements:
            params.append(("_elements", ",".join(self.elements)))
        if self.format is not None:
            params.append(("_format", self.format))
        if self.sort:
            params.append(("_sort", ",".join(("-" if descending else "") + code for code, descending in self.sort)))
        if self.summary is not None:
            params.append(("_summary", self.summary))
        if self.total is not None:
            params.append(("_total", self.total))
        return params


_TYPE_PATTERN = r"[A-Z][A-Za-z]{1,63}"
_TYPE = re.compile(_TYPE_PATTERN)
_RELATIVE = re.compile(rf"({_TYPE_PATTERN})/({FHIR_ID_PATTERN})(?:/_history/({FHIR_ID_PATTERN}))?")
# The RESTful tail of an absolute reference elsewhere, which tells its target type.
_URL_TAIL = re.compile(rf"/({_TYPE_PATTERN})/{FHIR_ID_PATTERN}(?:/_history/{FHIR_ID_PATTERN})?$")
_UNESCAPE = re.compile(r"\\([,|$\\])")
_PREFIX = re.compile(r"[a-z]{2}")


def parse_query(params: list[tuple[str, str]], *, strict: bool, base_url: str) -> SearchQuery:
    """Parse (name, value) pairs as sent; strict turns every skipped parameter or modifier into a 400."""
    base_url = base_url.rstrip("/")
    criteria: list[Criterion] = []
    ignored: list[str] = []
    includes: list[tuple[str, str]] = []
    single: dict[str, str] = {}
    total_values = 0

    def skip(name: str, problem: str) -> None:
        if strict:
            raise BadRequest(problem, [Issue("not-supported", problem)])
        ignored.append(name)

    for name, value in params:
        code, colon, modifier = name.partition(":")
        if value == "":
            skip(name, f"{name} has no value")  # R5: servers SHOULD ignore empty parameters
            continue
        if code in ("_include", "_revinclude") and modifier in ("", "iterate"):
            includes.append((code, value))
            continue
        if code in RESULT_PARAMETERS and not colon:
            if single.setdefault(code, value) != value:
                raise BadRequest(f"{code} is given twice with different values ('{single[code]}' and '{value}')")
            continue
        parameter = PARAMETERS.get(code)
        if parameter is None:
            skip(name, f"unknown search parameter '{name}'; see the CapabilityStatement for the supported ones")
            continue
        if colon and not _modifier_allowed(parameter, modifier):
            if parameter.type == "reference" and "type" in parameter.modifiers and _TYPE.fullmatch(modifier):
                raise BadRequest(f"{name}: {code} refers to {_either(parameter.targets)}, not {modifier}")
            skip(name, f"modifier ':{modifier}' is not supported on '{code}'")
            continue
        values = _values(parameter, modifier or None, name, value, base_url)
        total_values += len(values)
        if total_values > MAX_SEARCH_VALUES:
            raise TooCostly(f"the search has more than {MAX_SEARCH_VALUES} values in all (counting each value of "
                            f"an OR list, up to {name}); the limit is {MAX_SEARCH_VALUES}")
        criteria.append(Criterion(parameter, modifier or None, values, (name, value), base_url))

    sort, sort_skipped = _sort(single.get("_sort"))
    elements, elements_skipped = _elements(single.get("_elements"))
    for item, problem in (*sort_skipped, *elements_skipped):
        skip(item, problem)
    return SearchQuery(
        criteria=tuple(criteria),
        count=parse_count(single.get("_count")),
        sort=sort,
        total=_choice("_total", single.get("_total"), TOTAL_VALUES),
        summary=_choice("_summary", single.get("_summary"), SUMMARY_VALUES),
        elements=elements,
        includes=tuple(includes),
        cursor=single.get("_cursor"),
        ignored=tuple(ignored),
        format=single.get("_format"),
        base_url=base_url,
    )


def _modifier_allowed(parameter: SearchParameter, modifier: str) -> bool:
    if modifier == "type":  # the code R5 uses for ":[Type]"; never sent literally
        return False
    return modifier in parameter.modifiers or ("type" in parameter.modifiers and modifier in parameter.targets)


def _either(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _values(parameter: SearchParameter, modifier: str | None, name: str, value: str, base_url: str) -> tuple:
    if modifier == "missing":
        if value not in ("true", "false"):
            raise BadRequest(f"{name} must be true or false, not '{value}'")
        return (value == "true",)
    parts = split(value, ",")
    if len(parts) > MAX_OR_VALUES:
        raise TooCostly(f"{name} has {len(parts)} values in one OR list; the limit is {MAX_OR_VALUES}")
    if "" in parts:
        raise BadRequest(f"{name}: '{value}' has an empty value in its comma-separated list")
    kind = parameter.match_type
    if kind == "token":
        if modifier == "text":
            return tuple(TextValue(text, fold(text)) for text in map(unescape, parts))
        if modifier == "of-type":
            return tuple(_of_type(name, part) for part in parts)
        return tuple(_token(name, part) for part in parts)
    if kind == "reference":
        return tuple(_reference(parameter, modifier, name, part, base_url) for part in parts)
    if kind == "date":
        return tuple(_date(parameter, name, unescape(part)) for part in parts)
    return tuple(unescape(part) for part in parts)  # uri


def _token(name: str, text: str) -> TokenValue:
    parts = split(text, "|")
    if len(parts) == 1:
        return TokenValue(None, unescape(text))
    if len(parts) > 2:
        raise BadRequest(f"{name}: '{text}' has more than one unescaped '|' (write \\| inside a system or code)")
    system, code = unescape(parts[0]), unescape(parts[1])
    if not system and not code:
        raise BadRequest(f"{name}: '|' alone names neither a system nor a code")
    return TokenValue(system, code or None)


def _of_type(name: str, text: str) -> OfTypeValue:
    parts = [unescape(part) for part in split(text, "|")]
    if len(parts) != 3 or not parts[1] or not parts[2]:
        raise BadRequest(f"{name}: '{text}' must be type-system|type-code|value")
    return OfTypeValue(TokenValue(parts[0], parts[1]), parts[2])


def _reference(parameter: SearchParameter, modifier: str | None, name: str, text: str,
               base_url: str) -> ReferenceValue:
    if modifier == "identifier":
        parts = split(text, "|")
        value = unescape(parts[-1])
        if len(parts) > 2 or not value:
            raise BadRequest(f"{name}: '{text}' must be an identifier value or system|value")
        return ReferenceValue(None, None, None, None, TokenValue(unescape(parts[0]) if len(parts) == 2 else None,
                                                                  value))
    text = unescape(text)
    reference = parse_reference(text, base_url)
    if reference.url is not None:
        if ":" in text and not text.startswith("#"):  # an absolute URL on another server: matched exactly
            return ReferenceValue(None, None, text, None, None)
        if not FHIR_ID.fullmatch(text):
            raise BadRequest(f"{name}: '{text}' is not an id, Type/id, Type/id/_history/version or absolute URL")
        kind = modifier or (parameter.targets[0] if len(parameter.targets) == 1 else None)
        return ReferenceValue(kind, text, None, None, None)
    if reference.type not in parameter.targets:
        raise BadRequest(f"{name}: {parameter.code} refers to {_either(parameter.targets)}, not {reference.type}")
    if modifier is not None and modifier != reference.type:
        raise BadRequest(f"{name}: '{text}' is not a reference to a {modifier}")
    return reference


def parse_reference(reference: str, base_url: str = "") -> ReferenceValue:
    """A Reference.reference as (type, id, version), or as a url when it is not on this server (or local "#id")."""
    relative = reference[len(base_url) + 1:] if base_url and reference.startswith(base_url + "/") else reference
    m = _RELATIVE.fullmatch(relative)
    if m:
        return ReferenceValue(m[1], m[2], None, m[3], None)
    tail = _URL_TAIL.search(reference) if "/" in reference else None
    return ReferenceValue(tail[1] if tail else None, None, reference, None, None)


def _date(parameter: SearchParameter, name: str, text: str) -> DateValue:
    prefix = "eq"
    if _PREFIX.match(text):
        prefix, text = text[:2], text[2:]
        if prefix not in parameter.comparators:
            raise BadRequest(f"{name}: '{prefix}' is not a date prefix; use one of {', '.join(parameter.comparators)}")
        if not text:
            raise BadRequest(f"{name}: the prefix '{prefix}' is followed by no date")
    try:
        low, high = date_range(text.replace(" ", "+"))  # an unencoded '+' of a timezone arrives as a space
    except ValueError as e:
        raise BadRequest(f"{name}: {e}") from e
    return DateValue(prefix, low, high)


def date_range(value: str) -> tuple[datetime, datetime]:
    """fhirtime.parse_range, except that a time without a timezone is taken as UTC (the server's zone)."""
    try:
        return fhirtime.parse_range(value)
    except ValueError:
        _, t, time = value.partition("T")
        if t and not ("Z" in time or "+" in time or "-" in time):
            return fhirtime.parse_range(value + "Z")
        raise


def _choice(name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}, not '{value}'")
    return value


def _sort(value: str | None) -> tuple[tuple[tuple[str, bool], ...], list[tuple[str, str]]]:
    if value is None:
        return (), []
    sort: list[tuple[str, bool]] = []
    skipped = []
    for item in value.split(","):
        descending = item.startswith("-")
        code = item[1:] if descending else item
        if not code:
            raise BadRequest(f"_sort: '{value}' has an empty item")
        if code not in SORTABLE:
            skipped.append((f"_sort={item}", f"_sort by '{code}' is not supported; sort by {_either(SORTABLE)}"))
        elif any(code == seen for seen, _ in sort):
            raise BadRequest(f"_sort names {code} twice")
        else:
            sort.append((code, descending))
    return tuple(sort), skipped


def _elements(value: str | None) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    if value is None:
        return (), []
    elements: list[str] = []
    skipped = []
    for item in value.split(","):
        element = item.removeprefix(f"{RESOURCE_TYPE}.")
        if not element:
            raise BadRequest(f"_elements: '{value}' has an empty item")
        if element not in ELEMENTS:
            skipped.append((f"_elements={item}", f"_elements: '{item}' is not an ImagingStudy element"))
        elif element not in elements:
            elements.append(element)
    return tuple(elements), skipped


def split(text: str, separator: str) -> list[str]:
    """Split on separators not escaped by a backslash; the parts keep their escapes."""
    if "\\" not in text:
        return text.split(separator)
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == separator:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text) if "\\" in text else text


def fold(text: str) -> str:
    """Text as :text compares it: without case or accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
