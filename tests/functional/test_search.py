"""The search handler invoked with its three events/ files (GET, POST _search with a base64 form body, and the
Patient compartment) over moto: each finds the study the create handler stored for it and not the others."""
from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from urllib.parse import urlsplit

from tests.uids import own_uid

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLE = json.loads((FIXTURES / "imagingstudy-example.json").read_text())  # CT, Patient/dicom, 2011
EXAMPLE_XR = json.loads((FIXTURES / "imagingstudy-example-xr.json").read_text())  # DX, Patient/dicom, 2017
BASE = "http://localhost:3000/fhir/R5"


def study(source: dict = EXAMPLE, **changes) -> dict:
    """A copy of `source` with a Study Instance UID of its own and these changes."""
    return {**own_uid(copy.deepcopy(source)), **changes}


def create(api, resource: dict) -> str:
    response = api("create", body=resource)
    assert response.status == 201, response.text
    return response.json()["id"]


def searchset(response) -> dict:
    assert response.status == 200, response.text
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    return bundle


def ids(bundle: dict) -> list[str]:
    found = [e for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]
    assert all(e["fullUrl"] == f"{BASE}/ImagingStudy/{e['resource']['id']}" for e in found)
    return [e["resource"]["id"] for e in found]


def link(bundle: dict, relation: str) -> str | None:
    return next((item["url"] for item in bundle["link"] if item["relation"] == relation), None)


def form(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# GET /ImagingStudy?modality=CT&_count=10 (events/search.json)

def test_get_search_finds_the_ct_study_and_not_the_dx_one(api):
    # GIVEN a CT study and a DX study, stored through the create handler
    ct = create(api, study(EXAMPLE))
    create(api, study(EXAMPLE_XR))
    # WHEN the search event asks for modality=CT
    bundle = searchset(api("search"))
    # THEN only the CT study is found, and the self link echoes the query
    assert ids(bundle) == [ct] and bundle["total"] == 1
    assert link(bundle, "self") == f"{BASE}/ImagingStudy?modality=CT&_count=10"
    assert link(bundle, "next") is None


def test_get_search_with_another_query_string(api):
    create(api, study(EXAMPLE))
    dx = create(api, study(EXAMPLE_XR))
    assert ids(searchset(api("search", query="modality=DX&identifier=55551234"))) == [dx]
    assert ids(searchset(api("search", query="modality=MR"))) == []


def test_get_search_pages_with_next_links_of_its_own_query(api):
    first, second = create(api, study(EXAMPLE)), create(api, study(EXAMPLE))
    page = searchset(api("search", query="modality=CT&_count=1"))
    next_url = link(page, "next")
    assert urlsplit(next_url).path == "/fhir/R5/ImagingStudy"
    rest = searchset(api("search", query=urlsplit(next_url).query))
    assert sorted(ids(page) + ids(rest)) == sorted([first, second]) and link(rest, "next") is None


def test_get_search_rejects_a_bad_value_and_unknown_parameters_when_strict(api):
    assert api("search", query="started=2011-13").status == 400
    strict = api("search", query="modality=CT&colour=blue", headers={"prefer": "handling=strict"})
    assert strict.status == 400 and "colour" in strict.json()["issue"][0]["diagnostics"]
    lenient = searchset(api("search", query="modality=CT&colour=blue"))
    assert [e["search"]["mode"] for e in lenient["entry"]] == ["outcome"]
    assert link(lenient, "self") == f"{BASE}/ImagingStudy?modality=CT"


# POST /ImagingStudy/_search?_count=10 with patient=example&started=ge2017-01-01 (events/search-post.json)

def test_post_search_reads_the_base64_form_body_and_the_url(api):
    # GIVEN studies of Patient/example from 2017 and 2016, and one of another patient from 2018
    match = create(api, study(EXAMPLE_XR, subject={"reference": "Patient/example"}))
    create(api, study(EXAMPLE, subject={"reference": "Patient/example"}, started="2016-12-31T23:00:00Z"))
    create(api, study(EXAMPLE_XR, subject={"reference": "Patient/other"}, started="2018-01-01"))
    # WHEN the POST event sends patient=example&started=ge2017-01-01 in its body and _count=10 in its URL
    bundle = searchset(api("search", "search-post"))
    # THEN only the 2017 study of Patient/example is found; the self link is the equivalent GET
    assert ids(bundle) == [match]
    assert link(bundle, "self") == f"{BASE}/ImagingStudy?patient=example&started=ge2017-01-01&_count=10"


def test_post_search_with_another_form_body(api):
    create(api, study(EXAMPLE_XR, subject={"reference": "Patient/example"}))
    other = create(api, study(EXAMPLE_XR, subject={"reference": "Patient/other"}))
    assert ids(searchset(api("search", "search-post", body=form("patient=Patient%2Fother")))) == [other]
    assert ids(searchset(api("search", "search-post", body=form("patient=other&status=cancelled")))) == []


def test_post_search_needs_a_form_content_type(api):
    response = api("search", "search-post", headers={"content-type": "application/fhir+json"})
    assert response.status == 415


# GET /Patient/example/ImagingStudy?status=available (events/search-compartment.json)

def test_the_patient_compartment_holds_only_that_patients_matching_studies(api):
    # GIVEN an available and a cancelled study of Patient/example, and an available one of another patient
    available = create(api, study(EXAMPLE, subject={"reference": "Patient/example"}))
    create(api, study(EXAMPLE, subject={"reference": "Patient/example"}, status="cancelled"))
    create(api, study(EXAMPLE, subject={"reference": "Patient/other"}))
    # WHEN the compartment event asks for its available studies
    bundle = searchset(api("search", "search-compartment"))
    # THEN only the available study of Patient/example, with a self link in the compartment
    assert ids(bundle) == [available]
    assert link(bundle, "self") == f"{BASE}/Patient/example/ImagingStudy?status=available"


def test_the_patient_compartment_pages_within_the_compartment(api):
    mine = {create(api, study(EXAMPLE, subject={"reference": "Patient/example"})) for _ in range(2)}
    create(api, study(EXAMPLE, subject={"reference": "Patient/other"}))
    page = searchset(api("search", "search-compartment", query="status=available&_count=1"))
    next_url = link(page, "next")
    assert urlsplit(next_url).path == "/fhir/R5/Patient/example/ImagingStudy"
    rest = searchset(api("search", "search-compartment", query=urlsplit(next_url).query))
    assert set(ids(page) + ids(rest)) == mine and len(ids(page) + ids(rest)) == 2
    # a compartment cursor is bound to the compartment: the same query string at the type level is refused
    assert api("search", query=urlsplit(next_url).query).status == 400
