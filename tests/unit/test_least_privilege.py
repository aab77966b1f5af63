"""Least privilege: every function is granted exactly the actions its code paths call, on exactly those resources.

What each function uses is derived below from two tables: the AWS actions behind each Store method (the
DynamoDB adapter's client calls; a transaction's Put/Delete are authorised as PutItem/DeleteItem), and the
Store methods (or other clients) each function's code paths reach, plus what Lambda does with the function's
role for its event source (reading the stream or the queue, sending to the on-failure destination). A grant
beyond that fails, and so does a missing one (the call would be AccessDenied in AWS, which the local stack
cannot show). The roles SAM generates are checked too, in the template as SAM transforms it.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from samtranslator.translator.transform import transform

from local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers/fhirimaging/python/fhirimaging"

TABLE = json.dumps({"Fn::GetAtt": ["FhirTable", "Arn"]})
SEARCH_INDEX = json.dumps({"Fn::Sub": "${FhirTable.Arn}/index/search"})
HISTORY_INDEX = json.dumps({"Fn::Sub": "${FhirTable.Arn}/index/history"})
DICOM_OBJECTS = json.dumps({"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-dicom-${AWS::AccountId}/*"})
CHANGE_BUS = json.dumps({"Fn::GetAtt": ["ChangeBus", "Arn"]})
BODY_OBJECTS = json.dumps({"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-bodies-${AWS::AccountId}/*"})
BODY_BUCKET = json.dumps({"Fn::GetAtt": ["BodyBucket", "Arn"]})
BODY_READ = {(BODY_OBJECTS, "s3:GetObject")}  # any read may meet a body kept in S3 (store/bodies.py)
STREAM = json.dumps({"Fn::GetAtt": ["FhirTable", "StreamArn"]})
DICOM_QUEUE = json.dumps({"Fn::GetAtt": ["DicomQueue", "Arn"]})
CURSOR_SECRET = json.dumps({"Ref": "CursorSecret"})


def _failures(queue: str) -> set[tuple[str, str]]:
    return {(json.dumps({"Fn::GetAtt": [queue, "Arn"]}), "sqs:SendMessage")}


# Lambda's event source mappings act with the function's role (AWS Lambda developer guide, execution role).
STREAM_READ = {(STREAM, a) for a in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                     "dynamodb:ListStreams")}
QUEUE_READ = {(DICOM_QUEUE, a) for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                         "sqs:ChangeMessageVisibility")}


# Store method -> (resource, action) pairs its DynamoDB client calls need (store/dynamodb.py).
STORE_ACTIONS: dict[str, set[tuple[str, str]]] = {
    "get_current": {(TABLE, "dynamodb:GetItem")} | BODY_READ,
    "get_version": {(TABLE, "dynamodb:GetItem")} | BODY_READ,
    "get_guard": {(TABLE, "dynamodb:GetItem")},
    "body_key": {(TABLE, "dynamodb:GetItem")},
    "instance_history": {(TABLE, "dynamodb:Query")} | BODY_READ,
    "get_currents": {(TABLE, "dynamodb:BatchGetItem")} | BODY_READ,
    "index_range": {(SEARCH_INDEX, "dynamodb:Query")},
    "type_history": {(HISTORY_INDEX, "dynamodb:Query"), (TABLE, "dynamodb:BatchGetItem")} | BODY_READ,
    # a deletion: one TransactWriteItems (version, current, index deletes), and a GetItem of the version item
    # when its answer is lost
    "put_version(deletion)": {(TABLE, "dynamodb:PutItem"), (TABLE, "dynamodb:DeleteItem"), (TABLE, "dynamodb:GetItem")},
    # one TransactWriteItems (version, current, guard, index puts) and that GetItem; a large body is put in S3 first
    "put_version(new)": {(TABLE, "dynamodb:PutItem"), (TABLE, "dynamodb:GetItem"), (BODY_OBJECTS, "s3:PutObject")},
    # ... and on a later version the index items of removed terms are deleted
    "put_version": {(TABLE, "dynamodb:PutItem"), (TABLE, "dynamodb:DeleteItem"), (TABLE, "dynamodb:GetItem"),
                    (BODY_OBJECTS, "s3:PutObject")},
    # a transaction Bundle's writes: one TransactWriteItems of every write's items, and that GetItem
    "put_versions": {(TABLE, "dynamodb:PutItem"), (TABLE, "dynamodb:DeleteItem"), (TABLE, "dynamodb:GetItem"),
                     (BODY_OBJECTS, "s3:PutObject")},
    # one TransactWriteItems of puts only (version, current, index entries) and that GetItem; never a body in S3
    "put_version_unread": {(TABLE, "dynamodb:PutItem"), (TABLE, "dynamodb:GetItem")},
    # the index repair: a Query of the study's partition, then transactions of index puts and deletes, each with a
    # ConditionCheck on the current item
    "index_items": {(TABLE, "dynamodb:Query")},
    "write_index": {(TABLE, "dynamodb:PutItem"), (TABLE, "dynamodb:DeleteItem"),
                    (TABLE, "dynamodb:ConditionCheckItem")},
    # store/bodies.py sweep: list the bucket, delete the objects no version item names
    "bodies.sweep": {(BODY_BUCKET, "s3:ListBucket"), (BODY_OBJECTS, "s3:DeleteObject")},
    # other clients
    "s3.get_object": {(DICOM_OBJECTS, "s3:GetObject")},  # dicom/header.py: ranged reads of headers
    "events.put_events": {(CHANGE_BUS, "events:PutEvents")},  # changes/publishers.py
    "cursor_secret": {(CURSOR_SECRET, "secretsmanager:GetSecretValue")},  # runtime.cursor_secret, on first use
    # event sources
    "dicom_queue": QUEUE_READ,
    "stream(publisher)": STREAM_READ | _failures("PublisherFailures"),
    "stream(index_cleanup)": STREAM_READ | _failures("IndexCleanupFailures"),
}
SEARCH = {"index_range", "get_currents"}  # plan.run
CONDITIONAL = {"get_guard", "get_current"} | SEARCH  # ConditionalTargets._matches

# Function -> the Store methods / clients its code paths reach (service/imaging_study.py and friends).
USES: dict[str, set[str]] = {
    "CapabilitiesFunction": set(),
    "FallbackFunction": set(),
    # and under a patient scope, the last content of a deleted study (whose study it was)
    "ReadFunction": {"get_current", "get_version"},
    "VreadFunction": {"get_version", "get_current"},
    "CreateFunction": CONDITIONAL | {"put_version(new)"},  # If-None-Exist; a new study removes no terms
    "UpdateFunction": CONDITIONAL | {"get_current", "put_version", "put_version_unread"},
    "PatchFunction": CONDITIONAL | {"get_current", "put_version"},
    "DeleteFunction": CONDITIONAL | {"get_current", "put_version(deletion)"},
    "HistoryFunction": {"get_current", "get_version", "instance_history", "cursor_secret"},
    "TypeHistoryFunction": {"type_history", "get_version", "cursor_secret"},  # get_version: _at's successor lookups
    "SearchFunction": SEARCH | {"cursor_secret"},
    # every entry as its interaction (a batch's writes as theirs); a transaction's writes in one put_versions
    "BundleFunction": CONDITIONAL | {"get_version", "instance_history", "type_history", "cursor_secret",
                                     "put_version", "put_version_unread", "put_versions"},
    # upsert by Study UID
    "IngestFunction": {"dicom_queue", "s3.get_object"} | CONDITIONAL | {"get_current", "put_version"},
    "PublisherFunction": {"stream(publisher)", "events.put_events"},
    "IndexCleanupFunction": {"stream(index_cleanup)", "get_current", "index_items", "write_index"},
    "BodySweeperFunction": {"bodies.sweep", "body_key"},
}


@pytest.fixture(scope="module")
def template():
    return load_template(ROOT / "template.yaml")


def _statements(resource: dict) -> list[dict]:
    statements = []
    for policy in resource["Properties"].get("Policies", []):
        assert isinstance(policy, dict) and set(policy) == {"Statement"}, f"only inline statements: {policy}"
        statements += policy["Statement"]
    return statements


def _granted(resource: dict) -> set[tuple[str, str]]:
    granted = set()
    for statement in _statements(resource):
        assert statement["Effect"] == "Allow" and set(statement) == {"Effect", "Action", "Resource"}, statement
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        granted |= {(json.dumps(t), a) for a in actions for t in targets}
    return granted


def test_every_function_is_in_the_table(template):
    functions = {k for k, r in template.resources.items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions == set(USES)


@pytest.mark.parametrize("function", sorted(USES))
def test_each_function_is_granted_exactly_what_it_uses(template, function):
    used = set().union(*(STORE_ACTIONS[m] for m in USES[function])) if USES[function] else set()
    assert _granted(template.resources[function]) == used


def test_no_wildcard_actions_or_resources(template):
    for logical_id, resource in template.resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for target, action in _granted(resource):
            assert "*" not in action, f"{logical_id}: {action}"
            objects = target in (DICOM_OBJECTS, BODY_OBJECTS)  # objects under one bucket: S3 object ARNs need the /*
            assert target != json.dumps("*") and not target.endswith('*"}') or objects, f"{logical_id}: {target}"


def test_readers_cannot_write_ingest_cannot_delete_objects_publisher_only_puts_events(template):
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    for reader in ("ReadFunction", "VreadFunction", "HistoryFunction", "TypeHistoryFunction", "SearchFunction"):
        assert not {a for _, a in _granted(template.resources[reader])} & writes, reader
    ingest = _granted(template.resources["IngestFunction"])
    assert {a for r, a in ingest if r == DICOM_OBJECTS} == {"s3:GetObject"}  # DICOM objects: read only
    assert "dynamodb:UpdateItem" not in {a for _, a in ingest}
    assert {(r, a) for r, a in _granted(template.resources["PublisherFunction"]) if r != STREAM} == {
        (CHANGE_BUS, "events:PutEvents"), *_failures("PublisherFailures")}


def test_the_action_table_covers_every_client_call_the_layer_makes():
    """A new client call must be added to STORE_ACTIONS (and then to the template) before this passes."""
    store = (LAYER / "store/dynamodb.py").read_text()
    assert set(re.findall(r"self\._client\.(\w+)\(", store)) == {
        "get_item", "query", "batch_get_item", "transact_write_items"}
    assert set(re.findall(r"self\._client\.(\w+)\(", (LAYER / "changes/publishers.py").read_text())) == {"put_events"}
    assert set(re.findall(r"\bs3\.(\w+)\(", (LAYER / "dicom/header.py").read_text())) == {"get_object"}
    bodies = (LAYER / "store/bodies.py").read_text()
    assert set(re.findall(r"(?:self\._client\(\)|client)\.(\w+)\(", bodies)) == {
        "put_object", "get_object", "delete_object", "get_paginator"}  # get_paginator: list_objects_v2


# Managed policies SAM attaches to every role it generates, and why each is acceptable:
# - AWSLambdaBasicExecutionRole: logs:CreateLogGroup/CreateLogStream/PutLogEvents on "*". SAM adds it to every
#   generated role and has no way to leave it out; it only writes logs. Scoping it would mean writing the 15 roles
#   by hand (AWS::IAM::Role each) instead of SAM's Policies.
# - AWSXrayWriteOnlyAccess (Tracing: Active): xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules,
#   GetSamplingTargets, GetSamplingStatisticSummaries, which support no resource-level permissions: "*" is
#   the only resource they take.
ACCEPTED_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


class _NoManagedPolicies:
    """samtranslator's policy loader: the template names no managed policy by name, so nothing is looked up."""

    def load(self) -> dict:
        return {}


def sam_transformed(template) -> dict:
    """The template's resources as SAM transforms them (with every Fn::If resolved first, as load_template
    resolves them)."""
    data = copy.deepcopy(template.data)
    data["Transform"] = "AWS::Serverless-2016-10-31"
    for resource in data["Resources"].values():  # as `sam package` leaves them: S3 URIs
        properties = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if key in properties:
                properties[key] = f"s3://bucket/{properties[key]}"
    parameters = {**template.parameter_values, "JwtIssuer": "https://issuer.example", "JwtAudience": "api"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # samtranslator wants a region for pseudo parameters
        return transform(data, parameters, _NoManagedPolicies())["Resources"]


@pytest.fixture(scope="module")
def transformed(template):
    return sam_transformed(template)


def _function_roles(resources: dict) -> dict[str, dict]:
    roles = {}
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::Function":
            role = resource["Properties"]["Role"]
            assert set(role) == {"Fn::GetAtt"} and role["Fn::GetAtt"][1] == "Arn", f"{logical_id}: {role}"
            roles[logical_id] = resources[role["Fn::GetAtt"][0]]
    return roles


def test_sam_generates_one_role_per_function_and_no_event_source_of_its_own(transformed):
    roles = _function_roles(transformed)
    assert set(roles) == set(USES)
    # every event source mapping is one of the template's own, none generated from a function's Events
    mappings = {k for k, r in transformed.items() if r["Type"] == "AWS::Lambda::EventSourceMapping"}
    assert mappings == {"IngestFunctionDicomObjects", "PublisherFunctionTableStream", "IndexCleanupFunctionTableStream"}


@pytest.mark.parametrize("function", sorted(USES))
def test_no_role_sam_generates_grants_a_wildcard_resource_or_a_broad_managed_policy(transformed, function):
    role = _function_roles(transformed)[function]["Properties"]
    assert set(role.get("ManagedPolicyArns", [])) <= ACCEPTED_MANAGED_POLICIES, function
    for policy in role.get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for target in targets:
                text = json.dumps(target)
                objects = text in (DICOM_OBJECTS, BODY_OBJECTS)  # S3 object ARNs of one bucket end in /*
                assert target != "*" and ("*" not in text or objects), f"{function}: {statement}"
