"""PATCH documents: JSON Patch (RFC 6902) and FHIRPath Patch (a Parameters resource).

Every handler imports this package (the media types are part of parsing and of the CapabilityStatement),
so the engines and their libraries (jsonpatch, fhirpathpy with ANTLR) are imported only when a patch is
read: only the patch function, which loads them during its init, pays for them.

A malformed document is a 400 (BadRequest); a document that cannot be applied to the resource at hand
(a failed `test`, a path that selects nothing, or a change to id, resourceType or meta.versionId/lastUpdated)
is a 422 (Unprocessable). Validating the result is the caller's job, as for any write.
"""
from __future__ import annotations

from typing import Any, Callable

from fhirimaging import jsontext
from fhirimaging.errors import Issue, Unprocessable, UnsupportedMediaType
from fhirimaging.resource import RESOURCE_TYPE

JSON_PATCH = "application/json-patch+json"
FHIRPATH_PATCH = "application/fhir+json"
MEDIA_TYPES = (JSON_PATCH, FHIRPATH_PATCH)

Patch = Callable[[dict[str, Any]], dict[str, Any]]

# Set by the server on every write: a patch that changes them is refused rather than silently overridden.
_IMMUTABLE = (("resourceType",), ("id",), ("meta", "versionId"), ("meta", "lastUpdated"))


def apply_patch(resource: dict[str, Any], content_type: str, body: bytes) -> dict[str, Any]:
    """The resource with the patch applied, as a new dict (`resource` is left as it was)."""
    return load(content_type, body)(resource)


def load(content_type: str, body: bytes) -> Patch:
    """Read and check a patch document once; the function it returns may be applied to any version."""
    document = jsontext.load_document(body, "patch document", "a patch document")
    if content_type == JSON_PATCH:
        from fhirimaging.patch import json_patch

        engine = json_patch.compile_patch(document)
    elif content_type == FHIRPATH_PATCH:
        from fhirimaging.patch import fhirpath_patch

        engine = fhirpath_patch.compile_patch(document)
    else:
        raise UnsupportedMediaType(f"Content-Type {content_type} is not a patch format; send "
                                   f"{JSON_PATCH} or {FHIRPATH_PATCH} (a FHIRPath Patch Parameters resource)")

    def apply(resource: dict[str, Any]) -> dict[str, Any]:
        patched = engine(resource)
        _check_server_elements(resource, patched)
        return patched

    return apply


def _check_server_elements(before: dict[str, Any], after: Any) -> None:
    if type(after) is not dict:
        diagnostics = f"the patch turns the resource into a JSON {_json_type(after)}, not an object"
        raise Unprocessable(diagnostics, [Issue("processing", diagnostics, expression=(RESOURCE_TYPE,))])
    for path in _IMMUTABLE:
        if _get(before, path) != _get(after, path):
            name = ".".join(path)
            diagnostics = f"{name} is set by the server and cannot be patched"
            expression = name if path == ("resourceType",) else f"{RESOURCE_TYPE}.{name}"
            raise Unprocessable(diagnostics, [Issue("processing", diagnostics, expression=(expression,))])


_MISSING = object()


def _get(resource: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        resource = resource.get(name, _MISSING) if type(resource) is dict else _MISSING
    return resource


def _json_type(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")
