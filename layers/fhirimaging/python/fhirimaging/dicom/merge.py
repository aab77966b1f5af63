"""Merge instance headers into a study: pure and deterministic, so arrival order and duplicates don't matter.

Instances join their series by Series Instance UID, new series and instances are added, and series and
instances are ordered by (number, uid); the counts are recomputed. An element the headers give and the
study lacks is filled in; where two values disagree the least (by its JSON text) is kept, a choice that is
commutative and idempotent, so the same set of headers always yields the same study.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from fhirimaging.dicom.mapping import (
    DCM_SYSTEM,
    DEFAULT_CONFIG,
    InstanceHeader,
    MappingConfig,
    study_identifier,
)
from fhirimaging.resource import RESOURCE_TYPE

_NO_NUMBER = 2**32


def merge(existing: dict[str, Any] | None, headers: Iterable[InstanceHeader],
          config: MappingConfig = DEFAULT_CONFIG) -> dict[str, Any]:
    """The study `existing` (None: a new one) with every header merged in; `existing` is not changed."""
    headers = list(headers)
    study = copy.deepcopy(existing) if existing is not None else {"resourceType": RESOURCE_TYPE}
    study.setdefault("status", "available")
    for header in headers:
        for name, value in header.study.items():
            if name == "identifier":
                study["identifier"] = _merge_identifiers(study.get("identifier") or [], value)
            else:
                _pick(study, name, value)
    if config.endpoint_reference:
        endpoints = study.setdefault("endpoint", [])
        if {"reference": config.endpoint_reference} not in endpoints:
            endpoints.append({"reference": config.endpoint_reference})

    series_by_uid = {s["uid"]: s for s in study.get("series") or []}
    for header in headers:
        series = series_by_uid.setdefault(header.series["uid"], {"uid": header.series["uid"]})
        for name, value in header.series.items():
            _pick(series, name, value)
        instances = {i["uid"]: i for i in series.get("instance") or []}
        instance = instances.setdefault(header.instance["uid"], {"uid": header.instance["uid"]})
        for name, value in header.instance.items():
            _pick(instance, name, value)
        series["instance"] = list(instances.values())

    all_series = sorted(series_by_uid.values(), key=_order)
    for series in all_series:
        if series.get("instance"):
            series["instance"] = sorted(series["instance"], key=_order)
            series["numberOfInstances"] = len(series["instance"])
    if all_series:
        study["series"] = all_series
        study["numberOfSeries"] = len(all_series)
        study["numberOfInstances"] = sum(s.get("numberOfInstances", 0) for s in all_series)
        modalities = {_key(m): m for m in study.get("modality") or []}
        for series in all_series:
            if any(c.get("system") == DCM_SYSTEM for c in series["modality"].get("coding") or []):
                modalities.setdefault(_key(series["modality"]), series["modality"])
        if modalities:
            study["modality"] = [modalities[k] for k in sorted(modalities)]
    return study


def _merge_identifiers(current: list[dict], new: list[dict]) -> list[dict]:
    """Current identifiers in their order, then new ones; the Study Instance UID stays unique."""
    merged = list(current)
    for identifier in new:
        if identifier not in merged:
            merged.append(identifier)
    uid = next((i for i in new if i == study_identifier(i["value"][8:]) and i["value"].startswith("urn:oid:")),
               None)
    if uid is not None:  # the Study Instance UID leads, whatever was there first
        merged.remove(uid)
        merged.insert(0, uid)
    return merged


def _pick(target: dict[str, Any], name: str, value: Any) -> None:
    current = target.get(name)
    if current is None or (current != value and _key(value) < _key(current)):
        target[name] = copy.deepcopy(value)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _order(element: dict[str, Any]) -> tuple[int, str]:
    number = element.get("number")
    return (number if isinstance(number, int) else _NO_NUMBER, element["uid"])
