"""The registry of FHIR interactions this server serves: routes, function folders, capability codes.

The CapabilityStatement, the fallback's 405 logic and the template/route tests all read this one list.
"""
from __future__ import annotations

from typing import NamedTuple

FHIR_BASE_PATH = "/fhir/R5"
# SMART App Launch discovery: plain JSON (not a FHIR resource), public like /metadata.
SMART_CONFIGURATION_PATH = "/.well-known/smart-configuration"


class Interaction(NamedTuple):
    """One FHIR interaction: its function, route and CapabilityStatement code."""

    name: str  # function folder under functions/ and the metric dimension
    method: str
    path: str  # API Gateway route path, relative to FHIR_BASE_PATH
    code: str | None  # CapabilityStatement interaction code; None for system-level
    level: str  # "resource" (CapabilityStatement.rest.resource.interaction) or "system"

    @property
    def route_key(self) -> str:
        return f"{self.method} {FHIR_BASE_PATH}{self.path}"


INTERACTIONS: tuple[Interaction, ...] = (
    Interaction("capabilities", "GET", "/metadata", "capabilities", "system"),
    Interaction("capabilities", "GET", SMART_CONFIGURATION_PATH, None, "system"),
    # batch and transaction Bundles (CapabilityStatement.rest.interaction lists both), at the base with or without /
    Interaction("bundle", "POST", "", None, "system"),
    Interaction("bundle", "POST", "/", None, "system"),
    Interaction("create", "POST", "/ImagingStudy", "create", "resource"),
    Interaction("read", "GET", "/ImagingStudy/{id}", "read", "resource"),
    Interaction("vread", "GET", "/ImagingStudy/{id}/_history/{vid}", "vread", "resource"),
    Interaction("update", "PUT", "/ImagingStudy/{id}", "update", "resource"),
    Interaction("patch", "PATCH", "/ImagingStudy/{id}", "patch", "resource"),
    Interaction("delete", "DELETE", "/ImagingStudy/{id}", "delete", "resource"),
    Interaction("history", "GET", "/ImagingStudy/{id}/_history", "history-instance", "resource"),
    Interaction("type_history", "GET", "/ImagingStudy/_history", "history-type", "resource"),
    Interaction("update", "PUT", "/ImagingStudy", "update", "resource"),  # conditional update
    Interaction("delete", "DELETE", "/ImagingStudy", "delete", "resource"),  # conditional delete
    Interaction("patch", "PATCH", "/ImagingStudy", "patch", "resource"),  # conditional patch
    Interaction("search", "GET", "/ImagingStudy", "search-type", "resource"),
    Interaction("search", "POST", "/ImagingStudy/_search", "search-type", "resource"),
    Interaction("search", "GET", "/Patient/{patient_id}/ImagingStudy", "search-type", "resource"),
)


def route(method: str, path: str) -> tuple[Interaction, dict[str, str]] | None:
    """The interaction that serves `method` on this concrete path (relative to FHIR_BASE_PATH), and its path
    parameters; None if none does."""
    for i in INTERACTIONS:
        if i.method == method and _matches(i.path, path):
            want, got = i.path.strip("/").split("/"), path.strip("/").split("/")
            return i, {w[1:-1]: g for w, g in zip(want, got) if w.startswith("{")}
    return None


def allowed_methods(path: str) -> list[str]:
    """Methods that some interaction serves on this concrete path (for 405 vs 404 and Allow)."""
    return sorted({i.method for i in INTERACTIONS if _matches(i.path, path)})


def _matches(template: str, path: str) -> bool:
    want, got = template.strip("/").split("/"), path.strip("/").split("/")
    if len(want) != len(got):
        return False
    for w, g in zip(want, got):
        if w.startswith("{"):
            if not g or g.startswith("_"):  # `_history`, `_search` are never ids
                return False
        elif w != g:
            return False
    return True
