"""The patch engines stay out of every other function's cold start: only the patch handler imports them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ("jsonpatch", "jsonpointer", "fhirpathpy", "antlr4")

# Each handler is imported in a fresh interpreter, as Lambda starts each function alone.
PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[2].split(","))))
"""


def engines_loaded_by(function: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py"), ",".join(ENGINES)],
        capture_output=True, text=True, check=True, env={"PYTHONPATH": str(ROOT / "layers/fhirimaging/python")},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_handler_but_patch_imports_jsonpatch_or_fhirpathpy():
    others = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file() and p.name != "patch")
    assert others  # every other function, whatever is added later
    loaded = {name: engines_loaded_by(name) for name in others}
    assert loaded == {name: [] for name in others}


def test_the_patch_handler_loads_its_engines_during_init():
    loaded = {name.split(".")[0] for name in engines_loaded_by("patch")}
    assert loaded == set(ENGINES)
