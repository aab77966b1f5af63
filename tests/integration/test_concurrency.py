"""Concurrent updates of one study over HTTP: no lost update, no 5xx, versions 1..N without gap or repeat.

Eight threads start together at a barrier, each with its own session; every wait is bounded, so a hung
server fails the test instead of hanging it.
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

from tests.integration.conftest import FhirHttp
from tests.oracle import assert_valid_r5
from tests.uids import own_uid_text

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "imagingstudy-example.json").read_text()
FHIR_JSON = {"Content-Type": "application/fhir+json"}
THREADS = 8
REQUEST_TIMEOUT = 30  # seconds, per HTTP request
RUN_TIMEOUT = 120  # seconds, for all threads together


def create_study(http) -> str:
    response = http.post("ImagingStudy", data=own_uid_text(FIXTURE), headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return assert_valid_r5(response.text)["id"]


def run_threads(base_url: str, work) -> None:
    """Run work(thread_number, session) in THREADS threads released together; re-raise what any raised."""
    barrier = threading.Barrier(THREADS, timeout=REQUEST_TIMEOUT)
    errors: list[BaseException] = []

    def run(number: int) -> None:
        try:
            with FhirHttp(base_url, timeout=REQUEST_TIMEOUT) as session:
                barrier.wait()
                work(number, session)
        except BaseException as e:  # noqa: BLE001 - reported by the test thread below
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(n,), daemon=True, name=f"writer-{n}") for n in range(THREADS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + RUN_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not [t.name for t in threads if t.is_alive()], f"threads still running after {RUN_TIMEOUT} s"
    if errors:
        raise errors[0]


def put(session, rid: str, description: str, version_checked: bool = False):
    """GET the study, set its description, PUT it back (with If-Match: the ETag read, if version_checked)."""
    read = session.get(f"ImagingStudy/{rid}")
    assert read.status_code == 200, read.text
    study = assert_valid_r5(read.text)
    study["description"] = description
    headers = {**FHIR_JSON, "If-Match": read.headers["ETag"]} if version_checked else FHIR_JSON
    response = session.put(f"ImagingStudy/{rid}", data=json.dumps(study), headers=headers)
    body = assert_valid_r5(response.text) if response.text else None
    return int(study["meta"]["versionId"]), response, body


def descriptions_by_version(http, rid: str, last: int) -> dict[int, str | None]:
    """Each version's description, read back with vread."""
    found = {}
    for version in range(1, last + 1):
        response = http.get(f"ImagingStudy/{rid}/_history/{version}")
        assert response.status_code == 200, response.text
        found[version] = assert_valid_r5(response.text).get("description")
    return found


def history_version_ids(http, rid: str) -> list[int]:
    response = http.get(f"ImagingStudy/{rid}/_history", params={"_count": 1000})
    assert response.status_code == 200, response.text
    bundle = assert_valid_r5(response.text)
    assert not [link for link in bundle["link"] if link["relation"] == "next"]  # all of it on one page
    return [int(entry["resource"]["meta"]["versionId"]) for entry in bundle["entry"]]


def test_version_checked_updates_from_eight_threads_are_200_or_412_and_none_is_lost(stack, http):
    # GIVEN one study at version 1
    rid = create_study(http)
    attempts: list[tuple[int, str, int | None]] = []  # (status, description sent, versionId written)

    def update_25_times_with_if_match(thread: int, session) -> None:
        for n in range(25):
            description = f"t{thread}-{n}"
            based_on, response, body = put(session, rid, description, version_checked=True)
            written = None
            if response.status_code == 200:
                written = int(body["meta"]["versionId"])
                assert response.headers["ETag"] == f'W/"{written}"' and body["description"] == description
                assert written == based_on + 1  # If-Match held: nothing was written between our read and write
            elif response.status_code == 412:
                assert body["resourceType"] == "OperationOutcome"
            attempts.append((response.status_code, description, written))

    # WHEN 8 threads each make 25 read-modify-write attempts with If-Match
    run_threads(stack.base_url, update_25_times_with_if_match)

    # THEN every answer is 200 or 412, and each success wrote its own next version
    statuses = Counter(status for status, _, _ in attempts)
    assert sum(statuses.values()) == THREADS * 25 and set(statuses) <= {200, 412}, statuses
    successes = {version: description for status, description, version in attempts if status == 200}
    n = statuses[200]
    assert n >= 1 and sorted(successes) == list(range(2, n + 2))
    # AND the study is at version 1 + N, carrying the description of the highest successful version
    final = http.get(f"ImagingStudy/{rid}")
    assert final.status_code == 200, final.text
    study = assert_valid_r5(final.text)
    assert study["meta"]["versionId"] == str(1 + n) and final.headers["ETag"] == f'W/"{1 + n}"'
    assert study["description"] == successes[1 + n]
    # AND history holds versions N+1..1, and each success's description landed in exactly its version
    assert history_version_ids(http, rid) == list(range(1 + n, 0, -1))
    stored = descriptions_by_version(http, rid, 1 + n)
    assert stored[1] is None and {v: d for v, d in stored.items() if v > 1} == successes


def test_unconditional_updates_from_eight_threads_all_succeed_and_none_is_lost(stack, http):
    # GIVEN one study at version 1
    rid = create_study(http)
    attempts: list[tuple[int, str, int | None]] = []

    def update_10_times(thread: int, session) -> None:
        for n in range(10):
            description = f"t{thread}-{n}"
            _, response, body = put(session, rid, description)
            attempts.append((response.status_code, description,
                             int(body["meta"]["versionId"]) if response.status_code == 200 else None))

    # WHEN 8 threads each PUT 10 times without If-Match
    run_threads(stack.base_url, update_10_times)

    # THEN every PUT is 200: the server retries a lost race against the new current version
    assert Counter(status for status, _, _ in attempts) == {200: THREADS * 10}
    written = {version: description for _, description, version in attempts}
    assert sorted(written) == list(range(2, 2 + THREADS * 10))
    # AND the study is at version 1 + 80, history has 81..1, and every description is in exactly one version
    final = http.get(f"ImagingStudy/{rid}")
    assert final.status_code == 200, final.text
    assert assert_valid_r5(final.text)["meta"]["versionId"] == str(1 + THREADS * 10)
    assert history_version_ids(http, rid) == list(range(1 + THREADS * 10, 0, -1))
    stored = descriptions_by_version(http, rid, 1 + THREADS * 10)
    assert Counter(d for v, d in stored.items() if v > 1) == Counter(d for _, d, _ in attempts)
    assert {v: d for v, d in stored.items() if v > 1} == written
