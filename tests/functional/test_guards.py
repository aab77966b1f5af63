"""Uniqueness guards on the DynamoDB store (moto): a guard item exists exactly while a live study holds it.
Every write of a study claims the guards of the Study Instance UIDs it carries and releases those it dropped,
in its own transaction; a guard left by a study that no longer holds it (written before studies recorded their
guards) is taken over only while it is exactly as read."""
from __future__ import annotations

import json
import uuid

import pytest
from moto import mock_aws

from fhirimaging import identifiers, jsontext
from fhirimaging.errors import Duplicate, GuardTaken
from fhirimaging.search.query import parse_query
from fhirimaging.service import ImagingStudyService
from fhirimaging.service.requests import CreateRequest, DeleteRequest, PatchRequest, UpdateRequest
from fhirimaging.store import keys
from fhirimaging.store.base import Guard, GuardChange, GuardClaim, StoredVersion, WriteKind
from fhirimaging.store.dynamodb import DynamoDbStore
from local.dynamodb import ensure_table
from tests.functional.conftest import SECRET, TABLE, TEMPLATE
from tests.unit.test_service import example

DICOM = identifiers.DICOM_UID_SYSTEM


@pytest.fixture
def store(dynamodb):
    with mock_aws():
        ensure_table(dynamodb, TABLE, TEMPLATE.table_properties)
        yield DynamoDbStore(dynamodb, TABLE)


@pytest.fixture
def service(store):
    return ImagingStudyService(store, SECRET)


def study(uid: str, *others: str) -> dict:
    return {**example(), "identifier": [{"system": DICOM, "value": u} for u in (uid, *others)]}


def new_uid() -> str:
    return f"urn:oid:2.25.{uuid.uuid4().int}"


def key(uid: str) -> str:
    return identifiers.guard_key(DICOM, uid)


def test_every_write_path_keeps_one_guard_per_uid_its_study_holds_and_releases_what_it_drops(service, store):
    a, b, c = new_uid(), new_uid(), new_uid()
    # create: both UIDs claimed, recorded on the current item
    created = service.create(CreateRequest(study(a, b))).version
    assert store.get_current(created.id).guards == {key(a), key(b)}
    assert store.get_guard(key(a)) == Guard(created.id, 1) and store.get_guard(key(b)) == Guard(created.id, 1)
    # update dropping b and adding c: b released, c claimed, a kept (claimed by version 1 still)
    service.update(UpdateRequest(created.id, {**study(a, c), "id": created.id}))
    assert store.get_current(created.id).guards == {key(a), key(c)}
    assert store.get_guard(key(b)) is None and store.get_guard(key(c)) == Guard(created.id, 2)
    # patch removing c
    patch = json.dumps([{"op": "remove", "path": "/identifier/1"}]).encode()
    service.patch(PatchRequest(created.id, "application/json-patch+json", patch))
    assert store.get_current(created.id).guards == {key(a)} and store.get_guard(key(c)) is None
    # delete: every guard released
    service.delete(DeleteRequest(created.id))
    assert store.get_guard(key(a)) is None and store.get_current(created.id).guards == frozenset()
    # and the UID is free for another study
    other = service.create(CreateRequest(study(a))).version
    assert store.get_guard(key(a)) == Guard(other.id, 1)


def test_a_write_that_would_share_a_held_uid_is_a_duplicate_and_writes_nothing(service, store):
    a = new_uid()
    holder = service.create(CreateRequest(study(a))).version
    other = service.create(CreateRequest(study(new_uid()))).version
    for attempt in (lambda: service.create(CreateRequest(study(a))),
                    lambda: service.update(UpdateRequest(other.id, {**study(a), "id": other.id})),
                    lambda: service.update(UpdateRequest("fresh-id", {**study(a), "id": "fresh-id"}))):
        with pytest.raises(Duplicate) as refused:
            attempt()
        assert refused.value.status == 409 and a in refused.value.diagnostics
    assert store.get_current(other.id).version == 1 and store.get_current("fresh-id") is None
    assert store.get_guard(key(a)) == Guard(holder.id, 1)


def _legacy_guard(store: DynamoDbStore, uid: str, holder: str) -> None:
    """A guard as stores wrote them before guards recorded their claiming version, left by a deletion."""
    store._client.put_item(TableName=TABLE, Item={"pk": {"S": keys.guard_pk(key(uid))}, "sk": {"S": keys.GUARD},
                                                  "holder": {"S": holder}})


def test_a_stale_guard_is_taken_over_by_a_conditional_update_and_by_a_plain_create(service, store):
    a, b = new_uid(), new_uid()
    gone = service.create(CreateRequest(study(new_uid()))).version
    service.delete(DeleteRequest(gone.id))
    _legacy_guard(store, a, gone.id)
    _legacy_guard(store, b, gone.id)
    query = parse_query([("identifier", f"{DICOM}|{a}")], strict=True, base_url="")
    made = service.update(UpdateRequest(None, study(a), query=query))
    assert made.status == 201 and store.get_guard(key(a)) == Guard(made.version.id, 1)
    plain = service.create(CreateRequest(study(b))).version
    assert store.get_guard(key(b)) == Guard(plain.id, 1)


def test_a_takeover_fails_when_the_stale_holder_wrote_the_guard_in_the_meantime(service, store):
    a = new_uid()
    gone = service.create(CreateRequest(study(new_uid()))).version
    service.delete(DeleteRequest(gone.id))
    _legacy_guard(store, a, gone.id)
    stale = store.get_guard(key(a))
    # the deleted holder comes back with the UID after the guard was read as stale
    revived = service.update(UpdateRequest(gone.id, {**study(a), "id": gone.id}))
    assert revived.status == 201 and store.get_guard(key(a)) == Guard(gone.id, 3)
    # a write taking over the guard as it was read is refused, and writes nothing
    body = jsontext.dumps({**study(a), "id": "late"})
    late = StoredVersion("late", 1, "2027-01-01T00:00:00.000Z", WriteKind.CREATE, body, frozenset({key(a)}))
    with pytest.raises(GuardTaken):
        store.put_version(late, None, guards=GuardChange((GuardClaim(key(a), stale),)))
    assert store.get_current("late") is None and store.get_guard(key(a)) == Guard(gone.id, 3)
