"""The embedded DynamoDB: moto's DynamoDB request handler behind a one-lock WSGI app on 127.0.0.1.

Four departures from running `moto_server`, each for a measured reason (see DESIGN.md):

* Every request is serialised with one lock: moto's server loses conditional writes when requests
  run concurrently, and the local stack is where concurrency tests run.
* The backend is a private `LocalDynamoDBBackend` held by this object, not an entry of moto's
  global backend registry, so an in-process `mock_aws` (functional tests in the same pytest worker)
  can neither reset this table nor be affected by the local stack's changes to moto.
* `LocalDynamoDBBackend.transact_write_items` snapshots only the items a transaction touches; stock
  moto deep-copies the whole table once per action (179 ms per transaction at 2,100 items), and
  stream records are capped so memory stays bounded when nothing consumes the stream.
* `Table.all_items`, which moto sorts on every Query, sorts by the keys' cast values: the same order (a key
  attribute has one type per table, and a DynamoType orders by its cast value) without recomputing each cast
  value in every comparison, ~0.4 s per Query at 10,000 items. Imported, this module changes it for every moto
  table of the process (the in-process mock of functional tests and make bench too).
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Self

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.request import Request as MotoRequest
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

# Enough for the stream poller (local/changes.py) to read every record before it is trimmed.
DEFAULT_STREAM_RECORD_LIMIT = 10_000

# FhirTable properties CreateTable takes as they are. The rest has no local meaning and is skipped:
# SSESpecification (encryption at rest; in moto it would create a key in the global KMS mock),
# PointInTimeRecoverySpecification (backups), DeletionProtectionEnabled (would make a local table
# on an external endpoint undeletable), Tags and ContributorInsights. TimeToLiveSpecification is
# applied with its own call.
_CREATE_TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "TableClass",
)


def create_table_request(table_name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """CreateTable parameters for the template's table definition."""
    request: dict[str, Any] = {"TableName": table_name}
    for name in _CREATE_TABLE_PROPERTIES:
        if name in properties:
            request[name] = copy.deepcopy(properties[name])
    stream = properties.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return request


def ensure_table(client: Any, table_name: str, properties: dict[str, Any]) -> bool:
    """Create the table from the template definition unless it exists; True if it was created."""
    try:
        client.describe_table(TableName=table_name)
        return False
    except client.exceptions.ResourceNotFoundException:
        pass
    try:
        client.create_table(**create_table_request(table_name, properties))
    except client.exceptions.ResourceInUseException:
        return False
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    return True


class LocalDynamoDBBackend(DynamoDBBackend):
    """moto's DynamoDB backend with an item-level transaction rollback and bounded streams."""

    def __init__(
        self, region_name: str, account_id: str, stream_record_limit: int = DEFAULT_STREAM_RECORD_LIMIT
    ):
        super().__init__(region_name, account_id)
        self.stream_record_limit = stream_record_limit

    def transact_write_items(self, transact_items: list[dict[str, Any]]) -> None:
        """moto's own implementation, but its rollback snapshot covers only the touched items.

        moto snapshots a table with `copy.deepcopy(table)` and restores it by putting the copy
        back. Here the tables answer that deepcopy with themselves (so moto's restore is a no-op),
        and the items the transaction names are copied beforehand and put back on any failure,
        together with the stream records the partial transaction appended.
        """
        snapshot = self._snapshot(transact_items)
        names = {
            op.get("TableName")
            for action in transact_items
            if isinstance(action, dict)
            for op in action.values()
            if isinstance(op, dict)
        }
        tables = [self.tables[name] for name in names if name in self.tables]
        marks = [(t, len(t.stream_shard.items)) for t in tables if t.stream_shard is not None]
        for table in tables:
            table.__deepcopy__ = functools.partial(_same_object, table)  # type: ignore[attr-defined]
        try:
            super().transact_write_items(transact_items)
        except BaseException:
            for table, hash_key, range_key, item in reversed(snapshot):
                _restore_item(table, hash_key, range_key, item)
            for table, length in marks:
                del table.stream_shard.items[length:]  # type: ignore[union-attr]
            raise
        finally:
            for table in tables:
                del table.__deepcopy__  # type: ignore[attr-defined]

    def _snapshot(self, transact_items: Iterable[dict[str, Any]]) -> list[tuple[Table, DynamoType, Any, Any]]:
        snapshot = []
        for action in transact_items:
            if not isinstance(action, dict) or len(action) != 1:
                continue  # moto rejects it before writing anything
            ((op_type, op),) = action.items()
            table = self.tables.get((op or {}).get("TableName"))
            if table is None:
                continue
            key = op.get("Item") if op_type == "Put" else op.get("Key")
            try:
                hash_key = DynamoType(key[table.hash_key_attr])
                range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            except (KeyError, TypeError):
                continue  # moto cancels this action without writing it
            snapshot.append((table, hash_key, range_key, copy.deepcopy(_peek(table, hash_key, range_key))))
        return snapshot

    def trim_streams(self) -> None:
        """Keep at most `stream_record_limit` records per stream; older ones are trimmed as in AWS."""
        for table in self.tables.values():
            shard = table.stream_shard
            excess = len(shard.items) - self.stream_record_limit if shard is not None else 0
            if excess > 0:
                del shard.items[:excess]  # type: ignore[union-attr]
                shard.starting_sequence_number += excess  # type: ignore[union-attr]



# (moto finds a backend's URL module next to the module its class was defined in)
_ItemLevelRollback = type("ItemLevelRollback", (LocalDynamoDBBackend,), {"__module__": DynamoDBBackend.__module__})


@contextmanager
def item_level_transactions(region: str = "us-east-1") -> Iterator[None]:
    """Inside mock_aws (tests, make bench): moto's transactions deep-copy the whole table per action (seconds with
    thousands of items); the local stack's backend copies only the items a transaction touches."""
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]
    backend.__class__, backend.stream_record_limit = _ItemLevelRollback, DEFAULT_STREAM_RECORD_LIMIT
    try:
        yield
    finally:
        backend.__class__ = DynamoDBBackend

def _same_object(obj: Any, memo: dict[int, Any]) -> Any:
    return obj


def _peek(table: Table, hash_key: DynamoType, range_key: Any) -> Any:
    """The stored item, without moto's get_item side effect of adding empty hash buckets."""
    bucket = table.items.get(hash_key)
    if range_key is None:
        return bucket
    return bucket.get(range_key) if bucket is not None else None


def _restore_item(table: Table, hash_key: DynamoType, range_key: Any, item: Any) -> None:
    if range_key is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
        return
    bucket = table.items.get(hash_key)
    if item is not None:
        table.items[hash_key][range_key] = item
    elif bucket is not None:
        bucket.pop(range_key, None)
        if not bucket:
            del table.items[hash_key]


class _WerkzeugRequest(MotoRequest):
    from_wsgi_server = True


class _QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class EmbeddedDynamoDB:
    """moto's DynamoDB API on http://127.0.0.1:<port>, one request at a time.

    `with EmbeddedDynamoDB() as db: boto3.client("dynamodb", endpoint_url=db.endpoint_url)`.
    The backend ignores the request's account and region: there is one local database.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        stream_record_limit: int = DEFAULT_STREAM_RECORD_LIMIT,
    ):
        self.host, self.port = host, port
        self.backend = LocalDynamoDBBackend(region, account_id, stream_record_limit)
        backend = self.backend
        self._handler_class = type(
            "LocalDynamoHandler", (DynamoHandler,), {"dynamodb_backend": property(lambda _self: backend)}
        )
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = _WerkzeugRequest(environ)
        with self._lock:
            try:
                status, headers, body = self._handler_class.dispatch(
                    request, request.raw_url, dict(request.headers)
                )
            except HTTPException as e:
                return e.get_response(environ)(environ, start_response)
            except Exception as e:
                log.exception("embedded DynamoDB failed on %s", request.headers.get("X-Amz-Target"))
                status, headers = 500, {"content-type": "application/x-amz-json-1.0"}
                body = json.dumps(
                    {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": str(e)}
                )
            finally:
                self.backend.trim_streams()
        headers = {k: v for k, v in headers.items() if k.lower() != "status"}
        return Response(body, status=int(status), headers=headers)(environ, start_response)

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("embedded DynamoDB is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server = make_server(
            self.host, self.port, self, threaded=True, request_handler=_QuietRequestHandler
        )
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="embedded-dynamodb",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _all_items_by_cast_value(self: Table) -> list[Any]:
    """moto's Table.all_items, in the same order, keyed by the keys' cast values instead of their DynamoTypes."""
    items = [item for hash_set in self.items.values()
             for item in (hash_set.values() if self.range_key_attr else [hash_set])]
    return sorted(items, key=lambda x: (x.hash_key.cast_value, x.range_key.cast_value) if x.range_key
                  else x.hash_key.cast_value)


moto_all_items = Table.all_items
Table.all_items = _all_items_by_cast_value
