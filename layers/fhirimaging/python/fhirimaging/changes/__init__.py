"""Change events: one event per stored version of an ImagingStudy, read from the table's stream.

Only the `current` item of a resource speaks for it: every write puts exactly one new version into
it, so each INSERT or MODIFY of a `current` item is exactly one version, and the stream delivers
them in version order per resource (they modify one item). Version, index and guard items never
emit. The event carries keys and the full URL of the version, never the body.
"""
from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fhirimaging.identifiers import DICOM_UID_SYSTEM
from fhirimaging.resource import RESOURCE_TYPE
from fhirimaging.store import keys

SOURCE = "fhir-imaging"
CREATED, UPDATED, DELETED = f"{RESOURCE_TYPE} Created", f"{RESOURCE_TYPE} Updated", f"{RESOURCE_TYPE} Deleted"
_OID_PREFIX = "urn:oid:"
_RESOURCE_PREFIX = keys.resource_pk("")


@dataclass(frozen=True)
class Change:
    """One stored version, as published; `sequence_number` is the stream record it came from."""

    detail_type: str
    id: str
    version_id: str
    last_updated: str
    study_instance_uid: str | None
    sequence_number: str | None = None

    def full_url(self, base_url: str | None) -> str:
        path = f"{RESOURCE_TYPE}/{self.id}/_history/{self.version_id}"
        return f"{base_url.rstrip('/')}/{path}" if base_url else path

    def detail(self, base_url: str | None) -> dict[str, Any]:
        return {
            "resourceType": RESOURCE_TYPE,
            "id": self.id,
            "versionId": self.version_id,
            "lastUpdated": self.last_updated,
            "studyInstanceUid": self.study_instance_uid,
            "fullUrl": self.full_url(base_url),
        }


def changes_from_stream(records: Iterable[dict[str, Any]]) -> list[Change]:
    """The changes a batch of DynamoDB stream records (Lambda's event["Records"]) stands for, in order."""
    changes = []
    for record in records:
        change = change_from_record(record)
        if change is not None:
            changes.append(change)
    return changes


def change_from_record(record: dict[str, Any]) -> Change | None:
    if record.get("eventName") not in ("INSERT", "MODIFY"):
        return None  # a current item is never removed; REMOVE is some other item
    stream = record.get("dynamodb") or {}
    item_keys = stream.get("Keys") or {}
    pk = (item_keys.get("pk") or {}).get("S", "")
    if (item_keys.get("sk") or {}).get("S") != keys.CURRENT or not pk.startswith(_RESOURCE_PREFIX):
        return None
    new, old = stream.get("NewImage"), stream.get("OldImage")
    if not new:
        raise ValueError(f"stream record {record.get('eventID')} has no NewImage: the stream must carry new images")
    version = int(new["version"]["N"])
    if old and "version" in old and int(old["version"]["N"]) >= version:
        return None  # the item changed without a new version (not something the store does)
    # A body kept in S3 leaves its head (all but `series`) in the item; the Study UID is in the head.
    body = _binary(new["body"]["B"]) if "body" in new else _binary(new["head"]["B"]) if "head" in new else None
    if body is None:
        detail_type = DELETED
    elif new["method"]["S"] == "POST" or not old or not ({"body", "head"} & set(old)):
        detail_type = CREATED  # a create, an update that creates, or the first version after a deletion
    else:
        detail_type = UPDATED
    return Change(
        detail_type=detail_type,
        id=pk[len(_RESOURCE_PREFIX):],
        version_id=str(version),
        last_updated=new["lastUpdated"]["S"],
        study_instance_uid=study_instance_uid(body) if body is not None else None,
        sequence_number=stream.get("SequenceNumber"),
    )


def study_instance_uid(compressed_body: bytes) -> str | None:
    """The Study Instance UID in a stored (zlib-compressed JSON) body's identifiers, without `urn:oid:`."""
    text = zlib.decompress(compressed_body)
    if DICOM_UID_SYSTEM.encode() not in text:
        return None  # most bodies that lack one are skipped without parsing
    for identifier in json.loads(text).get("identifier") or []:
        if not isinstance(identifier, dict) or identifier.get("system") != DICOM_UID_SYSTEM:
            continue
        value = identifier.get("value")
        if isinstance(value, str):
            return value.removeprefix(_OID_PREFIX)
    return None


def _binary(value: str | bytes) -> bytes:
    # Lambda delivers binary attributes base64-encoded; boto3's GetRecords has already decoded them.
    return value if isinstance(value, bytes) else base64.b64decode(value)
