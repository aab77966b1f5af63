"""Search matching: every parameter and modifier on the official R5 examples (and variants of them for the
elements they lack), each with a case that must match and one that must not; every date prefix at every
precision, with and without timezone, against `started` values of different precisions; _sort keys."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fhirimaging import fhirtime
from fhirimaging.search.match import matches, matches_all, sort_key
from fhirimaging.search.parameters import PARAMETERS
from fhirimaging.search.query import parse_query

FIXTURES = Path(__file__).parents[1] / "fixtures"
BASE = "https://fhir.example.org/fhir/R5"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


EXAMPLE = load("imagingstudy-example.json")
EXAMPLE_XR = load("imagingstudy-example-xr.json")


def _variant() -> dict:
    """example-xr with what the examples lack: meta as stored, a typed identifier, versioned, absolute and
    other-server references, a BodyStructure reference, a Device performer and a reason text."""
    study = copy.deepcopy(EXAMPLE_XR)
    study["id"] = "variant"
    study["meta"] = {
        "versionId": "3",
        "lastUpdated": "2023-03-26T15:21:02.749Z",
        "source": "https://src.example.org/pacs",
        "profile": ["http://example.org/fhir/StructureDefinition/imaging-study|1.0"],
        "security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R",
                      "display": "Restricted"}],
        "tag": EXAMPLE_XR["meta"]["tag"],
    }
    study["identifier"].append({"type": {"coding": [{"system": V2_0203, "code": "ACSN", "display": "Accession ID"}],
                                         "text": "Accession"}, "value": "W12342398"})
    study["subject"] = {"reference": f"{BASE}/Patient/abs", "identifier": {"system": "urn:mrn", "value": "09236"}}
    study["referrer"] = {"reference": "Practitioner/example/_history/2",
                         "identifier": {"system": "urn:npi", "value": "456"}}
    study["endpoint"] = [{"reference": "https://pacs.example.org/fhir/Endpoint/wado"},
                         {"identifier": {"system": "urn:ae-title", "value": "PACS1"}}]
    study["encounter"]["identifier"] = {"system": "urn:visit", "value": "V-77"}
    study["reason"][0]["concept"]["text"] = "Wrist fracture"
    series = study["series"][0]
    series["modality"]["coding"][0]["display"] = "Digital Radiography"
    series["instance"][0]["sopClass"]["display"] = "CT Image Storage"
    series["bodySite"] = {"reference": {"reference": "BodyStructure/bs1",
                                        "identifier": {"system": "urn:bs", "value": "left-wrist"}}}
    series["performer"] += [{"actor": {"reference": "Device/modality-1"}},
                            {"actor": {"type": "Practitioner", "identifier": {"system": "urn:npi", "value": "123"}}}]
    return study


def _group_study() -> dict:
    study = copy.deepcopy(EXAMPLE)
    study["subject"] = {"reference": "Group/g1"}
    return study


def _local_subject() -> dict:
    study = copy.deepcopy(EXAMPLE)
    study["contained"] = [{"resourceType": "Patient", "id": "p1"}]
    study["subject"] = {"reference": "#p1"}
    return study


RESOURCES = {
    "example": EXAMPLE,
    "example-xr": EXAMPLE_XR,
    "variant": _variant(),
    "group": _group_study(),
    "local": _local_subject(),
    "bare": {"resourceType": "ImagingStudy", "id": "bare", "status": "registered",
             "subject": {"reference": "Patient/x"}},
}


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    # `ap` widens by a tenth of the distance from now: fix now so the table does not age.
    monkeypatch.setattr(fhirtime, "now", lambda: NOW)


def query_matches(query: str, resource: dict) -> bool:
    pairs = [tuple(p.split("=", 1)) for p in query.split("&")]
    criteria = parse_query(pairs, strict=True, base_url=BASE).criteria
    return matches_all(resource, criteria)


EX_STUDY_UID = "urn:oid:2.16.124.113543.6003.1154777499.30246.19789.3503430045"
XR_STUDY_UID = "urn:oid:2.16.124.113543.6003.1154777499.30246.19789.3503430046"
EX_SERIES = "2.16.124.113543.6003.2588828330.45298.17418.2723805630"
EX_INSTANCE = "2.16.124.113543.6003.189642796.63084.16748.2599092903"
XR_INSTANCE = "2.16.124.113543.6003.1154777499.30246.19789.3503430045.1.2"
CT_SOP_CLASS = "urn:oid:1.2.840.10008.5.1.4.1.1.2"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
PROFILE = "http://example.org/fhir/StructureDefinition/imaging-study"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"

# (query, resource, matches)
CASES = [
    # based-on: Reference(ServiceRequest...) and an identifier-only Reference
    ("based-on=ServiceRequest/example", "example-xr", True),
    ("based-on=example", "example-xr", True),
    ("based-on=ServiceRequest/other", "example-xr", False),
    ("based-on=ServiceRequest/example", "example", False),
    ("based-on:ServiceRequest=example", "example-xr", True),
    ("based-on:Task=example", "example-xr", False),
    ("based-on:identifier=W12342398", "example-xr", True),
    ("based-on:identifier=|W12342398", "example-xr", True),
    ("based-on:identifier=http://other.example.org|W12342398", "example-xr", False),
    ("based-on:identifier=W0", "example-xr", False),
    ("based-on:missing=true", "example", True),
    ("based-on:missing=true", "example-xr", False),
    ("based-on:missing=false", "example-xr", True),
    ("based-on:missing=false", "example", False),
    # body-site: series.bodySite.concept
    ("body-site=http://snomed.info/sct|67734004", "example", True),
    ("body-site=67734004", "example-xr", False),
    ("body-site=http://snomed.info/sct|T-15460", "example-xr", True),
    ("body-site=http://snomed.info/sct|", "example-xr", True),
    ("body-site=http://loinc.org|", "example-xr", False),
    ("body-site:text=upper trunk", "example", True),
    ("body-site:text=trunk", "example", False),
    ("body-site:not=67734004", "example", False),
    ("body-site:not=67734004", "example-xr", True),
    ("body-site:missing=true", "bare", True),
    ("body-site:missing=true", "example", False),
    # body-structure: series.bodySite.reference
    ("body-structure=BodyStructure/bs1", "variant", True),
    ("body-structure=bs1", "variant", True),
    ("body-structure:BodyStructure=bs1", "variant", True),
    ("body-structure:BodyStructure=bs2", "variant", False),
    ("body-structure=bs2", "variant", False),
    ("body-structure:identifier=bs1", "variant", False),
    ("body-structure:identifier=urn:bs|left-wrist", "variant", True),
    ("body-structure:missing=true", "example", True),
    ("body-structure:missing=false", "variant", True),
    ("body-structure:missing=false", "example", False),
    # dicom-class: series.instance.sopClass (Coding)
    (f"dicom-class=urn:ietf:rfc:3986|{CT_SOP_CLASS}", "example", True),
    ("dicom-class=urn:oid:1.2.840.10008.5.1.4.1.1.4", "example", False),
    ("dicom-class=urn:ietf:rfc:3986|", "example-xr", True),
    ("dicom-class=http://other.example.org|", "example-xr", False),
    (f"dicom-class:not={CT_SOP_CLASS}", "example", False),
    (f"dicom-class:not={CT_SOP_CLASS}", "bare", True),
    ("dicom-class:missing=true", "bare", True),
    ("dicom-class:missing=false", "bare", False),
    ("dicom-class:text=ct", "example", False),  # no display to search
    ("dicom-class:text=ct image", "variant", True),
    # encounter
    ("encounter=Encounter/example", "example-xr", True),
    ("encounter=example", "example-xr", True),
    ("encounter:Encounter=example", "example-xr", True),
    ("encounter:Encounter=other", "example-xr", False),
    ("encounter:identifier=urn:visit|V-77", "variant", True),
    ("encounter:identifier=urn:visit|V-78", "variant", False),
    ("encounter=example", "example", False),
    ("encounter:missing=true", "example", True),
    ("encounter:missing=true", "example-xr", False),
    # endpoint: ImagingStudy.endpoint | ImagingStudy.series.endpoint
    ("endpoint=Endpoint/example-wadors", "example-xr", True),
    ("endpoint=example-wadors", "example", False),
    ("endpoint=example-wadors", "variant", True),  # found on the series only
    ("endpoint=https://pacs.example.org/fhir/Endpoint/wado", "variant", True),
    ("endpoint=https://pacs.example.org/fhir/Endpoint/other", "variant", False),
    ("endpoint=wado", "variant", False),  # an id names a resource on this server, not another server's
    ("endpoint:Endpoint=example-wadors", "example-xr", True),
    ("endpoint:Endpoint=wado", "example-xr", False),
    ("endpoint:identifier=urn:ae-title|PACS1", "variant", True),
    ("endpoint:identifier=PACS1", "example-xr", False),
    ("endpoint:missing=false", "example-xr", True),
    ("endpoint:missing=false", "example", False),
    # identifier
    (f"identifier=urn:dicom:uid|{EX_STUDY_UID}", "example", True),
    (f"identifier=urn:dicom:uid|{EX_STUDY_UID}", "example-xr", False),
    (f"identifier={XR_STUDY_UID}", "example-xr", True),
    ("identifier=55551234", "example-xr", True),
    ("identifier=|55551234", "example-xr", True),
    (f"identifier=|{XR_STUDY_UID}", "example-xr", False),
    ("identifier=urn:dicom:uid|", "example", True),
    ("identifier=urn:other|", "example", False),
    ("identifier:not=55551234", "example", True),
    ("identifier:not=55551234", "example-xr", False),
    (f"identifier:of-type={V2_0203}|ACSN|W12342398", "variant", True),
    (f"identifier:of-type={V2_0203}|MR|W12342398", "variant", False),
    (f"identifier:of-type={V2_0203}|ACSN|55551234", "variant", False),
    ("identifier:text=access", "variant", True),
    ("identifier:text=number", "variant", False),
    ("identifier:missing=true", "bare", True),
    ("identifier:missing=true", "example", False),
    # instance: the SOP Instance UID, plain
    (f"instance={EX_INSTANCE}", "example", True),
    (f"instance={EX_INSTANCE}", "example-xr", False),
    (f"instance={XR_INSTANCE}", "example-xr", True),
    (f"instance=|{EX_INSTANCE}", "example", True),
    (f"instance=urn:dicom:uid|{EX_INSTANCE}", "example", False),  # a UID has no system
    (f"instance:not={XR_INSTANCE}", "example", True),
    (f"instance:not={XR_INSTANCE}", "example-xr", False),
    ("instance:missing=true", "bare", True),
    ("instance:missing=true", "example", False),
    # modality: series.modality
    ("modality=CT", "example", True),
    ("modality=CT", "example-xr", False),
    (f"modality={DCM}|DX", "example-xr", True),
    ("modality=http://other.example.org|DX", "example-xr", False),
    ("modality=|DX", "example-xr", False),  # the coding has a system
    ("modality=MR,DX", "example-xr", True),
    ("modality:not=CT", "example-xr", True),
    ("modality:not=CT,DX", "example-xr", False),
    ("modality:missing=true", "bare", True),
    ("modality:missing=false", "bare", False),
    ("modality:text=ct", "example", False),  # no text or display to search
    ("modality:text=digital", "variant", True),
    # patient: the subject when it is a Patient
    ("patient=dicom", "example", True),
    ("patient=Patient/dicom", "example-xr", True),
    (f"patient={BASE}/Patient/dicom", "example", True),
    ("patient:Patient=dicom", "example", True),
    ("patient:Patient=other", "example", False),
    ("patient=other", "example", False),
    ("patient=abs", "variant", True),  # an absolute reference to this server
    ("patient=g1", "group", False),
    ("patient=p1", "local", False),  # a contained Patient is not a resource on this server
    ("patient:missing=true", "group", True),
    ("patient:missing=false", "example", True),
    ("patient:missing=true", "local", False),
    ("patient:identifier=09236", "example", False),
    ("patient:identifier=urn:mrn|09236", "variant", True),
    # performer: series.performer.actor
    ("performer=Practitioner/example", "example-xr", True),
    ("performer=example", "example", False),
    ("performer=Device/modality-1", "variant", True),
    ("performer:Device=modality-1", "variant", True),
    ("performer:Device=example", "example-xr", False),
    ("performer:identifier=example", "example-xr", False),
    ("performer:identifier=urn:npi|123", "variant", True),
    ("performer:Practitioner=123", "variant", False),  # known by identifier only
    ("performer:missing=true", "example", True),
    ("performer:missing=true", "example-xr", False),
    # reason: reason.concept
    ("reason=http://snomed.info/sct|357009", "example-xr", True),
    ("reason=357009", "example", False),
    ("reason:text=closed fracture", "example-xr", True),
    ("reason:text=CLÔSED", "example-xr", True),
    ("reason:text=fracture", "example-xr", False),  # starts-with, not contains
    ("reason:text=wrist", "variant", True),  # CodeableConcept.text
    ("reason:not=357009", "example", True),  # no reason at all
    ("reason:not=357009", "example-xr", False),
    ("reason:missing=true", "example", True),
    ("reason:missing=false", "example", False),
    # referrer, with versioned references
    ("referrer=Practitioner/example", "example-xr", True),
    ("referrer=PractitionerRole/example", "example-xr", False),
    ("referrer:Practitioner=example", "example-xr", True),
    ("referrer:PractitionerRole=example", "example-xr", False),
    ("referrer=Practitioner/example", "variant", True),  # an unversioned search matches every version
    ("referrer=Practitioner/example/_history/2", "variant", True),
    ("referrer=Practitioner/example/_history/1", "variant", False),
    ("referrer=Practitioner/example/_history/2", "example-xr", False),  # a versioned search needs that version
    ("referrer:identifier=example", "example-xr", False),
    ("referrer:identifier=456", "variant", True),
    ("referrer:missing=true", "example", True),
    ("referrer:missing=false", "example", False),
    # series: the Series Instance UID, plain
    (f"series={EX_SERIES}", "example", True),
    (f"series={EX_SERIES}", "example-xr", False),
    (f"series:not={EX_SERIES}", "example-xr", True),
    (f"series:not={EX_SERIES}", "example", False),
    ("series:missing=true", "bare", True),
    ("series:missing=true", "example", False),
    # started (every prefix and precision: DATE_TABLE below)
    ("started=2011-01-01", "example", True),
    ("started=2011-01-01", "example-xr", False),
    ("started:missing=true", "bare", True),
    ("started:missing=true", "example", False),
    # status: a code whose implicit system is the imagingstudy-status code system
    ("status=available", "example", True),
    ("status=cancelled", "example", False),
    ("status=http://hl7.org/fhir/imagingstudy-status|available", "example", True),
    ("status=http://other.example.org|available", "example", False),
    ("status=|available", "example", True),
    ("status=http://hl7.org/fhir/imagingstudy-status|", "example", True),
    ("status=registered,available", "example-xr", True),
    ("status:not=available", "example", False),
    ("status:not=available", "bare", True),
    ("status:missing=true", "example", False),
    ("status:missing=false", "example", True),
    # subject
    ("subject=Patient/dicom", "example", True),
    ("subject=Group/dicom", "example", False),
    ("subject=g1", "group", True),
    ("subject:Group=g1", "group", True),
    ("subject:Patient=g1", "group", False),
    ("subject=https://other.example.org/fhir/Patient/dicom", "example", False),
    ("subject:identifier=09236", "example", False),
    ("subject:identifier=urn:mrn|09236", "variant", True),
    ("subject:identifier=urn:other|09236", "variant", False),
    ("subject:missing=true", "example", False),
    ("subject:missing=false", "example", True),
    # _id
    ("_id=example", "example", True),
    ("_id=example", "example-xr", False),
    ("_id=other,example-xr", "example-xr", True),
    ("_id:not=example", "example-xr", True),
    ("_id:not=example", "example", False),
    ("_id:missing=false", "example", True),
    ("_id:missing=true", "example", False),
    # _lastUpdated: meta.lastUpdated, an instant at millisecond precision
    ("_lastUpdated=2023-03-26", "variant", True),
    ("_lastUpdated=2023-03-27", "variant", False),
    ("_lastUpdated=ge2023-03-26T15:21:02.749Z", "variant", True),
    ("_lastUpdated=gt2023-03-26T15:21:02.749Z", "variant", False),
    ("_lastUpdated=lt2023-03-27T02:21:03+11:00", "variant", True),
    ("_lastUpdated=lt2023-03-27T02:21:02+11:00", "variant", False),
    ("_lastUpdated:missing=true", "example", True),
    ("_lastUpdated:missing=true", "variant", False),
    # _tag
    (f"_tag={ACT_REASON}|HTEST", "example", True),
    ("_tag=HTEST", "bare", False),
    ("_tag:text=test health", "example", True),
    ("_tag:text=health", "example", False),
    ("_tag:not=HTEST", "example", False),
    ("_tag:not=HTEST", "bare", True),
    ("_tag:missing=true", "bare", True),
    ("_tag:missing=true", "example", False),
    # _profile: canonical URLs, matched as URIs
    (f"_profile={PROFILE}", "variant", True),
    (f"_profile={PROFILE}|1.0", "variant", True),
    (f"_profile={PROFILE}|2.0", "variant", False),
    ("_profile=http://example.org/fhir/StructureDefinition/imaging", "variant", False),
    ("_profile:below=http://example.org/fhir/StructureDefinition", "variant", True),
    ("_profile:below=http://example.org/fhir/Structure", "variant", False),
    (f"_profile:above={PROFILE}/narrower", "variant", True),
    ("_profile:above=http://example.org/fhir/StructureDefinition", "variant", False),
    ("_profile:missing=true", "example", True),
    ("_profile:missing=true", "variant", False),
    # _security
    ("_security=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R", "variant", True),
    ("_security=R", "example", False),
    ("_security:text=restr", "variant", True),
    ("_security:text=normal", "variant", False),
    ("_security:not=R", "variant", False),
    ("_security:not=R", "example", True),
    ("_security:missing=true", "example", True),
    ("_security:missing=false", "example", False),
    # _source: a uri
    ("_source=https://src.example.org/pacs", "variant", True),
    ("_source=https://src.example.org", "variant", False),
    ("_source:below=https://src.example.org", "variant", True),
    ("_source:below=https://src.example.org/", "variant", True),
    ("_source:below=https://src.example.org/pa", "variant", False),  # whole path segments only
    ("_source:above=https://src.example.org/pacs/a/b", "variant", True),
    ("_source:above=https://src.example.org/pacsx", "variant", False),
    ("_source:missing=true", "example", True),
    ("_source:missing=false", "example", False),
]


@pytest.mark.parametrize("query, resource, expected", CASES, ids=[f"{q} on {r}" for q, r, _ in CASES])
def test_parameter_matches_the_resource(query, resource, expected):
    assert query_matches(query, RESOURCES[resource]) is expected


def _modifier_kind(query: str) -> str:
    name = query.split("=", 1)[0]
    modifier = name.partition(":")[2]
    return "type" if modifier[:1].isupper() else modifier


@pytest.mark.parametrize("code", sorted(PARAMETERS))
def test_the_table_has_a_match_and_a_non_match_for_every_parameter_and_modifier(code):
    outcomes: dict[str, set[bool]] = {}
    for query, _, expected in CASES:
        if query.split("=", 1)[0].partition(":")[0] == code:
            outcomes.setdefault(_modifier_kind(query), set()).add(expected)
    for modifier in ("", *PARAMETERS[code].modifiers):
        assert outcomes.get(modifier) == {True, False}, f"{code}:{modifier}" if modifier else code


# Dates -------------------------------------------------------------------------------------------------

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
SECOND_TZ = "2011-01-01T11:01:20+03:00"  # 08:01:20Z, the official example's
SECOND_NO_TZ = "2011-01-01T08:01:20"  # taken as UTC
DAY, MONTH, YEAR = "2011-01-01", "2011-01", "2011"
ALL = "1 0 0 0 1 1 0 0 1"  # the search range holds the resource's range

# (resource `started`, search value, outcome per prefix in PREFIXES order: 1 = matches)
DATE_TABLE = [
    # a started at second precision against search values of every precision
    (SECOND_TZ, "2011", ALL),
    (SECOND_TZ, "2010", "0 1 1 0 1 0 1 0 1"),
    (SECOND_TZ, "2012", "0 1 0 1 0 1 0 1 1"),
    (SECOND_TZ, "2000", "0 1 1 0 1 0 1 0 0"),  # too far for ap
    (SECOND_TZ, "2011-01", ALL),
    (SECOND_TZ, "2010-12", "0 1 1 0 1 0 1 0 1"),
    (SECOND_TZ, "2011-01-01", ALL),
    (SECOND_TZ, "2011-01-02", "0 1 0 1 0 1 0 1 1"),
    (SECOND_TZ, "2011-01-01T08:01Z", ALL),
    (SECOND_TZ, "2011-01-01T11:01+03:00", ALL),
    (SECOND_TZ, "2011-01-01T08:01", ALL),  # no timezone: UTC
    (SECOND_TZ, "2011-01-01T11:01", "0 1 0 1 0 1 0 1 1"),  # 11:01 UTC is after 08:01Z
    (SECOND_TZ, "2011-01-01T08:00Z", "0 1 1 0 1 0 1 0 1"),
    (SECOND_TZ, "2011-01-01T08:01:20Z", ALL),
    (SECOND_TZ, "2011-01-01T11:01:20+03:00", ALL),
    (SECOND_TZ, "2011-01-01T08:01:20", ALL),
    (SECOND_TZ, "2011-01-01T08:01:19Z", "0 1 1 0 1 0 1 0 1"),
    (SECOND_TZ, "2011-01-01T11:01:20-05:00", "0 1 0 1 0 1 0 1 1"),
    (SECOND_TZ, "2011-01-01T11:01:20", "0 1 0 1 0 1 0 1 1"),
    # a started without timezone is UTC
    (SECOND_NO_TZ, "2011-01-01T08:01:20Z", ALL),
    (SECOND_NO_TZ, "2011-01-01T11:01:20+03:00", ALL),
    (SECOND_NO_TZ, "2011-01-01T08:01", ALL),
    (SECOND_NO_TZ, "2011-01-01T08:01:21", "0 1 0 1 0 1 0 1 1"),
    # a started at day precision is the whole (UTC) day
    (DAY, "2011", ALL),
    (DAY, "2011-01", ALL),
    (DAY, "2011-01-01", ALL),
    (DAY, "2011-01-02", "0 1 0 1 0 1 0 1 1"),
    (DAY, "2010-12-31", "0 1 1 0 1 0 1 0 1"),
    (DAY, "2011-01-01T08:01:20Z", "0 1 1 1 1 1 0 0 1"),  # the day is wider than the second
    (DAY, "2011-01-01T08:01", "0 1 1 1 1 1 0 0 1"),
    (DAY, "2011-01-01T12:00+14:00", "0 1 1 0 1 0 1 0 1"),  # 2010-12-31T22:00Z, before the day
    (DAY, "2011-01-01T23:59:59-01:00", "0 1 0 1 0 1 0 1 1"),  # 2011-01-02T00:59:59Z, after it
    # month precision
    (MONTH, "2011", ALL),
    (MONTH, "2011-01", ALL),
    (MONTH, "2011-01-15", "0 1 1 1 1 1 0 0 1"),
    (MONTH, "2011-02", "0 1 0 1 0 1 0 1 1"),
    (MONTH, "2010-12-31T23:59:59Z", "0 1 1 0 1 0 1 0 1"),
    (MONTH, "2011-01-31T23:59Z", "0 1 0 1 0 1 0 0 1"),  # the month's last minute: it ends after
    # year precision
    (YEAR, "2011", ALL),
    (YEAR, "2011-06", "0 1 1 1 1 1 0 0 1"),
    (YEAR, "2010", "0 1 1 0 1 0 1 0 1"),
    (YEAR, "2012-01-01T00:00:00Z", "0 1 0 1 0 1 0 1 1"),
    (YEAR, "2011-12-31T23:59:59+01:00", "0 1 1 1 1 1 0 0 1"),  # 22:59:59Z, inside the year
]

DATE_CASES = [
    (started, prefix + value, outcome == "1")
    for started, value, outcomes in DATE_TABLE
    for prefix, outcome in zip(PREFIXES, outcomes.split(), strict=True)
]


@pytest.mark.parametrize("started, search, expected", DATE_CASES,
                         ids=[f"started={s} search={v}" for s, v, _ in DATE_CASES])
def test_date_prefix_compares_precision_ranges(started, search, expected):
    study = {**EXAMPLE, "started": started}
    # values reach the parser decoded, as a client's %2B arrives as "+"
    assert query_matches(f"started={search}", study) is expected


@pytest.mark.parametrize("started, value, outcomes", DATE_TABLE)
def test_no_prefix_means_eq(started, value, outcomes):
    assert query_matches(f"started={value}", {**EXAMPLE, "started": started}) is (outcomes.split()[0] == "1")


def _precision(value: str) -> str:
    date, _, time = value.partition("T")
    if not time:
        return {4: "year", 7: "month", 10: "day"}[len(date)]
    clock = time.rstrip("Z").split("+")[0].split("-")[0]
    return ("minute" if len(clock) == 5 else "second") + (" without timezone" if clock == time else "")


def test_the_date_table_covers_every_precision_with_and_without_timezone():
    assert {_precision(value) for _, value, _ in DATE_TABLE} == {
        "year", "month", "day", "minute", "minute without timezone", "second", "second without timezone"}
    assert {_precision(started) for started, _, _ in DATE_TABLE} == {
        "year", "month", "day", "second", "second without timezone"}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_no_date_prefix_matches_a_study_without_started(prefix):
    assert query_matches(f"started={prefix}2011", RESOURCES["bare"]) is False


def test_ap_allows_a_tenth_of_the_distance_from_now():
    # now is 2026-01-01: 2025-01-01 is a year away, so ap reaches about 36 days either side
    study = {**EXAMPLE}
    assert query_matches("started=ap2025-01-01", {**study, "started": "2024-12-01"}) is True
    assert query_matches("started=ap2025-01-01", {**study, "started": "2024-11-01"}) is False
    assert query_matches("started=ap2025-01-01", {**study, "started": "2025-02-01"}) is True
    assert query_matches("started=ap2025-01-01", {**study, "started": "2025-03-01"}) is False


# AND / OR ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("modality=CT&status=available", True),
    ("modality=CT&status=cancelled", False),
    ("modality=CT&modality=DX", False),
    ("modality=CT,DX&modality=CT", True),
    ("started=ge2011&started=lt2011-02", True),
    ("started=ge2011&started=lt2011-01-01", False),
    ("patient=dicom&_tag=HTEST&series:missing=false", True),
])
def test_occurrences_are_anded_and_commas_ored(query, expected):
    assert query_matches(query, EXAMPLE) is expected


def test_a_criterion_gives_the_same_answer_every_time_and_stays_equal_to_a_fresh_parse():
    (criterion,) = parse_query([("modality", "CT")], strict=True, base_url=BASE).criteria
    assert [matches(r, criterion) for r in (EXAMPLE, EXAMPLE_XR, EXAMPLE)] == [True, False, True]
    assert criterion == parse_query([("modality", "CT")], strict=True, base_url=BASE).criteria[0]


def test_matching_ignores_malformed_elements_rather_than_failing():
    broken = {"resourceType": "ImagingStudy", "id": "x", "status": 3, "started": "last week",
              "subject": "Patient/1", "series": [None, {"modality": "CT", "instance": "x"}],
              "meta": {"tag": [None, "HTEST"], "lastUpdated": 5}}
    for query in ("status=available", "started=2011", "patient=1", "modality=CT", "instance=x", "_tag=HTEST",
                  "_lastUpdated=ge2000", "reason:text=x", "identifier:of-type=a|b|c"):
        assert query_matches(query, broken) is False


# _sort keys --------------------------------------------------------------------------------------------

def test_sort_keys_are_utc_datetimes_for_dates_and_strings_otherwise():
    study = RESOURCES["variant"]
    assert sort_key(study, "started") == datetime(2017, 1, 1, 8, 1, 20, tzinfo=timezone.utc)
    assert sort_key(study, "_lastUpdated") == datetime(2023, 3, 26, 15, 21, 2, 749000, tzinfo=timezone.utc)
    assert sort_key(study, "_id") == "variant"
    assert sort_key(study, "status") == "available"


@pytest.mark.parametrize("code", ["started", "_lastUpdated", "_id", "status"])
def test_a_missing_sort_value_is_none(code):
    assert sort_key({"resourceType": "ImagingStudy"}, code) is None


def test_started_sorts_by_the_start_of_its_range_across_precisions():
    values = ["2011-01-01T11:01:20+03:00", "2011", "2010-12-31T23:00:00-02:00", "2011-01-01T05:00:00Z"]
    ordered = sorted(values, key=lambda v: sort_key({"started": v}, "started"))
    assert ordered == ["2011", "2010-12-31T23:00:00-02:00", "2011-01-01T05:00:00Z", "2011-01-01T11:01:20+03:00"]
