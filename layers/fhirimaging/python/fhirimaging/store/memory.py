"""In-memory Store for unit tests of the service: same contract as the DynamoDB adapter."""
from __future__ import annotations

import threading
from collections.abc import Iterator

from fhirimaging.errors import GuardTaken, VersionConflict
from fhirimaging.store.base import (
    NO_GUARDS,
    Guard,
    GuardChange,
    HistoryPage,
    IndexChange,
    PendingWrite,
    StoredVersion,
    history_sort_key,
)


class MemoryStore:
    def __init__(self) -> None:
        self._versions: dict[str, list[StoredVersion]] = {}
        self._index: dict[str, dict[str, str]] = {}  # term -> {resource id: sort key}
        self._guards: dict[str, Guard] = {}
        self._lock = threading.Lock()

    def get_current(self, resource_id: str) -> StoredVersion | None:
        versions = self._versions.get(resource_id)
        return versions[-1] if versions else None

    def get_guard(self, key: str) -> Guard | None:
        return self._guards.get(key)

    def get_currents(self, resource_ids: list[str]) -> dict[str, StoredVersion]:
        return {rid: self._versions[rid][-1] for rid in resource_ids if rid in self._versions}

    def get_version(self, resource_id: str, version: int) -> StoredVersion | None:
        versions = self._versions.get(resource_id, [])
        return versions[version - 1] if 0 < version <= len(versions) else None

    def body_key(self, resource_id: str, version: int) -> str | None:
        return None  # every body is kept inline: no version names an object in a body bucket

    def put_version(self, new: StoredVersion, expected_version: int | None,
                    index: IndexChange | None = None, guards: GuardChange = NO_GUARDS) -> None:
        self.put_versions([PendingWrite(new, expected_version, index or IndexChange(), guards)])

    def put_versions(self, writes: list[PendingWrite]) -> None:
        with self._lock:
            for w in writes:
                self._check(w)
            for w in writes:
                self._apply(w)

    def _check(self, w: PendingWrite) -> None:
        new, versions = w.new, self._versions.get(w.new.id, [])
        current = versions[-1].version if versions else None
        if current != w.expected_version or new.version != len(versions) + 1:
            raise VersionConflict(f"{new.id}: expected {w.expected_version}, current {current}")
        for claim in w.guards.claims:
            held = self._guards.get(claim.key)
            if (held != claim.stale) if claim.stale is not None else (held is not None and held.holder != new.id):
                raise GuardTaken(claim.key)
        if any(self._guards.get(key, Guard("", None)).holder != new.id for key in w.guards.releases):
            raise VersionConflict(f"{new.id} releases a guard it does not hold")

    def _apply(self, w: PendingWrite) -> None:
        new = w.new
        for claim in w.guards.claims:
            self._guards[claim.key] = Guard(new.id, new.version)
        for key in w.guards.releases:
            del self._guards[key]
        self._versions.setdefault(new.id, []).append(new)
        for term, sort_key in w.index.put.items():
            self._index.setdefault(term, {})[new.id] = sort_key
        for term in w.index.delete:
            self._index.get(term, {}).pop(new.id, None)

    def put_version_unread(self, new: StoredVersion, expected_version: int, index: IndexChange) -> bool:
        with self._lock:
            versions = self._versions.get(new.id)
            current = versions[-1] if versions else None
            if (current is None or current.version != expected_version or current.deleted
                    or current.last_updated >= new.last_updated or new.version != expected_version + 1
                    or current.guards != new.guards):
                return False
            versions.append(new)
            # The stale entries go at once: what the DynamoDB store's index repair arrives at.
            for term, holders in self._index.items():
                if term not in index.put:
                    holders.pop(new.id, None)
            for term, sort_key in index.put.items():
                self._index.setdefault(term, {})[new.id] = sort_key
            return True

    def index_items(self, resource_id: str) -> dict[str, str]:
        return {term: holders[resource_id] for term, holders in self._index.items() if resource_id in holders}

    def write_index(self, resource_id: str, version: int, change: IndexChange) -> None:
        with self._lock:
            current = self.get_current(resource_id)
            if current is None or current.version != version:
                raise VersionConflict(f"{resource_id}: version {version} is no longer current")
            for term, sort_key in change.put.items():
                self._index.setdefault(term, {})[resource_id] = sort_key
            for term in change.delete:
                self._index.get(term, {}).pop(resource_id, None)

    def index_range(self, term: str, low: str | None, high: str | None, descending: bool,
                    after: str | None) -> Iterator[str]:
        keys = sorted(self._index.get(term, {}).values(), reverse=descending)
        for key in keys:
            if (low is None or key >= low) and (high is None or key < high) and (
                    after is None or (key < after if descending else key > after)):
                yield key

    def instance_history(self, resource_id: str, before_version: int | None, limit: int) -> HistoryPage:
        older = [v for v in reversed(self._versions.get(resource_id, []))
                 if before_version is None or v.version < before_version]
        return HistoryPage(older[:limit], len(older) > limit)

    def type_history(self, before: str | None, since: str | None, limit: int) -> HistoryPage:
        everything = sorted((v for vs in self._versions.values() for v in vs), key=history_sort_key, reverse=True)
        older = [v for v in everything
                 if (before is None or history_sort_key(v) < before) and (since is None or v.last_updated >= since)]
        return HistoryPage(older[:limit], len(older) > limit)
