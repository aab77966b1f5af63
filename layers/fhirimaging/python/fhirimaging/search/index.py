"""Inverted-index terms: what a stored study is findable by, and which terms can answer a criterion.

A term names one partition of the `search` GSI. Terms only narrow the candidates: every candidate is
verified against the current resource (search.match), so a term may over-match but must never miss.

  token      <code>|*|<code-value>            any system
             <code>|<system>|<code-value>     that system
  reference  <code>|ref|<Type>/<id>   <code>|id|<id>   <code>|url|<absolute url>   <code>|ident|<system>|<value>
  uri        <code>|uri|<value>
  every live study also has  _all#<shard>  (sort key = started)  and  _lu#<shard>  (sort key = lastUpdated)

The findability terms (_all, _lu and the parameters below) are always written in the write's own transaction;
the others (instance, series, dicom-class, ...) may exceed it and are then completed by `repair`.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fhirimaging import fhirtime
from fhirimaging.errors import VersionConflict
from fhirimaging.search.parameters import PARAMETERS, SearchParameter, element_values
from fhirimaging.search.query import Criterion, ReferenceValue, TokenValue, date_range
from fhirimaging.store.base import IndexChange, Store, StoredVersion
from fhirimaging.store.keys import NO_DATE, shard

SHARDS = 4
STATUS_SYSTEM = "http://hl7.org/fhir/imagingstudy-status"
# A study's findability: unfiltered and _lastUpdated searches, and the parameters a client finds a study by.
# A few per study; the per-instance ones are not among them.
FINDABILITY_PARAMETERS = ("patient", "subject", "identifier", "status", "modality")
_FINDABILITY_PREFIXES = ("_all#", "_lu#") + tuple(f"{code}|" for code in FINDABILITY_PARAMETERS)
# Passes of one repair that lose to a newer version before it gives up (the caller retries later).
REPAIR_ATTEMPTS = 5
# _id is answered by GetItem; date parameters ride on the sort keys; none need terms of their own.
_TERMLESS = {"_id", "started", "_lastUpdated"}


def all_term(n: int) -> str:
    return f"_all#{n}"


def last_updated_term(n: int) -> str:
    return f"_lu#{n}"


def started_key(resource: dict[str, Any]) -> str:
    """The sortable low end of `started` (UTC, ms), or NO_DATE."""
    started = resource.get("started")
    if not isinstance(started, str):
        return NO_DATE
    try:
        return fhirtime.format_instant(date_range(started)[0])
    except ValueError:
        return NO_DATE


def index_entries(resource: dict[str, Any], resource_id: str, last_updated: str) -> dict[str, str]:
    """term -> GSI sort key for one live study."""
    by_started = f"{started_key(resource)}#{resource_id}"
    entries = {term: by_started for term in resource_terms(resource)}
    n = shard(resource_id, SHARDS)
    entries[all_term(n)] = by_started
    entries[last_updated_term(n)] = f"{last_updated}#{resource_id}"
    return entries


def resource_terms(resource: dict[str, Any]) -> set[str]:
    terms: set[str] = set()
    for parameter in PARAMETERS.values():
        if parameter.code in _TERMLESS:
            continue
        for value in element_values(resource, parameter):
            terms.update(_value_terms(parameter, value))
    return terms


def _value_terms(parameter: SearchParameter, value: Any) -> Iterable[str]:
    code = parameter.code
    if parameter.type == "token":
        for system, token in _tokens(parameter, value):
            yield f"{code}|*|{token}"
            if system:
                yield f"{code}|{system}|{token}"
    elif parameter.type == "reference":
        if not isinstance(value, dict):
            return
        reference = value.get("reference")
        if isinstance(reference, str) and not reference.startswith("#"):
            if "://" in reference:
                yield f"{code}|url|{reference}"
            parts = reference.split("://", 1)[-1].split("/")
            # Type/id, possibly at the end of an absolute URL and before /_history/n
            if "_history" in parts:
                parts = parts[: parts.index("_history")]
            if len(parts) >= 2:
                yield f"{code}|ref|{parts[-2]}/{parts[-1]}"
                yield f"{code}|id|{parts[-1]}"
        identifier = value.get("identifier")
        if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
            yield f"{code}|ident|{identifier.get('system', '')}|{identifier['value']}"
    elif parameter.type == "uri" and isinstance(value, str):
        yield f"{code}|uri|{value}"


def _tokens(parameter: SearchParameter, value: Any) -> Iterable[tuple[str | None, str]]:
    if isinstance(value, str):
        yield (STATUS_SYSTEM if parameter.code == "status" else None), value
    elif isinstance(value, dict):
        if "concept" in value:  # CodeableReference
            yield from _tokens(parameter, value["concept"])
        for coding in value.get("coding", []):  # CodeableConcept
            if isinstance(coding, dict) and isinstance(coding.get("code"), str):
                yield coding.get("system"), coding["code"]
        if isinstance(value.get("code"), str):  # Coding
            yield value.get("system"), value["code"]
        if isinstance(value.get("value"), str):  # Identifier
            yield value.get("system"), value["value"]


def criterion_terms(criterion: Criterion) -> list[str] | None:
    """Terms whose union holds every study the criterion matches; None when no term can tell."""
    parameter, modifier = criterion.parameter, criterion.modifier
    if parameter.code in _TERMLESS or modifier in ("not", "missing", "text", "of-type", "above", "below"):
        return None
    terms: list[str] = []
    for value in criterion.values:
        term = _criterion_term(parameter, modifier, value)
        if term is None:
            return None
        terms.append(term)
    return terms or None


def _criterion_term(parameter: SearchParameter, modifier: str | None, value: Any) -> str | None:
    code = parameter.code
    if isinstance(value, TokenValue):
        if value.code is None:
            return None  # `system|`: any code of a system has no term
        return f"{code}|{value.system}|{value.code}" if value.system else f"{code}|*|{value.code}"
    if isinstance(value, ReferenceValue):
        if modifier == "identifier" or value.identifier is not None:
            ident = value.identifier
            if ident is None or ident.code is None or ident.system is None:
                return None
            return f"{code}|ident|{ident.system}|{ident.code}"
        if value.id is not None:
            kind = value.type or (modifier if modifier and modifier[:1].isupper() else None)
            return f"{code}|ref|{kind}/{value.id}" if kind else f"{code}|id|{value.id}"
        if value.url is not None:
            return f"{code}|url|{value.url}"
        return None
    if isinstance(value, str) and parameter.type == "uri":
        return f"{code}|uri|{value}"
    return None


def is_findability_term(term: str) -> bool:
    return term.startswith(_FINDABILITY_PREFIXES)


def change(resource_id: str, old: StoredVersion | None, new_resource: dict[str, Any] | None,
           new_last_updated: str) -> IndexChange:
    """The index entries a write adds, rewrites or removes, from the current version to the new one."""
    before = (index_entries(json.loads(old.body), resource_id, old.last_updated)
              if old is not None and old.body is not None else {})
    after = index_entries(new_resource, resource_id, new_last_updated) if new_resource is not None else {}
    return _change({t: k for t, k in after.items() if before.get(t) != k}, frozenset(before.keys() - after.keys()))


def unread_change(entries: dict[str, str]) -> IndexChange:
    """A write that does not know the old version's entries puts every entry of the new one."""
    return _change(entries, frozenset())


def _change(put: dict[str, str], delete: frozenset[str]) -> IndexChange:
    return IndexChange(put, delete, frozenset(t for t in (*put, *delete) if is_findability_term(t)))


def repair(store: Store, resource_id: str) -> int:
    """Converge the study's stored index entries on its current version's; returns how many it put or deleted.

    Starts from what is stored and writes only on condition that the version it read is still current, so a
    pass may run any number of times, at any moment, and be cut off anywhere: the next pass finishes the job.
    Raises VersionConflict when newer versions kept superseding the one it read."""
    for _ in range(REPAIR_ATTEMPTS):
        current = store.get_current(resource_id)
        if current is None:
            return 0
        wanted = (index_entries(json.loads(current.body), resource_id, current.last_updated)
                  if current.body is not None else {})
        stored = store.index_items(resource_id)
        fix = _change({t: k for t, k in wanted.items() if stored.get(t) != k}, frozenset(stored.keys() - wanted.keys()))
        if not fix.put and not fix.delete:
            return 0
        try:
            store.write_index(resource_id, current.version, fix)
        except VersionConflict:
            continue  # a newer version is current: converge on it
        return len(fix.put) + len(fix.delete)
    raise VersionConflict(f"{resource_id}: newer versions kept arriving during the index repair")
