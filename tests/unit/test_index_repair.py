"""The index repair over the in-memory store: it converges a study's entries on its current version from whatever
is stored, writes nothing when they agree, and starts again on the newer version when one overtakes it."""
from __future__ import annotations

import json

import pytest

from fhirimaging.errors import VersionConflict
from fhirimaging.search import index
from fhirimaging.store import StoredVersion, WriteKind
from fhirimaging.store.base import IndexChange
from fhirimaging.store.memory import MemoryStore
from tests.events import load_event


def stored(store: MemoryStore, version: int, modality: str, expected: int | None) -> dict[str, str]:
    body = json.loads(load_event("create")["body"])
    body["series"][0]["modality"]["coding"][0]["code"] = modality
    new = StoredVersion("s", version, f"2026-11-0{version}T00:00:00.000Z", WriteKind.UPDATE, json.dumps(body))
    store.put_version(new, expected)  # no index change: the repair must supply every entry
    return index.index_entries(body, "s", new.last_updated)


def test_a_pass_puts_what_is_missing_deletes_what_is_extra_and_a_second_pass_writes_nothing():
    store = MemoryStore()
    entries = stored(store, 1, "CT", None)
    store.write_index("s", 1, IndexChange({"modality|*|MR": "x#s"}))  # a stale entry
    assert index.repair(store, "s") == len(entries) + 1
    assert store.index_items("s") == entries
    assert index.repair(store, "s") == 0


def test_a_pass_overtaken_by_a_newer_version_converges_on_that_one():
    store = MemoryStore()
    stored(store, 1, "CT", None)
    real = store.write_index
    newer: dict[str, str] = {}

    def overtaken(resource_id, version, change):
        if not newer:  # a write lands between the pass's read and its writes
            newer.update(stored(store, 2, "MR", 1))
        real(resource_id, version, change)

    store.write_index = overtaken
    index.repair(store, "s")
    assert store.index_items("s") == newer and "modality|*|MR" in newer


def test_a_pass_gives_up_when_newer_versions_keep_arriving_so_that_the_stream_retries_it():
    store = MemoryStore()
    stored(store, 1, "CT", None)
    versions = iter(range(2, 20))

    def always_overtaken(resource_id, version, change):
        n = next(versions)
        stored(store, n, "CT", n - 1)
        raise VersionConflict("overtaken")

    store.write_index = always_overtaken
    with pytest.raises(VersionConflict):
        index.repair(store, "s")
