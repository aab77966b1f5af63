"""The size budget of a document while a patch is applied, shared by both patch formats.

Size is the document as compact JSON, escapes aside: a string or key counts its characters and quotes, a
number its digits, every member or item its separator. It is measured once at the start; after that only
what each operation adds is measured (the value it writes, or copies), and what an operation removes or
replaces is never subtracted. The running figure is therefore never below the document's real size, and
measuring stays linear: a measurement stops as soon as it passes what is left, so a `copy` of a subtree
too large to fit costs no more than the budget itself.
"""
from __future__ import annotations

from typing import Any

from fhirimaging.errors import PayloadTooLarge
from fhirimaging.limits import MAX_PATCHED_CHARS

_LITERALS = {True: 4, False: 5}


class SizeBudget:
    def __init__(self, document: Any, limit: int = MAX_PATCHED_CHARS) -> None:
        self.limit = limit
        self.used = size(document, limit)
        if self.used > limit:
            raise PayloadTooLarge(f"the resource is over {limit} characters of JSON, more than a patch may "
                                  "produce; replace it with PUT")

    def grow(self, value: Any, what: str) -> None:
        """Count `value` as added to the document; 413 naming `what` (the operation) once over the limit."""
        self.used += size(value, self.limit - self.used)
        if self.used > self.limit:
            raise PayloadTooLarge(f"{what} would make the patched resource over {self.limit} characters of "
                                  f"JSON, the limit of a patch result")


def size(value: Any, stop: int | None = None) -> int:
    """The compact JSON length of `value` (escapes aside); once over `stop`, a figure over `stop`."""
    total = 0
    stack = [value]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            total += 1 + 2 * len(node) if node else 2  # braces, a colon per member, commas between
            for key, child in node.items():
                total += len(key) + 2
                stack.append(child)
        elif kind is list:
            total += 1 + len(node) if node else 2
            stack.extend(node)
        elif kind is str:
            total += len(node) + 2
        elif node is None:
            total += 4
        elif kind is bool:
            total += _LITERALS[node]
        else:  # int, float, Decimal
            total += len(str(node))
        if stop is not None and total > stop:
            return total
    return total
