"""Suite-wide guards: no code path may call DynamoDB Scan; garbage collection runs as usual."""
from __future__ import annotations

import gc

import botocore.client
import pytest

import fhirimaging  # noqa: F401  pauses garbage collection, as for a Lambda cold start (see its docstring)

gc.enable()  # a test process is no cold start

SCANS: list[str] = []
_original_make_api_call = botocore.client.BaseClient._make_api_call


def _no_scan(self, operation_name, api_params):
    # Every boto3 client in the test process (handlers, local stack, fixtures) goes through here.
    if operation_name == "Scan":
        SCANS.append(str(api_params.get("TableName")))
        raise AssertionError(f"DynamoDB Scan called on {api_params.get('TableName')}: no request path may scan")
    return _original_make_api_call(self, operation_name, api_params)


botocore.client.BaseClient._make_api_call = _no_scan


@pytest.fixture(autouse=True)
def no_scan_happened():
    before = len(SCANS)
    yield
    assert len(SCANS) == before, f"a DynamoDB Scan was attempted on {SCANS[before:]}"
