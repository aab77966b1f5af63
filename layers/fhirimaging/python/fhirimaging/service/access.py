"""The authorisation port: what the service asks of the caller's access, on the typed request and on every
study it is about to show or write.

The service calls it (a) with the typed request before any I/O, (b) for the patient its searches and
conditional matches are confined to, and (c) inside the write path on the content actually stored, old and
new, so a retried write or a conditional match is judged on what it writes. fhirimaging.auth implements it
for SMART scopes; EVERYONE is the caller when authorisation is off, and the ingest.
"""
from __future__ import annotations

from typing import Any, Protocol


class Access(Protocol):
    @property
    def search_patient(self) -> str | None:
        """The patient id every search and conditional match is confined to; None: no confinement."""

    @property
    def judges_content(self) -> bool:
        """Whether the other checks depend on a study's content (else the service need not read it for them)."""

    def admit(self, request: Any) -> None:
        """Refuse (Forbidden) before any I/O what no grant of the caller could allow."""

    def may_read(self, resource: dict[str, Any]) -> bool:
        """Whether the caller may read a study with this content."""

    def searches(self, resource: dict[str, Any]) -> bool:
        """Whether the caller's searches may find a study with this content."""

    def hides(self, resource: dict[str, Any] | None) -> bool:
        """Whether the caller must not learn that this study (None: an id without one) exists: the service then
        answers exactly as for an id that never existed."""

    def check_write(self, permission: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        """Refuse (Forbidden) a write needing `permission` (c, u or d) from the study's last content `before`
        (None: none) to `after` (None: a deletion)."""


class _Everyone:
    """Every interaction on every study."""

    search_patient = None
    judges_content = False

    def admit(self, request: Any) -> None:
        pass

    def may_read(self, resource: dict[str, Any]) -> bool:
        return True

    def searches(self, resource: dict[str, Any]) -> bool:
        return True

    def hides(self, resource: dict[str, Any] | None) -> bool:
        return False

    def check_write(self, permission: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        pass


EVERYONE: Access = _Everyone()
