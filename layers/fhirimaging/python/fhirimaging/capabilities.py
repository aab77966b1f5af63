"""The CapabilityStatement, generated from the interaction registry: never written by hand."""
from __future__ import annotations

from typing import Any

from fhirimaging.interactions import INTERACTIONS
from fhirimaging.settings import Settings

SOFTWARE_VERSION = "0.1.0"
# The date this statement's content last changed; a fixed value keeps the resource stable.
PUBLISHED = "2026-11-28"


def capability_statement(base_url: str, settings: Settings) -> dict[str, Any]:
    resource_interactions = [{"code": i.code} for i in INTERACTIONS if i.level == "resource"]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": PUBLISHED,
        "publisher": "fhir-imaging",
        "kind": "instance",
        "software": {"name": "fhir-imaging", "version": SOFTWARE_VERSION},
        "implementation": {"description": "Serverless FHIR R5 ImagingStudy server", "url": base_url},
        "fhirVersion": "5.0.0",
        "format": ["application/fhir+json", "json"],
        "patchFormat": [],
        "rest": [{
            "mode": "server",
            "documentation": (
                f"History pages hold {settings.default_page_size} entries unless _count asks for more, "
                f"up to {settings.max_page_size}. Request bodies up to {settings.max_body_bytes} bytes."
            ),
            "resource": [{
                "type": "ImagingStudy",
                "profile": "http://hl7.org/fhir/StructureDefinition/ImagingStudy",
                "interaction": resource_interactions,
                "versioning": "versioned-update",
                "readHistory": True,
                "updateCreate": True,
                "conditionalCreate": False,
                "conditionalRead": "not-supported",
                "conditionalUpdate": False,
                "conditionalPatch": False,
                "conditionalDelete": "not-supported",
            }],
        }],
    }
