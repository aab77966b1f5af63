"""Requests whose cost a client could multiply, over HTTP through the local stack: each is refused at once
with an OperationOutcome naming the limit, or answered correctly, and leaves stored state as it was.

  - a JSON Patch whose `copy` operations double the resource each time (the patch size budget);
  - a FHIRPath Patch path with a catastrophically backtracking regular expression (RE2), or one that doubles
    a collection again and again (the evaluation budget);
  - an OR list of 1,000 values, in a search and in every conditional interaction (the value limits).
"""
from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import pytest
import requests

from fhirimaging.limits import MAX_FHIRPATH_STEPS, MAX_OR_VALUES, MAX_PATCHED_CHARS, MAX_SEARCH_VALUES
from tests.integration.test_patch import checked
from tests.patch_documents import operation

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "imagingstudy-example.json").read_text())
FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"
DCM = "http://dicom.nema.org/resources/ontology/DCM"


def refused(response: requests.Response, status: int, code: str, naming: str) -> None:
    """The contract of a refusal: status, FHIR JSON, one OperationOutcome issue with the code and the limit."""
    checked(response)
    assert response.status_code == status, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    (issue,) = outcome["issue"]
    assert issue["code"] == code and naming in issue["diagnostics"], issue


def own_uid() -> list[dict]:
    """An identifier of its own: a Study Instance UID names one live study."""
    return [{"system": "urn:dicom:uid", "value": f"urn:oid:2.25.{uuid.uuid4().int}"}]


@pytest.fixture
def study(http) -> dict:
    """A fresh study with a UID and a modality code of its own (so searches find exactly it), version 1."""
    body = copy.deepcopy(FIXTURE)
    body["identifier"] = own_uid()
    body["description"] = "a" * 29 + "!"  # 30 characters that ^(a+)+$ fails to match only after backtracking
    body["series"][0]["modality"] = {"coding": [{"system": DCM, "code": f"X{uuid.uuid4().hex[:12]}"}]}
    response = checked(http.post("ImagingStudy", data=json.dumps(body), headers={"Content-Type": FHIR_JSON}))
    assert response.status_code == 201, response.text
    return response.json()


def modality(study: dict) -> str:
    return study["series"][0]["modality"]["coding"][0]["code"]


def current(http, study: dict) -> dict:
    response = checked(http.get(f"ImagingStudy/{study['id']}"))
    assert response.status_code == 200, response.text
    return response.json()


def unchanged(http, study: dict) -> None:
    now = current(http, study)
    assert now["meta"]["versionId"] == study["meta"]["versionId"] == "1"
    assert now == study


# JSON Patch: the size budget

def test_a_copy_doubling_json_patch_is_413_at_the_operation_past_the_budget_and_changes_nothing(http, study):
    doubling = [{"op": "copy", "from": "/identifier", "path": "/identifier/-"}] * 17  # 131,072 identifiers
    response = http.patch(f"ImagingStudy/{study['id']}", data=json.dumps(doubling),
                          headers={"Content-Type": JSON_PATCH})
    refused(response, 413, "too-long", f"would make the patched resource over {MAX_PATCHED_CHARS} characters")
    assert "(copy /identifier/-)" in response.json()["issue"][0]["diagnostics"]
    unchanged(http, study)


def test_copies_within_the_budget_are_applied(http, study):
    copies = [{"op": "copy", "from": "/series/0/instance/0", "path": "/series/0/instance/-"}] * 3
    response = checked(http.patch(f"ImagingStudy/{study['id']}", data=json.dumps(copies),
                                  headers={"Content-Type": JSON_PATCH}))
    assert response.status_code == 200, response.text
    instances = response.json()["series"][0]["instance"]
    assert instances[-3:] == [study["series"][0]["instance"][0]] * 3


# FHIRPath Patch: client regular expressions on RE2

def fhirpath_patch(http, study: dict, *operations: dict) -> requests.Response:
    body = json.dumps({"resourceType": "Parameters", "parameter": list(operations)})
    return http.patch(f"ImagingStudy/{study['id']}", data=body, headers={"Content-Type": FHIR_JSON})


def test_a_catastrophic_regex_selects_nothing_at_once_so_a_replace_is_422_and_changes_nothing(http, study):
    path = "ImagingStudy.description.where($this.matches('^(a+)+$'))"
    response = fhirpath_patch(http, study, operation("replace", path, value={"valueString": "x"}))
    refused(response, 422, "processing", "must select exactly one element; it selects 0")
    unchanged(http, study)


def test_a_matching_regex_selects_the_element(http, study):
    path = "ImagingStudy.description.where($this.matches('^(a+)+!$'))"
    response = checked(fhirpath_patch(http, study, operation("replace", path, value={"valueString": "x"})))
    assert response.status_code == 200, response.text
    assert response.json()["description"] == "x"


def test_a_backreference_is_400_naming_the_regex_syntax_and_changes_nothing(http, study):
    path = "ImagingStudy.description.where($this.matches('(a)\\\\1'))"
    response = fhirpath_patch(http, study, operation("delete", path))
    refused(response, 400, "invalid", "RE2 syntax, without backreferences or lookaround")
    unchanged(http, study)


def test_a_path_doubling_a_collection_is_400_too_costly_naming_the_step_limit_and_changes_nothing(http, study):
    path = "ImagingStudy.id" + ".select($this.combine($this))" * 30
    response = fhirpath_patch(http, study, operation("delete", path))
    refused(response, 400, "too-costly", f"the limit is {MAX_FHIRPATH_STEPS}")
    unchanged(http, study)


# Search and conditional interactions: values per OR list and per request

THOUSAND = ",".join(f"M{n}" for n in range(1000))
TOO_MANY = f"modality has 1000 values in one OR list; the limit is {MAX_OR_VALUES}"


def test_an_or_list_of_1000_values_is_a_400_too_costly_naming_the_limit(http, study):
    refused(http.get(f"ImagingStudy?modality={THOUSAND}"), 400, "too-costly", TOO_MANY)
    refused(http.post("ImagingStudy/_search", data={"modality": THOUSAND}), 400, "too-costly", TOO_MANY)


def test_more_values_in_all_than_the_limit_is_a_400_too_costly_naming_it(http, study):
    lists = [",".join(f"{kind}{n}" for n in range(MAX_OR_VALUES)) for kind in ("A", "B", "C")]
    response = http.get("ImagingStudy?" + "&".join(f"modality={values}" for values in lists))
    refused(response, 400, "too-costly", f"the limit is {MAX_SEARCH_VALUES}")


def test_an_or_list_at_the_limit_is_answered_with_its_matches(http, study):
    values = [f"M{n}" for n in range(MAX_OR_VALUES - 1)] + [modality(study)]
    response = checked(http.get("ImagingStudy?modality=" + ",".join(values)))
    assert response.status_code == 200, response.text
    assert [e["resource"]["id"] for e in response.json().get("entry", [])] == [study["id"]]


def test_conditional_interactions_are_bounded_the_same_way(http, study):
    query = f"modality={THOUSAND},{modality(study)}"
    other = copy.deepcopy(FIXTURE)
    other["identifier"] = own_uid()
    other["series"][0]["modality"] = {"coding": [{"system": DCM, "code": f"Y{uuid.uuid4().hex[:12]}"}]}
    body = json.dumps(other)
    created = http.post("ImagingStudy", data=body, headers={"Content-Type": FHIR_JSON, "If-None-Exist": query})
    refused(created, 400, "too-costly", "1001 values in one OR list")
    refused(http.put(f"ImagingStudy?{query}", data=body, headers={"Content-Type": FHIR_JSON}),
            400, "too-costly", "1001 values in one OR list")
    refused(http.patch(f"ImagingStudy?{query}", data=json.dumps([{"op": "replace", "path": "/status",
                                                                   "value": "cancelled"}]),
                       headers={"Content-Type": JSON_PATCH}), 400, "too-costly", "1001 values in one OR list")
    refused(http.delete(f"ImagingStudy?{query}"), 400, "too-costly", "1001 values in one OR list")
    unchanged(http, study)
    created = checked(http.get(f"ImagingStudy?modality={modality(other)}"))
    assert created.json().get("entry", []) == []  # neither the create nor the update made a study
