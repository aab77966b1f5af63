"""Identifiers as uniqueness-guard keys, and the one identifier that must be unique among live studies.

A Study Instance UID names one study: every write of a live study that carries one (`urn:dicom:uid`) holds
its guard, so no two live studies carry the same one. Other identifiers are guarded only by the conditional
writes keyed on them (`identifier=system|value`).
"""
from __future__ import annotations

from typing import Any

DICOM_UID_SYSTEM = "urn:dicom:uid"
_UNIQUE_PREFIX = f"identifier|{DICOM_UID_SYSTEM}|"


def guard_key(system: str, value: str) -> str:
    return f"identifier|{system}|{value}"


def carried(resource: dict[str, Any]) -> set[str]:
    """The guard keys of every identifier of `resource` that has a system and a value."""
    return {guard_key(i["system"], i["value"]) for i in resource.get("identifier") or []
            if isinstance(i, dict) and isinstance(i.get("system"), str) and isinstance(i.get("value"), str)}


def unique(key: str) -> bool:
    """Whether every live study carrying this identifier must hold its guard (a Study Instance UID)."""
    return key.startswith(_UNIQUE_PREFIX)


def described(key: str) -> str:
    """A guard key as a person reads it: `system|value`."""
    return key.split("|", 1)[1]
