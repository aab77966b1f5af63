"""PATCH over HTTP through the local stack: JSON Patch and FHIRPath Patch, and every rule around them."""
from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.oracle import assert_valid_r5
from tests.patch_documents import operation as op
from tests.uids import own_uid

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "imagingstudy-example.json").read_text())
FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"
SOP_CT = {"system": "urn:ietf:rfc:3986", "code": "urn:oid:1.2.840.10008.5.1.4.1.1.2"}
SECOND_SERIES = {
    "uid": "1.2.3.2", "number": 4,
    "modality": {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "CT"}]},
    "instance": [{"uid": "1.2.3.2.1", "sopClass": SOP_CT, "number": 1},
                 {"uid": "1.2.3.2.2", "sopClass": SOP_CT, "number": 2}],
}


def checked(response: requests.Response) -> requests.Response:
    """Never a 5xx; every body is an R5 resource served as FHIR JSON."""
    assert response.status_code < 500, response.text
    if response.content:
        assert response.headers["Content-Type"].startswith(FHIR_JSON)
        assert_valid_r5(response.content)
    return response


@pytest.fixture
def study(http) -> dict:
    """A fresh two-series study (the official example plus a series of two instances), version 1."""
    body = own_uid(copy.deepcopy(FIXTURE))
    body["series"].append(copy.deepcopy(SECOND_SERIES))
    response = checked(http.post("ImagingStudy", data=json.dumps(body), headers={"Content-Type": FHIR_JSON}))
    assert response.status_code == 201, response.text
    return response.json()


def json_patch(http, rid: str, operations: Any, **headers: str) -> requests.Response:
    body = operations if isinstance(operations, str) else json.dumps(operations)
    return checked(http.patch(f"ImagingStudy/{rid}", data=body, headers={"Content-Type": JSON_PATCH, **headers}))




def fhirpath_patch(http, rid: str, *operations: dict, **headers: str) -> requests.Response:
    body = json.dumps({"resourceType": "Parameters", "parameter": list(operations)})
    return checked(http.patch(f"ImagingStudy/{rid}", data=body, headers={"Content-Type": FHIR_JSON, **headers}))


def read(http, rid: str) -> requests.Response:
    response = checked(http.get(f"ImagingStudy/{rid}"))
    assert response.status_code == 200, response.text
    return response


def history_methods(http, rid: str) -> list[str]:
    bundle = checked(http.get(f"ImagingStudy/{rid}/_history")).json()
    return [entry["request"]["method"] for entry in bundle["entry"]]


def outcome_of(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["severity"] == "error"
    return outcome


# success

def test_json_patch_returns_the_next_version_with_etag_location_and_history_shows_a_put(http, study):
    # GIVEN a study at version 1
    rid = study["id"]
    # WHEN a JSON Patch with add, remove, replace, move, copy and test is sent with the current If-Match
    response = json_patch(http, rid, [
        {"op": "test", "path": "/status", "value": "available"},
        {"op": "replace", "path": "/status", "value": "cancelled"},
        {"op": "add", "path": "/description", "value": "two series"},
        {"op": "remove", "path": "/series/0/bodySite"},
        {"op": "move", "from": "/series/1", "path": "/series/0"},
        {"op": "add", "path": "/modality", "value": []},
        {"op": "copy", "from": "/series/0/modality", "path": "/modality/-"},
        {"op": "add", "path": "/series/0/instance/-", "value": {"uid": "1.2.3.2.3", "sopClass": SOP_CT}},
    ], **{"If-Match": 'W/"1"'})
    # THEN 200 with version 2, its ETag, Location and Last-Modified, and the body is what read returns
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meta"]["versionId"] == "2" and response.headers["ETag"] == 'W/"2"'
    assert response.headers["Location"] == f"{http.base_url}/ImagingStudy/{rid}/_history/2"
    assert response.headers["Last-Modified"].endswith("GMT")
    assert body["status"] == "cancelled" and body["description"] == "two series"
    assert [s["uid"] for s in body["series"]] == ["1.2.3.2", FIXTURE["series"][0]["uid"]]
    assert [i["uid"] for i in body["series"][0]["instance"]] == ["1.2.3.2.1", "1.2.3.2.2", "1.2.3.2.3"]
    assert "bodySite" not in body["series"][1] and body["modality"] == [body["series"][0]["modality"]]
    assert read(http, rid).json() == body
    # AND the history records the patch as an update (bdl-14: PUT)
    assert history_methods(http, rid) == ["PUT", "POST"]


def test_fhirpath_patch_applies_every_operation_type_on_nested_elements(http, study):
    rid = study["id"]
    new_instance = {"part": [{"name": "uid", "valueId": "1.2.3.2.0"}, {"name": "sopClass", "valueCoding": SOP_CT},
                             {"name": "number", "valueUnsignedInt": 0}]}
    response = fhirpath_patch(
        http, rid,
        op("insert", "ImagingStudy.series[1].instance", index=0, value=new_instance),
        op("delete", "ImagingStudy.series.instance.where(uid='1.2.3.2.2')"),
        op("replace", "ImagingStudy.series[1].instance[1].number", value={"valueUnsignedInt": 5}),
        op("add", "ImagingStudy.series[1]", name="performer",
           value={"part": [{"name": "actor", "valueReference": {"reference": "Practitioner/example"}}]}),
        op("add", "ImagingStudy.series[1]", name="description", value={"valueString": "late series"}),
        op("replace", "ImagingStudy.status", value={"valueCode": "registered"}),
        op("move", "ImagingStudy.series", source=1, destination=0),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    first, second = body["series"]
    assert first["uid"] == "1.2.3.2" and second["uid"] == FIXTURE["series"][0]["uid"]
    assert first["instance"] == [{"uid": "1.2.3.2.0", "sopClass": SOP_CT, "number": 0},
                                 {"uid": "1.2.3.2.1", "sopClass": SOP_CT, "number": 5}]
    assert first["performer"] == [{"actor": {"reference": "Practitioner/example"}}]
    assert first["description"] == "late series" and body["status"] == "registered"
    assert second == FIXTURE["series"][0]
    assert response.headers["ETag"] == 'W/"2"' and history_methods(http, rid) == ["PUT", "POST"]


def test_fhirpath_delete_of_nothing_is_200_with_a_new_version_of_the_same_content(http, study):
    response = fhirpath_patch(http, study["id"], op("delete", "ImagingStudy.note"))
    assert response.status_code == 200 and response.headers["ETag"] == 'W/"2"'
    assert {k: v for k, v in response.json().items() if k != "meta"} == \
           {k: v for k, v in study.items() if k != "meta"}


@pytest.mark.parametrize("prefer, has_body", [("return=minimal", False), ("return=representation", True)])
def test_patch_honours_prefer_return(http, study, prefer, has_body):
    response = json_patch(http, study["id"], [{"op": "remove", "path": "/numberOfInstances"}], Prefer=prefer)
    assert response.status_code == 200 and response.headers["ETag"] == 'W/"2"'
    assert response.headers["Location"].endswith(f"/ImagingStudy/{study['id']}/_history/2")
    assert bool(response.content) is has_body
    assert "numberOfInstances" not in read(http, study["id"]).json()


def test_patch_with_prefer_operation_outcome_reports_the_new_version(http, study):
    response = json_patch(http, study["id"], [{"op": "remove", "path": "/numberOfInstances"}],
                          Prefer="return=OperationOutcome")
    assert response.status_code == 200
    assert "updated as version 2" in response.json()["issue"][0]["diagnostics"]


def test_patch_keeps_decimals_as_sent(http):
    body = {**own_uid(FIXTURE), "extension": [{"url": "http://example.org/dose", "valueDecimal": 1.50}]}
    text = json.dumps(body).replace('"valueDecimal": 1.5', '"valueDecimal": 1.50')
    rid = checked(http.post("ImagingStudy", data=text, headers={"Content-Type": FHIR_JSON})).json()["id"]
    json_patch(http, rid, [{"op": "replace", "path": "/status", "value": "cancelled"}])
    assert '"valueDecimal":1.50' in read(http, rid).text


def test_concurrent_patches_without_if_match_are_all_applied(http, study):
    # GIVEN one study; WHEN 8 clients each append an instance at the same moment, without If-Match
    rid = study["id"]

    def append(n: int) -> int:
        with requests.Session() as session:
            response = session.patch(f"{http.base_url}/ImagingStudy/{rid}", timeout=60,
                                     headers={"Content-Type": JSON_PATCH},
                                     data=json.dumps([{"op": "add", "path": "/series/1/instance/-",
                                                       "value": {"uid": f"1.2.3.2.{100 + n}", "sopClass": SOP_CT}}]))
            return response.status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(append, range(8)))
    # THEN every patch landed on top of the others: no lost update, one version each
    assert statuses == [200] * 8
    stored = read(http, rid)
    assert stored.headers["ETag"] == 'W/"9"'
    added = {i["uid"] for i in stored.json()["series"][1]["instance"]} - {"1.2.3.2.1", "1.2.3.2.2"}
    assert added == {f"1.2.3.2.{100 + n}" for n in range(8)}


def test_capability_statement_lists_patch_and_both_formats(http):
    statement = checked(http.get("metadata")).json()
    assert statement["patchFormat"] == [JSON_PATCH, FHIR_JSON]
    assert {"code": "patch"} in statement["rest"][0]["resource"][0]["interaction"]


# refusals: each an OperationOutcome, none changing the stored study

REMOVE_DESCRIPTION = [{"op": "remove", "path": "/series/0/description"}]


@pytest.mark.parametrize("case, send, status, diagnostics", [
    ("unknown op", lambda http, rid: json_patch(http, rid, [{"op": "upsert", "path": "/status"}]), 400,
     "has op 'upsert'"),
    ("not json", lambda http, rid: json_patch(http, rid, "[{"), 400, "not valid JSON"),
    ("bad fhirpath", lambda http, rid: fhirpath_patch(http, rid, op("delete", "ImagingStudy.series[")), 400,
     "is not a FHIRPath expression"),
    ("missing part", lambda http, rid: fhirpath_patch(http, rid, op("replace", "ImagingStudy.status")), 400,
     "has no value part"),
    ("failed test", lambda http, rid: json_patch(http, rid, [{"op": "test", "path": "/status", "value": "x"}]),
     422, "the test failed"),
    ("missing target", lambda http, rid: json_patch(http, rid, [{"op": "replace", "path": "/note/0", "value": {}}]),
     422, "cannot be applied"),
    ("invalid result", lambda http, rid: json_patch(http, rid, [{"op": "replace", "path": "/status",
                                                                 "value": "done"}]), 422, "'status' has code 'done'"),
    ("empty string", lambda http, rid: fhirpath_patch(http, rid, op("replace", "ImagingStudy.series[0].uid",
                                                                    value={"valueId": ""})), 422, "empty string"),
    ("patched id", lambda http, rid: json_patch(http, rid, [{"op": "replace", "path": "/id", "value": "x"}]), 422,
     "id is set by the server"),
    ("patched resourceType", lambda http, rid: fhirpath_patch(
        http, rid, op("replace", "ImagingStudy.resourceType", value={"valueString": "Patient"})), 422,
     "resourceType is set by the server"),
    ("patched versionId", lambda http, rid: json_patch(http, rid, [{"op": "add", "path": "/meta/versionId",
                                                                    "value": "5"}]), 422, "meta.versionId"),
    ("ambiguous replace", lambda http, rid: fhirpath_patch(
        http, rid, op("replace", "ImagingStudy.series.uid", value={"valueId": "1.2"})), 422, "selects 2"),
    ("stale if-match", lambda http, rid: json_patch(http, rid, REMOVE_DESCRIPTION, **{"If-Match": 'W/"2"'}), 412,
     "If-Match asked for version 2"),
    ("malformed if-match", lambda http, rid: json_patch(http, rid, REMOVE_DESCRIPTION, **{"If-Match": "2"}), 400,
     "If-Match must be a version ETag"),
    ("application/json", lambda http, rid: checked(http.patch(
        f"ImagingStudy/{rid}", data=json.dumps(REMOVE_DESCRIPTION), headers={"Content-Type": "application/json"})),
     415, "is not a patch format"),
    ("no content type", lambda http, rid: checked(http.patch(f"ImagingStudy/{rid}", data=b"[]")), 415,
     "Content-Type is missing"),
    ("latin-1", lambda http, rid: checked(http.patch(
        f"ImagingStudy/{rid}", data=b"[]", headers={"Content-Type": f"{JSON_PATCH}; charset=iso-8859-1"})),
     415, "charset"),
    ("xml accepted", lambda http, rid: json_patch(http, rid, REMOVE_DESCRIPTION, Accept="application/fhir+xml"),
     406, "application/fhir+xml"),
])
def test_refused_patch_gets_an_operation_outcome_and_changes_nothing(http, study, case, send, status, diagnostics):
    before = read(http, study["id"])
    outcome = outcome_of(send(http, study["id"]), status)
    assert any(diagnostics in issue["diagnostics"] for issue in outcome["issue"]), outcome
    after = read(http, study["id"])
    assert (after.text, after.headers["ETag"]) == (before.text, before.headers["ETag"])


def test_invalid_result_names_each_problem_with_its_expression(http, study):
    response = json_patch(http, study["id"], [{"op": "remove", "path": "/subject"},
                                              {"op": "replace", "path": "/series/1/uid", "value": "1 2"}])
    outcome = outcome_of(response, 422)
    expressions = {e for issue in outcome["issue"] for e in issue.get("expression", [])}
    assert {"ImagingStudy.subject", "ImagingStudy.series[1].uid"} <= expressions


def test_patch_of_an_unknown_study_is_404(http):
    outcome = outcome_of(json_patch(http, "never-created", REMOVE_DESCRIPTION), 404)
    assert outcome["issue"][0]["code"] == "not-found"


def test_patch_of_a_deleted_study_is_410_and_writes_nothing(http, study):
    assert checked(http.delete(f"ImagingStudy/{study['id']}")).status_code == 204
    outcome = outcome_of(json_patch(http, study["id"], REMOVE_DESCRIPTION), 410)
    assert outcome["issue"][0]["code"] == "deleted"
    assert history_methods(http, study["id"]) == ["DELETE", "POST"]


def test_patch_with_the_current_if_match_succeeds_and_a_repeat_is_412(http, study):
    first = json_patch(http, study["id"], REMOVE_DESCRIPTION, **{"If-Match": 'W/"1"'})
    assert first.status_code == 200 and first.headers["ETag"] == 'W/"2"'
    again = json_patch(http, study["id"], [{"op": "remove", "path": "/numberOfSeries"}], **{"If-Match": 'W/"1"'})
    outcome_of(again, 412)
    assert read(http, study["id"]).headers["ETag"] == 'W/"2"'
