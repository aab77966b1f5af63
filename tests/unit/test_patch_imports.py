"""What each function's cold start imports: the JSON Patch engine only in patch; neither powertools nor
pydicom in any (ingest reads DICOM headers with fhirimaging/dicom/part10.py and answers SQS with a plain
partial batch response; logging and metrics ride on the standard library, fhirimaging/logs.py)."""
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


def engines_loaded_by(function: str, packages: tuple[str, ...] = ENGINES) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py"), ",".join(packages)],
        capture_output=True, text=True, check=True, env={"PYTHONPATH": str(ROOT / "layers/fhirimaging/python")},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_handler_but_patch_imports_jsonpatch_or_fhirpathpy():
    others = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file() and p.name != "patch")
    assert others  # every other function, whatever is added later
    loaded = {name: engines_loaded_by(name) for name in others}
    assert loaded == {name: [] for name in others}


def test_the_patch_handler_loads_json_patch_during_init_and_fhirpath_patch_when_first_used():
    # JSON Patch is the common form; FHIRPath Patch (fhirpathpy, ANTLR, the pydantic models) would cost every
    # patch function's cold start ~100 ms for a form most clients never send.
    loaded = {name.split(".")[0] for name in engines_loaded_by("patch")}
    assert loaded == {"jsonpatch", "jsonpointer"}


def test_no_function_imports_powertools_or_pydicom():
    functions = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file())
    loaded = {name: engines_loaded_by(name, ("aws_lambda_powertools", "pydicom")) for name in functions}
    assert loaded == {name: [] for name in functions}
