"""Integration tests talk HTTP to the whole local stack (template routes, real handlers, embedded DynamoDB).

One stack per pytest process (so one per xdist worker), started on a free port on first use.
It runs in this process: its environment variables and the layer's process-wide wiring
(`fhirimaging.runtime`) are shared with any functional test the same worker runs, so before each
integration test both are put back to the stack's if a functional test left them changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from local.server import LocalStack

HERE = Path(__file__).resolve().parent


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
