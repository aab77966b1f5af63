"""Malformed requests over HTTP: each gets its own 4xx OperationOutcome naming the problem, and changes nothing.

Every case runs between two snapshots of stored state: the read (body and ETag) of one study the module
created, and the number of type-level history entries since the module started (`_since` keeps the count
exact: far below the 1000-entry page whatever else this worker's stack holds).
"""
from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from fhirimaging.settings import Settings
from tests.integration.conftest import FhirHttp
from tests.oracle import assert_valid_r5
from tests.uids import own_uid

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "imagingstudy-example.json").read_text())
FHIR_JSON = "application/fhir+json"
# Deep enough that writing the parsed body back recurses too far, yet shallow enough to parse: the window
# moved in Python 3.12, whose json C code and comprehensions recurse differently.
TOO_DEEP_TO_STORE = 700 if sys.version_info < (3, 12) else 1200


@dataclass(frozen=True)
class Existing:
    """The study every case must leave alone, and what the cases build their requests from."""

    id: str
    study: dict  # the current version as stored (version 2)
    cursor: str  # a genuine next-page cursor of this study's instance history with _count=1
    since: str  # lastUpdated of version 1: type history since then holds only this module's writes
    max_body_bytes: int


@pytest.fixture(scope="module")
def existing(stack) -> Existing:
    with FhirHttp(stack.base_url) as http:
        created = http.post("ImagingStudy", data=json.dumps(own_uid(FIXTURE)), headers={"Content-Type": FHIR_JSON})
        assert created.status_code == 201, created.text
        first = assert_valid_r5(created.text)
        updated = http.put(f"ImagingStudy/{first['id']}", headers={"Content-Type": FHIR_JSON},
                           data=json.dumps({**first, "description": "the study malformed requests must not touch"}))
        assert updated.status_code == 200, updated.text
        page = http.get(f"ImagingStudy/{first['id']}/_history", params={"_count": 1})
        assert page.status_code == 200, page.text
        next_url = next(link["url"] for link in assert_valid_r5(page.text)["link"] if link["relation"] == "next")
        return Existing(
            id=first["id"],
            study=assert_valid_r5(updated.text),
            cursor=parse_qs(urlsplit(next_url).query)["_cursor"][0],
            since=first["meta"]["lastUpdated"],
            max_body_bytes=Settings.from_env(stack.environment).max_body_bytes,
        )


# How each case builds its body from the existing study (a deep copy, free to change).

def edited(change: Callable[[dict], Any]) -> Callable[[Existing], str]:
    def build(e: Existing) -> str:
        study = copy.deepcopy(e.study)
        change(study)
        return json.dumps(study)
    return build


def raw(body: str | bytes) -> Callable[[Existing], str | bytes]:
    return lambda e: body


def study_as_is(e: Existing) -> str:
    return json.dumps(e.study)


def with_id(resource_id: str) -> Callable[[Existing], str]:
    return edited(lambda s: s.update(id=resource_id))


def oversize(e: Existing) -> bytes:
    return json.dumps(e.study).encode() + b" " * e.max_body_bytes  # valid JSON, one limit of padding


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_objects(depth: int) -> dict:
    value: dict = {"a": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def contained_too_deep_to_store(e: Existing) -> str:
    study = {**e.study, "extension": [{"url": "http://example.org/d", "valueDecimal": 0.5}]}
    deep = '{"a": ' * TOO_DEEP_TO_STORE + "1" + "}" * TOO_DEEP_TO_STORE
    return json.dumps(study)[:-1] + f', "contained": [{{"resourceType": "Patient", "id": "p", "x": {deep}}}]}}'


def tampered(cursor: str) -> str:
    payload, mac = cursor.split(".")
    return f"{'B' if payload[0] == 'A' else 'A'}{payload[1:]}.{mac}"


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str  # relative to the base; {id}, {cursor}, {tampered} and {max_body_bytes} are filled in
    status: int
    diagnostics: str | None = None  # a substring of some issue's diagnostics (filled in like the path)
    expression: str | None = None  # one issue's FHIRPath expression
    body: Callable[[Existing], str | bytes] | None = None
    headers: dict[str, str | None] = field(default_factory=dict)  # None removes the default Content-Type
    allow: frozenset[str] | None = None  # the Allow header of a 405


def put(case_id, body, status=400, diagnostics=None, expression=None, **kw) -> Case:
    return Case(case_id, "PUT", "ImagingStudy/{id}", status, diagnostics, expression, body, **kw)


def post(case_id, body, status=400, diagnostics=None, expression=None, **kw) -> Case:
    return Case(case_id, "POST", "ImagingStudy", status, diagnostics, expression, body, **kw)


def get(case_id, path, status, diagnostics, **kw) -> Case:
    return Case(case_id, "GET", path, status, diagnostics, **kw)


SERIES_0 = "ImagingStudy.series[0]"
RESOURCE_METHODS = frozenset({"GET", "PUT", "PATCH", "DELETE"})
JSON_PATCH = "application/json-patch+json"


def patch(case_id, document, status, diagnostics, content_type=JSON_PATCH, expression=None, **kw) -> Case:
    body = raw(document if isinstance(document, str) else json.dumps(document))
    return Case(case_id, "PATCH", "ImagingStudy/{id}", status, diagnostics, expression, body,
                headers={"Content-Type": content_type, **kw.pop("headers", {})}, **kw)


def fhirpath_delete(path: str) -> dict:
    return {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": [
        {"name": "type", "valueCode": "delete"}, {"name": "path", "valueString": path}]}]}


CASES = [
    # the body is not JSON, or not a JSON object
    post("truncated-json-is-400", raw('{"resourceType": "ImagingStudy", "status": "availa'),
         diagnostics="the body is not valid JSON: Unterminated string"),
    post("trailing-comma-is-400", raw('{"resourceType": "ImagingStudy", "status": "available",}'),
         diagnostics="the body is not valid JSON: Expecting property name"),
    post("json-array-body-is-400", raw("[]"), diagnostics="the body must be a JSON object"),
    post("json-string-body-is-400", raw('"ImagingStudy"'), diagnostics="the body must be a JSON object"),
    post("json-number-body-is-400", raw("42"), diagnostics="the body must be a JSON object"),
    post("empty-body-is-400", raw(""), diagnostics="the request body is empty"),
    post("duplicate-key-is-400", raw('{"resourceType": "ImagingStudy", "status": "available", '
                                     '"status": "cancelled", "subject": {"reference": "Patient/p"}}'),
         diagnostics='duplicate property "status"'),
    post("invalid-utf8-bytes-are-400", raw(b'{"resourceType": "ImagingStudy", "description": "\xff\xfe"}'),
         diagnostics="the body is not UTF-8"),
    post("nan-literal-is-400", raw('{"resourceType": "ImagingStudy", "numberOfSeries": NaN}'),
         diagnostics="NaN is not a JSON number"),
    # what no FHIR JSON may hold, refused while parsing: even inside contained resources, which are not validated
    put("nan-in-a-contained-resource-is-400",
        edited(lambda s: s.update(contained=[{"resourceType": "Patient", "id": "p", "x": float("nan")}])),
        diagnostics="NaN is not a JSON number"),
    put("unpaired-surrogate-in-a-contained-resource-is-400",
        edited(lambda s: s.update(contained=[{"resourceType": "Patient", "id": "p", "name": "\ud800"}])),
        diagnostics='a string in "name" contains an unpaired surrogate U+D800'),
    put("control-character-in-a-contained-resource-is-400",
        edited(lambda s: s.update(contained=[{"resourceType": "Patient", "id": "p", "x": "\u0000decimal:1"}],
                                  extension=[{"url": "http://example.org/d", "valueDecimal": 1.5}])),
        diagnostics='a string in "x" contains the control character U+0000'),
    post("json-nested-beyond-the-parser-is-400", raw(nested(100_000)), diagnostics="nested too deeply"),
    put("contained-resource-too-deep-to-store-is-400", contained_too_deep_to_store,
        diagnostics="the body is nested too deeply: more than 64 levels"),  # refused by the depth limit first
    # hostile input limits (limits.py, http/limits.py)
    put("json-nested-65-levels-is-400", edited(lambda s: s.update(contained=[{"resourceType": "Patient", "id": "p",
                                                                            "x": nested_objects(62)}])),
        diagnostics="the body is nested too deeply: more than 64 levels"),
    put("an-array-of-100001-items-is-413", edited(lambda s: s.update(contained=[
        {"resourceType": "Patient", "id": "p", "x": [0] * 100_001}])), status=413,
        diagnostics="an array in the body has 100001 items; the limit is 100000"),
    put("a-string-over-1-mib-is-400", edited(lambda s: s.update(description="a" * (1024 * 1024 + 1))),
        diagnostics="a string in the body has 1048577 characters; the limit is 1048576"),
    patch("a-patch-nested-65-levels-is-400", [{"op": "add", "path": "/extension", "value": nested_objects(64)}], 400,
          "the patch document is nested too deeply"),
    get("a-query-string-over-8-kib-is-414", "ImagingStudy?identifier=" + "x" * 8200, 414,
        "the query string is 8211 characters; the limit is 8192"),
    get("over-100-query-parameters-is-400", "ImagingStudy?" + "&".join(["modality=CT"] * 101), 400,
        "the query has 101 parameters; the limit is 100"),
    Case("a-long-query-is-414-on-a-write-too", "DELETE", "ImagingStudy?identifier=" + "x" * 8200, 414,
         "the limit is 8192"),
    # not an ImagingStudy
    post("patient-resource-is-400", edited(lambda s: s.update(resourceType="Patient")),
         diagnostics="resourceType must be ImagingStudy, not 'Patient'", expression="resourceType"),
    post("missing-resource-type-is-400", edited(lambda s: s.pop("resourceType")),
         diagnostics="resourceType must be ImagingStudy, not None", expression="resourceType"),
    # FHIR JSON rules
    put("unknown-top-level-element-is-400", edited(lambda s: s.update(colour="blue")),
        diagnostics="Unknown element 'colour'", expression="ImagingStudy.colour"),
    put("unknown-nested-element-is-400", edited(lambda s: s["series"][0].update(colour="blue")),
        diagnostics="Unknown element 'colour'", expression=f"{SERIES_0}.colour"),
    put("empty-string-is-400", edited(lambda s: s.update(description="")),
        diagnostics="is an empty string", expression="ImagingStudy.description"),
    put("empty-array-is-400", edited(lambda s: s.update(identifier=[])),
        diagnostics="is an empty array", expression="ImagingStudy.identifier"),
    put("empty-object-is-400", edited(lambda s: s.update(subject={})),
        diagnostics="Empty object", expression="ImagingStudy.subject"),
    put("null-value-is-400", edited(lambda s: s.update(description=None)),
        diagnostics="'description' is null", expression="ImagingStudy.description"),
    # ids
    Case("put-with-a-65-character-url-id-is-400", "PUT", "ImagingStudy/" + "a" * 65, 400,
         "is not a valid FHIR id", body=with_id("a" * 65)),
    Case("put-with-an-underscore-in-the-url-id-is-400", "PUT", "ImagingStudy/bad_id", 400,
         "'bad_id' is not a valid FHIR id", body=with_id("bad_id")),
    Case("delete-with-an-invalid-url-id-is-400", "DELETE", "ImagingStudy/bad_id", 400,
         "'bad_id' is not a valid FHIR id"),
    put("put-whose-body-id-differs-from-the-url-is-400", with_id("someone-else"),
        diagnostics="id 'someone-else' differs from the URL id", expression="ImagingStudy.id"),
    put("put-without-a-body-id-is-400", edited(lambda s: s.pop("id")),
        diagnostics="id is required in an update", expression="ImagingStudy.id"),
    # element values
    put("series-uid-with-spaces-is-400", edited(lambda s: s["series"][0].update(uid="1.2 3")),
        diagnostics="'uid' is '1.2 3'", expression=f"{SERIES_0}.uid"),
    put("started-in-month-13-is-400", edited(lambda s: s.update(started="2017-13-01")),
        diagnostics="'started' is '2017-13-01'; expected a dateTime", expression="ImagingStudy.started"),
    put("started-on-february-30-is-400", edited(lambda s: s.update(started="2017-02-30")),
        diagnostics="not a calendar date", expression="ImagingStudy.started"),
    put("started-time-without-time-zone-is-400", edited(lambda s: s.update(started="2017-01-01T10:00:00")),
        diagnostics="'started' is '2017-01-01T10:00:00'; expected a dateTime", expression="ImagingStudy.started"),
    put("started-without-zero-padding-is-400", edited(lambda s: s.update(started="2017-1-1")),
        diagnostics="'started' is '2017-1-1'; expected a dateTime", expression="ImagingStudy.started"),
    put("missing-subject-is-400", edited(lambda s: s.pop("subject")),
        diagnostics="Missing required element 'subject'", expression="ImagingStudy.subject"),
    put("subject-as-an-array-is-400", edited(lambda s: s.update(subject=[s["subject"]])),
        diagnostics="'subject' does not repeat", expression="ImagingStudy.subject"),
    put("status-code-outside-the-value-set-is-400", edited(lambda s: s.update(status="done")),
        diagnostics="'status' has code 'done'", expression="ImagingStudy.status"),
    put("series-without-modality-is-400", edited(lambda s: s["series"][0].pop("modality")),
        diagnostics="Missing required element 'modality'", expression=f"{SERIES_0}.modality"),
    put("instance-without-sop-class-is-400", edited(lambda s: s["series"][0]["instance"][0].pop("sopClass")),
        diagnostics="Missing required element 'sopClass'", expression=f"{SERIES_0}.instance[0].sopClass"),
    put("performer-without-actor-is-400",
        edited(lambda s: s["series"][0].update(performer=[{"function": {"text": "radiographer"}}])),
        diagnostics="Missing required element 'actor'", expression=f"{SERIES_0}.performer[0].actor"),
    put("number-written-as-a-string-is-400", edited(lambda s: s.update(numberOfSeries="1")),
        diagnostics="must be an integer, not a string", expression="ImagingStudy.numberOfSeries"),
    put("negative-unsigned-int-is-400", edited(lambda s: s.update(numberOfInstances=-1)),
        diagnostics="'numberOfInstances' is -1; it must be at least 0", expression="ImagingStudy.numberOfInstances"),
    put("extension-without-url-is-400", edited(lambda s: s.update(extension=[{"valueString": "x"}])),
        diagnostics="Missing required element 'url'", expression="ImagingStudy.extension[0].url"),
    put("extension-with-a-value-and-nested-extensions-is-400",
        edited(lambda s: s.update(extension=[{"url": "http://example.org/a", "valueString": "x",
                                              "extension": [{"url": "http://example.org/b", "valueString": "y"}]}])),
        diagnostics="(ext-1)", expression="ImagingStudy.extension[0]"),
    put("meta-last-updated-that-is-not-an-instant-is-400", edited(lambda s: s["meta"].update(lastUpdated="yesterday")),
        diagnostics="'lastUpdated' is 'yesterday'; expected an instant", expression="ImagingStudy.meta.lastUpdated"),
    # media types and content negotiation
    post("text-plain-content-type-is-415", study_as_is, 415, "Content-Type text/plain is not supported",
         headers={"Content-Type": "text/plain"}),
    post("xml-content-type-is-415", study_as_is, 415, "Content-Type application/xml is not supported",
         headers={"Content-Type": "application/xml"}),
    post("missing-content-type-is-415", study_as_is, 415, "Content-Type is missing", headers={"Content-Type": None}),
    put("latin-1-charset-is-415", study_as_is, 415, "charset iso-8859-1 is not supported",
        headers={"Content-Type": f"{FHIR_JSON}; charset=iso-8859-1"}),
    get("accept-xml-on-read-is-406", "ImagingStudy/{id}", 406, "cannot produce any of Accept: application/xml",
        headers={"Accept": "application/xml"}),
    post("accept-fhir-xml-on-a-valid-create-is-406-and-stores-nothing", study_as_is, 406,
         "cannot produce any of Accept: application/fhir+xml", headers={"Accept": "application/fhir+xml"}),
    get("format-xml-is-406", "ImagingStudy/{id}?_format=xml", 406, "_format=xml is not supported"),
    get("accept-fhir-version-4-is-406", "ImagingStudy/{id}", 406, "fhirVersion=4.0",
        headers={"Accept": f"{FHIR_JSON}; fhirVersion=4.0"}),
    post("body-over-the-limit-on-create-is-413", oversize, 413, "the limit is {max_body_bytes}"),
    put("body-over-the-limit-on-update-is-413", oversize, 413, "the limit is {max_body_bytes}"),
    # version-checked writes
    put("if-match-that-is-not-an-etag-is-400", study_as_is, 400, "If-Match must be a version ETag",
        headers={"If-Match": "abc"}),
    put("if-match-with-a-non-numeric-version-is-400", study_as_is, 400, 'not W/"x"', headers={"If-Match": 'W/"x"'}),
    put("stale-if-match-is-412", edited(lambda s: s.update(description="lost")), 412,
        "If-Match asked for version 1", headers={"If-Match": 'W/"1"'}),
    Case("if-match-on-an-unknown-id-is-412", "PUT", "ImagingStudy/never-created", 412,
         "ImagingStudy/never-created is at no version", body=with_id("never-created"), headers={"If-Match": 'W/"1"'}),
    # routes and methods
    get("unknown-resource-type-is-404", "Patient/1", 404, "no FHIR interaction is served at GET /fhir/R5/Patient/1"),
    get("trailing-slash-on-history-is-404", "ImagingStudy/{id}/_history/", 404,
        "no FHIR interaction is served at GET /fhir/R5/ImagingStudy/{id}/_history/"),
    Case("patch-on-a-version-is-405", "PATCH", "ImagingStudy/{id}/_history/1", 405, "PATCH is not supported",
         body=raw('[{"op": "remove", "path": "/description"}]'), headers={"Content-Type": JSON_PATCH},
         allow=frozenset({"GET"})),
    Case("post-on-a-study-is-405", "POST", "ImagingStudy/{id}", 405, "POST is not supported", body=study_as_is,
         allow=RESOURCE_METHODS),
    Case("conditional-delete-without-criteria-is-400", "DELETE", "ImagingStudy", 400, "needs search criteria"),
    Case("conditional-delete-with-an-unknown-parameter-is-400", "DELETE", "ImagingStudy?colour=blue", 400,
         "colour"),
    Case("conditional-patch-without-criteria-is-400", "PATCH", "ImagingStudy", 400, "needs search criteria",
         body=raw('[{"op": "remove", "path": "/description"}]'),
         headers={"Content-Type": "application/json-patch+json"}),
    get("vread-of-a-non-numeric-version-is-404", "ImagingStudy/{id}/_history/abc", 404,
        "'abc' is not a version id"),
    # patches
    patch("json-patch-as-text-plain-is-415", [], 415, "Content-Type text/plain is not a patch format",
          content_type="text/plain"),
    patch("json-patch-as-application-json-is-415", [], 415, "Content-Type application/json is not a patch format",
          content_type="application/json"),
    patch("json-patch-that-is-an-object-is-400", {"op": "remove", "path": "/description"}, 400,
          "a JSON Patch document is a JSON array"),
    patch("json-patch-with-an-unknown-op-is-400", [{"op": "delete", "path": "/description"}], 400,
          "operation 1 has op 'delete'"),
    patch("json-patch-pointer-without-a-slash-is-400", [{"op": "remove", "path": "description"}], 400,
          "is not a JSON Pointer"),
    patch("json-patch-that-is-not-json-is-400", '[{"op": "remove"', 400, "the patch document is not valid JSON"),
    patch("json-patch-failed-test-is-422", [{"op": "test", "path": "/status", "value": "cancelled"},
                                           {"op": "remove", "path": "/description"}], 422, "the test failed"),
    patch("json-patch-removing-a-missing-element-is-422", [{"op": "remove", "path": "/note"}], 422,
          "operation 1 (remove /note) cannot be applied"),
    patch("json-patch-removing-the-subject-is-422", [{"op": "remove", "path": "/subject"}], 422,
          "Missing required element 'subject'", expression="ImagingStudy.subject"),
    patch("json-patch-of-the-id-is-422", [{"op": "replace", "path": "/id", "value": "other"}], 422,
          "id is set by the server and cannot be patched"),
    patch("json-patch-of-the-version-id-is-422", [{"op": "replace", "path": "/meta/versionId", "value": "9"}], 422,
          "meta.versionId is set by the server"),
    patch("stale-if-match-on-a-patch-is-412", [{"op": "remove", "path": "/description"}], 412,
          "If-Match asked for version 1", headers={"If-Match": 'W/"1"'}),
    patch("fhirpath-patch-with-a-syntax-error-is-400", fhirpath_delete("ImagingStudy..description"), 400,
          "is not a FHIRPath expression", content_type=FHIR_JSON),
    patch("fhirpath-patch-as-json-patch-is-400", fhirpath_delete("ImagingStudy.description"), 400,
          "a JSON Patch document is a JSON array"),
    patch("fhirpath-patch-deleting-several-elements-is-422", fhirpath_delete("ImagingStudy.series.descendants()"), 422,
          "a delete removes at most one", content_type=FHIR_JSON),
    # history parameters
    get("negative-count-is-400", "ImagingStudy/_history?_count=-1", 400, "_count must be a non-negative integer"),
    get("non-numeric-count-is-400", "ImagingStudy/_history?_count=abc", 400, "_count must be a non-negative integer"),
    get("superscript-digit-count-is-400", "ImagingStudy/{id}/_history?_count=%C2%B2", 400,
        "_count must be a non-negative integer"),
    get("repeated-count-is-400", "ImagingStudy/_history?_count=1&_count=2", 400,
        "the parameter _count may appear only once"),
    get("since-that-is-not-a-date-is-400", "ImagingStudy/_history?_since=garbage", 400,
        "_since: 'garbage' is not a FHIR date"),
    get("since-with-full-width-digits-is-400", "ImagingStudy/_history?_since=%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%97",
        400, "is not a FHIR date"),
    get("since-at-the-end-of-year-9999-is-400", "ImagingStudy/{id}/_history?_since=9999-12-31T23:59:59Z", 400,
        "_since: '9999-12-31T23:59:59Z' is not a valid date"),
    get("at-month-13-is-400", "ImagingStudy/_history?_at=2017-13", 400, "_at: '2017-13' is not a valid date"),
    get("forged-cursor-is-400", "ImagingStudy/_history?_cursor=eyJzIjoiaGlzdG9yeSJ9.AAAA", 400,
        "the paging cursor is not one this server issued"),
    get("tampered-cursor-is-400", "ImagingStudy/{id}/_history?_count=1&_cursor={tampered}", 400,
        "the paging cursor is not one this server issued"),
    get("instance-history-cursor-on-type-history-is-400", "ImagingStudy/_history?_count=1&_cursor={cursor}", 400,
        "the paging cursor belongs to a different query"),
    get("cursor-reused-with-another-count-is-400", "ImagingStudy/{id}/_history?_count=2&_cursor={cursor}", 400,
        "the paging cursor belongs to a different query"),
]


def stored_state(http, e: Existing) -> tuple[str, str, int]:
    """The existing study's read (body, ETag) and how many type-level history entries exist since setup."""
    read = http.get(f"ImagingStudy/{e.id}")
    assert read.status_code == 200, read.text
    assert_valid_r5(read.text)
    history = http.get("ImagingStudy/_history", params={"_count": 1000, "_since": e.since})
    assert history.status_code == 200, history.text
    entries = assert_valid_r5(history.text).get("entry", [])
    assert 2 <= len(entries) < 1000  # at least this module's two writes; an exact count, not a capped one
    return read.text, read.headers["ETag"], len(entries)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_request_gets_an_operation_outcome_naming_the_problem_and_changes_nothing(http, existing, case):
    # GIVEN the existing study and the type history as they are
    before = stored_state(http, existing)
    fill = dict(id=existing.id, cursor=existing.cursor, tampered=tampered(existing.cursor),
                max_body_bytes=existing.max_body_bytes)
    path = case.path.format(**fill)
    headers = {"Content-Type": FHIR_JSON, **case.headers} if case.body else dict(case.headers)

    # WHEN the malformed request is sent
    response = http.request(case.method, path, headers=headers,
                            data=case.body(existing) if case.body else None)

    # THEN it is refused with the expected status and an OperationOutcome that names the problem
    assert response.status_code == case.status, response.text
    assert response.headers["Content-Type"].startswith(FHIR_JSON)
    outcome = assert_valid_r5(response.text)
    assert outcome["resourceType"] == "OperationOutcome"
    assert all(issue["severity"] == "error" for issue in outcome["issue"])
    if case.diagnostics is not None:
        expected = case.diagnostics.format(**fill)
        assert any(expected in issue.get("diagnostics", "") for issue in outcome["issue"]), outcome
    if case.expression is not None:
        assert any(case.expression in issue.get("expression", []) for issue in outcome["issue"]), outcome
    if case.allow is not None:
        assert {m.strip() for m in response.headers["Allow"].split(",")} == case.allow
    # AND stored state is exactly as it was
    assert stored_state(http, existing) == before
