"""Writes core_schema.py: the pydantic-core schema that pydantic generates from the ImagingStudy models.

Generating it costs every writing function ~100 ms of its cold start (importing pydantic and building the
models), while pydantic-core builds a validator from the finished schema in half a millisecond. So the
schema is generated here, ahead of time, and validation at run time imports only pydantic-core, the
generated schema and rules.py (the functions it names). After changing the models run `make schema`
(python -m fhirimaging.models.compile); a test fails while core_schema.py differs from what this writes.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

from pydantic._internal._config import ConfigWrapper

from . import rules
from .datatypes import Constrained, FhirModel
from .imagingstudy import ImagingStudy
from .primitives import FORMATS

TARGET = Path(__file__).with_name("core_schema.py")
# Left out: what pydantic keeps for serialising and for JSON Schema, which validation never uses.
_UNUSED_KEYS = {"serialization", "serialization_alias", "metadata"}
_SHARED_MIN = 60  # characters: a shorter repeated subschema reads better written out where it is used
_REF_ID = re.compile(r":\d+$")  # refs end in the id() of their class, which changes from run to run
_WIDTH = 120

HEADER = '''"""GENERATED from the pydantic models of this package by `python -m fhirimaging.models.compile`.

Do not edit. The pydantic-core schema of ImagingStudy, its config, and what each format pattern means.
"""
# ruff: noqa: E501
from functools import partial

from . import rules

_MODELS: dict[str, type] = {}


def _model(name: str) -> type:
    """The class validation instantiates for a model; a plain one suffices, as only errors are used."""
    return _MODELS.setdefault(name, type(name, (), {"__module__": __name__}))


'''


class _Code:
    """Python source, written as it is."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def source() -> str:
    """The text of core_schema.py for the models as they are now."""
    ImagingStudy.model_rebuild()  # the models defer building their schema until asked
    config = ConfigWrapper(ImagingStudy.model_config).core_config(title=ImagingStudy.__name__)
    shared, schema = _factored(_compiled(ImagingStudy.__pydantic_core_schema__))
    parts = [
        "# Subschemas used more than once, each built once (in order of first use; each before its users).",
        *(f"{name} = {_format(node)}" for name, node in shared),
        f"SCHEMA = {_format(schema)}",
        f"CONFIG = {_format(dict(config))}",
        f"FORMATS = {_format(FORMATS)}",
    ]
    return HEADER + "\n".join(parts) + "\n"


def _factored(schema: Any) -> tuple[list[tuple[str, Any]], Any]:
    """The sub-dicts that occur more than once as named constants, and the schema naming them."""
    seen: Counter[str] = Counter()

    def count(node: Any) -> None:
        if isinstance(node, dict):
            seen[repr(node)] += 1
            if seen[repr(node)] > 1:
                return  # what it holds was counted where it first occurred
            node = node.values()
        if isinstance(node, (list, tuple, type({}.values()))):
            for item in node:
                count(item)

    names: dict[str, str] = {}
    shared: list[tuple[str, Any]] = []

    def replace(node: Any) -> Any:
        if isinstance(node, (list, tuple)):
            return type(node)(replace(item) for item in node)
        if not isinstance(node, dict):
            return node
        key = repr(node)
        if key not in names:
            named = {k: replace(v) for k, v in node.items()}
            if seen[key] < 2 or len(key) < _SHARED_MIN:
                return named
            names[key] = f"_S{len(shared) + 1}"
            shared.append((names[key], named))
        return _Code(names[key])

    count(schema)
    return shared, replace(schema)


def _format(value: Any, indent: int = 0, column: int = 0) -> str:
    """Python source for `value` starting at `column`: on one line where it fits, else one item per line,
    indented by one space per level (the schema nests some forty levels deep)."""
    flat = repr(value)
    if column + len(flat) <= _WIDTH or not isinstance(value, (dict, list, tuple)) or not value:
        return flat
    inner = " " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{inner}{key!r}: {_format(item, indent + 1, indent + 3 + len(repr(key)))}"
                 for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "}"
    items = [inner + _format(item, indent + 1, indent + 1) for item in value]
    opening, closing = ("[", "]") if isinstance(value, list) else ("(", ",)" if len(value) == 1 else ")")
    return opening + "\n" + ",\n".join(items) + closing


def _compiled(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _value(key, value) for key, value in node.items() if key not in _UNUSED_KEYS}
    if isinstance(node, (list, tuple)):
        return type(node)(_compiled(item) for item in node)
    if callable(node):
        return _Code(_callable(node))
    if node is None or isinstance(node, (str, int, bool)):
        return node
    raise TypeError(f"cannot write {node!r} into the compiled schema")


def _value(key: str, value: Any) -> Any:
    if key == "cls":
        return _Code(f"_model({value.__name__!r})")
    if key in ("ref", "schema_ref"):
        return _REF_ID.sub("", value)
    return _compiled(value)


def _callable(function: Any) -> str:
    """Source for a validator: a function of rules.py, or a model's validator bound to its class."""
    owner = getattr(function, "__self__", None)
    if isinstance(owner, type) and issubclass(owner, FhirModel):
        flag = owner.bare_id_is_empty()
        if function.__func__ is FhirModel._ele_1.__func__:
            return f"partial(rules.ele_1, {flag!r})"
        if function.__func__ is Constrained._check_invariants.__func__:
            return f"partial(rules.check_invariants, {owner.__name__!r}, {_callable(owner.invariants)}, {flag!r})"
    if isinstance(function, partial) and not function.keywords:
        return f"partial({', '.join([_callable(function.func), *map(_argument, function.args)])})"
    name = getattr(function, "__name__", "")
    if getattr(rules, name, None) is function:
        return f"rules.{name}"
    raise TypeError(f"{function!r} is neither a function of rules.py nor a model validator")


def _argument(value: Any) -> str:
    if isinstance(value, frozenset):  # sorted: a set's order changes with string hashing
        return f"frozenset({sorted(value)!r})"
    return repr(value)


if __name__ == "__main__":
    TARGET.write_text(source())
    sys.stdout.write(f"wrote {TARGET}\n")
