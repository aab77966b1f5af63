"""The Store port is the whole contract: the DynamoDB adapter and the in-memory store each have exactly its
methods, with its signatures, so what the functions call on the store (the index repair's index_items and
write_index, the body sweeper's body_key) is in the port and the unit tests' store has it too."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from fhirimaging.store.base import Store
from fhirimaging.store.dynamodb import DynamoDbStore
from fhirimaging.store.memory import MemoryStore

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers/fhirimaging/python/fhirimaging"
FUNCTIONS = ROOT / "functions"
STORE_CALL = re.compile(r"(?:\bstore\(\)|(?<!fhirimaging\.)\b_?store)\.([a-z_]+)")  # not fhirimaging.store.x


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(cls).items()
            if callable(member) and not name.startswith("_")}


@pytest.mark.parametrize("adapter", [DynamoDbStore, MemoryStore])
def test_each_store_has_exactly_the_protocols_methods_and_signatures(adapter):
    # GIVEN the Store protocol's methods
    wanted = public_methods(Store)
    # WHEN an adapter's public methods are listed
    found = public_methods(adapter)
    # THEN they are the same names, each with the protocol's parameters and return annotation
    assert sorted(found) == sorted(wanted)
    for name, signature in wanted.items():
        assert found[name] == signature, f"{adapter.__name__}.{name}{found[name]} is not Store.{name}{signature}"


def test_every_store_call_above_the_store_is_a_protocol_method():
    # GIVEN every call on a store outside store/: the service's, the planner's, the index repair's, and the
    # functions' on runtime.store() (the body sweeper passes runtime.store().body_key)
    sources = [p for p in LAYER.rglob("*.py") if p.parent.name != "store"] + list(FUNCTIONS.glob("*/app.py"))
    called = {name for path in sources for name in STORE_CALL.findall(path.read_text())}
    # THEN each is in the protocol (and so in both adapters, above)
    assert {"body_key", "index_items", "write_index"} <= called
    assert called <= set(public_methods(Store)), sorted(called - set(public_methods(Store)))
