"""Every interaction, through its real handler invoked with its events/ file, over moto DynamoDB."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fhirimaging.interactions import INTERACTIONS
from tests.uids import own_uid

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def create(api, body=None, **kwargs):
    response = api("create", body=body, **kwargs) if body is not None else api("create", **kwargs)
    assert response.status == 201, response.text
    return response


def created_id(response) -> str:
    return urlsplit(response.headers["location"]).path.split("/")[-3]


def update_body(api, rid, **changes) -> dict:
    resource = api("read", id=rid).json()
    return {**resource, **changes}


# capabilities

def test_metadata_is_an_r5_capability_statement_listing_the_registry(api):
    response = api("capabilities")
    statement = response.json()
    assert response.status == 200 and statement["fhirVersion"] == "5.0.0"
    resource = statement["rest"][0]["resource"][0]
    assert resource["type"] == "ImagingStudy" and resource["versioning"] == "versioned-update"
    assert resource["readHistory"] is True and resource["updateCreate"] is True
    assert {i["code"] for i in resource["interaction"]} == {i.code for i in INTERACTIONS if i.level == "resource"}


def test_smart_configuration_is_plain_json_with_the_configured_endpoints_scopes_and_capabilities(api):
    # GIVEN the OAuth endpoints of the template's parameters
    from fhirimaging import runtime

    configured = runtime.settings()._replace(smart_issuer="https://issuer.example",
                                     smart_jwks_url="https://issuer.example/jwks",
                                     smart_authorize_url="https://issuer.example/authorize",
                                     smart_token_url="https://issuer.example/token")
    runtime.override(configured, runtime.service())
    # WHEN a client discovers them
    response = api("capabilities", "capabilities-smart-configuration")
    # THEN it gets SMART App Launch v2's JSON document (not a FHIR resource)
    assert response.status == 200 and response.headers["content-type"] == "application/json"
    document = response.json()
    assert "resourceType" not in document
    assert (document["issuer"], document["jwks_uri"], document["authorization_endpoint"],
            document["token_endpoint"]) == ("https://issuer.example", "https://issuer.example/jwks",
                                            "https://issuer.example/authorize", "https://issuer.example/token")
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["response_types_supported"] == ["code"]
    assert {"authorization_code", "client_credentials"} <= set(document["grant_types_supported"])
    assert {"launch-standalone", "client-public", "client-confidential-symmetric", "context-standalone-patient",
            "permission-patient", "permission-user", "permission-v2", "permission-v1"} <= set(document["capabilities"])
    assert {"launch/patient", "patient/ImagingStudy.rs", "user/ImagingStudy.cruds", "system/ImagingStudy.read",
            "patient/ImagingStudy.*"} <= set(document["scopes_supported"])
    # and every scope it lists is one the handlers grant something for
    from fhirimaging.auth import parse_scopes

    resource_scopes = [s for s in document["scopes_supported"] if "/ImagingStudy." in s]
    assert all(parse_scopes(s) != parse_scopes("") for s in resource_scopes)


def test_smart_configuration_omits_endpoints_that_are_not_configured(api):
    document = api("capabilities", "capabilities-smart-configuration").json()
    assert not {"issuer", "jwks_uri", "authorization_endpoint", "token_endpoint"} & set(document)


# create

def test_create_returns_201_with_location_etag_and_last_modified(api):
    response = create(api)
    body = response.json()
    assert response.headers["location"] == f"http://localhost:3000/fhir/R5/ImagingStudy/{body['id']}/_history/1"
    assert response.headers["etag"] == 'W/"1"'
    assert response.headers["last-modified"].endswith(" GMT")
    assert body["meta"]["versionId"] == "1"
    assert api("read", id=body["id"]).json() == body


def test_create_ignores_the_client_id(api):
    event_body = {**json.loads((FIXTURES / "imagingstudy-example.json").read_text())}
    response = create(api, body=event_body)
    assert response.json()["id"] != "example"


def test_create_with_prefer_minimal_has_no_body(api):
    response = api("create", "create-prefer-minimal")
    assert response.status == 201 and response.text == "" and response.headers["location"]


def test_create_with_prefer_operation_outcome(api):
    response = api("create", headers={"prefer": "return=OperationOutcome"})
    assert response.status == 201 and response.json()["resourceType"] == "OperationOutcome"


def test_invalid_create_is_400_naming_each_problem_and_stores_nothing(api):
    response = api("create", "create-invalid")
    assert response.status == 400
    expressions = {e for issue in response.json()["issue"] for e in issue.get("expression", [])}
    assert {"ImagingStudy.status", "ImagingStudy.series[0].uid"} <= expressions
    assert "entry" not in api("type_history").json()


@pytest.mark.parametrize("fixture", ["imagingstudy-example.json", "imagingstudy-example-xr.json"])
def test_official_examples_round_trip_unchanged_but_for_id_and_meta(api, fixture):
    sent = json.loads((FIXTURES / fixture).read_text())
    rid = created_id(create(api, body=(FIXTURES / fixture).read_text()))
    stored = api("read", id=rid).json()
    strip = lambda r: {k: v for k, v in r.items() if k not in ("id", "meta")}  # noqa: E731
    assert strip(stored) == strip(sent)
    assert stored["meta"]["tag"] == sent["meta"]["tag"]


# read / vread

def test_read_unknown_is_404(api):
    response = api("read", id="does-not-exist")
    assert response.status == 404 and response.json()["issue"][0]["code"] == "not-found"


def test_read_after_delete_is_410(api):
    rid = created_id(create(api))
    assert api("delete", id=rid).status == 204
    assert api("read", id=rid).status == 410


def test_vread_returns_each_version_404_for_unknown_and_410_for_a_deletion(api):
    rid = created_id(create(api))
    api("update", id=rid, body=update_body(api, rid, description="two"))
    api("delete", id=rid)
    first = api("vread", id=rid, vid="1")
    assert first.status == 200 and first.headers["etag"] == 'W/"1"' and "description" not in first.json()
    assert api("vread", id=rid, vid="2").json()["description"] == "two"
    assert api("vread", id=rid, vid="3").status == 410
    assert api("vread", id=rid, vid="4").status == 404


# update

def test_update_writes_the_next_version(api):
    rid = created_id(create(api))
    response = api("update", id=rid, body=update_body(api, rid, description="changed"))
    assert response.status == 200 and response.headers["etag"] == 'W/"2"'
    assert response.headers["location"].endswith(f"/ImagingStudy/{rid}/_history/2")
    assert api("read", id=rid).json()["description"] == "changed"


def test_update_with_stale_if_match_returns_412_and_keeps_the_current_version(api):
    rid = created_id(create(api))
    assert api("update", "update-if-match", id=rid, body=update_body(api, rid)).status == 200
    response = api("update", "update-if-match", id=rid, body=update_body(api, rid, description="lost"))
    assert response.status == 412
    assert api("read", id=rid).headers["etag"] == 'W/"2"'


def test_update_creates_with_a_client_assigned_id(api):
    response = api("update")  # events/update.json: PUT ImagingStudy/example with id "example"
    assert response.status == 201 and response.json()["id"] == "example"
    assert api("read", id="example").status == 200


@pytest.mark.parametrize("body_id", [None, "someone-else"])
def test_update_with_missing_or_different_body_id_is_400(api, body_id):
    body = json.loads(load_body("update"))
    body.pop("id") if body_id is None else body.update(id=body_id)
    response = api("update", body=body)
    assert response.status == 400 and response.json()["issue"][0]["expression"] == ["ImagingStudy.id"]
    assert api("read", id="example").status == 404


def test_put_after_delete_brings_the_resource_back_as_the_next_version(api):
    rid = created_id(create(api))
    body = update_body(api, rid)
    api("delete", id=rid)
    response = api("update", id=rid, body=body)
    assert response.status == 201 and response.headers["etag"] == 'W/"3"'
    assert api("read", id=rid).status == 200


# delete

def test_delete_is_204_idempotent_and_leaves_a_history_entry(api):
    rid = created_id(create(api))
    assert api("delete", id=rid).status == 204
    assert api("delete", id=rid).status == 204
    assert api("delete", id="never-was").status == 204
    entries = api("history", id=rid).json()["entry"]
    assert [e["request"]["method"] for e in entries] == ["DELETE", "POST"]
    assert "resource" not in entries[0] and entries[0]["response"]["status"].startswith("204")


def test_delete_with_prefer_operation_outcome_is_200(api):
    rid = created_id(create(api))
    response = api("delete", id=rid, headers={"prefer": "return=OperationOutcome"})
    assert response.status == 200 and response.json()["resourceType"] == "OperationOutcome"


# history

def test_history_is_newest_first_with_request_and_response_and_pages(api):
    rid = created_id(create(api))
    for n in range(2, 6):
        api("update", id=rid, body=update_body(api, rid, description=f"v{n}"))
    page = api("history", id=rid, query="_count=2").json()
    assert page["type"] == "history"
    assert [e["response"]["etag"] for e in page["entry"]] == ['W/"5"', 'W/"4"']
    assert all(e["request"]["method"] == "PUT" and e["fullUrl"].endswith(f"/ImagingStudy/{rid}")
               for e in page["entry"])
    seen = [e["resource"]["meta"]["versionId"] for e in page["entry"]]
    while (next_link := next((link["url"] for link in page["link"] if link["relation"] == "next"), None)):
        page = api("history", id=rid, query=urlsplit(next_link).query).json()
        seen += [e["resource"]["meta"]["versionId"] for e in page["entry"]]
    assert seen == ["5", "4", "3", "2", "1"]


def test_history_since_and_at_select_versions_by_time(api):
    rid = created_id(create(api))
    api("update", id=rid, body=update_body(api, rid))
    entries = api("history", id=rid).json()["entry"]
    newest = entries[0]["response"]["lastModified"]
    since = api("history", id=rid, query=f"_since={newest}").json()["entry"]
    assert [e["response"]["etag"] for e in since] == ['W/"2"']
    at = api("history", id=rid, query=f"_at={newest}").json()["entry"]
    assert [e["response"]["etag"] for e in at] == ['W/"2"']
    assert api("history", id=rid, query="_since=not-a-date").status == 400


def test_history_rejects_a_forged_cursor_and_unknown_resources(api):
    rid = created_id(create(api))
    assert api("history", id=rid, query="_cursor=forged.cursor").status == 400
    assert api("history", id="unknown").status == 404


def test_type_history_lists_every_study_newest_first_and_pages(api):
    example = json.loads((FIXTURES / "imagingstudy-example.json").read_text())
    ids = [created_id(create(api, own_uid(example))) for _ in range(3)]
    api("delete", id=ids[0])
    page = api("type_history", query="_count=3").json()
    assert [(e["fullUrl"].rsplit("/", 1)[1], e["request"]["method"]) for e in page["entry"]] == [
        (ids[0], "DELETE"), (ids[2], "POST"), (ids[1], "POST")]
    next_link = next(link["url"] for link in page["link"] if link["relation"] == "next")
    rest = api("type_history", query=urlsplit(next_link).query).json()
    assert [e["fullUrl"].rsplit("/", 1)[1] for e in rest["entry"]] == [ids[0]]


# unknown routes

def test_unknown_method_is_405_with_allow_and_unknown_path_is_404(api):
    response = api("fallback")  # POST ImagingStudy/example
    assert response.status == 405 and response.headers["allow"] == "DELETE, GET, PATCH, PUT"
    response = api("fallback", "fallback-not-found")  # GET Patient/123/ImagingStudy
    assert response.status == 404 and response.json()["issue"][0]["code"] == "not-found"


def load_body(name: str) -> str:
    return json.loads((Path(__file__).resolve().parents[2] / "events" / f"{name}.json").read_text())["body"]
