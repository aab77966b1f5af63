"""In-process moto tables for the benchmarks, seeded with exactly the items the store writes, and a recorder of
the DynamoDB requests a client makes.

Seeding uses BatchWriteItem, not the store's transactions: moto deep-copies the whole table once per
transaction action (DESIGN.md), which would make thousands of studies take minutes.
"""
from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto import mock_aws

from fhirimaging import jsontext
from fhirimaging.search import index
from fhirimaging.store import StoredVersion, WriteKind
from fhirimaging.store.dynamodb import version_items
from local.dynamodb import ensure_table, item_level_transactions
from local.template import load_template

TABLE = "bench"


@contextmanager
def moto_table() -> Iterator[Any]:
    """A DynamoDB client on a fresh in-process table shaped like the template's."""
    properties = copy.deepcopy(load_template().table_properties)
    # The stream has no reader here; without it moto keeps no record per write.
    properties.pop("StreamSpecification", None)
    with mock_aws(), item_level_transactions():
        client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="bench",
                              aws_secret_access_key="bench")
        ensure_table(client, TABLE, properties)
        yield client


def study_items(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of `resource` (with id and meta) stored as its version 1: version, current, index terms."""
    rid, last_updated = resource["id"], resource["meta"]["lastUpdated"]
    version = StoredVersion(rid, 1, last_updated, WriteKind.CREATE, jsontext.dumps(resource))
    items = version_items(version, index.change(rid, None, resource, last_updated))
    return [items.version, items.current, *items.index_puts]


def write_items(client: Any, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        request: dict[str, Any] = {TABLE: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


class Recorder:
    """Every DynamoDB request a client makes, with its parsed response, from botocore's after-call events."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        client.meta.events.register("after-call.dynamodb", self._after_call)

    def reset(self) -> None:
        self.calls = []

    def operations(self) -> str:
        return self.describe(self.calls)

    @staticmethod
    def describe(calls: list[tuple[str, dict[str, Any]]]) -> str:
        """e.g. "GetItem x1, TransactWriteItems x1"."""
        return ", ".join(f"{op} x{n}" for op, n in sorted(Counter(op for op, _ in calls).items()))

    def _after_call(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, parsed))
