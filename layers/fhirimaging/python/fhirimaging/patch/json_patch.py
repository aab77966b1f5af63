"""JSON Patch (RFC 6902), applied with the jsonpatch library.

The document's shape (operations, members, pointer syntax) is checked before any resource is read, so a
malformed document is a 400 whatever the resource; what fails only against the resource (a missing target,
an index past the end, a failed `test`) is a 422. Operations are applied one at a time so an error names
the operation that failed, and so that the size budget (patch/budget.py) is checked after each one: what
`add`, `replace` and `copy` write is measured before it is written.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

import jsonpatch
import jsonpointer

from fhirimaging.errors import BadRequest, Issue, PayloadTooLarge, Unprocessable
from fhirimaging.limits import MAX_PATCH_OPERATIONS
from fhirimaging.patch.budget import SizeBudget

_MEMBERS = {
    "add": ("path", "value"), "remove": ("path",), "replace": ("path", "value"),
    "move": ("from", "path"), "copy": ("from", "path"), "test": ("path", "value"),
}
_MAX_WHY = 300


def compile_patch(document: Any) -> Callable[[dict[str, Any]], Any]:
    if type(document) is not list:
        raise BadRequest("a JSON Patch document is a JSON array of operations")
    if len(document) > MAX_PATCH_OPERATIONS:
        raise PayloadTooLarge(f"the patch has {len(document)} operations; the limit is {MAX_PATCH_OPERATIONS}")
    for number, operation in enumerate(document, 1):
        _check(number, operation)

    def apply(resource: dict[str, Any]) -> Any:
        result: Any = copy.deepcopy(resource)
        budget = SizeBudget(result)
        for number, operation in enumerate(document, 1):
            try:
                _grow(budget, result, number, operation)
                result = jsonpatch.JsonPatch([operation]).apply(result, in_place=True)
            except jsonpatch.JsonPatchTestFailed as e:
                raise _unprocessable(number, operation, f"the test failed: {e}") from e
            except (jsonpatch.JsonPatchConflict, jsonpointer.JsonPointerException) as e:
                raise _unprocessable(number, operation, str(e)) from e
            except jsonpatch.InvalidJsonPatch as e:
                raise BadRequest(f"{_name(number, operation)} is not valid: {e}") from e
        return result

    return apply


def _grow(budget: SizeBudget, document: Any, number: int, operation: dict) -> None:
    op = operation["op"]
    if op in ("add", "replace"):
        budget.grow(operation["value"], _name(number, operation))
    elif op == "copy":  # the source is the document's own: a missing one is jsonpatch's error to report
        source = jsonpointer.resolve_pointer(document, operation["from"], _MISSING)
        if source is not _MISSING:
            budget.grow(source, _name(number, operation))


_MISSING = object()


def _check(number: int, operation: Any) -> None:
    if type(operation) is not dict:
        raise BadRequest(f"operation {number} is not a JSON object")
    op = operation.get("op")
    if op not in _MEMBERS:
        raise BadRequest(f"operation {number} has op {op!r}; expected one of {', '.join(_MEMBERS)}")
    for member in _MEMBERS[op]:
        if member not in operation:
            raise BadRequest(f"{_name(number, operation)} has no '{member}' member")
        if member in ("path", "from"):
            pointer = operation[member]
            if type(pointer) is not str:
                raise BadRequest(f"{_name(number, operation)}: '{member}' must be a JSON Pointer string")
            try:
                jsonpointer.JsonPointer(pointer)
            except jsonpointer.JsonPointerException as e:
                raise BadRequest(f"{_name(number, operation)}: '{member}' {pointer!r} is not a JSON Pointer: "
                                 f"{e}") from e


def _name(number: int, operation: dict) -> str:
    return f"operation {number} ({operation.get('op')} {operation.get('path')})"


def _unprocessable(number: int, operation: dict, why: str) -> Unprocessable:
    # jsonpatch's messages may quote the whole document; a diagnostic needs only its start.
    why = why if len(why) <= _MAX_WHY else why[:_MAX_WHY] + "..."
    diagnostics = f"{_name(number, operation)} cannot be applied: {why}"
    return Unprocessable(diagnostics, [Issue("processing", diagnostics)])
