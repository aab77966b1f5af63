"""The local stack's stand-in for a DynamoDB stream event source mapping (the publisher's, the index repair's).

Reads the embedded table's stream records in order (by sequence number, so the bounded record list
can be trimmed underneath), keeps those the mapping's filter patterns pass, and invokes the function
with stream events of up to its batch size. Each mapping reads the stream at its own position.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Self

log = logging.getLogger("local.changes")

BATCH_SIZE = 100
POLL_SECONDS = 0.2


class StreamPoller:
    def __init__(self, records: Callable[[], list[Any]], deliver: Callable[[dict[str, Any]], Any],
                 patterns: Sequence[dict[str, Any]] = (), batch_size: int = BATCH_SIZE):
        self._records = records  # the table's current stream records (moto StreamRecord objects)
        self._deliver = deliver
        self._patterns = patterns
        self._batch_size = batch_size
        self._last = -1
        self._lock = threading.Lock()  # the poller's thread and wait_for_events both poll; never the same records
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-stream-poller", daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.poll()

    def poll(self) -> int:
        """Deliver every record past the last delivered one that the patterns pass; returns how many."""
        with self._lock:
            return self._poll()

    def _poll(self) -> int:
        fresh = [_lambda_shape(r.record) for r in list(self._records())
                 if int(r.record["dynamodb"]["SequenceNumber"]) > self._last]
        wanted = [r for r in fresh if not self._patterns or any(matches(p, r) for p in self._patterns)]
        for start in range(0, len(wanted), self._batch_size):
            batch = wanted[start:start + self._batch_size]
            try:
                result = self._deliver({"Records": batch}) or {}
            except Exception:  # noqa: BLE001 - like the event source mapping: retried on the next poll
                log.exception("%s failed; the records are retried", self._thread.name)
                return start
            failed = [int(f["itemIdentifier"]) for f in result.get("batchItemFailures", [])]
            if failed:  # resume at the first failed record, as Lambda does with ReportBatchItemFailures
                self._last = min(failed) - 1
                return start
            self._last = int(batch[-1]["dynamodb"]["SequenceNumber"])
        if fresh:  # the records no pattern passes are done with too
            self._last = int(fresh[-1]["dynamodb"]["SequenceNumber"])
        return len(wanted)


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """Lambda event filtering's exact-value rules: every field of the pattern is in the event, and a list names the
    values it may have. (The template uses no other rule; one would fail here rather than pass everything.)"""
    if not isinstance(event, dict):
        return False
    for name, rule in pattern.items():
        if name not in event:
            return False
        if isinstance(rule, dict):
            if not matches(rule, event[name]):
                return False
        elif isinstance(rule, list):
            if any(isinstance(value, (dict, list)) for value in rule):
                raise ValueError(f"filter rule {rule!r} is not an exact-value list")
            if event[name] not in rule:
                return False
        else:
            raise ValueError(f"filter rule {rule!r} is not a list or a pattern")
    return True


def _lambda_shape(record: dict[str, Any]) -> dict[str, Any]:
    """moto keeps a datetime where the Lambda event has epoch seconds."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb,
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/local/stream/local"}
