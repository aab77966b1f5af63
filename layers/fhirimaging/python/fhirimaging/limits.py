"""Hostile-input limits below the HTTP layer, each a clear 4xx OperationOutcome before any work is done.

A JSON document is checked right after it is parsed (`check_document`, from jsontext.load_document), in one
iterative pass that no depth can make recurse; search, PATCH and FHIRPath Patch check theirs as they work.
The request line's limits are the HTTP layer's (http/limits.py).
"""
from __future__ import annotations

from typing import Any

from fhirimaging.errors import BadRequest, PayloadTooLarge

MAX_JSON_DEPTH = 64
# A real study with 10,000 instances has one array of 10,000; ten times that is not a study.
MAX_ARRAY_ITEMS = 100_000
MAX_STRING_CHARS = 1024 * 1024
# Search: each OR-ed value of the chosen criterion is one GSI Query; a list of patients or modalities a
# person would type is a handful, and a few hundred Queries per request is already seconds of DynamoDB.
MAX_OR_VALUES = 100
MAX_SEARCH_VALUES = 200
# PATCH: the patched resource may not grow past what a PUT may send (the default body limit); checked
# after every operation, so `copy` cannot double the document on and on before validation sees it.
MAX_PATCHED_CHARS = 5 * 1024 * 1024
MAX_PATCH_OPERATIONS = 1000
# FHIRPath Patch: every path is evaluated over the whole resource; a real path is a few dozen characters.
MAX_FHIRPATH_CHARS = 1000
# One patch's path evaluations (steps: sub-expressions evaluated plus the items they return, ~1.5 us each
# with garbage collection on): a `where` over the 10,000 instances of a study takes ~340,000 steps, a path
# into a study of a few hundred instances a few thousand; `select($this.combine($this))` doubles a collection
# per 28 characters of path, and is stopped here within a second.
MAX_FHIRPATH_STEPS = 500_000
# A batch or transaction Bundle: twice Azure's 500, within the request body limit and the request's deadline.
MAX_BUNDLE_ENTRIES = 1000


def check_document(document: Any, what: str = "body") -> None:
    """400 beyond 64 levels of nesting or a string over 1 MiB; 413 for an array over 100,000 items."""
    if type(document) not in (dict, list):
        _check_string(document, what)
        return
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"the {what} is nested too deeply: more than {MAX_JSON_DEPTH} levels")
        if type(node) is dict:
            children = node.values()
            for key in node:
                _check_string(key, what)
        else:
            if len(node) > MAX_ARRAY_ITEMS:
                raise PayloadTooLarge(f"an array in the {what} has {len(node)} items; the limit is {MAX_ARRAY_ITEMS}")
            children = node
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is str and len(child) > MAX_STRING_CHARS:
                _check_string(child, what)


def _check_string(value: Any, what: str) -> None:
    if type(value) is str and len(value) > MAX_STRING_CHARS:
        raise BadRequest(f"a string in the {what} has {len(value)} characters; the limit is {MAX_STRING_CHARS}")
