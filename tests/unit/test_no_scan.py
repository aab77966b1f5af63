"""No code path may call DynamoDB Scan: checked in the source and, suite-wide, at run time."""
from __future__ import annotations

import re
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]
SCAN = re.compile(r"\.scan\(|[\"']Scan[\"']|paginate\(\s*[\"']scan")


def test_no_source_outside_tests_mentions_a_scan():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("functions", "layers", "local")
        for path in (ROOT / folder).rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if SCAN.search(line)
    ]
    assert offenders == []


def test_the_run_time_guard_fails_any_scan():
    # The guard in tests/conftest.py wraps every boto3 client in the test process.
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        with pytest.raises(AssertionError, match="Scan"):
            client.scan(TableName="anything")
    from tests import conftest
    conftest.SCANS.pop()  # this test's own deliberate scan is not a failure of the suite
