"""Facts that several modules need have one owner each, which the others import: no module keeps a copy."""
from __future__ import annotations

import ast

import pytest

from tests.unit.test_layers import MODULES

# fact -> (how a copy shows in a module's source, the owner module, modules that may hold it as well)
FACTS = {
    "the resource type": (lambda node: isinstance(node, ast.Constant) and node.value == "ImagingStudy",
                          "fhirimaging.resource",
                          # the model's Literal type and the schema compiled from it
                          {"fhirimaging.models.imagingstudy", "fhirimaging.models.core_schema"}),
    "the FHIR id pattern": (lambda node: isinstance(node, ast.Constant) and "A-Za-z0-9\\-" in str(node.value),
                            "fhirimaging.resource",
                            # the schema compiled from the models
                            {"fhirimaging.models.core_schema"}),
    "the DICOM UID system": (lambda node: isinstance(node, ast.Constant) and node.value == "urn:dicom:uid",
                             "fhirimaging.identifiers", set()),
    "the shard hash": (lambda node: isinstance(node, ast.Attribute) and node.attr == "crc32",
                       "fhirimaging.store.keys", set()),
    "the sort-key bounds": (lambda node: isinstance(node, ast.Constant) and node.value in ("~", "~~"),
                            "fhirimaging.store.keys", set()),
    "the _count parser": (lambda node: isinstance(node, ast.Constant) and "_count must be" in str(node.value),
                          "fhirimaging.cursor", set()),
}


@pytest.mark.parametrize("fact", FACTS)
def test_a_repeated_fact_is_written_down_once(fact):
    # GIVEN how a copy of the fact looks in source
    is_copy, owner, allowed = FACTS[fact]
    # WHEN every module of the package is searched for one
    holders = {module for module, path in MODULES.items() if any(map(is_copy, ast.walk(ast.parse(path.read_text()))))}
    # THEN only its owner holds it
    assert holders - allowed == {owner}
