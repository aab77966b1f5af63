"""The patch function invoked with its events/ files (JSON Patch and FHIRPath Patch) over moto DynamoDB."""
from __future__ import annotations

import json


def given_the_example_study(api) -> dict:
    created = api("update")  # events/update.json: update-as-create of ImagingStudy/example
    assert created.status == 201, created.text
    return created.json()


def test_json_patch_event_writes_version_2_with_etag_and_location(api):
    # GIVEN ImagingStudy/example at version 1
    before = given_the_example_study(api)
    # WHEN the JSON Patch event (test status, replace status, add description) is invoked
    response = api("patch")
    # THEN version 2 is the patched study, served with the write's headers
    body = response.json()
    assert response.status == 200, response.text
    assert body["status"] == "cancelled" and body["description"] == "CT chest, cancelled"
    assert body["meta"]["versionId"] == "2" and response.headers["etag"] == 'W/"2"'
    assert response.headers["location"] == "http://localhost:3000/fhir/R5/ImagingStudy/example/_history/2"
    assert {k: v for k, v in body.items() if k not in ("meta", "status", "description")} == \
           {k: v for k, v in before.items() if k not in ("meta", "status", "description")}
    # AND read returns it, and history records the patch as a PUT (bdl-14)
    assert api("read").json() == body
    assert [e["request"]["method"] for e in api("history").json()["entry"]] == ["PUT", "PUT"]


def test_fhirpath_patch_event_inserts_replaces_adds_and_deletes(api):
    # GIVEN ImagingStudy/example with one instance and a description
    before = given_the_example_study(api)
    # WHEN the FHIRPath Patch event records a second instance
    response = api("patch", "patch-fhirpath")
    # THEN the instance is first in the series, the counts follow, the series is described, the study is not
    assert response.status == 200, response.text
    body = response.json()
    series = body["series"][0]
    assert [i["uid"] for i in series["instance"]] == [
        "2.16.124.113543.6003.189642796.63084.16748.2599092904", before["series"][0]["instance"][0]["uid"]]
    assert series["numberOfInstances"] == body["numberOfInstances"] == 2
    assert series["description"] == "CT chest, axial" and "description" not in body


def test_json_patch_event_with_prefer_minimal_has_no_body(api):
    given_the_example_study(api)
    response = api("patch", headers={"prefer": "return=minimal"})
    assert response.status == 200 and response.text == "" and response.headers["etag"] == 'W/"2"'


def test_failed_test_operation_is_422_and_leaves_the_study_alone(api):
    before = given_the_example_study(api)
    body = json.dumps([{"op": "test", "path": "/status", "value": "cancelled"}])
    response = api("patch", body=body)
    assert response.status == 422 and response.json()["issue"][0]["code"] == "processing"
    assert api("read").json() == before


def test_patch_with_a_resource_content_type_is_415(api):
    given_the_example_study(api)
    response = api("patch", headers={"content-type": "application/xml"})
    assert response.status == 415


def test_patch_of_an_unknown_study_is_404(api):
    assert api("patch").status == 404
