"""The request deadline: set per request, fires only once passed, bounded by Lambda's remaining time."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from fhirimaging import deadline
from fhirimaging.errors import DeadlineExceeded
from fhirimaging.http import render


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(deadline, "_clock", fake)
    yield fake
    deadline.clear()


def test_without_a_deadline_nothing_ever_fires(clock):
    deadline.clear()
    clock.now += 10**6
    assert deadline.remaining() is None
    deadline.check("anything")


def test_a_check_passes_until_the_budget_is_spent_and_then_raises_a_503_with_retry_after(clock):
    deadline.start(2.0)
    clock.now += 1.5
    deadline.check("the next page")
    assert deadline.remaining() == pytest.approx(0.5)
    clock.now += 0.5
    with pytest.raises(DeadlineExceeded) as raised:
        deadline.check("the next page")
    error = raised.value
    assert error.status == 503 and error.code == "timeout" and error.headers["Retry-After"]
    assert "the next page" in error.diagnostics


def test_lambdas_remaining_time_less_the_safety_margin_bounds_the_budget(clock):
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 10_000)
    deadline.start(20.0, context)
    assert deadline.remaining() == pytest.approx(10.0 - deadline.SAFETY_MARGIN_SECONDS)
    deadline.start(2.0, context)  # the budget when it is the smaller
    assert deadline.remaining() == pytest.approx(2.0)
    deadline.start(2.0, object())  # a context without the method (tests): the budget alone
    assert deadline.remaining() == pytest.approx(2.0)


def test_clear_ends_the_deadline(clock):
    deadline.start(0)
    deadline.clear()
    deadline.check("anything")


def test_each_thread_keeps_its_own_deadline(clock):
    # the local stack serves concurrent requests on threads of one process
    deadline.start(0)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(deadline.remaining()))
    thread.start()
    thread.join()
    assert seen == [None]
    with pytest.raises(DeadlineExceeded):
        deadline.check("anything")


def test_it_renders_as_an_operation_outcome_with_retry_after():
    response = render.error(DeadlineExceeded("out of time"))
    headers = {k.lower(): v for k, v in response["headers"].items()}
    assert response["statusCode"] == 503 and headers["retry-after"] == "5"
    assert '"resourceType":"OperationOutcome"' in response["body"].replace(" ", "")
    assert '"code":"timeout"' in response["body"].replace(" ", "")


def test_aws_clients_give_up_on_a_hung_request_within_the_time_the_deadline_leaves(monkeypatch):
    from fhirimaging import runtime
    from fhirimaging.settings import Settings
    from local.template import load_template

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    config = runtime.aws_client("dynamodb").meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": runtime.MAX_ATTEMPTS}
    timeout = load_template().data["Globals"]["Function"]["Timeout"]
    left_after_deadline = timeout - Settings._field_defaults["request_deadline_seconds"]
    assert config.connect_timeout + config.read_timeout <= left_after_deadline
    assert runtime.aws_client("dynamodb", "http://127.0.0.1:1").meta.config.read_timeout == 60  # emulators
