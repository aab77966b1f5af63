"""The local stack: template reading, API Gateway routing and events, and the patched moto backend."""

from __future__ import annotations

import base64
import copy
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from moto.dynamodb.exceptions import MultipleTransactionsException, TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend

from fhirimaging.interactions import INTERACTIONS
from local.dynamodb import EmbeddedDynamoDB, LocalDynamoDBBackend, create_table_request
from local.events import MalformedResponse, Router, build_event, to_http_response
from local.functions import (
    LOCAL_ACCOUNT_ID,
    LOCAL_STACK_NAME,
    LOCAL_TABLE_NAME,
    declared_variables,
    resolve_environment,
    settable_names,
    table_name_for,
)
from local.server import LocalStack
from local.template import (
    Route,
    TemplateError,
    evaluate_conditions,
    load_template,
    parameter_values,
    resolve_conditionals,
)

ROOT = Path(__file__).resolve().parents[2]
TABLE = "t"


@pytest.fixture(scope="module")
def template():
    return load_template(ROOT / "template.yaml")


# -- template -------------------------------------------------------------------------------


def test_routes_read_from_the_template_are_the_interactions_plus_default(template):
    keys = {r.key for r in template.routes}
    assert keys == {i.route_key for i in INTERACTIONS} | {"$default"}
    assert template.function("FallbackFunction").routes == (Route("FallbackFunction"),)
    assert template.base_path == "/fhir/R5"


def test_short_tags_load_as_long_form_and_globals_reach_every_function(template):
    assert template.globals_environment["TABLE_NAME"] == {"Ref": "FhirTable"}
    assert template.globals_environment["CURSOR_SECRET_ARN"] == {"Ref": "CursorSecret"}  # never the value itself
    read = template.function("ReadFunction")
    assert read.environment["TABLE_NAME"] == {"Ref": "FhirTable"}
    assert read.memory_size == template.data["Globals"]["Function"]["MemorySize"]
    assert read.layer_paths == (ROOT / "layers/fhirimaging/python",)
    assert template.table_id == "FhirTable" and template.table_properties["KeySchema"]
    with pytest.raises(TemplateError, match="no function"):
        template.function("NoSuchFunction")


def test_environment_resolves_refs_locally_and_replaces_the_secret(template):
    variables = declared_variables(template.functions)
    env = resolve_environment(template, variables, table_name=LOCAL_TABLE_NAME, overrides={})
    assert env["TABLE_NAME"] == LOCAL_TABLE_NAME
    # no Secrets Manager locally: the value the functions would read by the ARN, random, instead of the ARN
    assert len(env["CURSOR_SECRET"]) >= 32 and env["CURSOR_SECRET_ARN"] == ""
    assert "CURSOR_SECRET" in settable_names(template, variables)  # so CURSOR_SECRET=... in the environment wins
    assert env["BODY_BUCKET"] == f"{LOCAL_STACK_NAME}-bodies-{LOCAL_ACCOUNT_ID}"  # a Sub of pseudo parameters
    overridden = resolve_environment(
        template, variables, table_name="mine", overrides={"TABLE_NAME": "mine", "CURSOR_SECRET": "s"}
    )
    assert overridden["TABLE_NAME"] == "mine" and overridden["CURSOR_SECRET"] == "s"
    assert table_name_for(template, variables, {"TABLE_NAME": "mine"}) == "mine"


def test_create_table_request_keeps_keys_indexes_and_stream(template):
    request = create_table_request("x", template.table_properties)
    assert request["KeySchema"] == template.table_properties["KeySchema"]
    assert request["GlobalSecondaryIndexes"] == template.table_properties["GlobalSecondaryIndexes"]
    assert request["StreamSpecification"]["StreamEnabled"] is True
    assert not {"SSESpecification", "PointInTimeRecoverySpecification", "DeletionProtectionEnabled"} & set(
        request
    )


# -- routing --------------------------------------------------------------------------------


def test_static_segment_beats_a_path_parameter(template):
    router = Router(template.routes)
    route, params = router.match("GET", "/fhir/R5/ImagingStudy/_history")
    assert route.function_id == "TypeHistoryFunction" and params == {}
    route, params = router.match("GET", "/fhir/R5/ImagingStudy/abc")
    assert route.key == "GET /fhir/R5/ImagingStudy/{id}" and params == {"id": "abc"}


def test_path_parameters_are_decoded_and_unrouted_requests_go_to_default(template):
    router = Router(template.routes)
    route, params = router.match("GET", "/fhir/R5/ImagingStudy/a%20b%2Fc/_history/2")
    assert route.function_id == "VreadFunction" and params == {"id": "a b/c", "vid": "2"}
    assert router.match("POST", "/fhir/R5/ImagingStudy/abc")[0].key == "$default"
    assert router.match("GET", "/fhir/R5/ImagingStudy/")[0].key == "$default"
    assert router.match("GET", "/elsewhere")[0].is_default


def test_named_method_beats_any_and_param_beats_greedy():
    router = Router(
        [
            Route("Greedy", "ANY", "/a/{proxy+}"),
            Route("AnyParam", "ANY", "/a/{id}"),
            Route("GetParam", "GET", "/a/{id}"),
        ]
    )
    assert router.match("GET", "/a/1")[0].function_id == "GetParam"
    assert router.match("PUT", "/a/1")[0].function_id == "AnyParam"
    route, params = router.match("GET", "/a/1/b%20c")
    assert route.function_id == "Greedy" and params == {"proxy": "1/b c"}
    assert router.match("GET", "/b") is None


# -- events ---------------------------------------------------------------------------------


def _event(**kwargs):
    base = {
        "method": "GET",
        "raw_path": "/fhir/R5/ImagingStudy",
        "raw_query": "",
        "headers": [("Host", "h:3000")],
        "body": b"",
        "route_key": "$default",
        "path_parameters": None,
        "source_ip": "10.0.0.1",
        "now": datetime(2026, 3, 1, 9, 5, 7, tzinfo=UTC),
    }
    return build_event(**{**base, **kwargs})


def test_query_string_is_kept_verbatim_and_joined_with_commas_like_aws():
    event = _event(raw_query="a=1&a=2&b=x%2Cy&c")
    assert event["rawQueryString"] == "a=1&a=2&b=x%2Cy&c"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x,y", "c": ""}
    assert "queryStringParameters" not in _event()
    assert "pathParameters" not in _event() and "body" not in _event()


def test_headers_are_lower_cased_and_joined_cookies_moved_out():
    event = _event(headers=[("Host", "h:1"), ("X-Thing", "1"), ("x-thing", "2"), ("Cookie", "a=1; b=2")])
    assert event["headers"]["x-thing"] == "1,2"
    assert (
        event["headers"]["x-forwarded-proto"] == "http" and event["headers"]["x-forwarded-for"] == "10.0.0.1"
    )
    assert "cookie" not in event["headers"] and event["cookies"] == ["a=1", "b=2"]
    assert all(name == name.lower() for name in event["headers"])
    ctx = event["requestContext"]
    assert ctx["domainName"] == "h" and ctx["stage"] == "$default" and ctx["http"]["sourceIp"] == "10.0.0.1"
    assert ctx["time"] == "01/Mar/2026:09:05:07 +0000" and ctx["timeEpoch"] == 1772355907000


def test_form_bodies_are_base64_encoded_and_json_bodies_are_text():
    form = _event(method="POST", headers=[("Content-Type", "application/x-www-form-urlencoded")], body=b"a=1")
    assert form["isBase64Encoded"] is True and base64.b64decode(form["body"]) == b"a=1"
    fhir = _event(
        method="POST", headers=[("Content-Type", "application/fhir+json; charset=utf-8")], body=b"{}"
    )
    assert fhir["isBase64Encoded"] is False and fhir["body"] == "{}"
    assert _event()["isBase64Encoded"] is False


def test_proxy_responses_become_http_responses():
    response = to_http_response(
        json.dumps(
            {
                "statusCode": 201,
                "headers": {"Location": "x", "ETag": 'W/"1"'},
                "cookies": ["a=1", "b=2"],
                "body": base64.b64encode(b"\x00\x01").decode(),
                "isBase64Encoded": True,
            }
        )
    )
    assert response.status == 201 and response.body == b"\x00\x01"
    assert ("set-cookie", "a=1") in response.headers and ("set-cookie", "b=2") in response.headers
    plain = to_http_response(json.dumps({"hello": "world"}))
    assert plain.status == 200 and json.loads(plain.body) == {"hello": "world"}
    for bad in ({"statusCode": "abc"}, {"statusCode": 200, "body": {"not": "a string"}}):
        with pytest.raises(MalformedResponse):
            to_http_response(json.dumps(bad))


# -- embedded DynamoDB ----------------------------------------------------------------------


def _backend(backend_class, template, items=0):
    backend = backend_class("us-east-1", "123456789012")
    request = create_table_request(TABLE, template.table_properties)
    backend.create_table(
        TABLE,
        schema=request["KeySchema"],
        throughput=None,
        attr=request["AttributeDefinitions"],
        global_indexes=request["GlobalSecondaryIndexes"],
        indexes=[],
        streams=request["StreamSpecification"],
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    for n in range(items):
        backend.put_item(
            TABLE,
            {
                "pk": {"S": f"ImagingStudy#{n}"},
                "sk": {"S": "current"},
                "v": {"N": "1"},
                "body": {"S": "x" * 200},
            },
        )
    return backend


def _put(sk, condition=None, pk="ImagingStudy#new", **extra):
    op = {"TableName": TABLE, "Item": {"pk": {"S": pk}, "sk": {"S": sk}, **extra}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def _state(backend):
    table = backend.get_table(TABLE)
    return {(str(i.hash_key.value), str(i.range_key.value)): i.to_json() for i in table.all_items()}


def test_a_failed_condition_rolls_back_every_item_of_the_transaction(template):
    backend = _backend(LocalDynamoDBBackend, template, items=4)
    before = _state(backend)
    stream_before = len(backend.get_table(TABLE).stream_shard.items)
    actions = [
        _put("v#1", "attribute_not_exists(pk)"),  # new item
        _put("current", pk="ImagingStudy#0", v={"N": "2"}),  # overwrite
        {
            "Update": {
                "TableName": TABLE,
                "Key": {"pk": {"S": "ImagingStudy#1"}, "sk": {"S": "current"}},
                "UpdateExpression": "SET v = :v",
                "ExpressionAttributeValues": {":v": {"N": "9"}},
            }
        },
        {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "ImagingStudy#2"}, "sk": {"S": "current"}}}},
        _put("current", "attribute_not_exists(pk)", pk="ImagingStudy#3"),  # fails: it exists
    ]
    with pytest.raises(TransactionCanceledException):
        backend.transact_write_items(actions)
    assert _state(backend) == before
    assert len(backend.get_table(TABLE).stream_shard.items) == stream_before

    with pytest.raises(MultipleTransactionsException):  # rejected after the first three were written
        backend.transact_write_items(actions[:3] + [_put("current", pk="ImagingStudy#0")])
    assert _state(backend) == before

    backend.transact_write_items(actions[:4])
    after = _state(backend)
    assert after[("ImagingStudy#new", "v#1")] and ("ImagingStudy#2", "current") not in after
    assert after[("ImagingStudy#1", "current")]["Attributes"]["v"] == {"N": "9"}


def _count_deepcopies(monkeypatch):
    calls = [0]
    real = copy.deepcopy

    def counting(obj, memo=None, _nil=[]):  # noqa: B006 - copy.deepcopy's own signature
        calls[0] += 1
        return real(obj, memo, _nil)

    monkeypatch.setattr(copy, "deepcopy", counting)
    return calls


def test_transactions_copy_only_touched_items_not_the_whole_table(template, monkeypatch):
    actions = [
        _put("v#2", "attribute_not_exists(pk)", pk="ImagingStudy#5"),
        _put("current", "v = :one", pk="ImagingStudy#5", v={"N": "2"}),
    ]
    actions[1]["Put"]["ExpressionAttributeValues"] = {":one": {"N": "1"}}

    stock = _backend(DynamoDBBackend, template, items=2000)
    stock_calls = _count_deepcopies(monkeypatch)
    stock.transact_write_items(copy.deepcopy(actions[:1]))
    monkeypatch.undo()

    local = _backend(LocalDynamoDBBackend, template, items=2000)
    calls = _count_deepcopies(monkeypatch)
    local.transact_write_items(actions)
    monkeypatch.undo()

    assert stock_calls[0] > 2000 * 5  # stock moto copies every stored item (and its attributes) per action
    assert calls[0] < 200, calls[0]
    assert _state(local)[("ImagingStudy#5", "current")]["Attributes"]["v"] == {"N": "2"}


def test_stream_records_are_capped(template):
    backend = _backend(LocalDynamoDBBackend, template, items=30)
    backend.stream_record_limit = 10
    backend.trim_streams()
    shard = backend.get_table(TABLE).stream_shard
    assert len(shard.items) == 10
    backend.put_item(TABLE, {"pk": {"S": "p"}, "sk": {"S": "s"}})
    assert shard.items[-1].record["dynamodb"]["SequenceNumber"] == str(shard.starting_sequence_number + 10)


def test_concurrent_conditional_transactions_lose_no_update(template):
    import boto3

    with EmbeddedDynamoDB() as db:
        client = boto3.client(
            "dynamodb",
            endpoint_url=db.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_table(**create_table_request(TABLE, template.table_properties))
        key = {"pk": {"S": "c"}, "sk": {"S": "current"}}
        client.put_item(TableName=TABLE, Item={**key, "v": {"N": "0"}})

        def increment(times):
            for _ in range(times):
                while True:
                    v = int(client.get_item(TableName=TABLE, Key=key)["Item"]["v"]["N"])
                    try:
                        client.transact_write_items(
                            TransactItems=[
                                _put(f"v#{v + 1}", "attribute_not_exists(pk)", pk="c"),
                                {
                                    "Put": {
                                        "TableName": TABLE,
                                        "Item": {**key, "v": {"N": str(v + 1)}},
                                        "ConditionExpression": "v = :v",
                                        "ExpressionAttributeValues": {":v": {"N": str(v)}},
                                    }
                                },
                            ]
                        )
                        break
                    except client.exceptions.TransactionCanceledException:
                        continue

        threads = [threading.Thread(target=increment, args=(8,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert client.get_item(TableName=TABLE, Key=key)["Item"]["v"] == {"N": "32"}


# -- the stack over HTTP, with throwaway handlers -----------------------------------------


ECHO = """
import json
def lambda_handler(event, context):
    if event["rawPath"].endswith("/boom"):
        raise RuntimeError("boom")
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"event": event, "function": context.function_name})}
"""


def test_stack_serves_template_routes_over_http(tmp_path):
    table = load_template(ROOT / "template.yaml").data["Resources"]["FhirTable"]
    template = {
        "Resources": {
            "FhirTable": table,
            "ItemFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "item/",
                    "Handler": "app.lambda_handler",
                    "Environment": {"Variables": {"TABLE_NAME": {"Ref": "FhirTable"}}},
                    "Events": {
                        "Get": {"Type": "HttpApi", "Properties": {"Method": "GET", "Path": "/api/items/{id}"}}
                    },
                },
            },
            "OtherFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "other/",
                    "Handler": "app.lambda_handler",
                    "Environment": {"Variables": {"TABLE_NAME": {"Ref": "FhirTable"}}},
                    "Events": {"Any": {"Type": "HttpApi"}},
                },
            },
        },
    }
    for name in ("item", "other"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "app.py").write_text(ECHO)
    (tmp_path / "template.yaml").write_text(json.dumps(template))

    before = dict(os.environ)
    with LocalStack(port=0, template=tmp_path / "template.yaml") as stack:
        assert stack.base_url == stack.url + "/api/items"
        r = requests.get(f"{stack.url}/api/items/a%2Fb?x=1&x=2", headers={"X-A": "1"}, timeout=5)
        body = r.json()
        assert r.status_code == 200 and body["function"] == "ItemFunction"
        assert body["event"]["pathParameters"] == {"id": "a/b"}
        assert body["event"]["rawQueryString"] == "x=1&x=2"
        assert body["event"]["headers"]["host"] == stack.url.removeprefix("http://")
        r = requests.post(
            f"{stack.url}/api/items/1",
            data=b"a=b",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=5,
        )
        event = r.json()["event"]
        assert r.json()["function"] == "OtherFunction" and event["routeKey"] == "$default"
        assert event["isBase64Encoded"] is True
        r = requests.get(f"{stack.url}/api/items/boom", timeout=5)
        assert r.status_code == 500 and r.json() == {"message": "Internal Server Error"}
        r = requests.post(f"{stack.url}/api/items/1", data=iter([b"chunk"]), timeout=5)
        assert r.status_code == 411
        assert os.environ["DYNAMODB_ENDPOINT_URL"] == stack.dynamodb_endpoint_url
    assert dict(os.environ) == before


def test_conditions_are_evaluated_and_fn_if_resolved_as_language_extensions_would():
    data = {"Parameters": {"Mode": {"Default": "on"}, "Name": {}},
            "Conditions": {"On": {"Fn::Equals": [{"Ref": "Mode"}, "on"]},
                           "Named": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Name"}, ""]}]},
                           "Both": {"Fn::And": [{"Condition": "On"}, {"Condition": "Named"}]},
                           "Either": {"Fn::Or": [{"Condition": "On"}, {"Condition": "Named"}]}}}
    conditions = evaluate_conditions(data, parameter_values(data))
    assert conditions == {"On": True, "Named": False, "Both": False, "Either": True}
    no_value = {"Ref": "AWS::NoValue"}
    value = {"a": {"Fn::If": ["On", {"b": {"Fn::If": ["Named", 1, no_value]}}, 2]},
             "c": [{"Fn::If": ["Both", "x", no_value]}, "y"], "d": {"Fn::If": ["Named", 3, no_value]}}
    assert resolve_conditionals(value, conditions) == {"a": {}, "c": ["y"]}
    assert evaluate_conditions(data, parameter_values(data, {"Mode": "off", "Name": "n"}))["Both"] is False
