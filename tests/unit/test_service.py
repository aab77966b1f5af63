"""The service against the in-memory store: versioning, conditional writes, history, cursors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fhirimaging import fhirtime, jsontext
from fhirimaging.errors import BadRequest, Gone, InvalidResource, NotFound, PreconditionFailed
from fhirimaging.search import index
from fhirimaging.service import (
    CreateRequest,
    DeleteRequest,
    HistoryRequest,
    ImagingStudyService,
    ReadRequest,
    UpdateRequest,
    VreadRequest,
)
from fhirimaging.store import StoredVersion, WriteKind
from fhirimaging.store.memory import MemoryStore
from tests.clock import Clock
from tests.uids import own_uid

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(clock) -> ImagingStudyService:
    return ImagingStudyService(MemoryStore(), b"secret", default_page_size=50, max_page_size=100, clock=clock)


def example() -> dict:
    """The official example, with a Study Instance UID of its own (a UID names at most one live study)."""
    return own_uid(jsontext.loads((FIXTURES / "imagingstudy-example.json").read_bytes()))


def body(result) -> dict:
    return json.loads(result.version.body)


def test_create_assigns_a_new_id_and_version_1_ignoring_the_client_id(service):
    # GIVEN the official example, which carries id "example"
    # WHEN it is created
    sent = example()
    result = service.create(CreateRequest(sent))
    # THEN the server assigned its own id, version 1, and kept everything else as sent
    stored = body(result)
    assert result.status == 201 and result.version.version == 1
    assert stored["id"] != "example" and stored["meta"]["versionId"] == "1"
    for key in set(sent) - {"id", "meta"}:
        assert stored[key] == json.loads(jsontext.dumps(sent[key]))


def test_create_keeps_client_meta_tags_but_owns_version_and_last_updated(service, clock):
    resource = example()
    resource["meta"] = {"versionId": "99", "lastUpdated": "2000-01-01T00:00:00Z", "source": "urn:x"}
    stored = body(service.create(CreateRequest(resource)))
    assert stored["meta"] == {"versionId": "1", "lastUpdated": "2026-01-01T00:00:00.000Z", "source": "urn:x"}


def test_decimals_keep_their_exact_digits():
    resource = jsontext.loads(b'{"a": 1.50, "b": [0.10, 3]}')
    assert jsontext.dumps(resource) == '{"a":1.50,"b":[0.10,3]}'


def test_read_unknown_is_404_and_deleted_is_410(service):
    with pytest.raises(NotFound):
        service.read(ReadRequest("nope"))
    created = service.create(CreateRequest(example())).version
    service.delete(DeleteRequest(created.id))
    with pytest.raises(Gone):
        service.read(ReadRequest(created.id))


def test_bad_id_is_400(service):
    with pytest.raises(BadRequest):
        service.read(ReadRequest("a" * 65))
    with pytest.raises(BadRequest):
        service.read(ReadRequest("bad_id!"))


def test_update_with_matching_if_match_writes_the_next_version(service):
    created = service.create(CreateRequest(example())).version
    resource = {**example(), "id": created.id, "description": "second"}
    result = service.update(UpdateRequest(created.id, resource, if_match=1))
    assert result.status == 200 and result.version.version == 2
    assert body(service.read(ReadRequest(created.id)))["description"] == "second"


def test_update_with_stale_if_match_is_412_and_changes_nothing(service):
    created = service.create(CreateRequest(example())).version
    resource = {**example(), "id": created.id}
    service.update(UpdateRequest(created.id, resource, if_match=1))
    with pytest.raises(PreconditionFailed):
        service.update(UpdateRequest(created.id, {**resource, "description": "lost"}, if_match=1))
    assert service.read(ReadRequest(created.id)).version.version == 2


def test_update_creates_with_client_id_then_updates(service):
    resource = {**example(), "id": "client-chosen"}
    assert service.update(UpdateRequest("client-chosen", resource)).status == 201
    assert service.update(UpdateRequest("client-chosen", resource)).status == 200


def test_update_rejects_missing_or_different_body_id(service):
    with pytest.raises(BadRequest, match="no id"):
        service.update(UpdateRequest("x1", {k: v for k, v in example().items() if k != "id"}))
    with pytest.raises(BadRequest, match="does not match"):
        service.update(UpdateRequest("x1", {**example(), "id": "other"}))


def test_update_validates_the_resource(service):
    with pytest.raises(InvalidResource):
        service.update(UpdateRequest("x1", {**example(), "id": "x1", "status": "done"}))
    with pytest.raises(InvalidResource):
        service.create(CreateRequest({"resourceType": "Patient"}))


def test_delete_is_idempotent_and_update_after_delete_resurrects_as_next_version(service):
    created = service.create(CreateRequest(example())).version
    first = service.delete(DeleteRequest(created.id))
    again = service.delete(DeleteRequest(created.id))
    assert first.version.version == 2 and again.version is None
    assert service.delete(DeleteRequest("never-existed")).version is None
    back = service.update(UpdateRequest(created.id, {**example(), "id": created.id}))
    assert back.status == 201 and back.version.version == 3
    with pytest.raises(Gone):
        service.vread(VreadRequest(created.id, "2"))
    assert service.vread(VreadRequest(created.id, "1")).version.version == 1
    with pytest.raises(NotFound):
        service.vread(VreadRequest(created.id, "4"))
    with pytest.raises(NotFound):
        service.vread(VreadRequest(created.id, "x"))


def test_last_updated_strictly_increases_even_if_the_clock_does_not(service, clock):
    created = service.create(CreateRequest(example())).version
    clock.advance(seconds=-10)
    second = service.update(UpdateRequest(created.id, {**example(), "id": created.id})).version
    assert second.last_updated > created.last_updated


def test_an_if_match_update_with_the_clock_behind_still_moves_last_updated_forward(service, clock):
    created = service.create(CreateRequest(example())).version
    clock.advance(seconds=-10)
    second = service.update(UpdateRequest(created.id, {**example(), "id": created.id}, if_match=1)).version
    assert second.version == 2 and second.last_updated > created.last_updated


def test_the_memory_store_writes_without_a_read_only_over_the_live_expected_version_and_older_time(clock):
    store = MemoryStore()
    service = ImagingStudyService(store, b"secret", clock=clock)
    created = service.create(CreateRequest(example())).version
    old_terms = set(index.index_entries(body(service.read(ReadRequest(created.id))), created.id,
                                        created.last_updated))
    clock.advance(seconds=1)
    later = fhirtime.format_instant(clock())
    entries = {"status|*|cancelled": f"~#{created.id}"}

    def unread(version: int, last_updated: str, expected: int, guards: frozenset[str] = created.guards) -> bool:
        new = StoredVersion(created.id, version, last_updated, WriteKind.UPDATE, jsontext.dumps(example()), guards)
        return store.put_version_unread(new, expected, entries)

    def found(term: str) -> list[str]:
        return list(store.index_range(term, None, None, False, None))

    # refused: another version is current; the time is not after the current's; it holds other guards
    assert created.guards
    assert not unread(3, later, 2) and not unread(2, created.last_updated, 1) and not unread(2, later, 1, frozenset())
    assert store.get_current(created.id) == created and found("status|*|cancelled") == []
    # written: every entry put, and (what the stream cleanup arrives at) the old version's other terms gone
    assert unread(2, later, 1)
    assert store.get_current(created.id).version == 2 and found("status|*|cancelled") == [f"~#{created.id}"]
    assert not [term for term in old_terms if found(term)]
    # refused: the current version is a deletion
    service.delete(DeleteRequest(created.id))
    clock.advance(seconds=1)
    assert not unread(4, fhirtime.format_instant(clock()), 3) and store.get_current(created.id).deleted


def _history(service, **kwargs):
    return service.history(HistoryRequest(**kwargs))


def test_instance_history_is_newest_first_and_pages_with_signed_cursors(service, clock):
    rid = service.create(CreateRequest(example())).version.id
    for n in range(4):
        clock.advance(seconds=1)
        service.update(UpdateRequest(rid, {**example(), "id": rid, "description": f"v{n + 2}"}))
    page1 = _history(service, id=rid, count=2)
    assert [v.version for v in page1.versions] == [5, 4] and page1.next_cursor
    page2 = _history(service, id=rid, count=2, cursor=page1.next_cursor)
    page3 = _history(service, id=rid, count=2, cursor=page2.next_cursor)
    assert [v.version for v in page2.versions] == [3, 2]
    assert [v.version for v in page3.versions] == [1] and page3.next_cursor is None


def test_a_forged_or_borrowed_cursor_is_400(service):
    rid = service.create(CreateRequest(example())).version.id
    service.update(UpdateRequest(rid, {**example(), "id": rid}))
    token = _history(service, id=rid, count=1).next_cursor
    payload, mac = token.split(".")
    with pytest.raises(BadRequest):
        _history(service, id=rid, count=1, cursor=payload[:-2] + "xx." + mac)
    with pytest.raises(BadRequest):
        _history(service, id=rid, count=5, cursor=token)  # another query's cursor
    with pytest.raises(BadRequest):
        _history(service, id=rid, count=1, cursor="garbage")


def test_history_since_and_at(service, clock):
    rid = service.create(CreateRequest(example())).version.id  # v1 at 2026-01-01T00:00:00
    clock.advance(days=1)
    service.update(UpdateRequest(rid, {**example(), "id": rid}))  # v2 at 2026-01-02
    clock.advance(days=1)
    service.update(UpdateRequest(rid, {**example(), "id": rid}))  # v3 at 2026-01-03
    since = _history(service, id=rid, since="2026-01-02T00:00:00Z")
    assert [v.version for v in since.versions] == [3, 2]
    # _at a day: every version current at some moment of that day
    at_day = _history(service, id=rid, at="2026-01-02")
    assert [v.version for v in at_day.versions] == [2]
    at_instant = _history(service, id=rid, at="2026-01-01T12:00:00Z")
    assert [v.version for v in at_instant.versions] == [1]
    # type level sees the same
    assert [v.version for v in _history(service, id=None, at="2026-01-02").versions] == [2]
    with pytest.raises(BadRequest):
        _history(service, id=rid, since="yesterday")


def test_type_history_spans_resources_newest_first(service, clock):
    ids = []
    for _ in range(3):
        clock.advance(seconds=1)
        ids.append(service.create(CreateRequest(example())).version.id)
    clock.advance(seconds=1)
    service.delete(DeleteRequest(ids[0]))
    result = _history(service, id=None, count=10)
    assert [(v.id, v.version) for v in result.versions] == [(ids[0], 2), (ids[2], 1), (ids[1], 1), (ids[0], 1)]
    assert result.versions[0].deleted


def test_history_of_unknown_resource_is_404(service):
    with pytest.raises(NotFound):
        _history(service, id="unknown")


def test_last_content_is_the_current_version_or_for_a_deleted_study_the_version_before_the_deletion(service):
    created = service.create(CreateRequest(example()))
    rid = created.version.id
    updated = service.update(UpdateRequest(rid, {**body(created), "description": "second"}, None))
    assert service.last_content(rid) == updated.version
    service.delete(DeleteRequest(rid))
    assert service.last_content(rid) == updated.version  # version 3 is the deletion
    assert service.last_content("never-written") is None
    with pytest.raises(BadRequest):
        service.last_content("not an id!")
