"""Does the current resource satisfy a criterion? The full R5 semantics: the index only narrows candidates.

Each criterion is compiled once into a test (sets and bounds built from its parsed values) and reused for
every candidate. Times in the resource without a timezone are taken as UTC, like the search values.
A local "#id" reference matches no id or URL (a contained resource is not on this server), and a versioned
reference search matches only references to that version.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from fhirimaging import fhirtime
from fhirimaging.search.parameters import PARAMETERS, SearchParameter, element_values
from fhirimaging.search.query import Criterion, DateValue, ReferenceValue, date_range, fold, parse_reference

Test = Callable[[dict], bool]
_PRIMITIVES = ("code", "id", "uri", "string")
# R5 leaves "approximately" to the server: within 10% of the distance between now and the value.
APPROXIMATE_FRACTION = 0.1


def matches(resource: dict, criterion: Criterion) -> bool:
    test = criterion.__dict__.get("_test")
    if test is None:
        test = _compile(criterion)
        object.__setattr__(criterion, "_test", test)  # a cache beside the frozen fields, not one of them
    return test(resource)


def matches_all(resource: dict, criteria: Sequence[Criterion]) -> bool:
    return all(matches(resource, criterion) for criterion in criteria)


def sort_key(resource: dict, code: str) -> Any:
    """The value _sort orders by (a UTC datetime for dates, else the string), or None when absent."""
    parameter = PARAMETERS[code]
    for value in element_values(resource, parameter):
        if parameter.type == "date":
            try:
                return _range(value)[0]
            except (TypeError, ValueError):
                continue
        if isinstance(value, str):
            return value
    return None


def _compile(criterion: Criterion) -> Test:
    parameter, modifier = criterion.parameter, criterion.modifier
    if modifier == "missing":
        present = _presence(parameter, criterion.base_url)
        if criterion.values[0]:
            return lambda resource: not present(resource)
        return present
    kind = parameter.match_type
    if kind == "token" and parameter.element in _PRIMITIVES and modifier in (None, "not"):
        found = _primitive_test(parameter, criterion.values)
        return (lambda resource: not found(resource)) if modifier == "not" else found
    if kind == "token":
        one = _token_test(parameter, modifier, criterion.values)
    elif kind == "reference":
        one = _reference_test(parameter, modifier, criterion.values, criterion.base_url)
    elif kind == "date":
        return _date_test(parameter, criterion.values)
    else:
        one = _uri_test(parameter, modifier, criterion.values)

    def any_value(resource: dict) -> bool:
        return any(one(value) for value in element_values(resource, parameter))

    if modifier == "not":  # R5: also true when the element is absent
        return lambda resource: not any_value(resource)
    return any_value


def _presence(parameter: SearchParameter, base_url: str) -> Test:
    if parameter.type == "reference" and parameter.element == "Reference":
        def has_reference(resource: dict) -> bool:
            return any(_in_targets(ref, parameter, base_url) for ref in element_values(resource, parameter))
        return has_reference
    return lambda resource: bool(element_values(resource, parameter))


# Tokens ------------------------------------------------------------------------------------------------

def _token_test(parameter: SearchParameter, modifier: str | None, values: tuple) -> Callable[[Any], bool]:
    element = parameter.element
    if modifier == "text":
        prefixes = tuple(v.folded for v in values)

        def text_matches(value: Any) -> bool:
            return any(_folded(text).startswith(prefixes) for text in _texts(element, value))
        return text_matches
    if modifier == "of-type":
        wanted = [(v.value, _code_test(v.type.system, v.type.code)) for v in values]

        def of_type(value: Any) -> bool:
            if not isinstance(value, dict):
                return False
            codings = _codings((value.get("type") or {}).get("coding"))
            return any(value.get("value") == wanted_value and any(test(s, c) for s, c in codings)
                       for wanted_value, test in wanted)
        return of_type

    codes = {v.code for v in values if v.system is None}
    systems = {v.system for v in values if v.code is None}
    pairs = {(v.system, v.code) for v in values if v.system is not None and v.code is not None}

    def coded(system: str, code: Any) -> bool:  # system "" when the Coding/Identifier has none
        return code in codes or (system, code) in pairs or system in systems

    if element == "CodeableConcept":
        return lambda value: isinstance(value, dict) and any(coded(s, c) for s, c in _codings(value.get("coding")))
    if element == "Coding":
        return lambda value: isinstance(value, dict) and coded(value.get("system") or "", value.get("code"))
    if element == "Identifier":
        return lambda value: isinstance(value, dict) and coded(value.get("system") or "", value.get("value"))
    raise ValueError(f"no token matching for {element}")


def _primitive_test(parameter: SearchParameter, values: tuple) -> Test:
    """A code, id or uri has no system of its own: "|code" matches it, and so does its implicit system."""
    implicit = parameter.implicit_system
    if any(v.code is None and v.system == implicit for v in values):  # "system|" of the implicit system
        return lambda resource: any(isinstance(v, str) for v in element_values(resource, parameter))
    wanted = frozenset(v.code for v in values if v.code is not None and v.system in (None, "", implicit))

    def found(resource: dict) -> bool:
        present = element_values(resource, parameter)
        try:
            return not wanted.isdisjoint(present)  # one set operation over thousands of instance UIDs
        except TypeError:  # a malformed (unhashable) element among them
            return any(isinstance(v, str) and v in wanted for v in present)
    return found


def _code_test(system: str | None, code: str | None) -> Callable[[str, Any], bool]:
    return lambda s, c: (system is None or s == system) and (code is None or c == code)


def _codings(codings: Any) -> list[tuple[str, Any]]:
    if not isinstance(codings, list):
        return []
    return [(c.get("system") or "", c.get("code")) for c in codings if isinstance(c, dict)]


def _texts(element: str, value: Any) -> list[str]:
    """The text R5's :text searches: CodeableConcept.text, Coding.display, Identifier.type's text."""
    if not isinstance(value, dict):
        return []
    if element == "Coding":
        return [value["display"]] if isinstance(value.get("display"), str) else []
    if element == "Identifier":
        concept = value.get("type")
    else:
        concept = value
    if not isinstance(concept, dict):
        return []
    texts = [concept["text"]] if isinstance(concept.get("text"), str) else []
    for coding in concept.get("coding") or ():
        if isinstance(coding, dict) and isinstance(coding.get("display"), str):
            texts.append(coding["display"])
    return texts


_folded = lru_cache(maxsize=4096)(fold)


# References --------------------------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def _parsed(reference: str, base_url: str) -> ReferenceValue:
    return parse_reference(reference, base_url)


def _reference_type(ref: dict, base_url: str) -> str | None:
    reference = ref.get("reference")
    if isinstance(reference, str) and (kind := _parsed(reference, base_url).type):
        return kind
    declared = ref.get("type")  # a URI; for base resources just the type name
    return declared.rsplit("/", 1)[-1] if isinstance(declared, str) else None


def _in_targets(ref: Any, parameter: SearchParameter, base_url: str) -> bool:
    """Whether a Reference counts for the parameter: `patient` only sees subjects that are Patients."""
    if not isinstance(ref, dict):
        return False
    kind = _reference_type(ref, base_url)
    return kind is None or kind in parameter.targets


def _reference_test(parameter: SearchParameter, modifier: str | None, values: tuple,
                    base_url: str) -> Callable[[Any], bool]:
    if modifier == "identifier":
        codes = {v.identifier.code for v in values if v.identifier.system is None}
        pairs = {(v.identifier.system, v.identifier.code) for v in values if v.identifier.system is not None}

        def by_identifier(ref: Any) -> bool:
            if not _in_targets(ref, parameter, base_url):
                return False
            identifier = ref.get("identifier")
            if not isinstance(identifier, dict):
                return False
            value = identifier.get("value")
            return value in codes or (identifier.get("system") or "", value) in pairs
        return by_identifier

    urls = {v.url for v in values if v.url is not None}
    ids = {v.id for v in values if v.url is None and v.type is None}
    typed = {(v.type, v.id) for v in values if v.type is not None and v.version is None}
    versioned = {(v.type, v.id, v.version) for v in values if v.version is not None}
    targets = parameter.targets

    def by_reference(ref: Any) -> bool:
        if not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
            return False
        r = _parsed(ref["reference"], base_url)
        if r.type is not None and r.type not in targets:
            return False
        if r.url is not None:
            return r.url in urls
        # An unversioned search matches every version; a versioned one only a reference to that version.
        return r.id in ids or (r.type, r.id) in typed or (r.type, r.id, r.version) in versioned
    return by_reference


# Dates -------------------------------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def _range(value: str) -> tuple[datetime, datetime]:
    return date_range(value)


def _date_test(parameter: SearchParameter, values: tuple) -> Test:
    tests = [_date_value_test(v) for v in values]

    def date_matches(resource: dict) -> bool:
        for value in element_values(resource, parameter):
            try:
                low, high = _range(value)
            except (TypeError, ValueError):  # not a date: matches no date criterion
                continue
            if any(test(low, high) for test in tests):
                return True
        return False
    return date_matches


def _date_value_test(v: DateValue) -> Callable[[datetime, datetime], bool]:
    """R5's prefixes over ranges: the search value [pl, ph) against the resource's [low, high)."""
    pl, ph = v.low, v.high

    def within(low: datetime, high: datetime) -> bool:
        return pl <= low and high <= ph

    if v.prefix == "eq":
        return within
    if v.prefix == "ne":
        return lambda low, high: not within(low, high)
    if v.prefix == "gt":
        return lambda low, high: high > ph
    if v.prefix == "lt":
        return lambda low, high: low < pl
    if v.prefix == "ge":
        return lambda low, high: high > ph or within(low, high)
    if v.prefix == "le":
        return lambda low, high: low < pl or within(low, high)
    if v.prefix == "sa":
        return lambda low, high: low >= ph
    if v.prefix == "eb":
        return lambda low, high: high <= pl
    # ap: the search range widened on both sides by a tenth of its distance from now; any overlap matches.
    now = fhirtime.now()
    margin = max(abs(now - pl), abs(now - ph)) * APPROXIMATE_FRACTION
    near_low, near_high = pl - margin, ph + margin
    return lambda low, high: low < near_high and high > near_low


# URIs --------------------------------------------------------------------------------------------------

def _uri_test(parameter: SearchParameter, modifier: str | None, values: tuple) -> Callable[[Any], bool]:
    canonical = parameter.element == "canonical"

    def unversioned(uri: str) -> str:
        return uri.split("|", 1)[0] if canonical else uri

    if modifier == "below":
        return lambda value: isinstance(value, str) and any(_at_or_below(unversioned(value), v) for v in values)
    if modifier == "above":
        return lambda value: isinstance(value, str) and any(_at_or_below(v, unversioned(value)) for v in values)
    exact = set(values)
    # A canonical searched without |version matches every version of it.
    return lambda value: isinstance(value, str) and (value in exact or (canonical and unversioned(value) in exact))


def _at_or_below(uri: str, base: str) -> bool:
    """uri is base or below it: by whole path segments for URLs, by plain prefix for other URIs (URNs)."""
    if not uri.startswith(base):
        return False
    if len(uri) == len(base) or "://" not in base or base.endswith("/"):
        return True
    return uri[len(base)] == "/"
