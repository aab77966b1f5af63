"""The layer order of the fhirimaging package, pinned: a module imports only from its own layer or below.

Highest to lowest (the README's Architecture section draws the same):

  functions/*/app.py  the Lambda handlers: parse -> service -> render; they may import any layer below
  http                http/ (event -> HttpRequest -> typed request; result -> response), runtime.py (the
                      composition root: settings, AWS clients, store, service, change publisher; the endpoint
                      reads it, so it sits with http) and capabilities.py (the CapabilityStatement)
  auth                auth/: SMART scopes and token claims, the service's Access port implemented
  service             service/: the interactions over a Store, conditional writes, PATCH, the DICOM ingest
  domain              search/, patch/, dicom/ (header reading and mapping), changes/ (stream -> change events)
  store and models    store/ (the Store port, its DynamoDB and in-memory adapters, keys), models/ (validation)
  base                modules that import only one another, the standard library and third-party packages:
                      errors, limits, resource, identifiers, interactions, settings, logs, deadline, cursor,
                      jsontext, fhirtime, and the package's own __init__

Every import counts, those deferred into a function included. The package imports none of functions/, local/,
tests/ or bench/; a handler imports no other handler.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOT = ROOT / "layers/fhirimaging/python"
PACKAGE = "fhirimaging"

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("http", ("http", "runtime", "capabilities")),
    ("auth", ("auth",)),
    ("service", ("service",)),
    ("domain", ("search", "patch", "dicom", "changes")),
    ("store and models", ("store", "models")),
    ("base", ("errors", "limits", "resource", "identifiers", "interactions", "settings", "logs", "deadline",
              "cursor", "jsontext", "fhirtime")),
)
OUTSIDE_THE_PACKAGE = ("functions", "local", "tests", "bench")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted((PACKAGE_ROOT / PACKAGE).rglob("*.py"))}


def layer_of(module: str) -> int:
    """The rank of a package module's layer (0: highest)."""
    if module == PACKAGE:
        return len(LAYERS) - 1
    top = module.split(".")[1]
    for rank, (_, members) in enumerate(LAYERS):
        if top in members:
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS here and to the README's Architecture")


def imports(module: str, source: str, is_package: bool = False) -> list[tuple[str, int]]:
    """(imported module, line) for every import in `source`, at any depth; `from a import b` names a.b when
    that is a module of the package."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.append((submodule if submodule in MODULES else base, node.lineno))
    return found


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    rank = layer_of(module)
    found = []
    for target, line in imports(module, source, is_package):
        top = target.split(".")[0]
        if top in OUTSIDE_THE_PACKAGE:
            found.append(f"{module}:{line} imports {target}, outside the package")
        elif top == PACKAGE and layer_of(target) < rank:
            found.append(f"{module}:{line} ({LAYERS[rank][0]}) imports {target} ({LAYERS[layer_of(target)][0]})")
    return found


def test_every_package_module_imports_only_its_own_layer_or_below():
    # GIVEN every module of the package, each in a layer
    # WHEN each import of each module (deferred ones included) is placed in its layer
    found = [v for module, path in MODULES.items()
             for v in violations(module, path.read_text(), path.name == "__init__.py")]
    # THEN none reaches up
    assert found == []


def test_the_handlers_import_the_package_and_not_one_another():
    handlers = sorted(ROOT.glob("functions/*/app.py"))
    assert handlers
    found = [f"{path.relative_to(ROOT)}:{line} imports {target}"
             for path in handlers for target, line in imports("functions.app", path.read_text())
             if target.split(".")[0] in OUTSIDE_THE_PACKAGE]
    assert found == []


@pytest.mark.parametrize("source, expected", [
    ("def f():\n    from fhirimaging.http import parse\n", "2 (base) imports fhirimaging.http.parse (http)"),
    ("import fhirimaging.service.ingest\n", "1 (base) imports fhirimaging.service.ingest (service)"),
    ("from fhirimaging import errors, runtime\n", "1 (base) imports fhirimaging.runtime (http)"),
    ("from tests import clock\n", "1 imports tests, outside the package"),
    ("from fhirimaging.errors import BadRequest\nimport json\n", None),
])
def test_an_import_against_the_order_is_named_with_its_module_and_line(source, expected):
    assert violations("fhirimaging.jsontext", source) == ([f"fhirimaging.jsontext:{expected}"] if expected else [])


def test_relative_imports_resolve_within_their_package():
    assert imports("fhirimaging.models", "from . import rules\n", is_package=True) == [("fhirimaging.models.rules", 1)]
    assert imports("fhirimaging.models.datatypes", "from .primitives import Id\n") == [
        ("fhirimaging.models.primitives", 1)]
