"""Search over HTTP through the local stack, against 35 varied studies (the two official R5 examples and 33
synthesised ones): every parameter, modifier and prefix with a case that must match and one that must not,
date precision and timezones, GET = POST _search = Patient compartment, result parameters, strict and
lenient handling, cursor tampering, and paging 250 matches while other writes happen between pages.

Other tests of this worker share the stack's table (and some create the same official examples), so a case
compares only this module's studies: the returned ids that belong to the fixture must be exactly the fixture
names the case expects. The expectations are written out by hand, never computed by the server's matcher.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from fhirimaging.search.parameters import PARAMETERS
from fhirimaging.settings import Settings
from tests.integration.conftest import FhirHttp
from tests.oracle import assert_valid_r5
from tests.uids import own_uid

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FHIR_JSON = {"Content-Type": "application/fhir+json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
STRICT = {"Prefer": "handling=strict"}
DCM = "http://dicom.nema.org/resources/ontology/DCM"
SCT = "http://snomed.info/sct"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
TAGS = "urn:srch:tags"
PROFILE = "http://example.org/fhir/StructureDefinition/srch-study"
RFC3986 = "urn:ietf:rfc:3986"
SOP = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4", "US": "1.2.840.10008.5.1.4.1.1.6.1",
       "XA": "1.2.840.10008.5.1.4.1.1.12.1"}
SUBSETTED = "SUBSETTED"


# The fixture ---------------------------------------------------------------------------------------------

def _series(n: int, k: int, modality: str | dict = "CT", instances: int = 1, **more) -> dict:
    coding = modality if isinstance(modality, dict) else {"system": DCM, "code": modality}
    sop = SOP[coding["code"]]
    series = {"uid": f"2.25.4242.{n}.{k}", "modality": {"coding": [coding]}, **more}
    if instances:
        series["instance"] = [{"uid": f"2.25.4242.{n}.{k}.{i}",
                               "sopClass": {"system": RFC3986, "code": f"urn:oid:{sop}"}}
                              for i in range(1, instances + 1)]
    return series


def _study(n: int, started: str | None, subject: str | dict | None = None, series: list | None = None,
           identifiers: tuple[dict, ...] = (), status: str = "available", **fields) -> dict:
    """A valid study; every value it holds is derived from `n`, so no two studies share a UID."""
    study = {
        "resourceType": "ImagingStudy",
        "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:2.25.4242.{n}"}, *identifiers],
        "status": status,
        "subject": subject if isinstance(subject, dict) else {"reference": subject or f"Patient/srch-pat-z{n}"},
        "series": series or [_series(n, 1)],
        **fields,
    }
    if started is not None:
        study["started"] = started
    return study


def _odd(value: str) -> tuple[dict]:
    return ({"system": "urn:srch:odd", "value": value},)


def synthesised(base: str) -> dict[str, dict]:
    """33 studies, named by what sets them apart; `base` is this server's FHIR base URL."""
    full_series = _series(1, 1, bodySite={"concept": {"coding": [{"system": SCT, "code": "51185008",
                                                                  "display": "Thoracic structure"}]}},
                          performer=[{"actor": {"reference": "Practitioner/srch-dr-1"}}])
    full_series["instance"][0]["sopClass"]["display"] = "CT Image Storage"
    return {
        "full-a": _study(
            1, "2015-06-15T10:30:45Z", "Patient/srch-pat-a", [full_series],
            identifiers=({"type": {"coding": [{"system": V2_0203, "code": "ACSN", "display": "Accession ID"}],
                                   "text": "Accession number"}, "system": "urn:srch:acc", "value": "ACC-1"},),
            encounter={"reference": "Encounter/srch-enc-1"},
            basedOn=[{"reference": "ServiceRequest/srch-sr-1"}],
            referrer={"reference": "Practitioner/srch-dr-1"},
            endpoint=[{"reference": "Endpoint/srch-ep-1"}],
            reason=[{"concept": {"coding": [{"system": SCT, "code": "233604007", "display": "Pneumonia"}],
                                 "text": "Suspected pneumonia"}}],
            meta={"tag": [{"system": TAGS, "code": "red"}],
                  "security": [{"system": CONFIDENTIALITY, "code": "N", "display": "normal"}],
                  "profile": [PROFILE + "|2.0"], "source": "https://pacs.example.org/srch/node-1"},
        ),
        # `started` at every precision and in several timezones, for patients a and b
        "ct-year": _study(2, "2015", "Patient/srch-pat-a"),
        "ct-month": _study(3, "2015-06", "Patient/srch-pat-a", status="cancelled"),
        "ct-day": _study(4, "2015-06-15", "Patient/srch-pat-a"),
        "ct-millis": _study(5, "2015-06-15T10:30:45.250Z", "Patient/srch-pat-b"),
        "ct-plus2": _study(6, "2015-06-16T01:30:00+02:00", "Patient/srch-pat-b"),  # 2015-06-15T23:30Z
        "ct-minus5": _study(7, "2015-06-15T20:00:00-05:00", "Patient/srch-pat-b"),  # 2015-06-16T01:00Z
        "ct-newyear": _study(8, "2015-12-31T23:30:00-01:00", "Patient/srch-pat-b"),  # 2016-01-01T00:30Z
        # subjects other than a Patient
        "mr-group": _study(
            9, "2016-03-01T08:00:00Z", "Group/srch-grp-1",
            [_series(9, 1, "MR", bodySite={"concept": {"coding": [{"system": SCT, "code": "69536005",
                                                                    "display": "Head structure"}]}})],
            reason=[{"concept": {"text": "Headache after a fall"}}],
        ),
        "mr-device": _study(10, "2016-03-01T09:15:00+01:00", "Device/srch-dev-1", [_series(10, 1, "MR")],
                            status="unknown"),
        "xa-nosystem": _study(11, "2016-11", "Patient/srch-pat-c", [_series(11, 1, {"code": "XA"})]),
        "us": _study(12, "2017-02-28T23:59:59-08:00", "Patient/srch-pat-c",  # 2017-03-01T07:59:59Z
                     [_series(12, 1, {"system": DCM, "code": "US", "display": "Ultrasound"})],
                     status="entered-in-error"),
        "no-started": _study(13, None, "Patient/srch-pat-c", [_series(13, 1, instances=0)], status="registered"),
        "multi-series": _study(14, "2018-01-01T00:00:00Z", "Patient/srch-pat-d", [
            _series(14, 1, "CT", instances=2, bodySite={"reference": {"reference": "BodyStructure/srch-bs-1"}}),
            _series(14, 2, "MR", endpoint=[{"reference": "Endpoint/srch-ep-2"}],
                    performer=[{"actor": {"reference": "Device/srch-dev-9"}},
                               {"actor": {"reference": "Organization/srch-org-1"}}]),
        ]),
        # references in every form: absolute on this server, on another server, versioned, identifier only
        "abs-subject": _study(15, "2018-05-05", {"reference": f"{base}/Patient/srch-pat-abs"},
                              referrer={"reference": f"{base}/Practitioner/srch-dr-3"}),
        "ext-subject": _study(16, "2018-05-06", "https://other.example.org/fhir/Patient/srch-pat-ext"),
        "versioned-subject": _study(17, "2018-05-07", "Patient/srch-pat-v/_history/2",
                                    referrer={"reference": "Practitioner/srch-dr-2/_history/3"}),
        "ident-subject": _study(18, "2018-05-08",
                                {"type": "Patient", "identifier": {"system": "urn:srch:mrn", "value": "MRN-7"}},
                                encounter={"identifier": {"system": "urn:srch:visit", "value": "V-1"}}),
        "based-on-task": _study(19, "2019-01-01", "Patient/srch-pat-e", basedOn=[{"reference": "Task/srch-task-1"}],
                                referrer={"reference": "PractitionerRole/srch-role-1"}),
        "based-on-ident": _study(
            20, "2019-01-02", "Patient/srch-pat-e",
            basedOn=[{"type": "ServiceRequest", "identifier": {"system": "urn:srch:order", "value": "ORD-1"}}],
            referrer={"type": "Practitioner", "identifier": {"system": "urn:srch:npi", "value": "NPI-5"}},
        ),
        # identifier values that need escaping in a search
        "ident-comma": _study(21, "2019-02-01", identifiers=_odd("A,1")),
        "ident-pipe": _study(22, "2019-02-02", identifiers=_odd("B|2")),
        "ident-dollar": _study(23, "2019-02-03", identifiers=_odd("C$3")),
        "ident-backslash": _study(24, "2019-02-04", identifiers=_odd("D\\4")),
        "ident-nosystem": _study(25, "2019-02-05", identifiers=(
            {"value": "srch-NOSYS-1"},
            {"type": {"coding": [{"system": V2_0203, "code": "MR"}]}, "system": "urn:srch:mrn", "value": "MRN-8"},
        )),
        # meta
        "tag-blue": _study(26, "2019-03-01", meta={
            "tag": [{"system": TAGS, "code": "blue", "display": "Blue"}],
            "security": [{"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}],
            "profile": [PROFILE + "-ct"], "source": "urn:srch:source:2"}),
        "profile-v1": _study(27, "2019-03-02", meta={
            "tag": [{"system": TAGS, "code": "red"}], "profile": [PROFILE + "|1.0"],
            "source": "https://pacs.example.org/srch/node-1/sub"}),
        "reason-ref": _study(28, "2019-03-03", reason=[{"reference": {"reference": "Condition/srch-cond-1"}}]),
        "body-structure-ident": _study(29, "2019-03-04", series=[_series(29, 1, bodySite={
            "reference": {"identifier": {"system": "urn:srch:bs", "value": "left-knee"}}})]),
        "endpoint-ident": _study(30, "2019-03-05", endpoint=[{"identifier": {"system": "urn:srch:ae",
                                                                             "value": "PACS1"}}]),
        "performer-role": _study(31, "2019-04-01", series=[_series(31, 1, performer=[
            {"actor": {"reference": "PractitionerRole/srch-role-1"}},
            {"actor": {"type": "Practitioner", "identifier": {"system": "urn:srch:npi", "value": "NPI-1"}}}])]),
        "leap-day": _study(32, "2020-02-29T12:00:00+14:00", "Patient/srch-pat-f"),  # 2020-02-28T22:00Z
        "half-hour-tz": _study(33, "2021-07-01T00:00:30+05:30", "Patient/srch-pat-f"),  # 2021-06-30T18:30:30Z
    }


OFFICIAL = {"example": "imagingstudy-example.json", "example-xr": "imagingstudy-example-xr.json"}
NAMES = frozenset(synthesised("http://placeholder")) | frozenset(OFFICIAL)
# Patients a and b: the `started` precisions, in ascending order of the start of their UTC range.
CLUSTER_ORDER = ["ct-year", "ct-month", "ct-day", "full-a", "ct-millis", "ct-plus2", "ct-minus5", "ct-newyear"]
CLUSTER = frozenset(CLUSTER_ORDER)
CLUSTER_QUERY = "patient=srch-pat-a,srch-pat-b"


def but(*names: str) -> frozenset[str]:
    unknown = set(names) - NAMES
    assert not unknown, unknown
    return NAMES - set(names)


def of(*names: str) -> frozenset[str]:
    unknown = set(names) - NAMES
    assert not unknown, unknown
    return frozenset(names)


@dataclass(frozen=True)
class Studies:
    base: str
    ids: dict[str, str]  # name -> id
    stored: dict[str, dict]  # name -> the resource as the server returned it

    def names(self, entries: list[dict]) -> list[str]:
        """The fixture names of the entries that belong to this fixture, in the order given."""
        by_id = {rid: name for name, rid in self.ids.items()}
        return [by_id[e["resource"]["id"]] for e in entries if e["resource"]["id"] in by_id]

    def fill(self, template: str) -> str:
        return template.format(base=self.base, id=self.ids)


@pytest.fixture(scope="session")
def studies(stack) -> Studies:
    """Created once per worker (session scope, so even if xdist interleaves modules), in the order listed."""
    resources = {name: own_uid(json.loads((FIXTURES / file).read_text())) for name, file in OFFICIAL.items()}
    resources.update(synthesised(stack.base_url))
    stored = {}
    with FhirHttp(stack.base_url) as http:
        for name, resource in resources.items():
            response = checked(http.post("ImagingStudy", data=json.dumps(resource), headers=FHIR_JSON))
            assert response.status_code == 201, (name, response.text)
            stored[name] = response.json()
    return Studies(stack.base_url, {name: s["id"] for name, s in stored.items()}, stored)


# HTTP helpers --------------------------------------------------------------------------------------------

def checked(response: requests.Response) -> requests.Response:
    """Every body is an R5 resource served as application/fhir+json; never a 5xx."""
    assert response.status_code < 500, response.text
    if response.content:
        assert response.headers["Content-Type"].startswith("application/fhir+json"), response.text
        assert_valid_r5(response.content)
    return response


def searchset(response: requests.Response) -> dict:
    checked(response)
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    for entry in bundle.get("entry", []):
        if entry["search"]["mode"] == "match":
            assert entry["fullUrl"].endswith(f"/ImagingStudy/{entry['resource']['id']}")
        else:
            assert entry["search"]["mode"] == "outcome" and entry["resource"]["resourceType"] == "OperationOutcome"
    return bundle


def matches(bundle: dict) -> list[dict]:
    return [e for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def outcomes(bundle: dict) -> list[str]:
    """The diagnostics of the bundle's OperationOutcome entries."""
    return [issue["diagnostics"] for e in bundle.get("entry", []) if e["search"]["mode"] == "outcome"
            for issue in e["resource"]["issue"]]


def link(bundle: dict, relation: str) -> str | None:
    return next((item["url"] for item in bundle["link"] if item["relation"] == relation), None)


def pairs(query: str) -> list[tuple[str, str]]:
    """A readable query ('identifier=urn:x|A\\,1&status=available') as (name, value) pairs, to be encoded."""
    return [tuple(part.split("=", 1)) for part in query.split("&")] if query else []  # type: ignore[misc]


def self_pairs(bundle: dict) -> list[tuple[str, str]]:
    return sorted(parse_qsl(urlsplit(link(bundle, "self")).query, keep_blank_values=True))


def every_page(http: FhirHttp, url: str, headers: dict | None = None, limit: int = 200) -> list[dict]:
    """The bundles of a search, following each next link exactly as given."""
    bundles = []
    while url is not None:
        assert len(bundles) < limit, "the next links do not end"
        bundles.append(searchset(http.get(url, headers=headers)))
        url = link(bundles[-1], "next")
    return bundles


def search(http: FhirHttp, query: str, headers: dict | None = None) -> list[dict]:
    """Every match of a search over all its pages (the table is shared, so pages may be many)."""
    return [e for b in every_page(http, "ImagingStudy?" + urlencode(pairs(query)), headers) for e in matches(b)]


def rejected(response: requests.Response, *named: str) -> dict:
    checked(response)
    assert response.status_code == 400, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    text = " ".join(issue.get("diagnostics", "") for issue in outcome["issue"])
    for name in named:
        assert name in text, (name, text)
    return outcome


# Every parameter, modifier and prefix: (query, expected names); {base} is this server, {id[name]} a study's id.

PARAMETER_CASES = [
    # based-on: Reference(Appointment | ServiceRequest | CarePlan | Task | AppointmentResponse)
    ("based-on=ServiceRequest/srch-sr-1", of("full-a")),
    ("based-on=ServiceRequest/srch-sr-2", of()),
    ("based-on=srch-sr-1", of("full-a")),
    ("based-on={base}/ServiceRequest/srch-sr-1", of("full-a")),
    ("based-on=ServiceRequest/srch-sr-1/_history/1", of()),  # a versioned search wants a versioned reference
    ("based-on:ServiceRequest=srch-sr-1", of("full-a")),
    ("based-on:Task=srch-sr-1", of()),
    ("based-on:Task=srch-task-1", of("based-on-task")),
    ("based-on=ServiceRequest/srch-sr-1,Task/srch-task-1", of("full-a", "based-on-task")),
    ("based-on:identifier=urn:srch:order|ORD-1", of("based-on-ident")),
    ("based-on:identifier=urn:srch:order|ORD-2", of()),
    ("based-on:identifier=ORD-1", of("based-on-ident")),
    ("based-on:identifier=|W12342398", of("example-xr")),
    ("based-on:identifier=urn:srch:order|W12342398", of()),
    ("based-on:missing=false", of("full-a", "based-on-task", "based-on-ident", "example-xr")),
    ("based-on:missing=true", but("full-a", "based-on-task", "based-on-ident", "example-xr")),
    # body-site: series.bodySite.concept
    ("body-site=http://snomed.info/sct|51185008", of("full-a")),
    ("body-site=http://loinc.org|51185008", of()),
    ("body-site=51185008", of("full-a")),
    ("body-site=|51185008", of()),
    ("body-site=http://snomed.info/sct|", of("full-a", "mr-group", "example", "example-xr")),
    ("body-site=http://loinc.org|", of()),
    ("body-site:not=51185008", but("full-a")),
    ("body-site:not=http://snomed.info/sct|", but("full-a", "mr-group", "example", "example-xr")),
    ("body-site:text=thoracic", of("full-a")),
    ("body-site:text=HEAD", of("mr-group")),
    ("body-site:text=structure", of()),  # :text matches the start of the text
    ("body-site:missing=false", of("full-a", "mr-group", "example", "example-xr")),
    ("body-site:missing=true", but("full-a", "mr-group", "example", "example-xr")),
    # body-structure: series.bodySite.reference
    ("body-structure=BodyStructure/srch-bs-1", of("multi-series")),
    ("body-structure=srch-bs-1", of("multi-series")),
    ("body-structure=srch-bs-2", of()),
    ("body-structure:BodyStructure=srch-bs-1", of("multi-series")),
    ("body-structure:identifier=urn:srch:bs|left-knee", of("body-structure-ident")),
    ("body-structure:identifier=urn:srch:bs|right-knee", of()),
    ("body-structure:missing=false", of("multi-series", "body-structure-ident")),
    ("body-structure:missing=true", but("multi-series", "body-structure-ident")),
    # dicom-class: series.instance.sopClass (Coding)
    (f"dicom-class={RFC3986}|urn:oid:{SOP['MR']}", of("mr-group", "mr-device", "multi-series")),
    (f"dicom-class=urn:oid:{SOP['US']}", of("us")),
    ("dicom-class=urn:oid:1.2.840.10008.5.1.4.1.1.9", of()),
    (f"dicom-class=http://other.example.org|urn:oid:{SOP['US']}", of()),
    (f"dicom-class={RFC3986}|", but("no-started")),
    (f"dicom-class:not=urn:oid:{SOP['CT']}", of("mr-group", "mr-device", "xa-nosystem", "us", "no-started")),
    ("dicom-class:text=ct image", of("full-a")),
    ("dicom-class:text=mr image", of()),
    ("dicom-class:missing=true", of("no-started")),
    ("dicom-class:missing=false", but("no-started")),
    # encounter
    ("encounter=Encounter/srch-enc-1", of("full-a")),
    ("encounter=srch-enc-1", of("full-a")),
    ("encounter=srch-enc-2", of()),
    ("encounter:Encounter=srch-enc-1", of("full-a")),
    ("encounter:identifier=urn:srch:visit|V-1", of("ident-subject")),
    ("encounter:identifier=urn:srch:visit|V-2", of()),
    ("encounter:missing=false", of("full-a", "ident-subject", "example-xr")),
    ("encounter:missing=true", but("full-a", "ident-subject", "example-xr")),
    # endpoint: study level and series level
    ("endpoint=Endpoint/srch-ep-1", of("full-a")),
    ("endpoint=srch-ep-2", of("multi-series")),
    ("endpoint=srch-ep-1,srch-ep-2", of("full-a", "multi-series")),
    ("endpoint=Endpoint/srch-ep-9", of()),
    ("endpoint:Endpoint=example-wadors", of("example-xr")),
    ("endpoint:identifier=urn:srch:ae|PACS1", of("endpoint-ident")),
    ("endpoint:identifier=urn:srch:ae|PACS2", of()),
    ("endpoint:missing=false", of("full-a", "multi-series", "endpoint-ident", "example-xr")),
    ("endpoint:missing=true", but("full-a", "multi-series", "endpoint-ident", "example-xr")),
    # identifier
    ("identifier=urn:dicom:uid|urn:oid:2.25.4242.1", of("full-a")),
    ("identifier=urn:dicom:uid|urn:oid:2.25.4242.99", of()),
    ("identifier=urn:oid:2.25.4242.12", of("us")),
    ("identifier=|urn:oid:2.25.4242.12", of()),  # it has a system
    ("identifier=|srch-NOSYS-1", of("ident-nosystem")),
    ("identifier=srch-NOSYS-1", of("ident-nosystem")),
    ("identifier=urn:srch:acc|", of("full-a")),
    ("identifier=urn:srch:none|", of()),
    ("identifier=urn:srch:acc|ACC-1,urn:srch:mrn|MRN-8", of("full-a", "ident-nosystem")),
    ("identifier=urn:srch:acc|ACC-1&identifier=urn:srch:mrn|MRN-8", of()),
    ("identifier:not=urn:srch:acc|ACC-1", but("full-a")),
    ("identifier:not=urn:dicom:uid|", of()),
    ("identifier:text=accession", of("full-a")),
    ("identifier:text=medical record", of()),
    (f"identifier:of-type={V2_0203}|ACSN|ACC-1", of("full-a")),
    (f"identifier:of-type={V2_0203}|MR|MRN-8", of("ident-nosystem")),
    (f"identifier:of-type={V2_0203}|MR|ACC-1", of()),
    (f"identifier:of-type={V2_0203}|ACSN|MRN-8", of()),
    ("identifier:missing=false", NAMES),
    ("identifier:missing=true", of()),
    # escapes: \, \| \$ \\ are literal characters of a value
    (r"identifier=urn:srch:odd|A\,1", of("ident-comma")),
    ("identifier=urn:srch:odd|A,1", of()),  # unescaped: "urn:srch:odd|A" OR "1"
    (r"identifier=urn:srch:odd|B\|2", of("ident-pipe")),
    ("identifier=urn:srch:odd|B", of()),
    (r"identifier=urn:srch:odd|C\$3", of("ident-dollar")),
    (r"identifier=urn:srch:odd|C\$4", of()),
    (r"identifier=urn:srch:odd|D\\4", of("ident-backslash")),
    (r"identifier=urn:srch:odd|D4", of()),
    (r"identifier=urn:srch:odd|A\,1,urn:srch:odd|B\|2,urn:srch:odd|D\\4", of("ident-comma", "ident-pipe",
                                                                              "ident-backslash")),
    # instance: the SOP Instance UID, plain
    ("instance=2.25.4242.14.1.2", of("multi-series")),
    ("instance=2.25.4242.14.1.3", of()),
    ("instance=2.16.124.113543.6003.189642796.63084.16748.2599092903", of("example")),
    ("instance=2.25.4242.1.1.1,2.25.4242.2.1.1", of("full-a", "ct-year")),
    ("instance:not=2.25.4242.1.1.1", but("full-a")),
    ("instance:missing=true", of("no-started")),
    ("instance:missing=false", but("no-started")),
    # modality: series.modality
    (f"modality={DCM}|MR", of("mr-group", "mr-device", "multi-series")),
    ("modality=MR", of("mr-group", "mr-device", "multi-series")),
    ("modality=NM", of()),
    ("modality=XA", of("xa-nosystem")),
    ("modality=|XA", of("xa-nosystem")),
    (f"modality={DCM}|XA", of()),
    ("modality=|CT", of()),
    (f"modality={DCM}|", but("xa-nosystem")),
    ("modality=CT,MR", but("xa-nosystem", "us", "example-xr")),
    ("modality=CT&modality=MR", of("multi-series")),
    ("modality:not=CT", of("mr-group", "mr-device", "xa-nosystem", "us", "example-xr")),
    ("modality:text=ultra", of("us")),
    ("modality:text=magnetic", of()),
    ("modality:missing=false", NAMES),
    ("modality:missing=true", of()),
    # patient: the subject when it is a Patient
    ("patient=srch-pat-a", of("full-a", "ct-year", "ct-month", "ct-day")),
    ("patient=Patient/srch-pat-a", of("full-a", "ct-year", "ct-month", "ct-day")),
    ("patient={base}/Patient/srch-pat-a", of("full-a", "ct-year", "ct-month", "ct-day")),
    ("patient:Patient=srch-pat-a", of("full-a", "ct-year", "ct-month", "ct-day")),
    ("patient=srch-pat-zz", of()),
    ("patient=srch-pat-abs", of("abs-subject")),
    ("patient={base}/Patient/srch-pat-abs", of("abs-subject")),
    ("patient=srch-grp-1", of()),  # a Group is no patient
    ("patient=https://other.example.org/fhir/Patient/srch-pat-ext", of("ext-subject")),
    ("patient=srch-pat-ext", of()),  # an id names a patient on this server
    ("patient=Patient/srch-pat-v/_history/2", of("versioned-subject")),
    ("patient=Patient/srch-pat-v/_history/1", of()),
    ("patient={base}/Patient/srch-pat-v/_history/2", of("versioned-subject")),
    ("patient=srch-pat-v", of("versioned-subject")),
    ("patient:identifier=urn:srch:mrn|MRN-7", of("ident-subject")),
    ("patient:identifier=urn:srch:mrn|MRN-8", of()),
    ("patient=srch-pat-a,srch-pat-b", CLUSTER),
    ("patient=srch-pat-a&patient=srch-pat-b", of()),
    ("patient=dicom", of("example", "example-xr")),
    ("patient:missing=true", of("mr-group", "mr-device")),
    ("patient:missing=false", but("mr-group", "mr-device")),
    # performer: series.performer.actor
    ("performer=Practitioner/srch-dr-1", of("full-a")),
    ("performer=srch-dr-1", of("full-a")),
    ("performer=Practitioner/srch-dr-2", of()),
    ("performer:Device=srch-dev-9", of("multi-series")),
    ("performer:Practitioner=srch-dev-9", of()),
    ("performer=Organization/srch-org-1", of("multi-series")),
    ("performer=PractitionerRole/srch-role-1", of("performer-role")),
    ("performer=Practitioner/example", of("example-xr")),
    ("performer:identifier=urn:srch:npi|NPI-1", of("performer-role")),
    ("performer:identifier=urn:srch:npi|NPI-5", of()),  # that is a referrer's
    ("performer:missing=false", of("full-a", "multi-series", "performer-role", "example-xr")),
    ("performer:missing=true", but("full-a", "multi-series", "performer-role", "example-xr")),
    # reason: reason.concept
    ("reason=http://snomed.info/sct|233604007", of("full-a")),
    ("reason=http://loinc.org|233604007", of()),
    ("reason=233604007", of("full-a")),
    ("reason=357009", of("example-xr")),
    ("reason:text=suspected", of("full-a")),
    ("reason:text=pneumonia", of("full-a")),  # the display of a coding
    ("reason:text=PNÉUMO", of("full-a")),  # case and accents do not count
    ("reason:text=headache", of("mr-group")),
    ("reason:text=closed fracture", of("example-xr")),
    ("reason:text=fracture", of()),
    ("reason:not=233604007", but("full-a")),
    ("reason:missing=false", of("full-a", "mr-group", "example-xr")),
    ("reason:missing=true", but("full-a", "mr-group", "example-xr")),  # a reason by reference only is no concept
    # referrer
    ("referrer=Practitioner/srch-dr-1", of("full-a")),
    ("referrer=srch-dr-1", of("full-a")),
    ("referrer=Practitioner/srch-dr-9", of()),
    ("referrer={base}/Practitioner/srch-dr-3", of("abs-subject")),
    ("referrer=Practitioner/srch-dr-3", of("abs-subject")),
    ("referrer=Practitioner/srch-dr-2/_history/3", of("versioned-subject")),
    ("referrer=Practitioner/srch-dr-2/_history/4", of()),
    ("referrer=Practitioner/srch-dr-2", of("versioned-subject")),
    ("referrer:PractitionerRole=srch-role-1", of("based-on-task")),
    ("referrer:Practitioner=srch-role-1", of()),
    ("referrer:identifier=urn:srch:npi|NPI-5", of("based-on-ident")),
    ("referrer:identifier=urn:srch:npi|NPI-6", of()),
    ("referrer:missing=false", of("full-a", "abs-subject", "versioned-subject", "based-on-task",
                                  "based-on-ident", "example-xr")),
    ("referrer:missing=true", but("full-a", "abs-subject", "versioned-subject", "based-on-task",
                                  "based-on-ident", "example-xr")),
    # series: the Series Instance UID, plain
    ("series=2.25.4242.14.2", of("multi-series")),
    ("series=2.25.4242.14.3", of()),
    ("series=2.16.124.113543.6003.2588828330.45298.17418.2723805630", of("example")),
    ("series:not=2.25.4242.1.1", but("full-a")),
    ("series:missing=false", NAMES),
    ("series:missing=true", of()),
    # started (the precision table below covers each prefix at each precision)
    ("started=2015-06-15", of("ct-day", "full-a", "ct-millis", "ct-plus2")),
    ("started=2015-06-16", of("ct-minus5")),
    ("started=2016-03-01", of("mr-group", "mr-device")),
    ("started=2017-03-01", of("us")),
    ("started=2017-02-28", of()),
    ("started=2020-02-28", of("leap-day")),
    ("started=2020-02-29", of()),
    ("started=2021-06-30", of("half-hour-tz")),
    ("started=2021-07-01", of()),
    ("started=2015-06-16,2020-02-28", of("ct-minus5", "leap-day")),
    ("started=ge2020&started=lt2021", of("leap-day")),
    ("started=lt2011-06", of("example")),
    ("started=ge2021", of("half-hour-tz")),
    ("started=sa2021-07", of()),
    ("started=ne2015-06-15", but("ct-day", "full-a", "ct-millis", "ct-plus2", "no-started")),
    ("started=ap2011-01-01", of("example")),
    ("started=ap2013-06", of()),
    ("started:missing=true", of("no-started")),
    ("started:missing=false", but("no-started")),
    # status: a code of http://hl7.org/fhir/imagingstudy-status
    ("status=cancelled", of("ct-month")),
    ("status=http://hl7.org/fhir/imagingstudy-status|cancelled", of("ct-month")),
    ("status=|cancelled", of("ct-month")),
    ("status=http://other.example.org|cancelled", of()),
    ("status=registered", of("no-started")),
    ("status=unknown", of("mr-device")),
    ("status=entered-in-error", of("us")),
    ("status=available", but("ct-month", "no-started", "mr-device", "us")),
    ("status=cancelled,unknown", of("ct-month", "mr-device")),
    ("status=http://hl7.org/fhir/imagingstudy-status|", NAMES),
    ("status=http://other.example.org|", of()),
    ("status:not=available", of("ct-month", "no-started", "mr-device", "us")),
    ("status:missing=false", NAMES),
    ("status:missing=true", of()),
    # subject: Patient, Group or Device
    ("subject=Group/srch-grp-1", of("mr-group")),
    ("subject=srch-grp-1", of("mr-group")),
    ("subject={base}/Group/srch-grp-1", of("mr-group")),
    ("subject:Group=srch-grp-1", of("mr-group")),
    ("subject:Device=srch-grp-1", of()),
    ("subject=Device/srch-dev-1", of("mr-device")),
    ("subject=Patient/srch-pat-a", of("full-a", "ct-year", "ct-month", "ct-day")),
    ("subject:identifier=urn:srch:mrn|MRN-7", of("ident-subject")),
    ("subject:identifier=urn:srch:visit|V-1", of()),
    ("subject:missing=false", NAMES),
    ("subject:missing=true", of()),
    # _id
    ("_id={id[full-a]}", of("full-a")),
    ("_id={id[full-a]},{id[us]}", of("full-a", "us")),
    ("_id={id[full-a]}&_id={id[us]}", of()),
    ("_id=srch-no-such-study", of()),
    ("_id:not={id[full-a]}", but("full-a")),
    ("_id:missing=false", NAMES),
    ("_id:missing=true", of()),
    # _tag
    (f"_tag={TAGS}|red", of("full-a", "profile-v1")),
    ("_tag=red", of("full-a", "profile-v1")),
    (f"_tag={TAGS}|green", of()),
    (f"_tag={TAGS}|", of("full-a", "tag-blue", "profile-v1")),
    ("_tag=http://terminology.hl7.org/CodeSystem/v3-ActReason|HTEST", of("example", "example-xr")),
    ("_tag:not=red", but("full-a", "profile-v1")),
    ("_tag:text=blu", of("tag-blue")),
    ("_tag:text=red", of()),  # no display
    ("_tag:missing=false", of("full-a", "tag-blue", "profile-v1", "example", "example-xr")),
    ("_tag:missing=true", but("full-a", "tag-blue", "profile-v1", "example", "example-xr")),
    # _profile: canonical URLs, matched as URIs; without |version every version matches
    (f"_profile={PROFILE}", of("full-a", "profile-v1")),
    (f"_profile={PROFILE}|1.0", of("profile-v1")),
    (f"_profile={PROFILE}|3.0", of()),
    (f"_profile={PROFILE}-ct", of("tag-blue")),
    ("_profile:below=http://example.org/fhir/StructureDefinition", of("full-a", "tag-blue", "profile-v1")),
    ("_profile:below=http://example.org/fhir/Other", of()),
    (f"_profile:above={PROFILE}/extra", of("full-a", "profile-v1")),
    ("_profile:above=http://example.org/fhir", of()),
    ("_profile:missing=false", of("full-a", "tag-blue", "profile-v1")),
    ("_profile:missing=true", but("full-a", "tag-blue", "profile-v1")),
    # _security
    (f"_security={CONFIDENTIALITY}|R", of("tag-blue")),
    ("_security=R", of("tag-blue")),
    (f"_security={CONFIDENTIALITY}|V", of()),
    (f"_security={CONFIDENTIALITY}|", of("full-a", "tag-blue")),
    ("_security:not=R", but("tag-blue")),
    ("_security:text=restrict", of("tag-blue")),
    ("_security:text=secret", of()),
    ("_security:missing=false", of("full-a", "tag-blue")),
    ("_security:missing=true", but("full-a", "tag-blue")),
    # _source: uri
    ("_source=https://pacs.example.org/srch/node-1", of("full-a")),
    ("_source=https://pacs.example.org/srch", of()),
    ("_source=urn:srch:source:2", of("tag-blue")),
    ("_source:below=https://pacs.example.org/srch", of("full-a", "profile-v1")),
    ("_source:below=https://pacs.example.org/srch/node-1", of("full-a", "profile-v1")),
    ("_source:below=https://pacs.example.org/srch/node", of()),  # whole path segments only
    ("_source:below=urn:srch", of("tag-blue")),
    ("_source:above=https://pacs.example.org/srch/node-1/sub/deeper", of("full-a", "profile-v1")),
    ("_source:above=https://pacs.example.org/srch/node-1", of("full-a")),
    ("_source:above=https://pacs.example.org/other", of()),
    ("_source:missing=false", of("full-a", "tag-blue", "profile-v1")),
    ("_source:missing=true", but("full-a", "tag-blue", "profile-v1")),
    # several parameters: AND
    ("patient=srch-pat-a&status=cancelled", of("ct-month")),
    ("modality=CT&started=2015-06&status:not=cancelled", of("ct-day", "full-a", "ct-millis", "ct-plus2",
                                                            "ct-minus5")),
]


@pytest.mark.parametrize(("query", "expected"), [pytest.param(q, e, id=q) for q, e in PARAMETER_CASES])
def test_parameter_finds_exactly_the_expected_studies(http, studies, query, expected):
    sent = pairs(studies.fill(query)) + [("_count", "1000")]
    bundles = every_page(http, "ImagingStudy?" + urlencode(sent), STRICT)
    found = studies.names([e for b in bundles for e in matches(b)])
    assert sorted(found) == sorted(expected)  # sorted lists: a study found twice fails too
    assert self_pairs(bundles[0]) == sorted(sent)


def test_the_table_has_a_match_and_a_non_match_for_every_parameter_and_modifier():
    # A case "must match" some study when it expects any, and "must not match" some when it expects fewer than all.
    seen: dict[str, set[str]] = {}
    for query, expected in PARAMETER_CASES:
        for name, _ in pairs(query):
            code, _, modifier = name.partition(":")
            for key in (code, name) if modifier else (code,):
                seen.setdefault(key, set()).update({"match"} if expected else set(),
                                                   {"no match"} if expected != NAMES else set())
    covered = {code for code, kinds in seen.items() if kinds == {"match", "no match"}}
    assert set(PARAMETERS) - {"_lastUpdated"} <= covered  # _lastUpdated has its own table below
    for code, parameter in PARAMETERS.items():
        if code == "_lastUpdated":
            continue
        for modifier in parameter.modifiers:
            if modifier == "type":  # :[type]: one target type per reference parameter
                assert any(name.startswith(code + ":") and name.split(":")[1][:1].isupper()
                           for name in seen), code
            else:
                assert f"{code}:{modifier}" in covered, f"{code}:{modifier}"


# Dates: each prefix at each precision, with and without timezone, against `started` of every precision.
# Patients a and b hold (UTC ranges): ct-year 2015, ct-month 2015-06, ct-day 2015-06-15, full-a 10:30:45 that
# day, ct-millis 10:30:45.250, ct-plus2 23:30:00, ct-minus5 2015-06-16T01:00:00, ct-newyear 2016-01-01T00:30:00.

Y, M, D, S, MS, P2, M5, NY = CLUSTER_ORDER
DATE_CASES = [
    # year
    ("2015", CLUSTER - {NY}), ("eq2015", CLUSTER - {NY}), ("2016", {NY}),
    ("ne2015", {NY}),
    ("gt2015", {NY}), ("gt2016", set()),
    ("lt2015", set()), ("lt2016", CLUSTER - {NY}),
    ("ge2015", CLUSTER), ("ge2016", {NY}),
    ("le2015", CLUSTER - {NY}),
    ("sa2015", {NY}), ("sa2016", set()),
    ("eb2015", set()), ("eb2016", CLUSTER - {NY}),
    ("ap2015", CLUSTER), ("ap2010", set()),
    # month
    ("2015-06", {M, D, S, MS, P2, M5}), ("2015-12", set()), ("2016-01", {NY}),
    ("ne2015-06", {Y, NY}),
    ("gt2015-06", {Y, NY}),
    ("lt2015-06", {Y}),
    ("ge2015-06", CLUSTER), ("ge2015-07", {Y, NY}),
    ("le2015-06", CLUSTER - {NY}),
    ("sa2015-06", {NY}),
    ("eb2015-06", set()), ("eb2015-07", {M, D, S, MS, P2, M5}),
    # day (a date has no timezone: UTC)
    ("2015-06-15", {D, S, MS, P2}), ("2015-06-16", {M5}),
    ("ne2015-06-15", {Y, M, M5, NY}),
    ("gt2015-06-15", {Y, M, M5, NY}),
    ("lt2015-06-15", {Y, M}),
    ("ge2015-06-15", CLUSTER), ("ge2015-06-16", {Y, M, M5, NY}),
    ("le2015-06-15", {Y, M, D, S, MS, P2}),
    ("sa2015-06-15", {M5, NY}),
    ("eb2015-06-15", set()), ("eb2015-06-16", {D, S, MS, P2}),
    # minute, without timezone (UTC) and with one
    ("2015-06-15T10:30", {S, MS}), ("2015-06-16T01:30", set()), ("2015-06-16T01:00", {M5}),
    ("2015-06-15T10:30Z", {S, MS}), ("2015-06-15T10:31Z", set()),
    ("2015-06-15T12:30+02:00", {S, MS}), ("2015-06-15T05:30-05:00", {S, MS}),
    ("2015-06-16T01:30+02:00", {P2}), ("2015-06-15T20:00-05:00", {M5}),
    ("ne2015-06-15T10:30", CLUSTER - {S, MS}),
    ("gt2015-06-15T10:30", {Y, M, D, P2, M5, NY}),
    ("lt2015-06-15T10:30", {Y, M, D}),
    ("ge2015-06-15T10:30", CLUSTER), ("ge2015-06-15T10:31", {Y, M, D, P2, M5, NY}),
    ("ge2015-06-16T01:30+02:00", {Y, M, D, P2, M5, NY}),
    ("le2015-06-15T10:30", {Y, M, D, S, MS}),
    ("sa2015-06-15T10:30", {P2, M5, NY}),
    ("eb2015-06-15T10:30", set()), ("eb2015-06-15T10:31", {S, MS}),
    # second, without timezone (UTC) and with one
    ("2015-06-15T10:30:45", {S, MS}), ("2015-06-15T23:30:00", {P2}),
    ("2015-06-15T10:30:45Z", {S, MS}), ("2015-06-15T10:30:46Z", set()), ("2015-06-15T23:30:00Z", {P2}),
    ("2015-06-15T12:30:45+02:00", {S, MS}),
    ("2015-12-31T23:30:00-01:00", {NY}), ("2015-12-31T23:30:00Z", set()),
    ("ne2015-06-15T10:30:45Z", CLUSTER - {S, MS}),
    ("gt2015-06-15T10:30:45Z", {Y, M, D, P2, M5, NY}),
    ("lt2015-06-15T10:30:45Z", {Y, M, D}),
    ("ge2015-06-15T10:30:45Z", CLUSTER), ("ge2015-06-15T10:30:46Z", {Y, M, D, P2, M5, NY}),
    ("le2015-06-15T10:30:45Z", {Y, M, D, S, MS}),
    ("sa2015-06-15T10:30:44Z", {S, MS, P2, M5, NY}), ("sa2015-06-15T10:30:45Z", {P2, M5, NY}),
    ("eb2015-06-15T10:30:45Z", set()), ("eb2015-06-15T10:30:46Z", {S, MS}),
    # fractions of a second
    ("2015-06-15T10:30:45.250Z", {MS}), ("2015-06-15T10:30:45.251Z", set()),
    ("gt2015-06-15T10:30:45.250Z", CLUSTER - {MS}),
    ("lt2015-06-15T10:30:45.250Z", {Y, M, D, S}),
    # several values (OR) and occurrences (AND)
    ("2015-06-16,2016", {M5, NY}), ("gt2015-06-15&started=lt2015-06-16T01:00:30Z", {Y, M, M5}),
]


@pytest.mark.parametrize(("value", "expected"), [pytest.param(v, e, id=v) for v, e in DATE_CASES])
def test_started_prefix_and_precision(http, studies, value, expected):
    found = studies.names(search(http, f"{CLUSTER_QUERY}&started={value}", STRICT))
    assert sorted(found) == sorted(expected)


def test_an_unencoded_plus_in_a_timezone_is_read_as_the_plus_it_was(http, studies):
    # A client that forgets to encode '+' sends a space once decoded; the server reads it back as '+'.
    bundle = searchset(http.get(f"ImagingStudy?{CLUSTER_QUERY}&started=2015-06-15T12:30:45+02:00"))
    assert sorted(studies.names(matches(bundle))) == sorted([S, MS])


_PRECISIONS = {"year": r"\d{4}", "month": r"\d{4}-\d{2}", "day": r"\d{4}-\d{2}-\d{2}",
               "minute": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", "second": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"}


def test_the_date_table_covers_every_prefix_at_every_precision_with_and_without_timezone():
    covered = set()
    for value, expected in DATE_CASES:
        prefix, date = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
        date = re.split("[,&]", date)[0]
        for precision, pattern in _PRECISIONS.items():
            m = re.fullmatch(f"({pattern})(Z|[+-]\\d{{2}}:\\d{{2}})?", date)
            for kind in ("match",) * bool(expected) + ("no match",) * (expected != CLUSTER):
                if m:
                    covered.add((prefix, precision, kind))
                    covered.add(("zone" if m[2] else "no zone", precision, kind))
    for prefix in ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb"):
        for precision in _PRECISIONS:
            assert (prefix, precision, "no match") in covered, (prefix, precision)
            assert (prefix, precision, "match") in covered, (prefix, precision)
    for precision in ("minute", "second"):
        for zone in ("zone", "no zone"):
            assert {(zone, precision, "match"), (zone, precision, "no match")} <= covered, (zone, precision)
    assert {("ap", "year", "match"), ("ap", "year", "no match")} <= covered


# _lastUpdated: the server's instants (ms), compared with the lastUpdated of the study in the middle.

LAST_UPDATED_PREFIXES = {
    "eq": lambda lu, m: lu == m, "ne": lambda lu, m: lu != m, "gt": lambda lu, m: lu > m,
    "lt": lambda lu, m: lu < m, "ge": lambda lu, m: lu >= m, "le": lambda lu, m: lu <= m,
    "sa": lambda lu, m: lu > m, "eb": lambda lu, m: lu < m,
}


@pytest.mark.parametrize("prefix", LAST_UPDATED_PREFIXES)
def test_last_updated_prefix_against_a_study_created_in_the_middle(http, studies, prefix):
    middle = studies.stored["leap-day"]["meta"]["lastUpdated"]
    holds = LAST_UPDATED_PREFIXES[prefix]
    expected = sorted(name for name, s in studies.stored.items() if holds(s["meta"]["lastUpdated"], middle))
    assert 0 < len(expected) < len(NAMES)
    found = studies.names(search(http, f"_lastUpdated={prefix}{middle}&_count=1000", STRICT))
    assert sorted(found) == expected


@pytest.mark.parametrize(("query", "everything"), [
    ("_lastUpdated=ge2000", True), ("_lastUpdated=lt2000", False), ("_lastUpdated=2000-01-01", False),
    ("_lastUpdated=gt2000-01-01T00:00:00Z", True), ("_lastUpdated=ap2000-01", False),
    ("_lastUpdated:missing=false", True), ("_lastUpdated:missing=true", False),
])
def test_last_updated_at_coarse_precision(http, studies, query, everything):
    found = studies.names(search(http, query + "&_count=1000", STRICT))
    assert sorted(found) == (sorted(NAMES) if everything else [])


def test_last_updated_ap_matches_the_moment_itself(http, studies):
    moment = studies.stored["leap-day"]["meta"]["lastUpdated"]
    assert "leap-day" in studies.names(search(http, f"_lastUpdated=ap{moment}&_count=1000"))


def test_last_updated_with_patient_uses_both(http, studies):
    first = studies.stored["full-a"]["meta"]["lastUpdated"]
    assert sorted(studies.names(search(http, f"patient=srch-pat-a&_lastUpdated=gt{first}"))) == \
        ["ct-day", "ct-month", "ct-year"]


# GET, POST _search and the Patient compartment -----------------------------------------------------------

@pytest.mark.parametrize(("query", "expected"), [
    ("", ["ct-year", "ct-month", "ct-day", "full-a"]),
    ("modality=CT", ["ct-year", "ct-month", "ct-day", "full-a"]),
    ("status:not=cancelled&_sort=-started", ["full-a", "ct-day", "ct-year"]),
    ("started=ge2015-06-15&identifier=urn:srch:acc|ACC-1", ["full-a"]),
    ("status=registered", []),
])
def test_get_post_search_and_the_patient_compartment_agree(http, studies, query, expected):
    params = pairs(query)
    get = searchset(http.get("ImagingStudy", params=[("patient", "srch-pat-a"), *params]))
    # POST: the form body holds some parameters, the URL the rest
    post = searchset(http.post("ImagingStudy/_search", params=params[1:],
                               data=urlencode([("patient", "srch-pat-a"), *params[:1]]), headers=FORM))
    compartment = searchset(http.get("Patient/srch-pat-a/ImagingStudy", params=params))
    ids = [[e["resource"]["id"] for e in matches(b)] for b in (get, post, compartment)]
    assert ids[0] == ids[1] == ids[2]
    assert studies.names(matches(get)) == expected
    assert link(get, "self") == link(post, "self")
    assert link(get, "self").startswith(f"{studies.base}/ImagingStudy?")
    assert self_pairs(get) == sorted([("patient", "srch-pat-a"), *params])
    self_url = urlsplit(link(compartment, "self"))
    assert self_url.path == urlsplit(f"{studies.base}/Patient/srch-pat-a/ImagingStudy").path
    assert sorted(parse_qsl(self_url.query)) == sorted(params)


def test_the_compartment_ands_with_a_patient_parameter(http, studies):
    bundle = searchset(http.get("Patient/srch-pat-a/ImagingStudy", params={"patient": "srch-pat-b"}))
    assert matches(bundle) == []


def test_post_search_with_an_empty_body_takes_the_url_parameters(http, studies):
    bundle = searchset(http.post("ImagingStudy/_search", params={"patient": "srch-pat-b"}, headers=FORM))
    assert sorted(studies.names(matches(bundle))) == sorted([MS, P2, M5, NY])


def test_post_search_needs_a_form_body(http, studies):
    response = checked(http.post("ImagingStudy/_search", data='{"patient": "srch-pat-a"}', headers=FHIR_JSON))
    assert response.status_code == 415


# Strict and lenient handling -----------------------------------------------------------------------------

@pytest.mark.parametrize(("extra", "named", "kept"), [
    ("srch-unknown=1", "srch-unknown", []),
    ("status:exact=available", ":exact", []),
    ("modality:of-type=a|b|c", ":of-type", []),
    ("_sort=modality", "modality", []),
    ("_sort=modality,-started", "modality", [("_sort", "-started")]),
    ("_elements=identifier,srchbogus", "srchbogus", [("_elements", "identifier")]),
])
def test_lenient_search_ignores_what_it_does_not_know_and_says_so(http, studies, extra, named, kept):
    # GIVEN a search for patient a with one thing the server does not support, without Prefer or lenient
    sent = [("patient", "srch-pat-a"), *pairs(extra)]
    for headers in ({}, {"Prefer": "handling=lenient"}):
        bundle = searchset(http.get("ImagingStudy", params=sent, headers=headers))
        # THEN it is ignored: the same matches, a self link without it, and an outcome entry naming it
        assert sorted(studies.names(matches(bundle))) == sorted(["ct-year", "ct-month", "ct-day", "full-a"])
        assert self_pairs(bundle) == sorted([("patient", "srch-pat-a"), *kept])
        assert any(named in text for text in outcomes(bundle)), outcomes(bundle)


@pytest.mark.parametrize(("extra", "named"), [
    ("srch-unknown=1", "srch-unknown"),
    ("status:exact=available", ":exact"),
    ("modality:of-type=a|b|c", ":of-type"),
    ("status:text=available", ":text"),
    ("_sort=modality", "modality"),
    ("_elements=identifier,srchbogus", "srchbogus"),
    ("identifier=", "identifier"),
])
def test_strict_search_rejects_what_it_does_not_know_naming_it(http, studies, extra, named):
    response = http.get("ImagingStudy", params=[("patient", "srch-pat-a"), *pairs(extra)], headers=STRICT)
    rejected(response, named)


# Result parameters ---------------------------------------------------------------------------------------

def _one(http, studies, name: str, extra: str) -> dict:
    bundle = searchset(http.get(f"ImagingStudy?_id={studies.ids[name]}&{extra}", headers=STRICT))
    (entry,) = matches(bundle)
    return entry["resource"]


def _tags(resource: dict) -> list[str]:
    return [t["code"] for t in resource.get("meta", {}).get("tag", [])]


def test_summary_true_drops_the_instances_and_the_narrative_and_marks_the_subset(http, studies):
    resource = _one(http, studies, "example", "_summary=true")
    stored = studies.stored["example"]
    assert "text" in stored and "text" not in resource
    assert all("instance" not in series for series in resource["series"])
    assert [s["uid"] for s in resource["series"]] == [s["uid"] for s in stored["series"]]
    assert resource["identifier"] == stored["identifier"] and resource["started"] == stored["started"]
    assert _tags(resource) == ["HTEST", SUBSETTED]


def test_summary_text_keeps_the_narrative_id_meta_and_mandatory_elements(http, studies):
    resource = _one(http, studies, "example", "_summary=text")
    assert set(resource) == {"resourceType", "id", "meta", "text", "status", "subject"}
    assert resource["text"] == studies.stored["example"]["text"] and SUBSETTED in _tags(resource)


def test_summary_data_drops_only_the_narrative(http, studies):
    resource = _one(http, studies, "example", "_summary=data")
    stored = studies.stored["example"]
    assert {k: v for k, v in resource.items() if k != "meta"} == {k: v for k, v in stored.items()
                                                                   if k not in ("meta", "text")}
    assert _tags(resource) == ["HTEST", SUBSETTED]


def test_summary_false_is_the_whole_stored_study(http, studies):
    assert _one(http, studies, "example", "_summary=false") == studies.stored["example"]


def test_summary_count_gives_the_total_and_no_entries(http, studies):
    everything = search(http, "patient=srch-pat-a,srch-pat-b")
    bundle = searchset(http.get(f"ImagingStudy?{CLUSTER_QUERY}&_summary=count"))
    assert matches(bundle) == [] and bundle["total"] == len(everything) >= len(CLUSTER)
    assert link(bundle, "next") is None
    zero = searchset(http.get(f"ImagingStudy?{CLUSTER_QUERY}&_count=0"))
    assert matches(zero) == [] and zero["total"] == len(everything)


def test_elements_keeps_those_elements_with_the_mandatory_ones(http, studies):
    resource = _one(http, studies, "full-a", "_elements=identifier,started,ImagingStudy.series")
    stored = studies.stored["full-a"]
    assert set(resource) == {"resourceType", "id", "meta", "identifier", "started", "series", "status", "subject"}
    assert resource["series"] == stored["series"] and resource["identifier"] == stored["identifier"]
    assert _tags(resource) == ["red", SUBSETTED]


def test_results_parameters_are_echoed_in_the_self_link(http, studies):
    sent = [("patient", "srch-pat-a"), ("_count", "2"), ("_sort", "-started"), ("_total", "accurate"),
            ("_elements", "identifier"), ("_summary", "false"), ("_format", "json")]
    bundle = searchset(http.get("ImagingStudy", params=sent, headers=STRICT))
    assert self_pairs(bundle) == sorted(sent)
    assert parse_qsl(urlsplit(link(bundle, "next")).query)[:-1] == parse_qsl(urlsplit(link(bundle, "self")).query)


@pytest.mark.parametrize("total", ["accurate", "estimate"])
def test_total_accurate_and_estimate_count_every_match_beyond_the_page(http, studies, total):
    everything = search(http, CLUSTER_QUERY)
    bundle = searchset(http.get(f"ImagingStudy?{CLUSTER_QUERY}&_count=2&_total={total}"))
    assert len(matches(bundle)) == 2 and bundle["total"] == len(everything)


def test_total_none_gives_no_total_even_when_it_is_known(http, studies):
    assert "total" not in searchset(http.get(f"ImagingStudy?{CLUSTER_QUERY}&_total=none"))
    assert searchset(http.get(f"ImagingStudy?{CLUSTER_QUERY}"))["total"] == len(search(http, CLUSTER_QUERY))


SORTED = {
    "started": CLUSTER_ORDER,
    "-started": CLUSTER_ORDER[::-1],
    "status,-started": [NY, M5, P2, MS, S, D, Y, M],  # available before cancelled
    "-status,started": [M, Y, D, S, MS, P2, M5, NY],
}


@pytest.mark.parametrize("sort", list(SORTED))
def test_sort_by_started_and_status(http, studies, sort):
    found = studies.names(search(http, f"{CLUSTER_QUERY}&_sort={sort}", STRICT))
    assert found == SORTED[sort]


@pytest.mark.parametrize(("query", "expected"), [
    ("patient=srch-pat-c&_sort=started", ["xa-nosystem", "us", "no-started"]),
    ("patient=srch-pat-c&_sort=-started", ["us", "xa-nosystem", "no-started"]),  # over the index
    ("patient=srch-pat-c&_sort=-started,_id", ["us", "xa-nosystem", "no-started"]),  # in memory
    ("patient=srch-pat-c,srch-pat-a&_sort=-started",  # two index partitions merged
     ["us", "xa-nosystem", "full-a", "ct-day", "ct-month", "ct-year", "no-started"]),
])
def test_a_study_without_started_comes_last_in_either_direction(http, studies, query, expected):
    bundles = every_page(http, f"ImagingStudy?{query}&_count=1")
    assert studies.names([e for b in bundles for e in matches(b)]) == expected
    assert len(bundles) >= len(expected)


@pytest.mark.parametrize("sort", ["_id", "-_id", "_lastUpdated", "-_lastUpdated", "status", "-status"])
def test_sort_by_id_last_updated_and_status(http, studies, sort):
    entries = search(http, f"{CLUSTER_QUERY}&_sort={sort}&_count=3", STRICT)
    assert sorted(studies.names(entries)) == sorted(CLUSTER)
    field = sort.lstrip("-")
    keys = [e["resource"]["id"] if field == "_id" else
            e["resource"]["meta"]["lastUpdated"] if field == "_lastUpdated" else e["resource"]["status"]
            for e in entries]
    assert keys == sorted(keys, reverse=sort.startswith("-"))
    if field == "_lastUpdated" and len(set(keys)) == len(keys):  # created in the order listed
        assert studies.names(entries) == [n for n in studies.ids if n in CLUSTER][::-1 if sort[0] == "-" else 1]


def test_sort_by_last_updated_over_the_last_updated_index(http, studies):
    first = studies.stored["example"]["meta"]["lastUpdated"]
    for sort, reverse in (("_lastUpdated", False), ("-_lastUpdated", True)):
        entries = search(http, f"_lastUpdated=ge{first}&_sort={sort}&_count=1000", STRICT)
        keys = [e["resource"]["meta"]["lastUpdated"] for e in entries]
        assert keys == sorted(keys, reverse=reverse)
        assert sorted(studies.names(entries)) == sorted(NAMES)


@pytest.mark.parametrize("parameter", ["_include=ImagingStudy:subject", "_revinclude=DiagnosticReport:study",
                                       "_include:iterate=ImagingStudy:patient"])
def test_include_and_revinclude_answer_with_the_matches_and_a_warning(http, studies, parameter):
    for headers in ({}, STRICT):
        bundle = searchset(http.get(f"ImagingStudy?patient=srch-pat-a&{parameter}", headers=headers))
        assert sorted(studies.names(matches(bundle))) == sorted(["ct-year", "ct-month", "ct-day", "full-a"])
        assert any(parameter.split("=")[0].split(":")[0] in text for text in outcomes(bundle))
        assert self_pairs(bundle) == [("patient", "srch-pat-a")]


# Invalid values: always 400, whatever the handling --------------------------------------------------------

@pytest.mark.parametrize(("query", "named"), [
    ("started=2015-13", "started"),
    ("started=2015-06-31", "started"),
    ("started=xx2015", "xx"),
    ("started=gt", "started"),
    ("started=2015-06-15T10:30:45+25:00", "started"),
    ("_lastUpdated=yesterday", "_lastUpdated"),
    ("_count=abc", "_count"),
    ("_count=-1", "_count"),
    ("_summary=maybe", "_summary"),
    ("_total=all", "_total"),
    ("_sort=started,-started", "started"),
    ("status:missing=maybe", "status:missing"),
    ("subject=Observation/x", "subject"),
    ("patient=Group/srch-grp-1", "patient"),
    ("patient:Group=srch-grp-1", "patient"),
    ("identifier:of-type=urn:x|ACSN", "identifier:of-type"),
    ("identifier=a|b|c", "identifier"),
    ("modality=CT,,MR", "modality"),
    ("_count=5&_count=6", "_count"),
])
def test_an_invalid_value_is_a_400_naming_it(http, studies, query, named):
    for headers in ({}, STRICT):
        rejected(http.get("ImagingStudy?" + urlencode(pairs(query)), headers=headers), named)


# Cursors -------------------------------------------------------------------------------------------------

def _cursor_of(bundle: dict) -> str:
    return dict(parse_qsl(urlsplit(link(bundle, "next")).query))["_cursor"]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _flip(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]


def test_a_genuine_cursor_moves_to_the_next_page(http, studies):
    first = searchset(http.get("ImagingStudy", params={"patient": "srch-pat-a", "_count": 1}))
    second = searchset(http.get(link(first, "next")))
    assert studies.names(matches(first)) == ["ct-year"] and studies.names(matches(second)) == ["ct-month"]


def test_a_tampered_cursor_is_a_400_and_never_another_querys_data(http, stack, studies):
    params = {"patient": "srch-pat-a", "_count": 1}
    genuine = _cursor_of(searchset(http.get("ImagingStudy", params=params)))
    other = _cursor_of(searchset(http.get("ImagingStudy", params={"patient": "srch-pat-b", "_count": 1})))
    payload, signature = genuine.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    moved = _b64(json.dumps({**body, "p": {"k": "2000-01-01T00:00:00.000Z#x"}}, separators=(",", ":")).encode())
    secret = Settings.from_env(stack.environment).cursor_secret
    expired = _b64(json.dumps({**body, "x": int(time.time()) - 1}, separators=(",", ":")).encode())
    expired += "." + _b64(hmac.new(secret, expired.encode(), hashlib.sha256).digest()[:16])
    cases = {
        "forged": _b64(b'{"s":"search||patient=srch-pat-a","p":{"k":"0"},"x":9999999999}') + "." + _b64(b"0" * 16),
        "altered payload": moved + "." + signature,
        "payload with one character changed": _flip(payload, len(payload) // 2) + "." + signature,
        "altered signature": payload + "." + _flip(signature, 0),
        "missing signature": payload,
        "from another query": other,
        "garbage": "not-a-cursor",
        "garbage with dots": "a.b.c",
        "non-ascii": "é.ü",
        "expired": expired,
    }
    for case, cursor in cases.items():
        response = http.get("ImagingStudy", params={**params, "_cursor": cursor})
        rejected(response, "cursor")
        assert response.status_code == 400, case
    # the same cursor under another query string (here a different page size) is another query's cursor
    rejected(http.get("ImagingStudy", params={**params, "_count": 2, "_cursor": genuine}), "cursor")
    rejected(http.get("Patient/srch-pat-a/ImagingStudy", params={"_count": 1, "_cursor": genuine}), "cursor")


# Writes are seen at once: superseded and deleted versions never match ------------------------------------

def test_only_the_current_version_of_a_study_matches(http, studies):
    patient = f"srch-rewrite-{uuid.uuid4()}"
    study = _study(40, "2022-01-01", f"Patient/{patient}")
    created = checked(http.post("ImagingStudy", data=json.dumps(study), headers=FHIR_JSON)).json()
    rid = created["id"]

    def found(query: str) -> list[str]:
        return [e["resource"]["id"] for e in search(http, f"patient={patient}&{query}")]

    assert found("modality=CT") == [rid] and found("modality=MR") == []
    changed = {**created, "series": [_series(40, 1, "MR")], "started": "2023-01-01"}
    assert checked(http.put(f"ImagingStudy/{rid}", data=json.dumps(changed), headers=FHIR_JSON)).status_code == 200
    assert found("modality=CT") == [] and found("modality=MR") == [rid]
    assert found("started=2022") == [] and found("started=2023") == [rid]
    assert checked(http.delete(f"ImagingStudy/{rid}")).status_code == 204
    assert found("modality=MR") == [] and found("started=2023") == []
    restored = {**changed, "status": "cancelled"}
    assert checked(http.put(f"ImagingStudy/{rid}", data=json.dumps(restored), headers=FHIR_JSON)).status_code == 201
    assert found("status=cancelled") == [rid] and found("status=available") == []


# Paging 250 matches while the table changes --------------------------------------------------------------

PAGED = 250


@pytest.fixture(scope="module")
def paged(stack) -> tuple[str, dict[str, str]]:
    """250 studies of one new patient: (patient id, study id -> started), three studies per started hour."""
    patient = f"srch-page-{uuid.uuid4()}"
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    started = {}
    with FhirHttp(stack.base_url) as http:
        for i in range(PAGED):
            moment = (start + timedelta(hours=i // 3)).strftime("%Y-%m-%dT%H:%M:%SZ")
            study = _study(1000 + i, moment, f"Patient/{patient}")
            response = checked(http.post("ImagingStudy", data=json.dumps(study), headers=FHIR_JSON))
            assert response.status_code == 201, response.text
            started[response.json()["id"]] = moment
    return patient, started


def _started_key(resource: dict) -> tuple[str, str]:
    return resource.get("started", "~"), resource["id"]


def test_paging_250_matches_returns_each_once_in_order_while_other_studies_change(http, paged):
    # GIVEN 250 studies of one patient, and the first page of 20 (with the accurate total)
    patient, originals = paged
    ahead = sorted(originals, key=lambda rid: (originals[rid], rid))
    first = searchset(http.get(f"ImagingStudy?patient={patient}&_count=20&_total=accurate"))
    assert first["total"] == PAGED and len(matches(first)) == 20
    url = f"ImagingStudy?patient={patient}&_count=20"
    newcomers: set[str] = set()
    others: list[dict] = []
    seen: list[dict] = []
    pages = 0
    # WHEN following every next link as given, while between pages other studies are created, updated and
    # deleted, studies of this very patient are added before, inside and after the range still to come, and
    # originals already returned and still to come are updated (without moving: `started` is kept)
    while url is not None:
        bundle = searchset(http.get(url))
        page = matches(bundle)
        assert len(page) <= 20
        seen += [e["resource"] for e in page]
        pages += 1
        assert pages <= 40
        url = link(bundle, "next")
        n = 2000 + 10 * pages
        for k, when in enumerate(("2023-06-01T00:00:00Z", "2024-01-02T10:00:00Z", "2025-01-01T00:00:00Z")):
            study = _study(n + k, when, f"Patient/{patient}")
            newcomers.add(checked(http.post("ImagingStudy", data=json.dumps(study), headers=FHIR_JSON)).json()["id"])
        other = checked(http.post("ImagingStudy", data=json.dumps(_study(n + 5, "2024-01-01")),
                                  headers=FHIR_JSON)).json()
        others.append(other)
        if len(others) > 1:
            previous = others[-2]
            checked(http.put(f"ImagingStudy/{previous['id']}", headers=FHIR_JSON,
                             data=json.dumps({**previous, "description": "changed while paging"})))
            checked(http.delete(f"ImagingStudy/{previous['id']}"))
        for rid in (seen[len(seen) // 2]["id"], ahead[min(len(seen) + 10, PAGED - 1)]):
            current = checked(http.get(f"ImagingStudy/{rid}")).json()
            checked(http.put(f"ImagingStudy/{rid}", headers=FHIR_JSON,
                             data=json.dumps({**current, "description": f"updated after page {pages}"})))
    # THEN every original came exactly once, in (started, id) order, and nothing came twice
    ids = [r["id"] for r in seen]
    assert len(ids) == len(set(ids)), "a study was returned twice"
    assert {rid: ids.count(rid) for rid in originals} == {rid: 1 for rid in originals}
    assert set(ids) - set(originals) <= newcomers
    keys = [_started_key(r) for r in seen]
    assert keys == sorted(keys)
    assert all(r["started"] == originals[r["id"]] for r in seen if r["id"] in originals)
    assert pages >= PAGED // 20
    assert any(r.get("description", "").startswith("updated after page") for r in seen)  # updated ahead


def test_paging_by_started_descending_and_by_id_returns_each_once(http, paged):
    patient, originals = paged
    for sort in ("-started", "_id"):  # over the index, and sorted in memory (paged by offset)
        bundles = every_page(http, f"ImagingStudy?patient={patient}&_count=100&_sort={sort}&_elements=started")
        resources = [e["resource"] for b in bundles for e in matches(b)]
        ids = [r["id"] for r in resources]
        assert len(ids) == len(set(ids)) and set(originals) <= set(ids) and len(bundles) >= 3
        if sort == "-started":
            keys = [r["started"] for r in resources]
            assert keys == sorted(keys, reverse=True)
        else:
            assert ids == sorted(ids)
