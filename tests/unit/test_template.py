"""template.yaml: lints clean, serves exactly the interaction registry, least-privilege policies."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from fhirimaging.interactions import INTERACTIONS
from local.functions import local_refs
from local.template import TemplateError, load_template, resolve

ROOT = Path(__file__).resolve().parents[2]
WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                 "dynamodb:ConditionCheckItem"}
READ_ONLY = {"read", "vread", "history", "type_history", "search", "capabilities", "fallback"}


@pytest.fixture(scope="module")
def template():
    return load_template(ROOT / "template.yaml")


def _actions(resource: dict) -> set[str]:
    actions: set[str] = set()
    for policy in resource["Properties"].get("Policies", []):
        for statement in policy.get("Statement", []):
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def test_cfn_lint_passes():
    matches = lint_file(ROOT / "template.yaml")
    assert [str(m) for m in matches] == []


def test_routes_are_exactly_the_registry_plus_the_default_route(template):
    routes = {r.key: r.function_id for r in template.routes}
    expected = {i.route_key for i in INTERACTIONS} | {"$default"}
    assert set(routes) == expected


def _auth_as_deployed(mode: str | None) -> tuple[dict, dict[str, bool], dict[str, str]]:
    """The API's Auth, each route's public flag and each function's AUTH, for AuthMode = mode (None: default)."""
    deployed = load_template(ROOT / "template.yaml", None if mode is None else {"AuthMode": mode})
    refs = local_refs(deployed, "table")
    auth = {fn.logical_id: resolve(fn.environment["AUTH"], refs) for fn in deployed.functions}
    public = {r.key: r.public for r in deployed.routes}
    return deployed.resources["FhirApi"]["Properties"].get("Auth"), public, auth


def test_auth_mode_defaults_to_on_a_jwt_authorizer_on_every_route_but_the_two_public_ones():
    template_data = load_template(ROOT / "template.yaml").data
    assert template_data["Parameters"]["AuthMode"]["Default"] == "on"
    assert template_data["Parameters"]["AuthMode"]["AllowedValues"] == ["on", "off"]
    api_auth, public, auth = _auth_as_deployed(None)
    assert api_auth["DefaultAuthorizer"] == "SmartJwt"
    jwt = api_auth["Authorizers"]["SmartJwt"]["JwtConfiguration"]
    assert jwt == {"issuer": {"Ref": "JwtIssuer"}, "audience": [{"Ref": "JwtAudience"}]}
    assert {key for key, is_public in public.items() if is_public} == {
        "GET /fhir/R5/metadata", "GET /fhir/R5/.well-known/smart-configuration"}
    assert set(auth.values()) == {"on"}


def test_auth_mode_off_has_no_authorizer_and_every_function_runs_with_auth_off():
    api_auth, public, auth = _auth_as_deployed("off")
    assert api_auth is None  # AWS::NoValue: the HttpApi has no Auth, so no route asks for a token
    assert not any(public.values())  # no `Authorizer: NONE` either: SAM refuses it without a default
    assert set(auth.values()) == {"off"} and len(auth) == len(load_template(ROOT / "template.yaml").functions)


def test_auth_mode_on_resolves_like_the_default_and_other_values_are_refused():
    assert _auth_as_deployed("on") == _auth_as_deployed(None)
    for wrong in ({"AuthMode": "maybe"}, {"AuthMod": "off"}):
        with pytest.raises(TemplateError):
            load_template(ROOT / "template.yaml", wrong)


def test_language_extensions_run_before_sam_so_that_the_conditional_auth_is_resolved():
    # SAM cannot resolve Fn::If in an HttpApi's Auth itself; AWS::LanguageExtensions resolves it first.
    raw = (ROOT / "template.yaml").read_text()
    assert "Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]" in raw


def test_each_function_folder_is_its_interaction_and_has_a_handler(template):
    by_route = {i.route_key: i.name for i in INTERACTIONS}
    for fn in template.functions:
        for route in fn.routes:
            name = "fallback" if route.is_default else by_route[route.key]
            assert fn.code_uri.resolve() == (ROOT / "functions" / name).resolve()
            assert (fn.code_uri / "app.py").is_file() and fn.handler == "app.lambda_handler"


def test_functions_run_python_3_12_or_newer_on_arm64(template):
    runtime = template.data["Globals"]["Function"]["Runtime"]
    assert runtime.startswith("python3.") and int(runtime.split(".")[1]) >= 12
    assert template.data["Globals"]["Function"]["Architectures"] == ["arm64"]


def test_readers_get_no_write_actions_and_nobody_may_scan(template):
    by_route = {i.route_key: i.name for i in INTERACTIONS}
    for logical_id, resource in template.resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        actions = _actions(resource)
        assert "dynamodb:Scan" not in actions and "dynamodb:*" not in actions, logical_id
        fn = template.function(logical_id)
        names = {"fallback" if r.is_default else by_route[r.key] for r in fn.routes}
        if names and names <= READ_ONLY:  # functions without routes (ingest, publisher) are event-driven
            assert not actions & WRITE_ACTIONS, f"{logical_id} is read-only but may write: {actions}"


def test_table_has_pitr_sse_stream_and_the_history_index(template):
    table = template.table_properties
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["StreamSpecification"]["StreamViewType"]
    assert {g["IndexName"] for g in table["GlobalSecondaryIndexes"]} == {"history", "search"}


def test_layer_requirements_match_the_pinned_layer_group():
    pinned = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["layer"]
    requirements = (ROOT / "layers/fhirimaging/requirements.txt").read_text().split()
    assert sorted(pinned) == sorted(requirements)


def test_publisher_reads_only_current_items_of_the_stream_and_may_only_put_events_on_its_bus(template):
    publisher = template.resources["PublisherFunction"]["Properties"]
    (stream,) = publisher["Events"].values()
    assert stream["Type"] == "DynamoDB" and stream["Properties"]["Stream"] == {"Fn::GetAtt": ["FhirTable", "StreamArn"]}
    (pattern,) = [json.loads(f["Pattern"]) for f in stream["Properties"]["FilterCriteria"]["Filters"]]
    assert pattern["dynamodb"]["Keys"]["sk"] == {"S": ["current"]}
    assert "ReportBatchItemFailures" in stream["Properties"]["FunctionResponseTypes"]
    (statement,) = [s for p in publisher["Policies"] for s in p["Statement"]]
    assert statement["Action"] == ["events:PutEvents"] and statement["Resource"] == {"Fn::GetAtt": ["ChangeBus", "Arn"]}


def test_index_repair_reads_current_items_marked_index_pending_or_replacing_one(template):
    cleanup = template.resources["IndexCleanupFunction"]["Properties"]
    (stream,) = cleanup["Events"].values()
    assert stream["Type"] == "DynamoDB" and stream["Properties"]["Stream"] == {"Fn::GetAtt": ["FhirTable", "StreamArn"]}
    patterns = [json.loads(f["Pattern"]) for f in stream["Properties"]["FilterCriteria"]["Filters"]]
    assert patterns == [{"dynamodb": {"Keys": {"sk": {"S": ["current"]}}, image: {"indexPending": {"BOOL": [True]}}}}
                        for image in ("NewImage", "OldImage")]
    assert "ReportBatchItemFailures" in stream["Properties"]["FunctionResponseTypes"]


def test_api_access_logs_go_to_a_retained_log_group_without_bodies_or_query_strings(template):
    settings = template.resources["FhirApi"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["FhirApiAccessLogs", "Arn"]}
    assert template.resources["FhirApiAccessLogs"]["Properties"]["RetentionInDays"] > 0
    fields = json.loads(settings["Format"])
    assert {"$context.requestId", "$context.routeKey", "$context.status", "$context.responseLatency",
            "$context.identity.sourceIp"} <= set(fields.values())
    # routeKey is the template path (/ImagingStudy/{id}); path, query string and bodies are never logged
    assert not any(word in settings["Format"] for word in ("$context.path", "querystring", "body", "$input"))


def test_bucket_is_encrypted_private_and_refuses_plain_http(template):
    bucket = template.resources["DicomBucket"]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert all(bucket["PublicAccessBlockConfiguration"].values()) and len(bucket["PublicAccessBlockConfiguration"]) == 4
    (deny,) = template.resources["DicomBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
