"""The Publisher port and its adapters: EventBridge when deployed, JSON lines locally.

A publisher takes changes in order and returns how many of them, from the start, are published;
anything after that is for the caller to retry (Lambda re-reads the stream from the first failed
record, so delivery is at-least-once and in order per resource).
"""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TextIO

from fhirimaging.changes import SOURCE, Change

PUT_EVENTS_MAX_ENTRIES = 10


class Publisher(Protocol):
    def publish(self, changes: Sequence[Change]) -> int:
        """Publish `changes` in order; return how many leading ones are published (all, normally)."""


class EventBridgePublisher:
    """PutEvents in chunks of up to 10 (one version per resource each); failed entries are retried with
    backoff; if one still fails, publishing stops there."""

    def __init__(self, client: Any, bus_name: str, base_url: str | None, attempts: int = 4,
                 backoff_seconds: float = 0.1) -> None:
        self._client, self._bus, self._base_url = client, bus_name, base_url
        self._attempts, self._backoff = attempts, backoff_seconds

    def entry(self, change: Change) -> dict[str, Any]:
        return {
            "Source": SOURCE,
            "DetailType": change.detail_type,
            "Detail": json.dumps(change.detail(self._base_url), separators=(",", ":")),
            "EventBusName": self._bus,
        }

    def publish(self, changes: Sequence[Change]) -> int:
        start = 0
        while start < len(changes):
            chunk = _chunk(changes, start)
            failed_at = self._put(chunk)
            if failed_at is not None:
                return start + failed_at
            start += len(chunk)
        return len(changes)

    def _put(self, chunk: list[Change]) -> int | None:
        """Put one chunk, retrying its failed entries; None when all landed, else the first failed index."""
        pending = list(range(len(chunk)))
        for attempt in range(self._attempts):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = self._client.put_events(Entries=[self.entry(chunk[i]) for i in pending])
            except Exception:  # noqa: BLE001 - throttling or a network error: retry the same entries
                if attempt == self._attempts - 1:
                    raise
                continue
            if not response.get("FailedEntryCount"):
                return None
            results = response["Entries"]
            pending = [i for i, result in zip(pending, results) if result.get("ErrorCode")]
        return pending[0]


def _chunk(changes: Sequence[Change], start: int) -> list[Change]:
    """Up to 10 changes from `start`, at most one per resource: a resource's next version is put only once
    the previous one has landed, so a failed entry never lets a later version of its resource overtake it."""
    chunk: list[Change] = []
    ids: set[str] = set()
    for change in changes[start:start + PUT_EVENTS_MAX_ENTRIES]:
        if change.id in ids:
            break
        chunk.append(change)
        ids.add(change.id)
    return chunk


class JsonLinesPublisher:
    """Writes each event as one JSON object per line to stdout and, if given, appends it to a file."""

    def __init__(self, path: str | None, base_url: str | None, stdout: TextIO | None = None) -> None:
        self._path, self._base_url = path, base_url
        self._stdout = stdout

    def line(self, change: Change) -> str:
        event = {"source": SOURCE, "detail-type": change.detail_type, "detail": change.detail(self._base_url)}
        return json.dumps(event, separators=(",", ":"))

    def publish(self, changes: Sequence[Change]) -> int:
        lines = [self.line(change) + "\n" for change in changes]
        if self._path:
            with open(self._path, "a", encoding="utf-8") as f:
                f.writelines(lines)
        out = self._stdout or sys.stdout
        out.writelines(lines)
        out.flush()
        return len(changes)


def publisher_from_settings(settings: Any, events_client: Callable[[], Any]) -> Publisher:
    """CHANGE_EVENTS_FILE (local) wins; else EVENT_BUS_NAME; with neither, JSON lines on stdout.
    `events_client` makes the EventBridge client (fhirimaging.runtime), only for the deployed publisher."""
    base_url = settings.change_events_base_url or settings.base_url
    if settings.change_events_file or not settings.event_bus_name:
        return JsonLinesPublisher(settings.change_events_file, base_url)
    return EventBridgePublisher(events_client(), settings.event_bus_name, base_url)
