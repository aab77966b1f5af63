"""The bounded cost of a PATCH: the size budget of both formats, their operation and path limits, the
FHIRPath evaluation budget, and FHIRPath's regular expressions on RE2."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fhirimaging import jsontext
from fhirimaging.errors import BadRequest, PayloadTooLarge, TooCostly
from fhirimaging.limits import MAX_FHIRPATH_CHARS, MAX_FHIRPATH_STEPS, MAX_PATCH_OPERATIONS, MAX_PATCHED_CHARS
from fhirimaging.patch import FHIRPATH_PATCH, JSON_PATCH, apply_patch
from fhirimaging.patch.budget import SizeBudget, size
from tests.patch_documents import operation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def study() -> dict:
    return jsontext.loads((FIXTURES / "imagingstudy-example.json").read_bytes())


def json_patch(resource: dict, operations: list) -> dict:
    return apply_patch(resource, JSON_PATCH, json.dumps(operations).encode())


def fhirpath_patch(resource: dict, *operations: dict) -> dict:
    return apply_patch(resource, FHIRPATH_PATCH,
                       json.dumps({"resourceType": "Parameters", "parameter": list(operations)}).encode())


@pytest.mark.parametrize("value", [
    {}, [], "", "é", 0, -12, 1.5, True, False, None, [1, [2, {}]], {"a": {"b": [None, "x\u00ff"]}},
    jsontext.loads((FIXTURES / "imagingstudy-example.json").read_bytes()),
])
def test_size_is_the_compact_json_length_without_escapes(value):
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    assert size(value) == len(text) - text.count("\\")


def test_size_stops_soon_after_passing_its_stop():
    huge = [["x" * 10] * 1000] * 1000  # 10 million characters, shared lists: measuring all would take seconds
    assert 100 < size(huge, 100) < 2_000  # past it by at most one list's own commas and an item


def test_the_budget_counts_what_is_added_and_refuses_past_the_limit():
    budget = SizeBudget({"a": 1}, limit=20)
    budget.grow("x" * 10, "op 1")
    assert budget.used == 7 + 12
    with pytest.raises(PayloadTooLarge) as refused:
        budget.grow([1], "op 2")
    assert "op 2" in refused.value.diagnostics and "20 characters" in refused.value.diagnostics


def test_json_patch_copy_doubling_is_refused_with_413_at_the_operation_that_passes_the_budget():
    operations = [{"op": "copy", "from": "/identifier", "path": "/identifier/-"}] * 24
    with pytest.raises(PayloadTooLarge) as refused:
        json_patch(study(), operations)
    number = int(refused.value.diagnostics.split()[1])
    assert number < 24 and f"over {MAX_PATCHED_CHARS} characters" in refused.value.diagnostics
    assert refused.value.status == 413 and refused.value.code == "too-long"


def test_json_patch_copies_that_fit_are_applied():
    operations = [{"op": "copy", "from": "/identifier", "path": "/identifier/-"}] * 3
    assert len(json_patch(study(), operations)["identifier"]) == 4


BIG = "x" * 1_000_000  # six of them pass the budget; one is within the string limit


def test_json_patch_add_of_values_past_the_budget_is_refused():
    operations = [{"op": "add", "path": "/note/-" if n else "/note", "value": {"text": BIG} if n else [{"text": BIG}]}
                  for n in range(6)]
    with pytest.raises(PayloadTooLarge, match="operation 6 "):
        json_patch(study(), operations)


def test_fhirpath_patch_values_past_the_budget_are_refused():
    note = {"part": [{"name": "text", "valueMarkdown": BIG}]}
    operations = [operation("add", "ImagingStudy", name="note", value=note) for _ in range(6)]
    with pytest.raises(PayloadTooLarge, match="operation 6 "):
        fhirpath_patch(study(), *operations)


def test_fhirpath_patch_replace_and_insert_count_against_the_budget():
    insert = operation("insert", "ImagingStudy.series[0].instance", index=0,
                       value={"part": [{"name": "uid", "valueId": "1.2.3"}, {"name": "title", "valueString": BIG}]})
    with pytest.raises(PayloadTooLarge, match="operation 6 "):
        fhirpath_patch(described("x"), operation("replace", "ImagingStudy.description", value={"valueString": BIG}),
                       *[insert] * 5)


def test_more_operations_than_the_limit_are_refused_before_any_is_applied():
    with pytest.raises(PayloadTooLarge, match=f"the limit is {MAX_PATCH_OPERATIONS}"):
        json_patch(study(), [{"op": "test", "path": "/id", "value": "x"}] * (MAX_PATCH_OPERATIONS + 1))
    with pytest.raises(PayloadTooLarge, match=f"the limit is {MAX_PATCH_OPERATIONS}"):
        fhirpath_patch(study(), *[operation("delete", "ImagingStudy.note")] * (MAX_PATCH_OPERATIONS + 1))


def test_a_fhirpath_longer_than_the_limit_is_refused():
    path = "ImagingStudy.note" + ".where(true)" * (MAX_FHIRPATH_CHARS // 10)
    with pytest.raises(BadRequest, match=f"the limit is {MAX_FHIRPATH_CHARS}"):
        fhirpath_patch(study(), operation("delete", path))


def described(text: str) -> dict:
    return {**study(), "description": text}


def test_a_catastrophic_regex_runs_in_linear_time_and_matches_as_re_would():
    resource = described("a" * 5000 + "b")  # Python's re would not finish this in a lifetime
    path = "ImagingStudy.description.where($this.matches('^(a+)+$'))"
    assert "description" in fhirpath_patch(resource, operation("delete", path))  # matched nothing
    assert "description" not in fhirpath_patch(resource, operation("delete", path.replace("+$", "+b$")))


def test_matches_is_a_search_across_lines_with_dot_matching_newlines():
    resource = described("first\nsecond")
    assert "description" not in fhirpath_patch(resource, operation(
        "delete", "ImagingStudy.description.where($this.matches('t.s'))"))
    assert "description" in fhirpath_patch(resource, operation(
        "delete", "ImagingStudy.description.where($this.matches('^second'))"))


def test_replace_matches_substitutes_fhirpath_groups():
    resource = described("left knee")
    path = "ImagingStudy.description.where($this.replaceMatches('(\\\\w+) (\\\\w+)', '$2 $1') = 'knee left')"
    assert "description" not in fhirpath_patch(resource, operation("delete", path))


@pytest.mark.parametrize("regex", ["(a)\\\\1", "(?=a)a", "a{2000}"])
def test_a_regex_re2_cannot_run_in_linear_time_is_a_400_naming_the_policy(regex):
    path = f"ImagingStudy.description.where($this.matches('{regex}'))"
    with pytest.raises(BadRequest, match="RE2 syntax"):
        fhirpath_patch(described("aa"), operation("delete", path))


def test_a_path_whose_evaluation_doubles_a_collection_is_too_costly_naming_the_step_limit():
    path = "ImagingStudy.id" + ".select($this.combine($this))" * 30  # 2^30 items, in 885 characters
    with pytest.raises(TooCostly, match=f"the limit is {MAX_FHIRPATH_STEPS}") as refused:
        fhirpath_patch(study(), operation("delete", path))
    assert refused.value.status == 400 and refused.value.code == "too-costly"


def test_the_step_budget_is_shared_by_the_operations_of_one_patch_and_renewed_for_the_next():
    from fhirimaging.patch import fhirpath_patch as engine

    path = "ImagingStudy.id" + ".select($this.combine($this))" * 13 + ".where(false)"  # just over half the budget
    fhirpath_patch(study(), operation("delete", path))
    assert engine._steps.left is None  # not counting outside a patch
    fhirpath_patch(study(), operation("delete", path))
    with pytest.raises(TooCostly, match="operation 2 "):
        fhirpath_patch(study(), *[operation("delete", path)] * 2)


@pytest.mark.parametrize("items", [[], [1], [[1, 2], 3, [], [[4]]], [[None], "a", ["b", "c"]]])
def test_the_linear_flatten_returns_what_fhirpathpys_did(items):
    from functools import reduce

    from fhirpathpy.engine import util

    def original(acc, x):  # fhirpathpy 2.2.4's util.flatten
        if isinstance(x, list):
            acc = acc + x
        else:
            acc.append(x)
        return acc

    assert util.flatten(items) == reduce(original, items, [])
