"""The FHIR R5 ImagingStudy resource, element by element from its StructureDefinition (5.0.0).

Annotations are evaluated eagerly, as in datatypes.py, so primitive elements get their `_x` companions.
"""

from typing import Literal

from pydantic import ConfigDict

from . import rules
from .datatypes import (
    Annotation,
    BackboneElement,
    CodeableConcept,
    CodeableReference,
    Coding,
    Constrained,
    Extension,
    FhirModel,
    Identifier,
    Meta,
    Narrative,
    NonEmptyList,
    Reference,
)
from .primitives import (
    Code,
    DateTime,
    Id,
    ResourceId,
    ResourceType,
    String,
    UnsignedInt,
    Uri,
    required_code,
)


class ContainedResource(Constrained):
    """A contained resource of any type.

    Only its envelope is checked (a resourceType, a valid id, and the DomainResource rules for contained
    resources); its content is not validated against its own type, which this API does not serve.
    """

    model_config = ConfigDict(extra="allow")

    resourceType: ResourceType
    id: ResourceId = None

    invariants = staticmethod(rules.contained_resource)


class Performer(BackboneElement):
    function: CodeableConcept = None
    actor: Reference


class Instance(BackboneElement):
    uid: Id
    sopClass: Coding
    number: UnsignedInt = None
    title: String = None


class Series(BackboneElement):
    uid: Id
    number: UnsignedInt = None
    modality: CodeableConcept
    description: String = None
    numberOfInstances: UnsignedInt = None
    endpoint: NonEmptyList[Reference] = None
    bodySite: CodeableReference = None
    laterality: CodeableConcept = None
    specimen: NonEmptyList[Reference] = None
    started: DateTime = None
    performer: NonEmptyList[Performer] = None
    instance: NonEmptyList[Instance] = None


class ImagingStudy(FhirModel):
    """R5 ImagingStudy with its Resource and DomainResource elements: the root of the compiled schema."""

    resourceType: Literal["ImagingStudy"]
    id: ResourceId = None
    meta: Meta = None
    implicitRules: Uri = None
    # Required binding to all-languages (BCP 47): only the code format is checked.
    language: Code = None
    text: Narrative = None
    contained: NonEmptyList[ContainedResource] = None
    extension: NonEmptyList[Extension] = None
    modifierExtension: NonEmptyList[Extension] = None
    identifier: NonEmptyList[Identifier] = None
    status: required_code("registered", "available", "cancelled", "entered-in-error", "unknown")
    modality: NonEmptyList[CodeableConcept] = None
    subject: Reference
    encounter: Reference = None
    started: DateTime = None
    basedOn: NonEmptyList[Reference] = None
    partOf: NonEmptyList[Reference] = None
    referrer: Reference = None
    endpoint: NonEmptyList[Reference] = None
    numberOfSeries: UnsignedInt = None
    numberOfInstances: UnsignedInt = None
    # R5 allows only PlanDefinition|ActivityDefinition references here, yet the official example-xr points
    # at a Procedure; as for every reference, the target type is not enforced.
    procedure: NonEmptyList[CodeableReference] = None
    location: Reference = None
    reason: NonEmptyList[CodeableReference] = None
    note: NonEmptyList[Annotation] = None
    description: String = None
    series: NonEmptyList[Series] = None
