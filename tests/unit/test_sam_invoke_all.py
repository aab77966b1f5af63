"""local/sam_invoke_all.py's scenarios, run through the handlers in this process: what it expects of each events/
file under `sam local invoke` is what the handlers answer, and every events/ file is in one of them."""
from __future__ import annotations

import pytest

from fhirimaging import runtime
from local import sam_invoke_all
from local.sam_invoke_all import SCENARIOS
from tests.events import EVENTS


def test_every_events_file_is_invoked_by_a_scenario():
    invoked = {step.event for steps in SCENARIOS.values() for step in steps}
    assert invoked == {p.stem for p in EVENTS.glob("*.json")}


@pytest.fixture
def unwired():
    """Process-wide wiring built from this stack's environment is dropped: the next test builds its own."""
    runtime.override()
    yield
    runtime.override()  # the publisher too (its change-events file is the stopped stack's)


def test_each_scenario_answers_as_expected_in_process(capsys, unwired):
    assert sam_invoke_all.main(["--in-process"]) == 0
    total = sum(len(steps) for steps in SCENARIOS.values())
    assert f"{total} of {total} invocations as expected" in capsys.readouterr().out


def test_the_start_api_round_trip_passes_against_the_local_stack_server(capsys, unwired):
    assert sam_invoke_all.main(["--in-process", "--start-api"]) == 0
    assert "start-api round trip as expected" in capsys.readouterr().out


def test_without_docker_nothing_is_invoked_and_it_exits_0(monkeypatch, capsys):
    monkeypatch.setattr(sam_invoke_all.shutil, "which", lambda name: None)
    assert sam_invoke_all.main([]) == 0
    assert "docker is not installed: nothing invoked" in capsys.readouterr().out
