"""Deployed, the cursor key is read from Secrets Manager by its ARN (CURSOR_SECRET_ARN), once, and only by a
request that has or makes a cursor; locally and in tests CURSOR_SECRET gives it directly."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from fhirimaging import runtime
from fhirimaging.errors import SettingsError
from fhirimaging.settings import Settings
from local.dynamodb import ensure_table
from local.functions import LambdaContext, load_handler
from tests.events import load_event
from tests.functional.conftest import FUNCTIONS, TABLE, TEMPLATE
from tests.uids import own_uid


def invoke(function: str, **overrides) -> dict:
    fn = TEMPLATE.function(FUNCTIONS[function])
    return load_handler(fn)(load_event(function, **overrides), LambdaContext(fn))


@pytest.fixture
def deployed(dynamodb, monkeypatch):
    """The functions wired from settings as in AWS: the key's ARN only, the service built by runtime."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        ensure_table(dynamodb, TABLE, TEMPLATE.table_properties)
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="cursor", SecretString="k" * 48)["ARN"]
        calls: list[str] = []
        runtime.override(Settings.from_env({"TABLE_NAME": TABLE, "CURSOR_SECRET_ARN": arn}))
        runtime.aws_client("secretsmanager")  # the session's client events, to count GetSecretValue
        runtime._session.register("after-call.secrets-manager.GetSecretValue", lambda **_: calls.append("get"))
        try:
            yield calls
        finally:
            runtime.override()


def test_the_key_is_fetched_once_by_the_first_request_with_a_cursor_and_never_by_others(deployed):
    # GIVEN two studies
    def create() -> dict:
        return invoke("create", body=own_uid(json.loads(load_event("create")["body"])))

    for _ in range(2):
        assert create()["statusCode"] == 201
    assert invoke("read", id=json.loads(create()["body"])["id"])["statusCode"] == 200
    assert deployed == []  # writes and reads never need it
    # WHEN a search makes a next link, and its next page is asked for
    first = json.loads(invoke("search", query="_count=1")["body"])
    (link,) = [link["url"] for link in first["link"] if link["relation"] == "next"]
    second = invoke("search", query=link.split("?", 1)[1])
    # THEN the cursor verifies, and Secrets Manager was asked once
    assert second["statusCode"] == 200 and json.loads(second["body"])["entry"]
    assert deployed == ["get"]


def test_settings_need_the_key_or_its_arn():
    assert Settings.from_env({"TABLE_NAME": "t", "CURSOR_SECRET": "s"}).cursor_secret == b"s"
    by_arn = Settings.from_env({"TABLE_NAME": "t", "CURSOR_SECRET_ARN": "arn:aws:secretsmanager:x"})
    assert by_arn.cursor_secret == b"" and by_arn.cursor_secret_arn == "arn:aws:secretsmanager:x"
    with pytest.raises(SettingsError, match="CURSOR_SECRET"):
        Settings.from_env({"TABLE_NAME": "t"})
