"""`python -m local.sam_invoke_all`: every events/*.json through `sam local invoke`, each answer checked.

`--start-api` instead serves the API with `sam local start-api` and makes a round trip over HTTP: the
CapabilityStatement, then a create, a read and a search of the created study.

The embedded DynamoDB and S3 of `make run` are started in this process (an instance of their own, so a running
`make run` is not disturbed), at Docker's bridge address, and each function runs in sam local's container, built
by `make sam-local`. Each scenario starts from an empty table, as each functional test does, and expects what
that test expects. `--in-process` runs the same scenarios without Docker, through the handlers in this process
(tests/unit/test_sam_invoke_all.py does that, so the expectations are checked on every `make test`).
Without Docker it says so and exits 0; exit 1 when an answer differs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

from local.sam import (
    LOCAL_INVOKE_IMAGE,
    REPO_ROOT,
    SAM_BUILT_TEMPLATE,
    SAM_CLI,
    SAM_LOCAL_DIR,
    docker_bridge_address,
    env_vars,
    image_exists,
    write_env_vars,
)

NO_FAILURES = {"batchItemFailures": []}
DICOM_KEY = "studies/CT small (1).dcm"  # the object events/ingest.json notifies


@dataclass(frozen=True)
class Step:
    function: str
    event: str  # events/<event>.json
    expected: int | dict[str, Any]  # an HTTP status, or the whole result of an event-driven function


# Each scenario starts from an empty table; "setup" names what it needs first (see _setup).
SCENARIOS: dict[str, tuple[Step, ...]] = {
    "capabilities": (
        Step("CapabilitiesFunction", "capabilities", 200),
        Step("CapabilitiesFunction", "capabilities-smart-configuration", 200),
    ),
    "create": (Step("CreateFunction", "create", 201),),
    "create-prefer-minimal": (Step("CreateFunction", "create-prefer-minimal", 201),),
    "create-invalid": (Step("CreateFunction", "create-invalid", 400), Step("TypeHistoryFunction", "type_history", 200)),
    # ImagingStudy/example: created by update-as-create, then every interaction on it
    "study": (
        Step("UpdateFunction", "update", 201),
        Step("ReadFunction", "read", 200),
        Step("ReadFunction", "read-patient", 200),
        Step("VreadFunction", "vread", 200),
        Step("UpdateFunction", "update-if-match", 200),
        Step("UpdateFunction", "update-if-match", 412),  # its If-Match is now stale
        Step("PatchFunction", "patch", 200),
        Step("PatchFunction", "patch-fhirpath", 200),
        Step("HistoryFunction", "history", 200),
        Step("TypeHistoryFunction", "type_history", 200),
        Step("SearchFunction", "search", 200),
        Step("SearchFunction", "search-post", 200),
        Step("SearchFunction", "search-compartment", 200),
        Step("DeleteFunction", "delete", 204),
        Step("ReadFunction", "read", 410),
    ),
    # two studies, the second partOf the first by its urn:uuid; a batch that finds the first; the transaction
    # again, refused whole (its second study's Study Instance UID is taken)
    "bundle": (
        Step("BundleFunction", "transaction", 200),
        Step("BundleFunction", "batch", 200),
        Step("BundleFunction", "transaction", 409),
    ),
    "fallback": (
        Step("FallbackFunction", "fallback", 405),
        Step("FallbackFunction", "fallback-not-found", 404),
    ),
    "index_cleanup": (Step("IndexCleanupFunction", "index_cleanup", NO_FAILURES),),
    "publisher": (Step("PublisherFunction", "publisher", NO_FAILURES),),
    "body_sweeper": (Step("BodySweeperFunction", "body_sweeper", {"deleted": []}),),
    "ingest": (Step("IngestFunction", "ingest", NO_FAILURES), Step("SearchFunction", "search", 200)),
}

Invoke = Callable[[str, str], Any]  # (function id, event name) -> the function's result


def run(invoke: Invoke, reset: Callable[[str], None], only: list[str] | None = None) -> list[str]:
    """Every scenario's steps; the differences from what is expected, one line each (empty: all as expected)."""
    failures = []
    for name, steps in SCENARIOS.items():
        if only and name not in only:
            continue
        reset(name)
        for step in steps:
            started = time.monotonic()
            result = invoke(step.function, step.event)
            got = result.get("statusCode") if isinstance(step.expected, int) and isinstance(result, dict) else result
            ok = got == step.expected
            print(f"{'ok  ' if ok else 'FAIL'} {name:22} {step.function:21} events/{step.event}.json -> "
                  f"{json.dumps(got)[:120]}{'' if ok else f' (expected {json.dumps(step.expected)})'}"
                  f" {time.monotonic() - started:.1f}s", flush=True)
            if not ok:
                failures.append(f"{name}: {step.event} gave {json.dumps(result)[:500]}")
    return failures


def round_trip(base_url: str) -> list[str]:
    """GET metadata, POST a study, GET it, search it by _id; the differences from what is expected."""
    import urllib.request

    def call(method: str, path: str, body: bytes | None = None) -> tuple[int, Any, Any]:
        request = urllib.request.Request(base_url + path, data=body, method=method,
                                         headers={"content-type": "application/fhir+json"} if body else {})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.headers, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()[:500].decode(errors="replace")

    failures = []

    def check(what: str, ok: bool, detail: Any) -> None:
        print(f"{'ok  ' if ok else 'FAIL'} start-api {what}: {json.dumps(detail)[:120]}", flush=True)
        if not ok:
            failures.append(f"{what}: {detail}")

    status, _, capability = call("GET", "/metadata")
    check("GET /metadata", status == 200 and capability.get("resourceType") == "CapabilityStatement", status)
    status, headers, created = call("POST", "/ImagingStudy", _event("create")["body"].encode())
    check("POST /ImagingStudy", status == 201 and isinstance(created, dict), [status, headers.get("Location")])
    if failures:
        return failures
    study_id = created["id"]
    status, _, read = call("GET", f"/ImagingStudy/{study_id}")
    check(f"GET /ImagingStudy/{study_id}", status == 200 and read == created, status)
    status, _, bundle = call("GET", f"/ImagingStudy?_id={study_id}")
    found = [e["resource"]["id"] for e in (bundle or {}).get("entry", [])] if status == 200 else status
    check(f"GET /ImagingStudy?_id={study_id}", found == [study_id], found)
    return failures


def _start_api(env_file: str, image: bool) -> list[str]:
    """sam local start-api on a free port, a round trip, then stopped."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [str(SAM_CLI), "local", "start-api", "-t", str(SAM_BUILT_TEMPLATE), "--env-vars", env_file,
               *(["--invoke-image", LOCAL_INVOKE_IMAGE, "--skip-pull-image"] if image else []),
               "--parameter-overrides", "AuthMode=off", "--disable-authorizer", "-p", str(port)]
    log_file = SAM_LOCAL_DIR / "start-api.log"
    with open(log_file, "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                  env={**_environ(), "SAM_CLI_TELEMETRY": "0"})
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        if server.poll() is not None:
            return [f"sam local start-api exited {server.returncode}: see {log_file}"]
        return round_trip(f"http://127.0.0.1:{port}/fhir/R5")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _event(name: str) -> dict[str, Any]:
    return json.loads((REPO_ROOT / "events" / f"{name}.json").read_text())


class _Stack:
    """The embedded stack and how a scenario starts: an empty table, and for ingest the DICOM object uploaded."""

    def __init__(self, container_host: str | None, auth: bool):
        from local.server import LocalStack

        self.stack = LocalStack(port=0, container_host=container_host, auth=auth).start()
        import boto3

        region = self.stack.environment["AWS_DEFAULT_REGION"]
        self.dynamodb = boto3.session.Session().client("dynamodb", endpoint_url=self.stack.dynamodb_endpoint_url,
                                                       region_name=region)
        self.s3 = boto3.session.Session().client("s3", endpoint_url=self.stack.s3.endpoint_url, region_name=region)

    def reset(self, scenario: str) -> None:
        from local.dynamodb import ensure_table

        table = self.stack.table_name
        self.dynamodb.delete_table(TableName=table)
        self.dynamodb.get_waiter("table_not_exists").wait(TableName=table, WaiterConfig={"Delay": 1})
        ensure_table(self.dynamodb, table, self.stack.template.table_properties)
        if scenario == "ingest":
            from pydicom.data import get_testdata_file

            with open(get_testdata_file("CT_small.dcm"), "rb") as f:
                self.s3.put_object(Bucket=self.stack.bucket, Key=DICOM_KEY, Body=f.read())
            self.stack.wait_for_events()  # the stack's own ingest has run: the function's is an idempotent upsert

    def stop(self) -> None:
        self.stack.stop()


def _docker_problem() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "docker is not installed"
    done = subprocess.run([docker, "info"], capture_output=True, text=True)
    return None if done.returncode == 0 else "the Docker daemon does not answer (docker info failed)"


def _sam_invoke(env_file: str, image: bool) -> Invoke:
    def invoke(function: str, event: str) -> Any:
        command = [str(SAM_CLI), "local", "invoke", "-t", str(SAM_BUILT_TEMPLATE), "--env-vars", env_file,
                   *(["--invoke-image", LOCAL_INVOKE_IMAGE, "--skip-pull-image"] if image else []),
                   function, "-e", f"events/{event}.json"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                              env={**_environ(), "SAM_CLI_TELEMETRY": "0"})
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        try:
            return json.loads(lines[-1])
        except (IndexError, ValueError):
            return {"error": f"sam local invoke exited {done.returncode}", "stderr": done.stderr[-2000:]}

    return invoke


# sam local lets the shell's value of a variable the template declares win over the template's, so sam runs with the
# environment this process had before the stack set its own (AUTH, TABLE_NAME, ...): the --env-vars file decides.
_ENVIRON = dict(os.environ)


def _environ() -> dict[str, str]:
    return {**_ENVIRON, "AWS_DEFAULT_REGION": _ENVIRON.get("AWS_DEFAULT_REGION") or "us-east-1"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.sam_invoke_all", description=__doc__.splitlines()[0])
    parser.add_argument("--in-process", action="store_true", help="the handlers in this process, without Docker")
    parser.add_argument("--start-api", action="store_true", help="sam local start-api and a round trip over HTTP")
    parser.add_argument("scenarios", nargs="*", help=f"only these (of {', '.join(SCENARIOS)})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)

    if args.in_process:
        stack = _Stack(None, auth=not args.start_api)  # start-api: AuthMode=off, as below
        invoke: Invoke = lambda function, event: stack.stack.invoke(function, _event(event))  # noqa: E731
    else:
        problem = _docker_problem()
        if problem:
            print(f"sam_invoke_all: {problem}: nothing invoked (`make test` does not need Docker)")
            return 0
        if not SAM_BUILT_TEMPLATE.is_file() or not SAM_CLI.is_file():
            print("sam_invoke_all: run `make sam-local` first (it builds .sam-local/build)", file=sys.stderr)
            return 2
        bridge = docker_bridge_address()
        if bridge is None:
            print("sam_invoke_all: no docker0 bridge address for the containers to reach this host", file=sys.stderr)
            return 2
        stack = _Stack(bridge, auth=True)
        container_url = stack.stack.container_url
        env_file = write_env_vars(env_vars(container_url(stack.stack.dynamodb_endpoint_url),
                                           container_url(stack.stack.s3.endpoint_url),
                                           stack.stack.table_name, stack.stack.environment.get("BODY_BUCKET")),
                                  SAM_LOCAL_DIR / "env-invoke-all.json")
        invoke = _sam_invoke(str(env_file), image_exists())
    try:
        if args.start_api:
            stack.reset("start-api")
            failures = (round_trip(stack.stack.base_url) if args.in_process
                        else _start_api(str(env_file), image_exists()))
            print(f"sam_invoke_all: start-api round trip {'failed' if failures else 'as expected'}")
            return 1 if failures else 0
        failures = run(invoke, stack.reset, args.scenarios)
    finally:
        stack.stop()
    total = sum(len(steps) for name, steps in SCENARIOS.items() if not args.scenarios or name in args.scenarios)
    print(f"sam_invoke_all: {total - len(failures)} of {total} invocations as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
