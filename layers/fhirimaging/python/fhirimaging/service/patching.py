"""PATCH: the current version with a patch document applied, checked exactly like an update.

The document is read once, so a malformed one is a 400 before the store is touched; each write attempt
applies it to the version current at that moment, so a retry after a concurrent write patches that write's
result and loses nothing. A result that is not a valid ImagingStudy is a 422: the document was well formed,
but its effect on this resource is not acceptable.
"""
from __future__ import annotations

from typing import Any

from fhirimaging import jsontext
from fhirimaging.errors import Gone, InvalidResource, NotFound, PreconditionFailed, Unprocessable
from fhirimaging.patch import Patch, load
from fhirimaging.resource import RESOURCE_TYPE
from fhirimaging.service.requests import PatchRequest
from fhirimaging.store import StoredVersion


def read_patch(request: PatchRequest) -> Patch:
    return load(request.content_type, request.body)


def patched(resource_id: str, current: StoredVersion | None, if_match: int | None, patch: Patch) -> dict[str, Any]:
    """The next content of the resource: 404, 410 and 412 as for a read and an If-Match update."""
    if current is None:
        raise NotFound(f"{RESOURCE_TYPE}/{resource_id} is not known")
    if current.deleted:
        raise Gone(f"{RESOURCE_TYPE}/{resource_id} was deleted (version {current.version}); a patch needs a resource")
    if if_match is not None and current.version != if_match:
        raise PreconditionFailed(f"If-Match asked for version {if_match}; {RESOURCE_TYPE}/{resource_id} is at "
                                 f"version {current.version}")
    # Parsed with jsontext so decimals stay Decimal and are written back with their digits.
    result = patch(jsontext.loads(current.body))
    # Imported here, as in update, so readers never load pydantic; the patch function imports it at init.
    from fhirimaging.models import validate_imaging_study

    try:
        validate_imaging_study(result)
    except InvalidResource as e:
        raise Unprocessable(f"the patched resource would not be valid: {e.diagnostics}", e.issues) from e
    return result
