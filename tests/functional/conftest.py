"""Functional tests: the real handlers, invoked with the events/ files, over moto's in-process DynamoDB.

Each test gets a fresh mock (a clean table); the boto3 client is made once per session because
creating one costs ~170 ms.
"""
from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from fhirimaging import runtime
from fhirimaging.service import ImagingStudyService
from fhirimaging.settings import Settings
from fhirimaging.store import dynamodb as dynamodb_store
from fhirimaging.store.bodies import BodyBucket
from fhirimaging.store.dynamodb import DynamoDbStore
from local.changes import matches
from local.dynamodb import ensure_table, item_level_transactions
from local.functions import LambdaContext, load_handler
from local.template import load_template
from tests.events import EVENTS, load_event
from tests.oracle import assert_valid_r5, assert_valid_smart_configuration, is_smart_configuration

TABLE = "functional"
BUCKET = "bodies"
# Lowered so that studies of a few thousand instances take the S3 path (deployed: 350,000)
INLINE_LIMIT = 64_000
SECRET = b"functional-cursor-secret"
TEMPLATE = load_template()
FUNCTIONS = {
    "capabilities": "CapabilitiesFunction", "create": "CreateFunction", "read": "ReadFunction",
    "vread": "VreadFunction", "update": "UpdateFunction", "patch": "PatchFunction", "delete": "DeleteFunction",
    "history": "HistoryFunction", "type_history": "TypeHistoryFunction", "search": "SearchFunction",
    "fallback": "FallbackFunction", "bundle": "BundleFunction",
}


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> dict:
        return json.loads(self.text)


class Api:
    """Invokes a function by its folder name with an events/ file, as Lambda would."""

    def __call__(self, function: str, event_name: str | None = None, **overrides: Any) -> Response:
        fn = TEMPLATE.function(FUNCTIONS[function])
        event = load_event(event_name or function, **overrides)
        raw = load_handler(fn)(event, LambdaContext(fn))
        response = Response(raw["statusCode"], {k.lower(): v for k, v in raw["headers"].items()}, raw["body"])
        assert response.status < 500, response.text
        method = event["requestContext"]["http"]["method"]
        if is_smart_configuration(event["rawPath"], method, response.status):
            assert_valid_smart_configuration(response.text, response.headers["content-type"])
        elif response.text:
            assert response.headers["content-type"].startswith("application/fhir+json")
            assert_valid_r5(response.text)  # every body the tests see is valid R5
        return response


@pytest.fixture(scope="session")
def dynamodb():
    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    # One request at a time, as the local stack does (local/dynamodb.py): moto's in-process backend is not
    # thread-safe, and a batch Bundle's entries run on threads.
    lock, call = threading.Lock(), client._make_api_call

    def serialised(operation_name, api_params):
        with lock:
            return call(operation_name, api_params)

    client._make_api_call = serialised
    return client


@pytest.fixture(scope="session")
def streams():
    # moto matches the streams endpoint only with its trailing slash
    return boto3.client("dynamodbstreams", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com/",
                        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def stream_event(dynamodb, streams) -> dict:
    """Everything the table's stream holds, as Lambda delivers it (binary attributes base64-encoded)."""
    arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records += page["Records"]
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return json.loads(json.dumps({"Records": [{**r, "eventSourceARN": arn} for r in records]}, default=_lambda_json))


def run_index_repair(dynamodb, streams) -> dict:
    """What a deployed stack does after writes: the table's stream, through IndexCleanupFunction's filters, handed
    to that function (every record so far: its passes are idempotent)."""
    fn = TEMPLATE.function("IndexCleanupFunction")
    event = stream_event(dynamodb, streams)
    event["Records"] = [r for r in event["Records"] if any(matches(p, r) for p in fn.stream.patterns)]
    return load_handler(fn)(event, LambdaContext(fn))


def repair_study_index(resource_id: str) -> dict:
    """IndexCleanupFunction given one record that marks the study (events/index_cleanup.json): the repair pass
    without reading the whole stream (moto takes seconds for the records of a 10,000-instance study)."""
    fn = TEMPLATE.function("IndexCleanupFunction")
    event = json.loads((EVENTS / "index_cleanup.json").read_text())
    (record,) = event["Records"]
    record["dynamodb"]["Keys"]["pk"] = record["dynamodb"]["NewImage"]["pk"] = {"S": f"ImagingStudy#{resource_id}"}
    return load_handler(fn)(event, LambdaContext(fn))


@pytest.fixture
def repair_index(dynamodb, streams):
    def run() -> None:
        assert run_index_repair(dynamodb, streams) == {"batchItemFailures": []}

    return run


def _lambda_json(value):
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if hasattr(value, "timestamp"):
        return int(value.timestamp())
    raise TypeError(type(value).__name__)


@pytest.fixture
def api(dynamodb):
    with mock_aws():
        ensure_table(dynamodb, TABLE, TEMPLATE.table_properties)
        store = DynamoDbStore(dynamodb, TABLE)
        runtime.override(Settings(table_name=TABLE, cursor_secret=SECRET), ImagingStudyService(store, SECRET),
                         store_value=store)
        try:
            yield Api()
        finally:
            runtime.override()


@pytest.fixture(scope="session")
def s3():
    return boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def stack(dynamodb, s3, monkeypatch):
    """A table and a body bucket with the inline limit lowered: (Api, store, s3, dynamodb, repair_study_index)."""
    monkeypatch.setattr(dynamodb_store, "INLINE_BODY_LIMIT", INLINE_LIMIT)
    with mock_aws():
        s3.create_bucket(Bucket=BUCKET)
        ensure_table(dynamodb, TABLE, TEMPLATE.table_properties)
        store = DynamoDbStore(dynamodb, TABLE, BodyBucket(lambda: s3, BUCKET))
        runtime.override(Settings(table_name=TABLE, cursor_secret=SECRET, body_bucket=BUCKET),
                         ImagingStudyService(store, SECRET), s3, store)
        try:
            with item_level_transactions():  # 10,000 index items
                yield Api(), store, s3, dynamodb, repair_study_index
        finally:
            runtime.override()
