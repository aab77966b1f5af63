"""Functional tests: the real handlers, invoked with the events/ files, over moto's in-process DynamoDB.

Each test gets a fresh mock (a clean table); the boto3 client is made once per session because
creating one costs ~170 ms.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from fhirimaging import runtime
from fhirimaging.service import ImagingStudyService
from fhirimaging.settings import Settings
from fhirimaging.store.dynamodb import DynamoDbStore
from local.dynamodb import ensure_table
from local.functions import LambdaContext, load_handler
from local.template import load_template
from tests.events import load_event
from tests.oracle import assert_valid_r5, assert_valid_smart_configuration, is_smart_configuration

TABLE = "functional"
SECRET = b"functional-cursor-secret"
TEMPLATE = load_template()
FUNCTIONS = {
    "capabilities": "CapabilitiesFunction", "create": "CreateFunction", "read": "ReadFunction",
    "vread": "VreadFunction", "update": "UpdateFunction", "patch": "PatchFunction", "delete": "DeleteFunction",
    "history": "HistoryFunction", "type_history": "TypeHistoryFunction", "search": "SearchFunction",
    "fallback": "FallbackFunction",
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
    return boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.fixture
def api(dynamodb):
    with mock_aws():
        ensure_table(dynamodb, TABLE, TEMPLATE.table_properties)
        runtime.override(Settings(table_name=TABLE, cursor_secret=SECRET),
                         ImagingStudyService(DynamoDbStore(dynamodb, TABLE), SECRET))
        try:
            yield Api()
        finally:
            runtime.override()
