"""The compiled schema (models/core_schema.py) is exactly what the pydantic models generate, and validating
with it reports what the models themselves report."""

import pytest
from pydantic_core import ValidationError

from fhirimaging.models import compile as compiler
from fhirimaging.models.imagingstudy import ImagingStudy
from tests.unit.test_patch_imports import ROOT, engines_loaded_by
from tests.unit.test_validation import EXAMPLE_XR, INVALID, VALID, mutated

ALL_VARIANTS = {**{f"invalid: {k}": v[0] for k, v in INVALID.items()}, **{f"valid: {k}": v for k, v in VALID.items()}}


def test_core_schema_is_what_the_models_compile_to():
    # A change to the models without `python -m fhirimaging.models.compile` would leave validation behind.
    assert compiler.TARGET.read_text() == compiler.source(), "run: make schema"


def _errors(validate, resource: dict) -> list | None:
    try:
        validate(resource, context={"contained_ids": frozenset(c["id"] for c in resource.get("contained", []))})
    except ValidationError as error:
        return error.errors(include_url=False)
    return None


@pytest.mark.parametrize("mutation", list(ALL_VARIANTS.values()), ids=list(ALL_VARIANTS))
def test_compiled_validator_reports_what_the_models_report(mutation):
    from fhirimaging.models import _validate

    resource = mutated(mutation)
    assert _errors(_validate, resource) == _errors(ImagingStudy.model_validate, resource)


def test_the_official_example_validates_to_no_errors_both_ways():
    from fhirimaging.models import _validate

    assert _errors(_validate, EXAMPLE_XR) is None and _errors(ImagingStudy.model_validate, EXAMPLE_XR) is None


def test_no_function_imports_pydantic_itself():
    # Every writing function validates, through pydantic-core and the compiled schema only.
    functions = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").is_file())
    loaded = {name: sorted({m.split(".")[0] for m in engines_loaded_by(name, ("pydantic", "pydantic_core"))})
              for name in functions}
    assert {name for name, packages in loaded.items() if packages == ["pydantic_core"]} >= {"create", "update", "patch"}
    assert {name for name, packages in loaded.items() if "pydantic" in packages} == set()
