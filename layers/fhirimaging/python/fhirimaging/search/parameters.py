"""The supported search parameters: one table, derived from the official R5 SearchParameter definitions.

Parsing, matching, indexing and the CapabilityStatement all read this table; none names a parameter itself.
"""
from __future__ import annotations

from typing import Any, NamedTuple


class SearchParameter(NamedTuple):
    """One R5 ImagingStudy search parameter, as its SearchParameter definition gives it."""

    code: str
    type: str  # the official type: token | reference | date | uri
    url: str
    expression: str
    paths: tuple[tuple[str, ...], ...]  # element paths below the resource; lists are walked through
    targets: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()  # R5 modifier codes; "type" stands for reference's ":[Type]"
    comparators: tuple[str, ...] = ()
    documentation: str | None = None
    # The FHIR datatype found at the paths, which decides how a value is matched.
    element: str = ""
    # The code system a primitive `code` belongs to, for `system|code` searches on it.
    implicit_system: str | None = None

    @property
    def match_type(self) -> str:
        """How values are parsed and matched: canonical references (meta.profile) compare as URIs."""
        return "uri" if self.element == "canonical" else self.type


_SP = "http://hl7.org/fhir/SearchParameter/"
_DATE_PREFIXES = ("eq", "ne", "gt", "ge", "lt", "le", "sa", "eb", "ap")
_CONCEPT_MODIFIERS = ("not", "missing", "text")
_CODE_MODIFIERS = ("not", "missing")
_REFERENCE_MODIFIERS = ("missing", "type", "identifier")
_URI_MODIFIERS = ("missing", "above", "below")
_PERFORMER_TARGETS = ("HealthcareService", "Organization", "CareTeam", "Device", "RelatedPerson",
                      "PractitionerRole", "Practitioner", "Patient")


def _p(code: str, type_: str, url: str, expression: str, paths: tuple[tuple[str, ...], ...], element: str,
       **more: Any) -> SearchParameter:
    defaults = {
        "token": _CONCEPT_MODIFIERS if element in ("CodeableConcept", "Coding") else _CODE_MODIFIERS,
        "reference": _URI_MODIFIERS if element == "canonical" else _REFERENCE_MODIFIERS,
        "date": ("missing",),
        "uri": _URI_MODIFIERS,
    }
    more.setdefault("modifiers", defaults[type_])
    if type_ == "date":
        more.setdefault("comparators", _DATE_PREFIXES)
    return SearchParameter(code, type_, url, expression, paths, element=element, **more)


_TABLE = (
    _p("based-on", "reference", _SP + "ImagingStudy-based-on", "ImagingStudy.basedOn", (("basedOn",),),
       "Reference", targets=("Appointment", "ServiceRequest", "CarePlan", "Task", "AppointmentResponse")),
    _p("body-site", "token", _SP + "ImagingStudy-body-site", "ImagingStudy.series.bodySite.concept",
       (("series", "bodySite", "concept"),), "CodeableConcept"),
    _p("body-structure", "reference", _SP + "ImagingStudy-body-structure", "ImagingStudy.series.bodySite.reference",
       (("series", "bodySite", "reference"),), "Reference", targets=("BodyStructure",)),
    _p("dicom-class", "token", _SP + "ImagingStudy-dicom-class", "ImagingStudy.series.instance.sopClass",
       (("series", "instance", "sopClass"),), "Coding"),
    _p("encounter", "reference", _SP + "clinical-encounter", "ImagingStudy.encounter", (("encounter",),),
       "Reference", targets=("Encounter",)),
    _p("endpoint", "reference", _SP + "ImagingStudy-endpoint", "ImagingStudy.endpoint | ImagingStudy.series.endpoint",
       (("endpoint",), ("series", "endpoint")), "Reference", targets=("Endpoint",)),
    _p("identifier", "token", _SP + "clinical-identifier", "ImagingStudy.identifier", (("identifier",),),
       "Identifier", modifiers=("not", "missing", "text", "of-type")),
    _p("instance", "token", _SP + "ImagingStudy-instance", "ImagingStudy.series.instance.uid",
       (("series", "instance", "uid"),), "id", documentation="The SOP Instance UID, as a plain UID (no system)."),
    _p("modality", "token", _SP + "ImagingStudy-modality", "ImagingStudy.series.modality",
       (("series", "modality"),), "CodeableConcept"),
    _p("patient", "reference", _SP + "clinical-patient", "ImagingStudy.subject.where(resolve() is Patient)",
       (("subject",),), "Reference", targets=("Patient",),
       documentation="The subject, when it is a Patient."),
    _p("performer", "reference", _SP + "ImagingStudy-performer", "ImagingStudy.series.performer.actor",
       (("series", "performer", "actor"),), "Reference", targets=_PERFORMER_TARGETS),
    _p("reason", "token", _SP + "ImagingStudy-reason", "ImagingStudy.reason.concept", (("reason", "concept"),),
       "CodeableConcept",
       documentation="R5 publishes no expression for ImagingStudy-reason; this server searches "
                     "ImagingStudy.reason.concept (the coded reasons)."),
    _p("referrer", "reference", _SP + "ImagingStudy-referrer", "ImagingStudy.referrer", (("referrer",),),
       "Reference", targets=("PractitionerRole", "Practitioner")),
    _p("series", "token", _SP + "ImagingStudy-series", "ImagingStudy.series.uid", (("series", "uid"),), "id",
       documentation="The Series Instance UID, as a plain UID (no system)."),
    _p("started", "date", _SP + "ImagingStudy-started", "ImagingStudy.started", (("started",),), "dateTime"),
    _p("status", "token", _SP + "ImagingStudy-status", "ImagingStudy.status", (("status",),), "code",
       implicit_system="http://hl7.org/fhir/imagingstudy-status"),
    _p("subject", "reference", _SP + "ImagingStudy-subject", "ImagingStudy.subject", (("subject",),), "Reference",
       targets=("Device", "Group", "Patient")),
    _p("_id", "token", _SP + "Resource-id", "Resource.id", (("id",),), "id"),
    _p("_lastUpdated", "date", _SP + "Resource-lastUpdated", "Resource.meta.lastUpdated",
       (("meta", "lastUpdated"),), "instant"),
    _p("_tag", "token", _SP + "Resource-tag", "Resource.meta.tag", (("meta", "tag"),), "Coding"),
    _p("_profile", "reference", _SP + "Resource-profile", "Resource.meta.profile", (("meta", "profile"),),
       "canonical", targets=("StructureDefinition",),
       documentation="meta.profile holds canonical URLs: matched as URIs (exact, :above, :below); a value "
                     "without |version matches every version."),
    _p("_security", "token", _SP + "Resource-security", "Resource.meta.security", (("meta", "security"),),
       "Coding"),
    _p("_source", "uri", _SP + "Resource-source", "Resource.meta.source", (("meta", "source"),), "uri"),
)

PARAMETERS: dict[str, SearchParameter] = {p.code: p for p in _TABLE}
RESULT_PARAMETERS = frozenset({"_count", "_sort", "_total", "_summary", "_elements", "_include", "_revinclude",
                               "_cursor", "_format"})
SORTABLE = ("started", "_lastUpdated", "_id", "status")
TOTAL_VALUES = ("none", "estimate", "accurate")
SUMMARY_VALUES = ("true", "false", "count", "data", "text")
# Top-level ImagingStudy elements (R5 StructureDefinition), the names _elements may list.
ELEMENTS = frozenset({
    "id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
    "identifier", "status", "modality", "subject", "encounter", "started", "basedOn", "partOf", "referrer",
    "endpoint", "numberOfSeries", "numberOfInstances", "procedure", "location", "reason", "note", "description",
    "series",
})


def element_values(resource: dict, parameter: SearchParameter) -> list[Any]:
    """The JSON values at the parameter's paths, lists flattened; absent or null elements give nothing."""
    found: list[Any] = []
    for path in parameter.paths:
        level: list[Any] = [resource]
        for step in path:  # breadth-first: a study may hold thousands of instances
            below: list[Any] = []
            for node in level:
                if isinstance(node, dict) and (value := node.get(step)) is not None:
                    if isinstance(value, list):
                        below += value
                    else:
                        below.append(value)
            level = below
        found += [value for value in level if value is not None]
    return found
