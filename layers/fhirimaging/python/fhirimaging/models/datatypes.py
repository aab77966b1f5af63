"""FHIR R5 complex datatypes used by ImagingStudy, plus the base classes that hold the FHIR JSON rules.

Annotations are evaluated eagerly (no `from __future__ import annotations`): the metaclass reads them to
add the `_x` companion of every primitive element.
"""

import types
import typing
from functools import partial
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from . import rules
from .primitives import (
    Base64Binary,
    Boolean,
    Canonical,
    Code,
    Date,
    DateTime,
    Decimal,
    ElementId,
    ExtensionUrl,
    FhirPrimitive,
    Id,
    Instant,
    Integer,
    Integer64,
    Markdown,
    Oid,
    PositiveInt,
    String,
    Time,
    UnsignedInt,
    Uri,
    Url,
    Uuid,
    Xhtml,
    required_code,
)

T = TypeVar("T")

# FHIR arrays are never empty; strict mode makes a lone object where an array belongs an error.
NonEmptyList = Annotated[list[T], Field(min_length=1)]

# Extension value[x] types this package does not model: any non-empty JSON object is accepted for them.
LooseObject = Annotated[dict[str, Any], Field(min_length=1)]


def _primitive_shape(hint: Any) -> str | None:
    """'single' or 'list' when the annotation is a FHIR primitive (or an array of them), else None."""
    repeated = False
    if typing.get_origin(hint) is Annotated and typing.get_origin(typing.get_args(hint)[0]) is list:
        hint, repeated = typing.get_args(typing.get_args(hint)[0])[0], True
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    metadata = getattr(hint, "__metadata__", ())
    if any(isinstance(item, FhirPrimitive) for item in metadata):
        return "list" if repeated else "single"
    return None


class _FhirModelMetaclass(type(BaseModel)):
    """Adds the JSON `_x` companion (an Element with id and extensions) of every primitive element `x`."""

    def __new__(mcs, name, bases, namespace, **kwargs):
        # Python 3.12 (the Lambda runtime) puts evaluated annotations in the class namespace; 3.14 (PEP 649)
        # defers them, so moving to it means reading them through annotationlib here.
        annotations = namespace.get("__annotations__", {})
        for field, hint in list(annotations.items()):
            shape = _primitive_shape(hint)
            if shape is None:
                continue
            companion = PrimitiveElement if shape == "single" else NonEmptyList[PrimitiveElement | None]
            annotations[f"{field}_ext"] = companion
            namespace[f"{field}_ext"] = Field(None, alias=f"_{field}")
        return super().__new__(mcs, name, bases, namespace, **kwargs)


class FhirModel(BaseModel, metaclass=_FhirModelMetaclass):
    """Base of every FHIR element: the FHIR JSON rules that hold for all of them.

    Optional elements default to None but do not accept None, so an absent element is fine while an explicit
    JSON null is an error. No validator is built on import: compile.py builds the root resource's schema.
    """

    model_config = ConfigDict(strict=True, extra="forbid", defer_build=True)

    # ele-1: an element needs content besides its id, except a primitive's `_x` whose value sits beside it.
    id_alone_is_empty: ClassVar[bool] = True

    @classmethod
    def bare_id_is_empty(cls) -> bool:
        """Whether an object holding only an id breaks ele-1 here (see rules.ele_1_problem)."""
        return cls.id_alone_is_empty and not any(field.is_required() for field in cls.model_fields.values())

    @model_validator(mode="before")
    @classmethod
    def _ele_1(cls, data: Any) -> Any:
        return rules.ele_1(cls.bare_id_is_empty(), data)


class Constrained(FhirModel):
    """Base of elements with FHIR invariants: rules across elements that field types cannot express.

    Invariant problems are reported together with the element's field errors, so one pass finds them all.
    """

    invariants: ClassVar[rules.Invariants]  # each subclass names its function in rules

    @model_validator(mode="wrap")
    @classmethod
    def _check_invariants(cls, data: Any, handler, info) -> Any:
        return rules.check_invariants(cls.__name__, cls.invariants, cls.bare_id_is_empty(), data, handler, info)


class Element(FhirModel):
    id: ElementId = None
    extension: NonEmptyList["Extension"] = None


class PrimitiveElement(Element):
    """The JSON `_x` companion of a primitive `x`: its id and extensions."""

    id_alone_is_empty: ClassVar[bool] = False


class BackboneElement(Element):
    modifierExtension: NonEmptyList["Extension"] = None


class Coding(Element):
    system: Uri = None
    version: String = None
    code: Code = None
    display: String = None
    userSelected: Boolean = None


class CodeableConcept(Element):
    coding: NonEmptyList[Coding] = None
    text: String = None


class Period(Element, Constrained):
    start: DateTime = None
    end: DateTime = None

    invariants = staticmethod(rules.period)


class Identifier(Element):
    use: required_code("usual", "official", "temp", "secondary", "old") = None
    type: CodeableConcept = None
    system: Uri = None
    value: String = None
    period: Period = None
    assigner: "Reference" = None


class Reference(Element, Constrained):
    """A reference; target resource types are not checked (the official examples do not keep to them)."""

    reference: String = None
    type: Uri = None
    identifier: Identifier = None
    display: String = None

    invariants = staticmethod(rules.reference)


class CodeableReference(Element):
    concept: CodeableConcept = None
    reference: Reference = None


class SimpleQuantity(Element, Constrained):
    """Quantity without a comparator; Quantity adds it."""

    value: Decimal = None
    unit: String = None
    system: Uri = None
    code: Code = None

    invariants = staticmethod(rules.simple_quantity)


class Quantity(SimpleQuantity):
    comparator: required_code("<", "<=", ">=", ">", "ad") = None


class Range(Element):
    low: SimpleQuantity = None
    high: SimpleQuantity = None


class Ratio(Element, Constrained):
    numerator: Quantity = None
    denominator: SimpleQuantity = None

    invariants = staticmethod(rules.ratio)


class Money(Element):
    value: Decimal = None
    currency: Code = None


class Attachment(Element, Constrained):
    contentType: Code = None
    language: Code = None
    data: Base64Binary = None
    url: Url = None
    size: Integer64 = None
    hash: Base64Binary = None
    title: String = None
    creation: DateTime = None
    height: PositiveInt = None
    width: PositiveInt = None
    frames: PositiveInt = None
    duration: Decimal = None
    pages: PositiveInt = None

    invariants = staticmethod(rules.attachment)


class Annotation(Element, Constrained):
    authorReference: Reference = None
    authorString: String = None
    time: DateTime = None
    text: Markdown

    invariants = staticmethod(rules.annotation)


class Narrative(Element):
    """Narrative; the div is checked to be a <div> string but is not parsed as XHTML."""

    status: required_code("generated", "extensions", "additional", "empty")
    div: Xhtml


class Meta(Element, Constrained):
    versionId: Id = None
    lastUpdated: Instant = None
    source: Uri = None
    # A null entry is allowed where `_profile` carries that position's extension.
    profile: NonEmptyList[Canonical | None] = None
    security: NonEmptyList[Coding] = None
    tag: NonEmptyList[Coding] = None

    invariants = staticmethod(rules.meta)


class Extension(Element, Constrained):
    """Extension: a url and either one value[x] or nested extensions (ext-1).

    Every R5 value[x] type is accepted; the datatypes ImagingStudy itself uses are validated in full, the
    rest only as non-empty JSON objects.
    """

    url: ExtensionUrl
    valueBase64Binary: Base64Binary = None
    valueBoolean: Boolean = None
    valueCanonical: Canonical = None
    valueCode: Code = None
    valueDate: Date = None
    valueDateTime: DateTime = None
    valueDecimal: Decimal = None
    valueId: Id = None
    valueInstant: Instant = None
    valueInteger: Integer = None
    valueInteger64: Integer64 = None
    valueMarkdown: Markdown = None
    valueOid: Oid = None
    valuePositiveInt: PositiveInt = None
    valueString: String = None
    valueTime: Time = None
    valueUnsignedInt: UnsignedInt = None
    valueUri: Uri = None
    valueUrl: Url = None
    valueUuid: Uuid = None
    valueAddress: LooseObject = None
    valueAge: Quantity = None
    valueAnnotation: Annotation = None
    valueAttachment: Attachment = None
    valueCodeableConcept: CodeableConcept = None
    valueCodeableReference: CodeableReference = None
    valueCoding: Coding = None
    valueContactPoint: LooseObject = None
    valueCount: Quantity = None
    valueDistance: Quantity = None
    valueDuration: Quantity = None
    valueHumanName: LooseObject = None
    valueIdentifier: Identifier = None
    valueMoney: Money = None
    valuePeriod: Period = None
    valueQuantity: Quantity = None
    valueRange: Range = None
    valueRatio: Ratio = None
    valueRatioRange: LooseObject = None
    valueReference: Reference = None
    valueSampledData: LooseObject = None
    valueSignature: LooseObject = None
    valueTiming: LooseObject = None
    valueContactDetail: LooseObject = None
    valueDataRequirement: LooseObject = None
    valueExpression: LooseObject = None
    valueParameterDefinition: LooseObject = None
    valueRelatedArtifact: LooseObject = None
    valueTriggerDefinition: LooseObject = None
    valueUsageContext: LooseObject = None
    valueAvailability: LooseObject = None
    valueExtendedContactDetail: LooseObject = None
    valueDosage: LooseObject = None
    valueMeta: Meta = None


VALUE_X = frozenset(name for name in Extension.model_fields if name.startswith("value") and "_" not in name)
Extension.invariants = staticmethod(partial(rules.extension, VALUE_X))
