"""Data protection in the handlers: logs carry neither bodies nor query values, and no client value ever
becomes part of a DynamoDB expression string (only of ExpressionAttributeValues or items)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from fhirimaging import runtime
from fhirimaging.service import ImagingStudyService
from fhirimaging.settings import Settings
from fhirimaging.store.dynamodb import DynamoDbStore
from tests.functional.conftest import SECRET, TABLE

EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "fixtures/imagingstudy-example.json").read_text())
SECRET_MRN = "MRN-7731-SECRET"
SECRET_TEXT = "patient-confided-detail-4412"


def test_logs_hold_parameter_names_but_no_query_values_and_no_bodies(api, capfd):
    body = {**EXAMPLE, "description": SECRET_TEXT,
            "identifier": [{"system": "urn:mrn", "value": SECRET_MRN}]}
    capfd.readouterr()
    assert api("create", body=body).status == 201
    assert api("search", query=f"identifier=urn:mrn|{SECRET_MRN}&_count=5").status == 200
    assert api("search", query=f"started=not-a-date-{SECRET_MRN}").status == 400  # a refusal quoting the value
    assert api("search", query=f"{SECRET_MRN}=x").status in (200, 400)  # even an unknown name is logged as is
    logged = capfd.readouterr().out
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("message") == "request"]
    assert [r["interaction"] for r in requests] == ["create", "search", "search", "search"]
    assert sorted(requests[1]["params"]) == ["_count", "identifier"] and requests[2]["params"] == ["started"]
    assert SECRET_TEXT not in logged
    no_names = "\n".join(line for line in logged.splitlines() if '"params"' not in line)
    assert SECRET_MRN not in no_names  # values never; a parameter *name* the client chose shows as a name


class RecordingClient:
    """Wraps the boto3 client and keeps every call's keyword arguments."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return method(**kwargs)
        return call


def _expressions(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k.endswith("Expression") and isinstance(v, str)]
        names = value.get("ExpressionAttributeNames") or {}
        found += list(names) + [str(v) for v in names.values()]
        return found + [e for v in value.values() for e in _expressions(v)]
    if isinstance(value, list):
        return [e for v in value for e in _expressions(v)]
    return []


HOSTILE = ['HOSTILE" OR attribute_exists(pk) OR "', "#hostile_name", ":hostile_value", "hostile) OR (pk = :pk"]


@pytest.fixture
def recording(api, dynamodb):
    client = RecordingClient(dynamodb)
    runtime.override(Settings(table_name=TABLE, cursor_secret=SECRET),
                     ImagingStudyService(DynamoDbStore(client, TABLE), SECRET))
    return client


def test_no_client_value_reaches_a_dynamodb_expression_string(api, recording):
    ids = []
    for n, value in enumerate(HOSTILE):
        body = {**EXAMPLE, "description": value, "identifier": [{"system": "urn:h", "value": value}]}
        created = api("create", body=body, headers={"If-None-Exist": f"identifier=urn:h|{quote(value)}"})
        assert created.status == 201, created.text
        ids.append(created.json()["id"])
        query = f"identifier=urn:h|{quote(value)}"
        assert api("create", body=body, headers={"If-None-Exist": query}).status == 200  # matched
        assert api("search", query=query).status == 200
        assert api("search", query=f"description:contains={quote(value)}&_sort=-date").status in (200, 400)
        updated = api("update", id=ids[-1], body={**body, "id": ids[-1], "note": [{"text": value}]})
        assert updated.status == 200, updated.text
        assert api("history", id=ids[-1], query=f"_since={quote(value)}").status == 400
        assert api("read", id=value.replace(" ", "")).status in (400, 404)
        assert api("delete", id=ids[-1]).status in (200, 204)
        if n == 0:
            assert api("type_history", query="_count=3").status == 200
    expressions = [e for _, kwargs in recording.calls for e in _expressions(kwargs)]
    assert expressions and not [e for e in expressions if "hostile" in e.lower()]
    # ... while the values did reach DynamoDB, as attribute values
    assert any("hostile" in json.dumps(kwargs.get("ExpressionAttributeValues", {})).lower()
               for _, kwargs in recording.calls)
