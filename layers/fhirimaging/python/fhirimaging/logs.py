"""Structured JSON logs and CloudWatch metrics on the standard library.

Deployed, the functions use Lambda's JSON log format (template.yaml LoggingConfig): the runtime writes each
record as one JSON object with its timestamp, level, requestId and every `extra` field. Elsewhere (the local
stack, tests, `make invoke`) the logger writes the same shape to stdout itself. Powertools' Logger would do
the same for ~20 ms more of every cold start (make bench).
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import datetime, timezone

logger = logging.getLogger("fhir-imaging")

# Attributes every LogRecord has; anything else on a record came in through `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Lambda's JSON log shape: timestamp, level, message, logger, then the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            **{k: v for k, v in vars(record).items() if k not in _STANDARD},
        }
        if record.exc_info:
            entry["stackTrace"] = self.formatException(record.exc_info).splitlines()
        return json.dumps(entry, default=str)


class _Stdout(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time (test capture may replace it)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        pass


def _configure() -> None:
    # With LogFormat JSON the Lambda runtime's own handler (on the root logger) writes the records.
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT") != "JSON" and not logger.handlers:
        handler = _Stdout()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def count(name: str, namespace: str, dimensions: dict[str, str]) -> None:
    """One count of `name` in CloudWatch, as an Embedded Metric Format line (no API call, no client)."""
    print(json.dumps({
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": namespace, "Dimensions": [list(dimensions)],
            "Metrics": [{"Name": name, "Unit": "Count"}]}]},
        **dimensions, name: 1,
    }), flush=True)


_configure()
