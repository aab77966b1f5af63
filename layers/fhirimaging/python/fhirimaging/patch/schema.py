"""Which ImagingStudy elements repeat and what type they hold, read from the validation models.

FHIRPath Patch names elements without saying whether they repeat (`add` of `series.performer` must create a
list, of `series.bodySite` a single object) and writes backbone values as nested parts; the pydantic models
already encode the R5 cardinalities and types, so they are asked rather than a second table kept.
"""
from __future__ import annotations

import sys
import types
import typing
from dataclasses import dataclass
from typing import Any, ForwardRef

from pydantic import BaseModel

from fhirimaging.models import datatypes
from fhirimaging.models.imagingstudy import ImagingStudy

Model = type[BaseModel]


@dataclass(frozen=True)
class Child:
    """An element of a model: its JSON property, whether it repeats, its model."""

    key: str  # the JSON property, e.g. valueString for name "value" given a String value
    repeats: bool
    model: Model | None  # None for primitives and for what the models do not describe


def model_at(steps: typing.Sequence[str | int]) -> Model | None:
    """The model of the element at a location given as JSON property names and list indexes."""
    model: Model | None = ImagingStudy
    for step in steps:
        if model is None:
            return None
        if isinstance(step, str):
            child = child_of(model, step)
            model = child.model if child else None
    return model


def child_of(model: Model | None, name: str, value_type: str | None = None) -> Child | None:
    """The element `name` of `model`; a choice element (value[x]) resolves to `name` + `value_type`."""
    if model is None:
        return None
    fields = {field.alias or python_name: field for python_name, field in model.model_fields.items()}
    key = name
    if key not in fields and value_type:
        key = name + value_type[:1].upper() + value_type[1:]
    field = fields.get(key)
    if field is None:
        return None
    annotation, repeats = field.annotation, False
    if typing.get_origin(annotation) is list:
        annotation, repeats = typing.get_args(annotation)[0], True
    return Child(key, repeats, _model(annotation, model))


def _model(annotation: Any, owner: Model) -> Model | None:
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = options[0] if len(options) == 1 else None
    if isinstance(annotation, ForwardRef):  # e.g. Element.extension: list["Extension"]
        name = annotation.__forward_arg__
        annotation = next((vars(module)[name] for module in (sys.modules[owner.__module__], datatypes)
                           if name in vars(module)), None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None
