"""Part e: create, read and update of a 10,000-instance study through the local stack over HTTP.

The stack runs as `python -m local.server` (PORT=0 S3_PORT=0), which prints its base URL on its first
line of stdout. A status other than the expected one is reported in the table (e.g. "413 not supported"
while bodies that large cannot be stored), not raised, so the figures appear once the server takes them.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from bench.study import large_study
from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = 10_000
RUNS = 3
HEADERS = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}


def run() -> list[Row]:
    study = large_study(INSTANCES)
    body = json.dumps(study, separators=(",", ":")).encode()
    with _local_stack() as base_url:
        url = f"{base_url}/ImagingStudy"
        created, ms = _timed(lambda: requests.post(url, data=body, headers=HEADERS), 201)
        rows = [_row("create", created, ms, len(body))]
        if isinstance(created, str):
            return rows + [Row("e", f"{what} over HTTP, {INSTANCES:,}-instance study", f"skipped (create: {created})")
                           for what in ("read", "update")]
        resource = created.json()
        study_url = f"{url}/{resource['id']}"
        read, ms = _timed(lambda: requests.get(study_url, headers=HEADERS), 200)
        rows.append(_row("read", read, ms, 0))
        update = json.dumps({**resource, "description": "re-read"}, separators=(",", ":")).encode()
        updated, ms = _timed(lambda: requests.put(study_url, data=update, headers=HEADERS), 200)
        rows.append(_row("update", updated, ms, len(update)))
    return rows


def _timed(send, expected: int) -> tuple[requests.Response | str, list[float]]:
    """RUNS requests: the last response (or what it answered instead) and each one's ms."""
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = send()
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != expected:
            unsupported = " not supported" if response.status_code == 413 else ""
            return f"{response.status_code}{unsupported}", times
    return response, times


def _row(interaction: str, outcome: requests.Response | str, times: list[float], sent: int) -> Row:
    measure = f"{interaction} over HTTP, {INSTANCES:,}-instance study"
    if isinstance(outcome, str):
        return Row("e", measure, outcome, note=f"after {times[-1]:.0f} ms; {sent / 1024:,.0f} KB sent")
    sizes = f"{sent / 1024:,.0f} KB sent, " if sent else ""
    return Row("e", measure, statistics.median(times), "ms",
               note=f"median of {RUNS}; {sizes}{len(outcome.content) / 1024:,.0f} KB received")


class _local_stack:
    """`python -m local.server` on free ports; its stdout (change events, logs) is drained so it never blocks."""

    def __enter__(self) -> str:
        env = {**os.environ, "PORT": "0", "S3_PORT": "0", "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "local.server"], cwd=ROOT, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        base_url = self.process.stdout.readline().strip()
        if not base_url.startswith("http"):
            self.process.kill()
            raise RuntimeError(f"the local stack did not start (exit {self.process.wait()})")
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        return base_url

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
