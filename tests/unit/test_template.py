"""template.yaml: lints clean, serves exactly the interaction registry, least-privilege policies."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from fhirimaging.interactions import INTERACTIONS
from local.functions import local_refs
from local.template import TemplateError, evaluate_conditions, load_template, parameter_values, resolve

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
    """The API's OpenAPI document, each route's public flag and each function's AUTH, for AuthMode = mode
    (None: default), with every Fn::If resolved as CloudFormation does."""
    deployed = load_template(ROOT / "template.yaml", None if mode is None else {"AuthMode": mode})
    refs = local_refs(deployed, "table")
    auth = {fn.logical_id: resolve(fn.environment["AUTH"], refs) for fn in deployed.functions}
    public = {r.key: r.public for r in deployed.routes}
    return deployed.resources["FhirApi"]["Properties"]["DefinitionBody"], public, auth


def _secured_route_keys(body: dict) -> set[str]:
    keys = set()
    for path, item in body["paths"].items():
        for method, operation in item.items():
            if operation.get("security"):
                keys.add("$default" if path == "$default" else f"{method.upper()} {path}")
    return keys


def test_auth_mode_defaults_to_on_a_jwt_authorizer_on_every_route_but_the_two_public_ones():
    template_data = load_template(ROOT / "template.yaml").data
    assert template_data["Parameters"]["AuthMode"]["Default"] == "on"
    assert template_data["Parameters"]["AuthMode"]["AllowedValues"] == ["on", "off"]
    body, public, auth = _auth_as_deployed(None)
    scheme = body["components"]["securitySchemes"]["SmartJwt"]["x-amazon-apigateway-authorizer"]
    assert scheme == {"type": "jwt", "identitySource": "$request.header.Authorization",
                      "jwtConfiguration": {"issuer": {"Ref": "JwtIssuer"}, "audience": [{"Ref": "JwtAudience"}]}}
    public_keys = {"GET /fhir/R5/metadata", "GET /fhir/R5/.well-known/smart-configuration"}
    assert {key for key, is_public in public.items() if is_public} == public_keys
    # the document names every route of the functions' events but the public two, each with the JWT authorizer
    assert _secured_route_keys(body) == set(public) - public_keys
    assert all(op["security"] == [{"SmartJwt": []}] for item in body["paths"].values() for op in item.values())
    assert set(auth.values()) == {"on"}


def test_auth_mode_off_has_no_authorizer_and_every_function_runs_with_auth_off():
    body, public, auth = _auth_as_deployed("off")
    assert not body["components"]  # AWS::NoValue: no securitySchemes, so no authorizer
    assert _secured_route_keys(body) == set()  # and no route asks for a token
    assert not any(public.values())
    assert set(auth.values()) == {"off"} and len(auth) == len(load_template(ROOT / "template.yaml").functions)


def test_auth_mode_on_resolves_like_the_default_and_other_values_are_refused():
    assert _auth_as_deployed("on") == _auth_as_deployed(None)
    for wrong in ({"AuthMode": "maybe"}, {"AuthMod": "off"}):
        with pytest.raises(TemplateError):
            load_template(ROOT / "template.yaml", wrong)


def test_sam_alone_transforms_the_template_so_plain_sam_validate_accepts_it():
    # AWS::LanguageExtensions is what `sam validate` without --lint rejects; the Fn::If choices are in places that
    # CloudFormation resolves after SAM (the OpenAPI document, properties), never in what SAM itself reads.
    assert load_template(ROOT / "template.yaml").data["Transform"] == "AWS::Serverless-2016-10-31"


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


STREAM_ARN = {"Fn::GetAtt": ["FhirTable", "StreamArn"]}


def _stream_mapping(template, function: str) -> dict:
    """The function's one event source mapping on the table's stream (a plain resource, not a SAM event)."""
    assert not any(e.get("Type") == "DynamoDB" for e in (template.resources[function]["Properties"].get("Events")
                                                         or {}).values())
    (mapping,) = [r["Properties"] for r in template.resources.values()
                  if r["Type"] == "AWS::Lambda::EventSourceMapping"
                  and r["Properties"]["FunctionName"] == {"Ref": function}]
    assert mapping["EventSourceArn"] == STREAM_ARN
    return mapping


def _table_grants(template, function: str) -> list[dict]:
    """The function's statements other than those its event source mapping needs (stream reads, failures)."""
    statements = [s for p in template.resources[function]["Properties"]["Policies"] for s in p["Statement"]]
    return [s for s in statements if s["Resource"] != STREAM_ARN and s["Action"] != ["sqs:SendMessage"]]


def test_publisher_reads_only_current_items_of_the_stream_and_may_only_put_events_on_its_bus(template):
    stream = _stream_mapping(template, "PublisherFunction")
    (pattern,) = [json.loads(f["Pattern"]) for f in stream["FilterCriteria"]["Filters"]]
    assert pattern["dynamodb"]["Keys"]["sk"] == {"S": ["current"]}
    assert "ReportBatchItemFailures" in stream["FunctionResponseTypes"]
    (statement,) = _table_grants(template, "PublisherFunction")
    assert statement["Action"] == ["events:PutEvents"] and statement["Resource"] == {"Fn::GetAtt": ["ChangeBus", "Arn"]}


def test_index_repair_reads_current_items_marked_index_pending_or_replacing_one(template):
    stream = _stream_mapping(template, "IndexCleanupFunction")
    patterns = [json.loads(f["Pattern"]) for f in stream["FilterCriteria"]["Filters"]]
    assert patterns == [{"dynamodb": {"Keys": {"sk": {"S": ["current"]}}, image: {"indexPending": {"BOOL": [True]}}}}
                        for image in ("NewImage", "OldImage")]
    assert "ReportBatchItemFailures" in stream["FunctionResponseTypes"]


@pytest.mark.parametrize("function", ["PublisherFunction", "IndexCleanupFunction"])
def test_stream_consumers_keep_their_retries_and_record_what_fails_them_in_an_alarmed_queue(template, function):
    stream = _stream_mapping(template, function)
    assert stream["StartingPosition"] == "TRIM_HORIZON" and stream["BisectBatchOnFunctionError"] is True
    assert stream["MaximumRetryAttempts"] == 10 and stream["BatchSize"] == 100
    destination = stream["DestinationConfig"]["OnFailure"]["Destination"]
    queue = destination["Fn::GetAtt"][0]
    assert template.resources[queue]["Type"] == "AWS::SQS::Queue" and destination["Fn::GetAtt"][1] == "Arn"
    assert _alarm_on(template, queue)
    statements = [s for p in template.resources[function]["Properties"]["Policies"] for s in p["Statement"]]
    assert {"Action": ["sqs:SendMessage"], "Resource": destination, "Effect": "Allow"} in statements


def _alarm_on(template, queue: str) -> dict:
    dimensions = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    (alarm,) = [r["Properties"] for r in template.resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"
                and r["Properties"]["Dimensions"] == dimensions]
    assert alarm["Namespace"] == "AWS/SQS" and alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and alarm["Threshold"] == 0
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    return alarm


def test_every_queue_that_collects_failures_has_an_alarm_and_email_is_optional(template):
    failure_queues = {"DicomDeadLetterQueue", "PublisherFailures", "IndexCleanupFailures"}
    queues = {k for k, r in template.resources.items() if r["Type"] == "AWS::SQS::Queue"}
    assert queues == failure_queues | {"DicomQueue"}
    for queue in failure_queues:
        _alarm_on(template, queue)
    assert template.data["Parameters"]["AlarmEmail"]["Default"] == ""
    subscription = template.resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    for email, subscribed in (("", False), ("ops@example.org", True)):
        values = parameter_values(template.data, {"AlarmEmail": email})
        assert evaluate_conditions(template.data, values)["HasAlarmEmail"] is subscribed


def test_the_api_is_throttled_by_parameters_and_search_routes_more_tightly(template):
    parameters = template.data["Parameters"]
    settings = template.resources["FhirApi"]["Properties"]
    assert settings["DefaultRouteSettings"] == {"ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
                                                "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"}}
    defaults = (parameters["ApiThrottlingRateLimit"]["Default"], parameters["ApiThrottlingBurstLimit"]["Default"])
    assert defaults == (100, 200)
    search = {"ThrottlingRateLimit": {"Ref": "SearchThrottlingRateLimit"},
              "ThrottlingBurstLimit": {"Ref": "SearchThrottlingBurstLimit"}}
    heavy = {r.key for fn in ("SearchFunction", "TypeHistoryFunction") for r in template.function(fn).routes}
    assert settings["RouteSettings"] == {key: search for key in heavy}
    assert set(settings["RouteSettings"]) <= {r.key for r in template.routes}  # every key is a route
    assert parameters["SearchThrottlingRateLimit"]["Default"] < parameters["ApiThrottlingRateLimit"]["Default"]


def test_the_stage_sam_generates_carries_the_throttling(template):
    from tests.unit.test_least_privilege import sam_transformed

    (stage,) = [r["Properties"] for r in sam_transformed(template).values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert set(stage["RouteSettings"]) == set(template.resources["FhirApi"]["Properties"]["RouteSettings"])


RESERVED = {"SearchFunction": "Search", "HistoryFunction": "Search", "TypeHistoryFunction": "Search",
            "CreateFunction": "Write", "BundleFunction": "Write",
            "UpdateFunction": "Write", "PatchFunction": "Write", "DeleteFunction": "Write"}


def test_search_and_write_functions_reserve_a_modest_concurrency_and_0_reserves_none():
    deployed = load_template(ROOT / "template.yaml")
    parameters = deployed.data["Parameters"]
    reserved = {k: r["Properties"].get("ReservedConcurrentExecutions") for k, r in deployed.resources.items()
                if r["Type"] == "AWS::Serverless::Function"}
    assert {k: v for k, v in reserved.items() if v is not None} == {
        fn: {"Ref": f"{kind}ReservedConcurrency"} for fn, kind in RESERVED.items()}
    # a new account's unreserved pool (of 1,000) must stay at 100 or more
    total = sum(int(parameters[f"{kind}ReservedConcurrency"]["Default"]) for kind in RESERVED.values())
    assert total <= 1000 - 100
    unreserved = load_template(ROOT / "template.yaml", {"SearchReservedConcurrency": "0",
                                                        "WriteReservedConcurrency": "0"}).resources
    assert not any("ReservedConcurrentExecutions" in r.get("Properties", {}) for r in unreserved.values())
    # ingest is bounded on its event source instead: a throttled SQS poll would spend the messages' receives
    assert deployed.resources["IngestFunctionDicomObjects"]["Properties"]["ScalingConfig"] == {
        "MaximumConcurrency": {"Ref": "IngestMaximumConcurrency"}}


def test_every_function_logs_to_its_own_log_group_kept_for_the_retention_parameter(template):
    assert template.data["Parameters"]["LogRetentionInDays"]["Default"] == 90
    for resource in template.resources.values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        group = resource["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert template.resources[group] == {"Type": "AWS::Logs::LogGroup",
                                             "Properties": {"RetentionInDays": {"Ref": "LogRetentionInDays"}}}
    # the Globals' JSON log format still applies (SAM merges LoggingConfig maps)
    assert template.data["Globals"]["Function"]["LoggingConfig"]["LogFormat"] == "JSON"


def test_the_cursor_key_is_never_in_a_functions_environment_only_its_arn(template):
    for fn in template.functions:
        assert "CURSOR_SECRET" not in fn.environment and "resolve:secretsmanager" not in json.dumps(fn.environment)
        assert fn.environment["CURSOR_SECRET_ARN"] == {"Ref": "CursorSecret"}


def test_api_access_logs_go_to_a_retained_log_group_without_bodies_or_query_strings(template):
    settings = template.resources["FhirApi"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["FhirApiAccessLogs", "Arn"]}
    assert template.resources["FhirApiAccessLogs"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
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


def test_the_template_uses_no_yaml_aliases_which_cloudformation_does_not_take():
    import yaml

    events = yaml.parse((ROOT / "template.yaml").read_text())
    assert not any(isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None) for e in events)
