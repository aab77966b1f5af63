"""Part a: the cold start of each handler vs the SDK floor, each run in a fresh interpreter (warm .pyc).

A handler's cold start is its module import plus what its first request creates: the API handlers make
their boto3 client lazily (fhirimaging.runtime), so timing the import alone would flatter them. The
floor is `import boto3; boto3.client("dynamodb")`, timed the same way in the same rounds. Both import from
what Lambda has: the interpreter of the template's Runtime (python3.12: $BENCH_PYTHON, else python3.12 on the
PATH, else the current one, which the table then names), the layer's
pinned packages (requirements.txt) and the pinned boto3, installed once into .bench/site-<version>; not the
development environment, whose Python differs and whose extra packages (e.g. requests) change what imports.
For a handler over the target, `python -X importtime` names the costliest imports the floor does not make.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

from bench.table import Row

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers/fhirimaging/python"
REQUIREMENTS = ROOT / "layers/fhirimaging/requirements.txt"
RUNTIME = re.search(r"Runtime: (python3\.\d+)", (ROOT / "template.yaml").read_text())[1]


def _interpreter_path(candidate: str | None) -> str | None:
    """The interpreter a command runs, if it runs (pyenv's shims exist for versions they refuse to start)."""
    if not candidate:
        return None
    done = subprocess.run([candidate, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


PYTHON = (_interpreter_path(os.environ.get("BENCH_PYTHON")) or _interpreter_path(shutil.which(RUNTIME))
          or sys.executable)
SITE = ROOT / f".bench/site-{zlib.crc32(PYTHON.encode()):08x}"  # one per interpreter
RUNS = 9
MAX_RATIO = 1.3
FLOOR = "import boto3; boto3.client('dynamodb', region_name='us-east-1')"
# What each handler's first request creates beyond its import (the rest create the DynamoDB client).
FIRST_REQUEST = {
    "capabilities": ("from fhirimaging import runtime; runtime.settings()", "settings"),
    "fallback": ("", "nothing"),
    "ingest": ("from fhirimaging import runtime; runtime.service(); runtime.s3()", "dynamodb + s3 clients"),
    "publisher": ("from fhirimaging import runtime; runtime.publisher()", "events client"),
}
DYNAMODB_CLIENT = ("from fhirimaging import runtime; runtime.service()", "dynamodb client")
# CPU time, not wall time: importing with warm .pyc is CPU-bound, and other load on a shared machine then
# does not leak into the ratios. The best of RUNS, as timeit advises: interference only ever adds (on this
# virtual machine the median moved a borderline ratio by +-0.15 between runs).
PROBE = """import time
started = time.process_time()
{first}
imported = time.process_time()
{second}
print(imported - started, time.process_time() - imported)
"""
# Lambda's environment as the template gives it, with credentials in variables as Lambda has them.
ENV = {"TABLE_NAME": "bench", "CURSOR_SECRET": "bench", "EVENT_BUS_NAME": "bench", "AWS_DEFAULT_REGION": "us-east-1",
       "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")
_FIRST_PARTY = {"app", "fhirimaging"}


def run() -> list[Row]:
    _install_site()
    handlers = sorted(p.parent.name for p in ROOT.glob("functions/*/app.py"))
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in ["floor", *handlers]}
    for round_ in range(RUNS + 1):  # round 0 writes the .pyc files and is not counted
        for name in timings:
            first, second = (FLOOR, "") if name == "floor" else ("import app", _first_request(name)[0])
            timing = _interpreter(name, PROBE.format(first=first, second=second))
            if round_:
                timings[name].append(tuple(float(t) * 1000 for t in timing.split()))
    floor = min(sum(t) for t in timings.pop("floor"))
    rows = [Row("a", "cold floor: import boto3 + dynamodb client", floor, "ms",
                note=f"CPU ms in a fresh {_version()} interpreter, best of {RUNS}")]
    for name, runs in timings.items():
        imported, rest = min(runs, key=sum)
        total = imported + rest
        ok = total <= MAX_RATIO * floor
        creates = _first_request(name)[1]
        note = f"import {imported:.0f} ms + first request ({creates}) {total - imported:.0f} ms"
        if not ok:
            note += "; imports the floor lacks (cumulative): " + ", ".join(
                f"{module} {ms:.0f} ms ({via})" for module, ms, via in _top_imports(name) if ms >= 1)
        rows.append(Row("a", f"cold start: {name}", total, "ms", floor, f"<= {MAX_RATIO}x", ok, note))
    return rows


def _version() -> str:
    done = subprocess.run([PYTHON, "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True)
    found = "" if PYTHON != sys.executable else f", the development interpreter: {RUNTIME} not found"
    return f"Python {done.stdout.strip()}{found}"


def _first_request(handler: str) -> tuple[str, str]:
    return FIRST_REQUEST.get(handler, DYNAMODB_CLIENT)


def _install_site() -> None:
    """The layer's packages and boto3 as deployed, in .bench/site; reinstalled when the pins change."""
    import boto3

    pins = [*REQUIREMENTS.read_text().split(), f"boto3=={boto3.__version__}"]
    stamp = SITE / ".pins"
    if stamp.is_file() and stamp.read_text() == "\n".join(pins):
        return
    shutil.rmtree(SITE, ignore_errors=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--target", str(SITE), *pins], check=True)
    stamp.write_text("\n".join(pins))


def _interpreter(handler: str, code: str, *options: str) -> str:
    """Run `code` in a fresh interpreter with the handler's directory, the layer and .bench/site on the path
    (-S: without the development environment's site-packages)."""
    path = [str(LAYER), str(SITE)]
    if handler != "floor":
        path.insert(0, str(ROOT / "functions" / handler))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_"))}, **ENV,
           "PYTHONPATH": os.pathsep.join(path)}
    done = subprocess.run([PYTHON, "-S", *options, "-c", code], env=env, capture_output=True, text=True,
                          check=True)
    return done.stderr if options else done.stdout


def _top_imports(handler: str, top: int = 4) -> list[tuple[str, float, str]]:
    """The costliest imports the floor does not make, and the first-party module (or first request) making them."""
    floor = {module for *_, module in _importtime("floor", FLOOR)}
    imports = _importtime(handler, f"import app\n{_first_request(handler)[0]}")
    own = sum(own for own, _, _, module in imports if _root(module) in _FIRST_PARTY)
    found, stack = [("own code", own, "self time of app + fhirimaging modules")], []
    for _, ms, depth, module in reversed(imports):
        del stack[depth:]  # importtime lists children before parents: reversed, a parent comes first
        parent = stack[-1] if stack else None
        entering = parent is None or _root(parent) in _FIRST_PARTY
        if entering and module not in floor and _root(module) not in _FIRST_PARTY:
            found.append((module, ms, f"via {parent}" if parent else "first request"))
        stack.append(module)
    return sorted(found, key=lambda f: -f[1])[:top]


@functools.cache
def _importtime(handler: str, code: str, runs: int = 3) -> list[tuple[float, float, int, str]]:
    """(self ms, cumulative ms, depth, module) per line of `python -X importtime`: the run of median total."""
    reports = []
    for _ in range(runs):
        lines = map(_IMPORTTIME.match, _interpreter(handler, code, "-X", "importtime").splitlines())
        reports.append([(int(m[1]) / 1000, int(m[2]) / 1000, len(m[3]) // 2, m[4]) for m in lines if m])
    return sorted(reports, key=lambda report: sum(own for own, *_ in report))[runs // 2]


def _root(module: str) -> str:
    return module.split(".", 1)[0]
