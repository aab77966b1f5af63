"""SMART scopes as the service's Access (fhirimaging.service.access): one decision per request, before any I/O,
and on every study the service is about to show or write.

The rules (README, Security):
- A permission letter applies to every study when an unrestricted (`system/`, `user/`) scope grants it, and to
  the token's patient's studies when a `patient/` scope does: a study is the patient's when its subject is
  `Patient/<patient>` (a deleted study: its last version with content). A patient-confined grant never counts
  as unrestricted.
- A write needs its letter (c for a create or an update that creates or revives, u for an update or patch,
  d for a delete) for the study's last content and for what it writes.
- A caller whose every grant is patient-confined learns nothing of other patients' studies: for it they do not
  exist, and an id without a study of its patient's answers as one that never existed (404), for reads and
  writes alike. So such a caller creates with POST only: an update cannot create at an id it chooses, since
  the answer would tell whether that id is taken. The one thing it can learn is that an identifier a
  conditional create or update asks for is held by another study: a Study Instance UID names one study.
- Searches and conditional matches under a patient-confined `s` are confined to the patient's studies.
- Type history spans every patient: it needs an unrestricted `r`.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from fhirimaging.auth.scopes import Grants
from fhirimaging.errors import Forbidden
from fhirimaging.resource import RESOURCE_TYPE
from fhirimaging.search.query import parse_reference
from fhirimaging.service.requests import (
    CreateRequest,
    DeleteRequest,
    HistoryRequest,
    PatchRequest,
    ReadRequest,
    SearchRequest,
    UpdateRequest,
    VreadRequest,
)


class SmartAccess(NamedTuple):
    """What a token allows: its grants, and the patient its `patient/` scopes are confined to."""

    grants: Grants
    patient: str | None  # the launch context (a valid FHIR id), or None
    base_url: str = ""  # where absolute subject references count as this server's

    @property
    def search_patient(self) -> str | None:
        return None if "s" in self.grants.unrestricted else self.patient

    @property
    def judges_content(self) -> bool:
        return self.patient is not None and bool(self.grants.patient - self.grants.unrestricted)

    def admit(self, request: Any) -> None:
        letters = _needs(request)
        available = self._available()
        if not set(letters) <= available and not (letters == "u" and "c" in available and _plain_update(request)):
            raise Forbidden(f"the token's scopes do not allow this interaction: it needs {RESOURCE_TYPE}.{letters}")
        if isinstance(request, HistoryRequest) and request.id is None and "r" not in self.grants.unrestricted:
            raise Forbidden("type history spans every patient; a patient-level scope cannot read it")
        # What the request would write, checked now where no study read could change the answer.
        if isinstance(request, CreateRequest):
            self._check_body("c", request.resource)
        elif isinstance(request, UpdateRequest) and not {"c", "u"} & self.grants.unrestricted:
            self._check_body("u" if "u" in available else "c", request.resource)

    def may_read(self, resource: dict[str, Any]) -> bool:
        return self._applies("r", resource)

    def searches(self, resource: dict[str, Any]) -> bool:
        return self._applies("s", resource)

    def hides(self, resource: dict[str, Any] | None) -> bool:
        return not self.grants.unrestricted and (resource is None or not self._owns(resource))

    def check_write(self, permission: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        if permission in self.grants.unrestricted:
            return
        if permission not in self._available():
            raise Forbidden(f"this write needs {RESOURCE_TYPE}.{permission}" +
                            (", as it would create the study" if permission == "c" else ""))
        if before is not None and not self._owns(before):
            raise Forbidden(f"the study is not one of the studies of Patient/{self.patient}")
        if after is not None:
            self._check_body(permission, after)

    def _available(self) -> frozenset[str]:
        return self.grants.unrestricted | (self.grants.patient if self.patient is not None else frozenset())

    def _applies(self, permission: str, resource: dict[str, Any]) -> bool:
        return permission in self.grants.unrestricted or (permission in self._available() and self._owns(resource))

    def _check_body(self, permission: str, resource: dict[str, Any]) -> None:
        if not self._applies(permission, resource):
            raise Forbidden(f"a patient-level scope writes only studies whose subject is Patient/{self.patient}")

    def _owns(self, resource: dict[str, Any]) -> bool:
        subject = resource.get("subject") if isinstance(resource, dict) else None
        reference = subject.get("reference") if isinstance(subject, dict) else None
        if not isinstance(reference, str) or self.patient is None:
            return False
        target = parse_reference(reference, self.base_url.rstrip("/"))
        return target.type == "Patient" and target.id == self.patient


def _needs(request: Any) -> str:
    """The letters an interaction needs (SMART v2; conditional forms also search). A plain update needs u, or c
    when it creates: which, the write path decides on the study it finds."""
    match request:
        case ReadRequest() | VreadRequest() | HistoryRequest():
            return "r"
        case SearchRequest():
            return "s"
        case CreateRequest():
            return "cs" if request.if_none_exist is not None else "c"
        case UpdateRequest():
            return "cus" if request.query is not None else "u"  # a conditional update may create
        case PatchRequest():
            return "us" if request.query is not None else "u"
        case DeleteRequest():
            return "ds" if request.query is not None else "d"
    raise Forbidden("no scope grants this interaction")


def _plain_update(request: Any) -> bool:
    return isinstance(request, UpdateRequest) and request.query is None
