"""The Store port: what the service needs from persistence, independent of DynamoDB."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple, Protocol

from fhirimaging.store.keys import history_sk


class WriteKind(str, Enum):
    """How a version came to be; its value is the history entry's request.method."""

    CREATE = "POST"
    UPDATE = "PUT"
    DELETE = "DELETE"


class StoredVersion(NamedTuple):
    id: str
    version: int
    last_updated: str  # instant, UTC, millisecond precision: sorts as text
    kind: WriteKind
    body: str | None  # the resource's exact JSON text; None for a deletion
    guards: frozenset[str] = frozenset()  # the uniqueness guards this version holds (see GuardChange)

    @property
    def deleted(self) -> bool:
        return self.body is None


class HistoryPage(NamedTuple):
    versions: list[StoredVersion]  # newest first
    more: bool  # the store holds older versions beyond this page


@dataclass(frozen=True)
class IndexChange:
    """Search-index entries a write adds or rewrites (term -> GSI sort key) and removes. `required`: those of
    them that make the study findable (search.index.findability_terms); a store writes them in the write's own
    transaction and may leave the others to the index repair (search.index.repair)."""

    put: dict[str, str] = field(default_factory=dict)
    delete: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()


class Guard(NamedTuple):
    """A uniqueness guard item: which resource holds the key, and which of its versions claimed it."""

    holder: str
    claimed_by: int | None  # None: claimed before guards recorded their claiming version


class GuardClaim(NamedTuple):
    """A write's claim on a uniqueness guard (e.g. one identifier), taken in the write's transaction."""

    key: str
    stale: Guard | None = None  # a guard this claim takes over, exactly as read (its holder does not hold it)


class GuardChange(NamedTuple):
    """What a write does to guards: claims the keys it did not hold and releases those it no longer holds. The
    new version records the keys it holds (StoredVersion.guards), so that its successor knows what to release;
    a guard item therefore exists exactly while a live resource holds it."""

    claims: tuple[GuardClaim, ...] = ()
    releases: frozenset[str] = frozenset()


NO_GUARDS = GuardChange()


class PendingWrite(NamedTuple):
    """One version to write as part of a transaction of several (Store.put_versions)."""

    new: StoredVersion
    expected_version: int | None  # None: the resource must not exist
    index: IndexChange = IndexChange()
    guards: GuardChange = NO_GUARDS


class Store(Protocol):
    def get_current(self, resource_id: str) -> StoredVersion | None:
        """The newest version (possibly a deletion), strongly consistent; None if never written."""

    def get_version(self, resource_id: str, version: int) -> StoredVersion | None: ...

    def body_key(self, resource_id: str, version: int) -> str | None:
        """The body-bucket key a version names for its body (None: kept inline, or no such version): what the
        body sweeper (store.bodies.sweep) keeps."""

    def get_guard(self, key: str) -> Guard | None:
        """The uniqueness guard item of `key`, strongly consistent; None when no resource holds it."""

    def get_currents(self, resource_ids: list[str]) -> dict[str, StoredVersion]:
        """The current versions of many resources at once (missing ones are left out)."""

    def put_version(self, new: StoredVersion, expected_version: int | None,
                    index: IndexChange | None = None, guards: GuardChange = NO_GUARDS) -> None:
        """Write `new` as the current version, atomically, iff the current version is `expected_version`
        (None: the resource must not exist), with its guard change and at least the required part of its
        index change. Raises VersionConflict, GuardTaken, ItemTooLarge or TooManyTerms (nothing written).
        Returns only once the write is stored; index entries beyond one transaction are left to index_repair."""

    def put_versions(self, writes: list[PendingWrite]) -> None:
        """Every one of `writes` (of distinct resources and guards), each as put_version would write it, in one
        atomic transaction: all are stored or none is. Raises as put_version does (VersionConflict or GuardTaken
        of the first write that fails), and TooManyTerms or ItemTooLarge when they do not fit one transaction."""

    def put_version_unread(self, new: StoredVersion, expected_version: int, index: IndexChange) -> bool:
        """Write `new` over `expected_version` without reading it, in one request, with (at least the required
        part of) `index`: every entry of `new`, iff the current version is `expected_version`, is not a deletion,
        is older than `new.last_updated` and holds exactly the guards `new` holds (`new.guards`). Entries of
        terms `new` no longer has are left to the index repair.
        False: nothing was written, because that does not hold or the store cannot do it in one request (a body
        for S3); put_version, after a read, then tells which."""

    def index_items(self, resource_id: str) -> dict[str, str]:
        """The study's index entries as stored (term -> GSI sort key), strongly consistent."""

    def write_index(self, resource_id: str, version: int, change: IndexChange) -> None:
        """Apply an index change iff `version` is still the current version; VersionConflict if it is not
        (part of the change may then be written: a repair pass starts from the stored entries)."""

    def index_range(self, term: str, low: str | None, high: str | None, descending: bool,
                    after: str | None) -> Iterator[str]:
        """GSI sort keys of one search term within [low, high), in order, strictly past `after`."""

    def instance_history(self, resource_id: str, before_version: int | None, limit: int) -> HistoryPage:
        """Versions of one resource older than `before_version`, newest first."""

    def type_history(self, before: str | None, since: str | None, limit: int) -> HistoryPage:
        """Versions of every resource, newest first, strictly older than the cursor `before`
        (a history_sort_key) and not older than `since`."""


def history_sort_key(v: StoredVersion) -> str:
    """Total order of type-level history; the cursor that type_history pages on."""
    return history_sk(v.last_updated, v.id, v.version)
