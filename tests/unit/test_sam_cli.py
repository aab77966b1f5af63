"""The real SAM CLI on the project: `sam validate` with and without --lint, and `sam build`, whose output must hold
one bytecode set, the runtime's, for every module, and nothing of the build machine (its paths, its scripts)."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from local.sam import SAM_CLI, python312, x86_64_template

ROOT = Path(__file__).resolve().parents[2]
BUILD_MACHINE = (b"/root/", b"/work/", b"/home/", str(ROOT).encode())


@pytest.fixture(scope="module")
def sam() -> Path:
    sam = Path(os.environ.get("SAM_CLI") or SAM_CLI)
    if not os.access(sam, os.X_OK):
        pytest.skip(f"no SAM CLI at {sam}: `make test` installs it into .venv-sam")
    return sam


def run_sam(sam: Path, *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> str:
    environment = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0", **(env or {})}
    done = subprocess.run([str(sam), *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.search(r"\bwarn", line, re.IGNORECASE)]


def test_sam_validate_with_lint_passes(sam):
    output = run_sam(sam, "validate", "--lint")
    assert "is a valid SAM Template" in output and not warnings(output)


def test_plain_sam_validate_passes_without_language_extensions(sam):
    output = run_sam(sam, "validate")
    assert "is a valid SAM Template" in output and not warnings(output)


@pytest.fixture(scope="module")
def built(sam, tmp_path_factory) -> Path:
    runtime_python = python312()
    if runtime_python is None:
        pytest.skip("no python3.12 (PATH, $PYTHON312 or pyenv): sam build compiles the bytecode with the runtime's")
    build = tmp_path_factory.mktemp("sam") / "build"
    output = run_sam(sam, "build", "--build-dir", str(build), env={"PYTHON312": runtime_python})
    assert "Build Succeeded" in output and not warnings(output), output
    return build


def test_sam_build_ships_cpython_312_bytecode_for_every_module_and_no_other(built):
    functions = [p for p in built.iterdir() if p.is_dir() and p.name != "FhirLayer"]
    assert len(functions) == 16 and all((fn / "app.py").is_file() for fn in functions)
    for tree in (built / "FhirLayer" / "python", *functions):
        modules = [p for p in tree.rglob("*.py") if "__pycache__" not in p.parts]
        assert modules, tree
        missing = [p for p in modules if not (p.parent / "__pycache__" / f"{p.stem}.cpython-312.pyc").is_file()]
        assert missing == []
        other = [p for p in tree.rglob("*.pyc") if not p.name.endswith(".cpython-312.pyc")]
        assert other == []


def test_sam_build_layer_has_no_scripts_stubs_or_cli_and_names_no_build_machine_path(built):
    layer = built / "FhirLayer" / "python"
    assert not (layer / "bin").exists()
    assert [p.name for p in layer.iterdir() if p.name.endswith("-stubs") or p.name == "jsonpatch_cli.py"] == []
    assert {p.name for p in layer.iterdir()} >= {"fhirimaging", "pydantic", "pydantic_core", "fhirpathpy"}
    for path in [*built.rglob("*.pyc"), *built.rglob("RECORD"), *built.rglob("*.py")]:
        data = path.read_bytes()
        if path.suffix == ".pyc":  # the source path compiled into the bytecode: where Lambda mounts it
            assert not any(machine in data for machine in BUILD_MACHINE), path
        else:
            first = data.split(b"\n", 1)[0]
            assert not (first.startswith(b"#!") and any(m in first for m in BUILD_MACHINE)), path
            if path.name == "RECORD":
                assert not any(machine in data for machine in BUILD_MACHINE), path


def test_the_x86_64_template_for_sam_local_differs_only_in_architecture_and_paths():
    original = (ROOT / "template.yaml").read_text()
    header, local = x86_64_template(original).split("\n", 1)
    assert header.startswith("# Generated") and "arm64" not in local
    assert local.count("x86_64") == original.count("arm64") == 3  # functions, layer, layer's build
    assert local.count("CodeUri: ../functions/") == original.count("CodeUri: functions/") == 16
    assert re.sub(r"x86_64|\.\./", "", local) == re.sub(r"arm64", "", original)
