"""The embedded S3 endpoint of the local stack, and the wire from an upload to the ingest function.

AWS delivers `s3:ObjectCreated` to an SQS queue that batches records for the ingest function; here a
WSGI wrapper around moto's S3 app sees each completed upload and feeds the same SQS-shaped event to
the same handler, batching for up to a second and re-driving failed records like the queue's
maxReceiveCount before giving up on them (the dead-letter queue is a log line and a file).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any, Self
from urllib.parse import quote, unquote

from moto.server import create_backend_app
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

log = logging.getLogger("local.s3")

DEFAULT_S3_PORT = 4566
DEFAULT_BUCKET = "dicom-inbox"
MAX_RECEIVES = 3  # the template's RedrivePolicy maxReceiveCount
BATCH_SIZE = 25
BATCH_WINDOW_SECONDS = 1.0

Deliver = Callable[[dict[str, Any]], Any]  # invokes the ingest handler with an SQS event


def s3_record(bucket: str, key: str, size: int, region: str) -> dict[str, Any]:
    """One S3 event notification record, as S3 puts it in the SQS message body."""
    return {
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": region,
        "eventTime": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": quote(key), "size": size}},
    }


class IngestQueue:
    """An in-process stand-in for the SQS queue in front of the ingest function."""

    def __init__(self, deliver: Deliver, region: str, dead_letters: list[dict] | None = None):
        self._deliver = deliver
        self._region = region
        self._pending: queue.Queue[tuple[dict, int]] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-ingest-queue", daemon=True)
        self.dead_letters = dead_letters if dead_letters is not None else []
        self.idle = threading.Event()
        self.idle.set()

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def put(self, bucket: str, key: str, size: int) -> None:
        self.idle.clear()
        self._pending.put((s3_record(bucket, key, size, self._region), 1))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._pending.get(timeout=0.1)
            except queue.Empty:
                self.idle.set()
                continue
            batch = [first]
            deadline = time.monotonic() + BATCH_WINDOW_SECONDS
            while len(batch) < BATCH_SIZE and (left := deadline - time.monotonic()) > 0:
                try:
                    batch.append(self._pending.get(timeout=left))
                except queue.Empty:
                    break
            self._deliver_batch(batch)

    def _deliver_batch(self, batch: list[tuple[dict, int]]) -> None:
        messages = {str(uuid.uuid4()): item for item in batch}
        event = {"Records": [
            {"messageId": message_id, "receiptHandle": message_id, "body": json.dumps({"Records": [record]}),
             "attributes": {"ApproximateReceiveCount": str(receives)}, "messageAttributes": {},
             "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:{self._region}:123456789012:dicom-local",
             "awsRegion": self._region}
            for message_id, (record, receives) in messages.items()
        ]}
        try:
            result = self._deliver(event) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:  # noqa: BLE001 - like Lambda: the whole batch comes back
            log.exception("ingest: the function failed; the whole batch is retried")
            failed = set(messages)
        for message_id in failed:
            record, receives = messages[message_id]
            if receives >= MAX_RECEIVES:
                key = unquote(record["s3"]["object"]["key"])
                log.error("ingest: s3://%s/%s failed %d times: sent to the dead-letter queue",
                          record["s3"]["bucket"]["name"], key, receives)
                self.dead_letters.append(record)
            else:
                self._pending.put((record, receives + 1))


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class EmbeddedS3:
    """moto's S3 on http://127.0.0.1:<port>; each completed upload is queued for ingest."""

    def __init__(self, on_upload: Callable[[str, str, int], None], host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self._app = create_backend_app("s3")
        self._on_upload = on_upload
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        method, path, query = environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
        size = int(environ.get("CONTENT_LENGTH") or 0)
        status: list[str] = []

        def capture(status_line: str, headers: list, exc_info: Any = None) -> Any:
            status.append(status_line)
            return start_response(status_line, headers, exc_info)

        body = self._app(environ, capture)
        # An object is created by a plain PUT (not a multipart part, not a copy) or a completed multipart upload.
        created = (method == "PUT" and "partNumber=" not in query) or (method == "POST" and "uploadId=" in query)
        bucket, _, key = path.lstrip("/").partition("/")
        if created and key and status and status[0].startswith("200"):
            self._on_upload(unquote(bucket), unquote(key), size)
        return body

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("embedded S3 is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> Self:
        self._server = make_server(self.host, self.port, self, threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="embedded-s3", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
