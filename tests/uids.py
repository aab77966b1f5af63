"""Study Instance UIDs for test studies. A UID names at most one live study, so a test that creates studies
from a shared fixture (on a stack other tests share) gives each one a UID of its own."""
from __future__ import annotations

import json
import uuid

DICOM = "urn:dicom:uid"


def new_study_uid() -> str:
    return f"urn:oid:2.25.{uuid.uuid4().int}"


def own_uid(resource: dict) -> dict:
    """The resource with a fresh value for each of its `urn:dicom:uid` identifiers (others as they are)."""
    return {**resource, "identifier": [{**i, "value": new_study_uid()} if i.get("system") == DICOM else i
                                       for i in resource.get("identifier", [])]}


def own_uid_text(text: str | bytes) -> str:
    """own_uid for a resource given as JSON text."""
    return json.dumps(own_uid(json.loads(text)))
