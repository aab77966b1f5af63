"""FHIR R5 complex datatypes used by ImagingStudy, plus the base classes that hold the FHIR JSON rules.

Annotations are evaluated eagerly (no `from __future__ import annotations`): the metaclass reads them to
add the `_x` companion of every primitive element.
"""

import calendar
import re
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

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
    fhir_error,
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


def invariant_error(message: str, loc: tuple = (), code: str = "invariant") -> InitErrorDetails:
    """A broken rule, located by `loc` relative to the element whose invariants found it."""
    return InitErrorDetails(type=fhir_error(message, code), loc=loc, input=None)


def _as_init_details(error: ValidationError) -> list[InitErrorDetails]:
    """The errors of a ValidationError in the form needed to raise them again, together with more."""
    details = []
    for item in error.errors(include_url=False):
        kind = item["type"]
        if kind.startswith("fhir"):
            kind = PydanticCustomError(kind, item["msg"], item.get("ctx"))
        detail = InitErrorDetails(type=kind, loc=item["loc"], input=item["input"])
        if "ctx" in item:
            detail["ctx"] = item["ctx"]
        details.append(detail)
    return details


class FhirModel(BaseModel, metaclass=_FhirModelMetaclass):
    """Base of every FHIR element: the FHIR JSON rules that hold for all of them.

    Optional elements default to None but do not accept None, so an absent element is fine while an explicit
    JSON null is an error. Only the root resource compiles a validator; the others are built into it.
    """

    model_config = ConfigDict(strict=True, extra="forbid", defer_build=True)

    # ele-1: an element needs content besides its id, except a primitive's `_x` whose value sits beside it.
    id_alone_is_empty: ClassVar[bool] = True

    @classmethod
    def ele_1_problem(cls, data: dict) -> PydanticCustomError | None:
        """The error for an object with no content (no properties, or only an id), if it is one."""
        if not data:
            return fhir_error("Empty object: a JSON object must have at least one property", "structure")
        # Where elements are required, reporting them missing says more than ele-1 does.
        if (
            data.keys() == {"id"}
            and cls.id_alone_is_empty
            and not any(field.is_required() for field in cls.model_fields.values())
        ):
            return fhir_error("Element has no content besides its id (ele-1)", "invariant")
        return None

    @model_validator(mode="before")
    @classmethod
    def _ele_1(cls, data: Any) -> Any:
        if type(data) is dict and len(data) < 2:
            problem = cls.ele_1_problem(data)
            if problem is not None:
                raise problem
        return data


class Constrained(FhirModel):
    """Base of elements with FHIR invariants: rules across elements that field types cannot express.

    Invariant problems are reported together with the element's field errors, so one pass finds them all.
    """

    @classmethod
    def invariants(cls, data: dict, context: Any) -> list[InitErrorDetails]:
        return []

    @model_validator(mode="wrap")
    @classmethod
    def _check_invariants(cls, data: Any, handler, info) -> Any:
        # An object without content is reported once, by ele-1, not again by each invariant it breaks.
        checkable = type(data) is dict and not (len(data) < 2 and cls.ele_1_problem(data))
        problems = cls.invariants(data, info.context) if checkable else None
        if not problems:
            return handler(data)
        try:
            handler(data)
            details = []
        except ValidationError as error:
            details = _as_init_details(error)
        raise ValidationError.from_exception_data(cls.__name__, details + problems)


def choice_problems(data: dict, names: frozenset[str], element: str) -> list[InitErrorDetails]:
    """A choice element ([x]) appears at most once, counting a primitive `_x` companion as the same choice."""
    present = sorted({key.lstrip("_") for key in data if key.lstrip("_") in names})
    if len(present) > 1:
        return [invariant_error(f"{element} appears more than once: {', '.join(present)}", code="structure")]
    return []


def primitive_array_problems(data: dict, name: str) -> list[InitErrorDetails]:
    """A repeating primitive and its `_x` array align by index; each position has a value or an extension."""
    values, companions = data.get(name), data.get("_" + name)
    values = values if type(values) is list else None
    companions = companions if type(companions) is list else None
    if values is None and companions is None:
        return []
    if values is not None and companions is not None and len(values) != len(companions):
        return [
            invariant_error(f"'_{name}' must have as many entries as '{name}'", (f"_{name}",), "structure")
        ]
    problems = []
    for index in range(len(values if values is not None else companions)):
        value = values[index] if values is not None else None
        companion = companions[index] if companions is not None else None
        if value is None and companion is None:
            at = (name, index) if values is not None else (f"_{name}", index)
            problems.append(
                invariant_error(
                    f"'{name}' entry {index} has neither a value nor an extension", at, "structure"
                )
            )
    return problems


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


_DATETIME_PARTS = re.compile(
    r"(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d))?)?)?$"
)
# Compared with a zoned value, a date without a zone may be in any zone from +14:00 to -12:00.
_EARLIEST_ZONE, _LATEST_ZONE = timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))


def _boundary(value: Any, high: bool) -> datetime | None:
    """FHIRPath lowBoundary (or highBoundary) of a dateTime of any precision; None if it is not a valid one.

    Dates come back without a zone, times with theirs.
    """
    match = _DATETIME_PARTS.match(value) if type(value) is str else None
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        if hour is None:
            month_ = int(month) if month else (12 if high else 1)
            day_ = int(day) if day else (calendar.monthrange(int(year), month_)[1] if high else 1)
            start = datetime(int(year), month_, day_)
            return start + timedelta(days=1, microseconds=-1) if high else start
        sign = -1 if zone[0] == "-" else 1
        offset = (
            timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))) if zone != "Z" else UTC
        )
        micros = int((fraction or "0")[:6].ljust(6, "0"))
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            min(int(second), 59),
            micros,
            tzinfo=offset,
        )
    except ValueError:
        return None


class Period(Element, Constrained):
    start: DateTime = None
    end: DateTime = None

    @classmethod
    def invariants(cls, data, context):
        start, end = _boundary(data.get("start"), high=False), _boundary(data.get("end"), high=True)
        if start is None or end is None:
            return []
        if (start.tzinfo is None) != (end.tzinfo is None):
            start, end = (
                start.replace(tzinfo=start.tzinfo or _EARLIEST_ZONE),
                end.replace(tzinfo=end.tzinfo or _LATEST_ZONE),
            )
        if start > end:
            return [invariant_error("Period start is after its end (per-1)")]
        return []


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

    @classmethod
    def invariants(cls, data, context):
        problems = []
        if not data.keys() & {"reference", "_reference", "identifier", "display", "_display", "extension"}:
            problems.append(
                invariant_error("Reference needs a reference, identifier, display or extension (ref-2)")
            )
        reference = data.get("reference")
        if type(reference) is str and reference.startswith("#"):
            # Only the root resource is validated here, so '#' (the container itself) is never valid.
            contained_ids = context.get("contained_ids", ()) if context else ()
            if reference[1:] not in contained_ids:
                problems.append(
                    invariant_error(
                        f"Local reference {reference[:70]} has no contained resource (ref-1)", ("reference",)
                    )
                )
        return problems


class CodeableReference(Element):
    concept: CodeableConcept = None
    reference: Reference = None


class SimpleQuantity(Element, Constrained):
    """Quantity without a comparator; Quantity adds it."""

    value: Decimal = None
    unit: String = None
    system: Uri = None
    code: Code = None

    @classmethod
    def invariants(cls, data, context):
        if data.keys() & {"code", "_code"} and not data.keys() & {"system", "_system"}:
            return [invariant_error("A coded unit needs a system (qty-3)")]
        return []


class Quantity(SimpleQuantity):
    comparator: required_code("<", "<=", ">=", ">", "ad") = None


class Range(Element):
    low: SimpleQuantity = None
    high: SimpleQuantity = None


class Ratio(Element, Constrained):
    numerator: Quantity = None
    denominator: SimpleQuantity = None

    @classmethod
    def invariants(cls, data, context):
        if ("numerator" in data) != ("denominator" in data):
            return [invariant_error("Ratio needs both numerator and denominator, or neither (rat-1)")]
        return []


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

    @classmethod
    def invariants(cls, data, context):
        if "data" in data and "contentType" not in data:
            return [invariant_error("Attachment data needs a contentType (att-1)")]
        return []


_AUTHOR_X = frozenset({"authorReference", "authorString"})


class Annotation(Element, Constrained):
    authorReference: Reference = None
    authorString: String = None
    time: DateTime = None
    text: Markdown

    @classmethod
    def invariants(cls, data, context):
        return choice_problems(data, _AUTHOR_X, "author[x]")


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

    @classmethod
    def invariants(cls, data, context):
        return primitive_array_problems(data, "profile")


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

    @classmethod
    def invariants(cls, data, context):
        problems = choice_problems(data, VALUE_X, "value[x]")
        # An unknown value[x] name is reported as unknown, so it still counts as a value here.
        has_value = any(key.lstrip("_").startswith("value") for key in data)
        if has_value == ("extension" in data):
            problems.append(
                invariant_error(
                    "Extension must have either a value[x] or nested extensions, not both "
                    "and not neither (ext-1)"
                )
            )
        return problems


VALUE_X = frozenset(name for name in Extension.model_fields if name.startswith("value") and "_" not in name)
