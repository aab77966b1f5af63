"""A cold start runs without cyclic garbage collection, and the first invocation ends that pause
(fhirimaging/__init__.py, runtime.handler). Each case runs in a fresh interpreter, as Lambda starts one."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file())
ENV = {"PYTHONPATH": str(ROOT / "layers/fhirimaging/python"), "TABLE_NAME": "t", "CURSOR_SECRET": "s",
       "AWS_DEFAULT_REGION": "us-east-1"}


def _run(function: str, code: str) -> dict:
    path = str(ROOT / "functions" / function / "app.py")
    prelude = (f"import gc, importlib.util, json\nspec = importlib.util.spec_from_file_location('app', {path!r})\n"
               "app = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(app)\n")
    done = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, env=ENV)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_function_imports_with_collection_paused_and_ends_the_pause_in_its_handler():
    code = "print(json.dumps([gc.isenabled(), app.lambda_handler.__code__.co_qualname]))"
    seen = {name: _run(name, code) for name in FUNCTIONS}
    assert seen == {name: [False, "handler.<locals>.invoke"] for name in FUNCTIONS}


def test_the_first_invocation_freezes_the_cold_start_and_resumes_collection():
    # GIVEN a fresh capabilities function (it needs no AWS client) WHEN it serves GET /metadata twice
    event = (ROOT / "events/capabilities.json").read_text()
    code = (f"event = json.loads({event!r})\n"
            "before = [gc.isenabled(), gc.get_freeze_count()]\n"
            "status = app.lambda_handler(event, None)['statusCode']\n"
            "first = [gc.isenabled(), gc.get_freeze_count()]\n"
            "app.lambda_handler(event, None)\n"
            "print(json.dumps({'before': before, 'status': status, 'first': first, 'frozen_again': "
            "gc.get_freeze_count() != first[1]}))")
    seen = _run("capabilities", code)

    # THEN collection was paused until the first invocation ended; it froze what the cold start made, once
    assert seen["before"] == [False, 0]
    assert seen["status"] == 200
    assert seen["first"][0] is True and seen["first"][1] > 10_000
    assert seen["frozen_again"] is False
