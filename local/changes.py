"""The local stack's stand-in for the DynamoDB stream -> publisher event source mapping.

Reads the embedded table's stream records in order (by sequence number, so the bounded record list
can be trimmed underneath) and invokes the publisher with stream events of up to 100 records.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Self

log = logging.getLogger("local.changes")

BATCH_SIZE = 100
POLL_SECONDS = 0.2


class StreamPoller:
    def __init__(self, records: Callable[[], list[Any]], deliver: Callable[[dict[str, Any]], Any]):
        self._records = records  # the table's current stream records (moto StreamRecord objects)
        self._deliver = deliver
        self._last = -1
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
        """Deliver every record past the last delivered one; returns how many."""
        fresh = [r.record for r in list(self._records()) if int(r.record["dynamodb"]["SequenceNumber"]) > self._last]
        for start in range(0, len(fresh), BATCH_SIZE):
            batch = [_lambda_shape(r) for r in fresh[start:start + BATCH_SIZE]]
            try:
                result = self._deliver({"Records": batch}) or {}
            except Exception:  # noqa: BLE001 - like the event source mapping: retried on the next poll
                log.exception("publisher failed; the records are retried")
                return start
            failed = [int(f["itemIdentifier"]) for f in result.get("batchItemFailures", [])]
            if failed:  # resume at the first failed record, as Lambda does with ReportBatchItemFailures
                self._last = min(failed) - 1
                return start
            self._last = int(batch[-1]["dynamodb"]["SequenceNumber"])
        return len(fresh)


def _lambda_shape(record: dict[str, Any]) -> dict[str, Any]:
    """moto keeps a datetime where the Lambda event has epoch seconds."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb,
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/local/stream/local"}
