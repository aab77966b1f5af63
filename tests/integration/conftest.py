"""Integration tests talk HTTP to the whole local stack (template routes, real handlers, embedded DynamoDB).

One stack per pytest process (so one per xdist worker), started on a free port on first use.
It runs in this process: its environment variables and the layer's process-wide wiring
(`fhirimaging.runtime`) are shared with any functional test the same worker runs, so before each
integration test both are put back to the stack's if a functional test left them changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from local.auth import DevIssuer
from local.server import LocalStack

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def stack():
    """The running LocalStack; `stack.base_url` is e.g. `http://127.0.0.1:54321/fhir/R5`."""
    with LocalStack(port=0) as running:
        yield running


_wired: dict[str, object] = {}


@pytest.fixture(autouse=True)
def _stack_owns_the_process(request):
    if "stack" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("stack").apply_environment()
    from fhirimaging import runtime

    if _wired.get("service") is None or runtime.service() is not _wired["service"]:
        runtime.override()  # drop whatever another test wired in; rebuild from the stack's environment
        _wired["service"] = runtime.service()
    yield


class FhirHttp(requests.Session):
    """A requests.Session whose relative URLs are resolved against the FHIR base URL.

    `http.get("ImagingStudy/123")` and `http.get("/ImagingStudy/123")` both request
    `<base_url>/ImagingStudy/123`; absolute URLs (e.g. from a Location header) are used as given.
    """

    def __init__(self, base_url: str, timeout: float = 30):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def url(self, path: str = "") -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}" if path else self.base_url

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, self.url(url), *args, **kwargs)


@pytest.fixture
def http(stack):
    """A fresh FhirHttp session for the test, bound to `stack.base_url`."""
    with FhirHttp(stack.base_url) as session:
        yield session


@pytest.fixture(scope="session")
def auth_stack(tmp_path_factory):
    """A second stack with AUTH=on, in a subprocess since a LocalStack owns its process's environment:
    (base URL, its issuer's key file, the issuer)."""
    key_file = tmp_path_factory.mktemp("auth") / "issuer.json"
    env = {**os.environ, "AUTH": "on", "PORT": "0", "S3_PORT": "0", "DYNAMODB_PORT": "0",
           "AUTH_KEY_FILE": str(key_file), "CHANGE_EVENTS_FILE": str(key_file.with_name("changes.jsonl")),
           "SAM_ENV_FILE": str(key_file.with_name("env.json"))}
    output = key_file.with_name("stdout.txt")  # a file, not a pipe: the handlers' logs would fill a pipe
    with output.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "local.server"], cwd=ROOT, env=env, text=True,
                                   stdout=sink, stderr=subprocess.DEVNULL)
    try:
        base_url = ""
        deadline = time.monotonic() + 60
        while not base_url and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            base_url = next((line.strip() for line in output.read_text().splitlines()
                             if line.startswith("http://")), "")
        assert base_url, f"the AUTH=on stack did not start: {output.read_text()[-2000:]}"
        yield base_url, key_file, DevIssuer.load(key_file)
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="session")
def issuer(auth_stack):
    return auth_stack[2]


@pytest.fixture(scope="session")
def client(auth_stack):
    """An HTTP session to the AUTH=on stack."""
    with FhirHttp(auth_stack[0]) as session:
        yield session


@pytest.fixture(scope="session")
def admin(issuer):
    """A token for every interaction on every study."""
    return issuer.mint("system/ImagingStudy.cruds")
