"""Change events from stream records: one per `current` item version, nothing from other items."""
from __future__ import annotations

import base64
import io
import json
import zlib

import pytest

from fhirimaging.changes import CREATED, DELETED, UPDATED, Change, changes_from_stream, study_instance_uid
from fhirimaging.changes.publishers import EventBridgePublisher, JsonLinesPublisher, publisher_from_settings
from fhirimaging.settings import Settings
from tests.events import EVENTS

UID = "1.2.3.4.5"
BASE = "https://api.example/fhir/R5"


def _body(identifiers=None, **extra) -> str:
    resource = {"resourceType": "ImagingStudy", "status": "available", "subject": {"reference": "Patient/p"},
                "identifier": identifiers if identifiers is not None else [
                    {"system": "urn:ietf:rfc:3986", "value": "urn:oid:9.9"},
                    {"system": "urn:dicom:uid", "value": f"urn:oid:{UID}"}], **extra}
    return base64.b64encode(zlib.compress(json.dumps(resource).encode())).decode()


def _current(rid, version, method, body=None, last="2026-11-28T12:00:00.000Z"):
    image = {"pk": {"S": f"ImagingStudy#{rid}"}, "sk": {"S": "current"}, "version": {"N": str(version)},
             "lastUpdated": {"S": last}, "method": {"S": method}}
    if body is not None:
        image["body"] = {"B": body}
    return image


def _record(name, new=None, old=None, seq="1", keys=None):
    stream = {"Keys": keys or {"pk": new["pk"], "sk": new["sk"]}, "SequenceNumber": seq,
              "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if new is not None:
        stream["NewImage"] = new
    if old is not None:
        stream["OldImage"] = old
    return {"eventID": f"e{seq}", "eventName": name, "dynamodb": stream}


def test_create_update_delete_and_recreate_map_to_their_detail_types_in_order():
    v1, v2 = _current("a", 1, "POST", _body()), _current("a", 2, "PUT", _body())
    v3, v4 = _current("a", 3, "DELETE"), _current("a", 4, "PUT", _body())
    changes = changes_from_stream([
        _record("INSERT", v1, seq="1"), _record("MODIFY", v2, v1, seq="2"),
        _record("MODIFY", v3, v2, seq="3"), _record("MODIFY", v4, v3, seq="4"),
    ])
    assert [(c.detail_type, c.version_id, c.sequence_number) for c in changes] == [
        (CREATED, "1", "1"), (UPDATED, "2", "2"), (DELETED, "3", "3"), (CREATED, "4", "4")]
    assert [c.study_instance_uid for c in changes] == [UID, UID, None, UID]


def test_a_body_kept_in_s3_is_read_from_the_items_head():
    def offloaded(version, method, head_body):
        image = _current("big", version, method)
        image.update({"bodyRef": {"S": f"ImagingStudy/big/{version}/x"}, "bodyHash": {"S": "0" * 64},
                      "head": {"B": head_body}})
        return image

    v1, v2 = offloaded(1, "POST", _body()), offloaded(2, "PUT", _body())
    inline = _current("big", 3, "PUT", _body())
    changes = changes_from_stream([_record("INSERT", v1, seq="1"), _record("MODIFY", v2, v1, seq="2"),
                                   _record("MODIFY", inline, v2, seq="3")])
    assert [(c.detail_type, c.study_instance_uid) for c in changes] == [(CREATED, UID), (UPDATED, UID),
                                                                         (UPDATED, UID)]


def test_an_update_that_creates_is_created():
    (change,) = changes_from_stream([_record("INSERT", _current("b", 1, "PUT", _body()))])
    assert change.detail_type == CREATED and change.id == "b"


def test_index_guard_and_version_items_and_removes_never_emit():
    pk = {"S": "ImagingStudy#a"}
    index = {"pk": pk, "sk": {"S": "i#identifier|x"}, "s_pk": {"S": "identifier|x"}, "s_sk": {"S": "z#a"}}
    guard = {"pk": {"S": "guard#identifier|x"}, "sk": {"S": "guard"}, "holder": {"S": "a"}}
    version = {**_current("a", 1, "POST", _body()), "sk": {"S": "v#0000000001"}}
    records = [_record("INSERT", index), _record("INSERT", guard), _record("INSERT", version),
               _record("REMOVE", old=index, keys={"pk": pk, "sk": index["sk"]}),
               _record("MODIFY", guard, guard)]
    assert changes_from_stream(records) == []


def test_a_record_without_a_new_version_is_ignored():
    v1 = _current("a", 1, "POST", _body())
    assert changes_from_stream([_record("MODIFY", v1, v1)]) == []


def test_a_current_item_record_without_a_new_image_fails_loudly():
    v1 = _current("a", 1, "POST", _body())
    with pytest.raises(ValueError, match="NewImage"):
        changes_from_stream([_record("INSERT", None, keys={"pk": v1["pk"], "sk": v1["sk"]})])


def test_study_uid_is_the_dicom_identifier_without_the_oid_prefix_or_none():
    raw = lambda b: base64.b64decode(b)  # noqa: E731
    assert study_instance_uid(raw(_body())) == UID
    assert study_instance_uid(raw(_body([{"system": "urn:dicom:uid", "value": "1.2.9"}]))) == "1.2.9"
    assert study_instance_uid(raw(_body([]))) is None
    assert study_instance_uid(raw(_body([{"system": "urn:ietf:rfc:3986", "value": "urn:oid:1.2"}],
                                        description="urn:dicom:uid"))) is None


def test_binary_may_come_base64_encoded_as_lambda_delivers_it_or_as_bytes_from_getrecords():
    b64 = _body()
    (from_lambda,) = changes_from_stream([_record("INSERT", _current("a", 1, "POST", b64))])
    (from_boto,) = changes_from_stream([_record("INSERT", _current("a", 1, "POST", base64.b64decode(b64)))])
    assert from_lambda == from_boto


def test_detail_never_carries_the_body_and_links_the_version():
    change = Change(CREATED, "a", "7", "2026-11-28T12:00:00.000Z", UID)
    assert change.detail(BASE + "/") == {
        "resourceType": "ImagingStudy", "id": "a", "versionId": "7", "lastUpdated": "2026-11-28T12:00:00.000Z",
        "studyInstanceUid": UID, "fullUrl": f"{BASE}/ImagingStudy/a/_history/7"}
    assert change.full_url(None) == "ImagingStudy/a/_history/7"


def test_the_events_file_maps_to_created_updated_deleted():
    event = json.loads((EVENTS / "publisher.json").read_text())
    changes = changes_from_stream(event["Records"])
    assert [c.detail_type for c in changes] == [CREATED, UPDATED, DELETED]
    assert [c.version_id for c in changes] == ["1", "2", "3"]


class _FlakyEvents:
    """An EventBridge client whose first put fails the entries it is told to."""

    def __init__(self, fail_first: set[int] = frozenset(), fail_always: set[str] = frozenset()):
        self.calls: list[list[dict]] = []
        self._fail_first, self._fail_always = set(fail_first), set(fail_always)

    def put_events(self, Entries):
        self.calls.append(Entries)
        results = []
        for i, entry in enumerate(Entries):
            version = json.loads(entry["Detail"])["versionId"]
            fail = (len(self.calls) == 1 and i in self._fail_first) or version in self._fail_always
            results.append({"ErrorCode": "InternalFailure"} if fail else {"EventId": f"id-{version}"})
        return {"FailedEntryCount": sum("ErrorCode" in r for r in results), "Entries": results}


def _changes(n, same_resource=False):
    return [Change(UPDATED, "a" if same_resource else f"r{v}", str(v), "2026-11-28T12:00:00.000Z", UID, str(v))
            for v in range(1, n + 1)]


def test_eventbridge_puts_in_chunks_of_ten_and_retries_only_failed_entries():
    client = _FlakyEvents(fail_first={2, 5})
    published = EventBridgePublisher(client, "bus", BASE, backoff_seconds=0).publish(_changes(23))
    assert published == 23
    assert [len(c) for c in client.calls] == [10, 2, 10, 3]
    retried = [json.loads(e["Detail"])["versionId"] for e in client.calls[1]]
    assert retried == ["3", "6"]
    entry = client.calls[0][0]
    assert entry["Source"] == "fhir-imaging" and entry["DetailType"] == UPDATED and entry["EventBusName"] == "bus"
    assert "body" not in json.loads(entry["Detail"])


def test_eventbridge_reports_how_far_it_got_when_an_entry_keeps_failing():
    client = _FlakyEvents(fail_always={"14"})
    published = EventBridgePublisher(client, "bus", BASE, attempts=3, backoff_seconds=0).publish(_changes(25))
    assert published == 13  # the first 10, then 11..13 of the second chunk; 14 and after are retried
    assert len(client.calls) == 1 + 3


def test_eventbridge_puts_a_resource_s_next_version_only_after_the_previous_landed():
    client = _FlakyEvents()
    changes = _changes(3) + _changes(2, same_resource=True)  # r1 r2 r3 a/1 a/2
    assert EventBridgePublisher(client, "bus", BASE, backoff_seconds=0).publish(changes) == 5
    assert [[json.loads(e["Detail"])["id"] for e in call] for call in client.calls] == [
        ["r1", "r2", "r3", "a"], ["a"]]


def test_json_lines_go_to_the_file_and_stdout(tmp_path):
    out, path = io.StringIO(), tmp_path / "changes.jsonl"
    publisher = JsonLinesPublisher(str(path), BASE, stdout=out)
    assert publisher.publish(_changes(2)) == 2
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(x["detail-type"], x["detail"]["versionId"]) for x in lines] == [(UPDATED, "1"), (UPDATED, "2")]


def test_publisher_choice_file_wins_then_bus_then_stdout(monkeypatch):
    def no_client():
        raise AssertionError("only the bus publisher makes a client")

    settings = Settings.from_env({"TABLE_NAME": "t", "CURSOR_SECRET": "s"})
    assert settings.event_bus_name is None and settings.change_events_file is None
    assert isinstance(publisher_from_settings(settings, no_client), JsonLinesPublisher)
    local = Settings.from_env({"TABLE_NAME": "t", "CURSOR_SECRET": "s", "EVENT_BUS_NAME": "bus",
                               "CHANGE_EVENTS_FILE": "/tmp/x.jsonl", "CHANGE_EVENTS_BASE_URL": BASE + "/"})
    assert isinstance(publisher_from_settings(local, no_client), JsonLinesPublisher)
    deployed = Settings.from_env({"TABLE_NAME": "t", "CURSOR_SECRET": "s", "EVENT_BUS_NAME": "bus"})
    client = _FlakyEvents()
    assert publisher_from_settings(deployed, lambda: client).publish(_changes(1)) == 1
    assert [entry["EventBusName"] for entry in client.calls[0]] == ["bus"]
    assert local.change_events_base_url == BASE
