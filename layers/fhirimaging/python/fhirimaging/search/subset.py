"""_summary and _elements: the parts of a study a search returns, tagged SUBSETTED when cut."""
from __future__ import annotations

from typing import Any

SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED",
             "display": "subsetted"}
# From the R5 StructureDefinition: the elements that are not isSummary.
_NOT_SUMMARY_TOP = {"language", "text", "contained", "extension"}
_NOT_SUMMARY_SERIES = {"id", "extension", "instance"}
_NOT_SUMMARY_PERFORMER = {"id", "extension"}
_ALWAYS = ("resourceType", "id", "meta")
_MANDATORY = ("status", "subject")


def needs_subset(summary: str | None, elements: tuple[str, ...]) -> bool:
    return summary in ("true", "text", "data") or bool(elements)


def subset(resource: dict[str, Any], summary: str | None, elements: tuple[str, ...]) -> dict[str, Any]:
    if summary == "true":
        out = {k: v for k, v in resource.items() if k not in _NOT_SUMMARY_TOP}
        if isinstance(out.get("series"), list):
            out["series"] = [_summary_series(s) for s in out["series"]]
    elif summary == "text":
        out = {k: v for k, v in resource.items() if k in (*_ALWAYS, "text", *_MANDATORY)}
    elif summary == "data":
        out = {k: v for k, v in resource.items() if k != "text"}
    else:
        wanted = set(elements) | set(_ALWAYS) | set(_MANDATORY)
        out = {k: v for k, v in resource.items() if k in wanted}
    meta = dict(out.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    out["meta"] = meta
    return out


def _summary_series(series: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in series.items() if k not in _NOT_SUMMARY_SERIES}
    if isinstance(out.get("performer"), list):
        out["performer"] = [{k: v for k, v in p.items() if k not in _NOT_SUMMARY_PERFORMER} for p in out["performer"]]
    return out
