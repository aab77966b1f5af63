"""Part f: hostile requests over HTTP through the local stack, and /metadata answered beside them.

Requests whose cost a client could multiply: a JSON Patch of 24 `copy` operations that would double the
study each time, a FHIRPath Patch path whose regex backtracks catastrophically on a 30-character
description, one that doubles a collection 30 times, and a search with an OR list of 1,000 values; beside
them, the largest OR list allowed (100 values, so 100 GSI Queries, the first of each side by side). Each is
sent RUNS times, one after another, and timed from the client on 127.0.0.1 (so an upper bound of the
server's time); target: each under 1 s, with the status the limits give. Then, while one thread sends the
hostile ones in a loop, 8 threads x 25 requests ask for /metadata; target: each answered within 100 ms
(the slowest is reported).
"""
from __future__ import annotations

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.large import _local_stack
from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
THREADS, PER_THREAD = 8, 25
MAX_HOSTILE_MS = 1000
MAX_METADATA_MS = 100
FHIR_JSON = "application/fhir+json"


def _hostile(base_url: str, session: requests.Session) -> dict[str, tuple[int, requests.Request]]:
    """What each hostile request is, the status it should get, and the request itself."""
    study = json.loads((ROOT / "tests/fixtures/imagingstudy-example.json").read_text())
    study["description"] = "a" * 29 + "!"  # ^(a+)+$ backtracks through 2^29 ways of splitting it
    created = session.post(f"{base_url}/ImagingStudy", data=json.dumps(study), headers={"Content-Type": FHIR_JSON})
    created.raise_for_status()
    url = f"{base_url}/ImagingStudy/{created.json()['id']}"
    doubling = [{"op": "copy", "from": "/identifier", "path": "/identifier/-"}] * 24
    regex = {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": [
        {"name": "type", "valueCode": "replace"},
        {"name": "path", "valueString": "ImagingStudy.description.where($this.matches('^(a+)+$'))"},
        {"name": "value", "valueString": "x"}]}]}
    doubling_path = {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": [
        {"name": "type", "valueCode": "delete"},
        {"name": "path", "valueString": "ImagingStudy.id" + ".select($this.combine($this))" * 30}]}]}
    modalities = ",".join(f"M{n}" for n in range(1000))
    allowed = ",".join([f"M{n}" for n in range(99)] + ["CT"])
    return {
        "JSON Patch, 24 copy operations doubling /identifier": (413, requests.Request(
            "PATCH", url, data=json.dumps(doubling), headers={"Content-Type": "application/json-patch+json"})),
        "FHIRPath Patch, matches('^(a+)+$') on a 30-character description": (422, requests.Request(
            "PATCH", url, data=json.dumps(regex), headers={"Content-Type": FHIR_JSON})),
        "FHIRPath Patch, a path doubling a collection 30 times": (400, requests.Request(
            "PATCH", url, data=json.dumps(doubling_path), headers={"Content-Type": FHIR_JSON})),
        "search, modality OR list of 1,000 values": (400, requests.Request(
            "GET", f"{base_url}/ImagingStudy?modality={modalities}")),
        "search, modality OR list of 100 values (the limit)": (200, requests.Request(
            "GET", f"{base_url}/ImagingStudy?modality={allowed}&_total=accurate")),
    }


def _send(session: requests.Session, request: requests.Request) -> tuple[int, float]:
    prepared = session.prepare_request(request)
    started = time.perf_counter()
    response = session.send(prepared, timeout=300)
    return response.status_code, (time.perf_counter() - started) * 1000


def run() -> list[Row]:
    rows = []
    with _local_stack() as base_url, requests.Session() as session:
        hostile = _hostile(base_url, session)
        for measure, (expected, request) in hostile.items():
            results = [_send(session, request) for _ in range(RUNS)]
            statuses = {status for status, _ in results}
            slowest = max(ms for _, ms in results)
            ok = statuses == {expected} and slowest < MAX_HOSTILE_MS
            rows.append(Row("f", measure, slowest, "ms", target=f"< {MAX_HOSTILE_MS} ms, {expected}", ok=ok,
                            note=f"slowest of {RUNS} (median {statistics.median(ms for _, ms in results):.0f} ms); "
                                 f"status {', '.join(map(str, sorted(statuses)))}"))
        rows.append(_metadata_beside(base_url, [request for _, request in hostile.values()][:4]))
    return rows


def _metadata_beside(base_url: str, hostile: list[requests.Request]) -> Row:
    stop = threading.Event()
    sent = [0]

    def attack() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                for request in hostile:
                    _send(session, request)
                    sent[0] += 1

    def ask(_: int) -> list[float]:
        with requests.Session() as session:
            times = []
            for _ in range(PER_THREAD):
                status, ms = _send(session, requests.Request("GET", f"{base_url}/metadata"))
                times.append(ms if status == 200 else float("inf"))
            return times

    attacker = threading.Thread(target=attack)
    attacker.start()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            times = sorted(t for thread in pool.map(ask, range(THREADS)) for t in thread)
    finally:
        stop.set()
        attacker.join()
    slowest = times[-1]
    return Row("f", f"/metadata, {THREADS} threads x {PER_THREAD}, while the hostile requests repeat", slowest, "ms",
               target=f"< {MAX_METADATA_MS} ms each", ok=slowest < MAX_METADATA_MS,
               note=f"slowest of {len(times)}; median {statistics.median(times):.1f} ms, "
                    f"p95 {times[int(len(times) * 0.95)]:.1f} ms; {sent[0]} hostile requests meanwhile")
