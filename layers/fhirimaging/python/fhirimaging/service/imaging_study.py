"""ImagingStudyService: versioned create/read/vread/update/delete/history over a Store.

Every write is one version-checked store call; without If-Match a lost race is retried against the
new current version (after a short random back-off, so that contending writers spread out), so no update
is lost and version numbers never repeat. An update with If-Match first tries the store's write without a
read; when that does not apply, the read-then-write path gives the answer.
"""
from __future__ import annotations

import copy
import random
import re
import time
import uuid
from datetime import timedelta
from typing import Any, Callable, TypeVar
from urllib.parse import urlencode

from fhirimaging import cursor, deadline, fhirtime, identifiers, jsontext
from fhirimaging.errors import (
    BadRequest,
    Conflict,
    Duplicate,
    Forbidden,
    Gone,
    GuardTaken,
    InvalidResource,
    Issue,
    ItemTooLarge,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    TooManyTerms,
    Unprocessable,
    VersionConflict,
)
from fhirimaging.resource import FHIR_ID, RESOURCE_TYPE
from fhirimaging.search import index, plan
from fhirimaging.search.match import matches_all
from fhirimaging.search.query import SearchQuery
from fhirimaging.search.subset import needs_subset, subset
from fhirimaging.service import bundles
from fhirimaging.service.access import EVERYONE, Access
from fhirimaging.service.conditional import ConditionalTargets, require_criteria
from fhirimaging.service.patching import patched, read_patch
from fhirimaging.service.requests import (
    BundleEntry,
    CreateRequest,
    DeleteRequest,
    HistoryRequest,
    PatchRequest,
    ReadRequest,
    SearchRequest,
    UpdateRequest,
    VreadRequest,
)
from fhirimaging.service.results import DeleteResult, HistoryResult, ResourceResult, SearchResult
from fhirimaging.store import Store, StoredVersion, WriteKind
from fhirimaging.store.base import Guard, GuardChange, GuardClaim, history_sort_key

_VERSION_ID = re.compile(r"[1-9][0-9]{0,9}")
# Attempts of a write without If-Match, with a full-jitter back-off between them of up to 5 ms doubling
# to a 100 ms cap (under 4 s of waiting in all, well inside the functions' timeout). 8 attempts without
# back-off lost to 8 concurrent writers (409); with back-off a write took up to ~17, so 40 leaves room.
_WRITE_RETRIES = 40
# A Bundle's resources stay under this many characters: Lambda's response payload is limited to 6 MB and
# carries the Bundle as an escaped JSON string. A page that would exceed it comes back shorter, and says so.
PAGE_JSON_BUDGET = 5_000_000
# Type-level _at may walk many superseded versions; bound the work of one page.
_AT_SCAN_BUDGET = 2000
T = TypeVar("T")


class ImagingStudyService(ConditionalTargets):
    def __init__(self, store: Store, cursor_secret: bytes | Callable[[], bytes], default_page_size: int = 50,
                 max_page_size: int = 1000, clock: Callable = fhirtime.now) -> None:
        self._store = store
        # bytes, or a function that gives them on first use (deployed, read from Secrets Manager: runtime.py)
        self._cursor_secret = cursor_secret
        self._default_count = default_page_size
        self._max_count = max_page_size
        self._clock = clock

    @property
    def store(self) -> Store:
        return self._store

    def over(self, store: Store) -> "ImagingStudyService":
        """This service over another store (a transaction's recorder of writes)."""
        scoped = copy.copy(self)
        scoped._store = store
        return scoped

    # batch and transaction Bundles (service/bundles.py)

    def batch(self, entries: list[BundleEntry], access: Access = EVERYONE) -> list[Any]:
        return bundles.batch(self, entries, access)

    def transaction(self, entries: list[BundleEntry], access: Access = EVERYONE, base_url: str = "") -> list[Any]:
        return bundles.transaction(self, entries, access, base_url)

    def conditional_target(self, query: SearchQuery, access: Access, interaction: str = "create"
                           ) -> StoredVersion | None:
        """The one live study a conditional create (or a transaction's conditional reference) selects; None if
        none; 412 if several."""
        require_criteria(query, interaction)
        return self._single(self._matches(query, access, creates=interaction == "create")[0], interaction)

    # reads

    def read(self, request: ReadRequest, access: Access = EVERYONE) -> ResourceResult:
        access.admit(request)
        current = self._store.get_current(_checked_id(request.id))
        if current is None or not self._shown(access, current):
            raise not_known(request.id)
        if current.deleted:
            raise Gone(f"ImagingStudy/{request.id} was deleted (version {current.version})")
        return ResourceResult(current, 200)

    def vread(self, request: VreadRequest, access: Access = EVERYONE) -> ResourceResult:
        access.admit(request)
        if not _VERSION_ID.fullmatch(request.version_id):
            raise not_known(request.id, request.version_id)
        version = self._store.get_version(_checked_id(request.id), int(request.version_id))
        if version is None or (access.judges_content
                               and not self._shown(access, self._store.get_current(request.id), [version])):
            raise not_known(request.id, request.version_id)
        if version.deleted:
            raise Gone(f"version {request.version_id} of ImagingStudy/{request.id} is a deletion")
        return ResourceResult(version, 200)

    def last_content(self, resource_id: str, current: StoredVersion | None = None) -> StoredVersion | None:
        """The current version or, for a deleted study, its last version with content; None if never written."""
        version = current or self._store.get_current(_checked_id(resource_id))
        while version is not None and version.deleted and version.version > 1:
            deadline.check("reading an earlier version")
            version = self._store.get_version(resource_id, version.version - 1)
        return None if version is None or version.deleted else version

    def _before(self, current: StoredVersion | None, access: Access) -> dict[str, Any] | None:
        """What the caller's access judges a write by: the study's last content (None: none, or not judged)."""
        if not access.judges_content or current is None:
            return None
        last = self.last_content(current.id, current)
        return None if last is None else _content(last)

    def _shown(self, access: Access, current: StoredVersion | None, versions: list[StoredVersion] = ()) -> bool:
        """Whether the caller may read the study (by its last content) and the content of each of `versions`."""
        if not access.judges_content:
            return True
        last = None if current is None else self.last_content(current.id, current)
        return last is not None and all(access.may_read(_content(v)) for v in (last, *versions) if v.body is not None)

    # writes

    def create(self, request: CreateRequest, access: Access = EVERYONE) -> ResourceResult:
        access.admit(request)
        _validate(request.resource)
        query = request.if_none_exist
        if query is not None:
            require_criteria(query, "create")

        def attempt() -> ResourceResult:
            claim = None
            if query is not None:
                matches, claim = self._matches(query, access, creates=True)
                existing = self._single(matches, "create")
                if existing is not None:
                    return ResourceResult(existing, 200)  # If-None-Exist: it exists, nothing is created
            resource_id = request.assigned_id or str(uuid.uuid4())
            new, stamped = self._new_version(request.resource, resource_id, None, WriteKind.CREATE)
            access.check_write("c", None, stamped)
            if claim is not None and not matches_all(stamped, query.criteria):
                claim = None  # the study does not carry the identifier it was asked about: nothing to guard
            try:
                return ResourceResult(self._put(new, None, stamped, claim), 201)
            except GuardTaken as e:
                if claim is None or e.key != claim.key:
                    raise _duplicate(e.key) from None
                raise _LostRace from None  # a concurrent create won the identifier: the next round finds its study
            except VersionConflict as e:  # a random UUID already taken: never expected, never silent
                raise Conflict(f"ImagingStudy/{resource_id} already exists") from e

        return _retrying(attempt, "the identifier is being claimed by others; retry")

    def update(self, request: UpdateRequest, access: Access = EVERYONE) -> ResourceResult:
        access.admit(request)
        if request.query is not None:
            return self._conditional_update(request, access)
        resource_id = _checked_id(request.id or "")
        body_id = request.resource.get("id")
        if body_id is None:
            raise BadRequest("the resource has no id; an update must carry the id of the URL",
                             [Issue("required", "id is required in an update", expression=("ImagingStudy.id",))])
        if body_id != resource_id:
            raise _id_mismatch(body_id, resource_id)
        _validate(request.resource)
        if request.if_match is not None and not request.create_only and not access.judges_content \
                and _allows(access, "u", request.resource):
            written = self._update_unread(resource_id, request.resource, request.if_match)
            if written is not None:
                return written
        return self._update_one(resource_id, request.resource, request.if_match, request.create_only, access)

    def _update_unread(self, resource_id: str, resource: dict[str, Any], if_match: int) -> ResourceResult | None:
        """The update of a live study at version `if_match`, without reading it: the new version's number and
        time follow from If-Match and the clock, and the store checks both against the current item. None when
        the store did not write (another version is current, the study is deleted, the clock is behind its last
        write, or the write does not fit one request): the read-then-write path then answers exactly. Only for
        an access that does not judge by the study's content, which this path never reads."""
        new, stamped = _version(resource, resource_id, if_match + 1, self._timestamp(None), WriteKind.UPDATE)
        # Only when the study holds exactly the Study Instance UIDs it carries (the store checks): no guard changes.
        new = new._replace(guards=frozenset(k for k in identifiers.carried(stamped) if identifiers.unique(k)))
        change = index.unread_change(index.index_entries(stamped, resource_id, new.last_updated))
        return ResourceResult(new, 200) if self._store.put_version_unread(new, if_match, change) else None

    def _conditional_update(self, request: UpdateRequest, access: Access) -> ResourceResult:
        query = request.query
        require_criteria(query, "update")
        _validate(request.resource)
        body_id = request.resource.get("id")

        def attempt() -> ResourceResult:
            matches, claim = self._matches(query, access, creates=True)
            target = self._single(matches, "update")
            if target is not None and body_id is not None and body_id != target.id:
                raise _id_mismatch(body_id, target.id)
            resource_id = target.id if target is not None else _checked_id(body_id or str(uuid.uuid4()))
            resource = {**request.resource, "id": resource_id}
            if claim is not None and not matches_all(resource, query.criteria):
                claim = None
            try:
                return self._update_one(resource_id, resource, request.if_match, request.create_only, access, claim,
                                        assigned=target is None and body_id is None)
            except GuardTaken:
                raise _LostRace from None

        return _retrying(attempt, "the identifier is being claimed by others; retry")

    def _update_one(self, resource_id: str, resource: dict[str, Any], if_match: int | None, create_only: bool,
                    access: Access, claim: GuardClaim | None = None, assigned: bool = False) -> ResourceResult:
        """`assigned`: the server chose the id just now, so no study of anyone's can be there to hide."""

        def attempt() -> ResourceResult:
            current = self._store.get_current(resource_id)
            before = self._before(current, access)
            if access.judges_content and not assigned and access.hides(before):
                raise not_known(resource_id)
            live = current is not None and not current.deleted
            if if_match is not None and (current is None or current.version != if_match):
                found = f"version {current.version}" if current else "no version"
                raise PreconditionFailed(f"If-Match asked for version {if_match}; "
                                         f"ImagingStudy/{resource_id} is at {found}")
            if create_only and live:
                raise PreconditionFailed(f"If-None-Match: * but ImagingStudy/{resource_id} exists "
                                         f"(version {current.version})")
            new, stamped = self._new_version(resource, resource_id, current, WriteKind.UPDATE)
            access.check_write("u" if live else "c", before, stamped)
            try:
                new = self._put(new, current, stamped, claim)
            except GuardTaken as e:
                if claim is not None and e.key == claim.key:
                    raise  # the conditional update finds the study that won it
                raise _duplicate(e.key) from None
            except VersionConflict:
                if if_match is not None or create_only:
                    raise PreconditionFailed(f"ImagingStudy/{resource_id} was written concurrently; "
                                             "the precondition no longer holds") from None
                raise _LostRace from None
            return ResourceResult(new, 200 if live else 201)

        return _retrying(attempt, f"ImagingStudy/{resource_id} is being changed by others; retry")

    def upsert(self, query: SearchQuery, build: Callable[[dict[str, Any] | None], dict[str, Any]]
               ) -> ResourceResult | None:
        """Create or change the one study `query` selects, as `build(current or None)` makes it, race-free.

        With an `identifier=system|value` query the write claims that identifier's guard. A lost race
        (version or guard) re-reads and rebuilds after a jittered back-off. When the build equals the
        current content (meta aside) nothing is written and None is returned: no new version.
        """
        require_criteria(query, "update")

        def attempt() -> ResourceResult | None:
            matches, claim = self._matches(query, EVERYONE, creates=True)
            current = self._single(matches, "update")
            before = _content(current) if current is not None else None
            resource = build(before)
            if before is not None and _without_meta(resource) == _without_meta(before):
                return None
            resource_id = current.id if current is not None else str(uuid.uuid4())
            resource = {**resource, "id": resource_id}
            _validate(resource)
            if claim is not None and not matches_all(resource, query.criteria):
                claim = None
            kind = WriteKind.UPDATE if current is not None else WriteKind.CREATE
            new, stamped = self._new_version(resource, resource_id, current, kind)
            try:
                new = self._put(new, current, stamped, claim)
            except (GuardTaken, VersionConflict):
                raise _LostRace from None
            return ResourceResult(new, 201 if current is None else 200)

        return _retrying(attempt, "the study is being changed by others; retry")

    def delete(self, request: DeleteRequest, access: Access = EVERYONE) -> DeleteResult:
        access.admit(request)
        if request.query is not None:
            require_criteria(request.query, "delete")
            target = self._single(self._matches(request.query, access)[0], "delete")  # conditionalDelete: single
            if target is None:
                return DeleteResult(None)
            return self._delete_one(target.id, access)
        return self._delete_one(_checked_id(request.id or ""), access)

    def _delete_one(self, resource_id: str, access: Access) -> DeleteResult:
        def attempt() -> DeleteResult:
            current = self._store.get_current(resource_id)
            before = self._before(current, access)
            if access.judges_content and access.hides(before):
                raise not_known(resource_id)
            if current is None or current.deleted:
                return DeleteResult(None)  # deleting nothing is a success: delete is idempotent
            access.check_write("d", before, None)
            deletion = StoredVersion(resource_id, current.version + 1, self._timestamp(current),
                                     WriteKind.DELETE, None)
            try:
                return DeleteResult(self._put(deletion, current, None))  # releases every guard the study held
            except VersionConflict:
                raise _LostRace from None

        return _retrying(attempt, f"ImagingStudy/{resource_id} is being changed by others; retry")

    def patch(self, request: PatchRequest, access: Access = EVERYONE) -> ResourceResult:
        """The patched current version, written like an update (history records it as a PUT, per bdl-14)."""
        access.admit(request)
        patch = read_patch(request)
        if request.query is not None:
            require_criteria(request.query, "patch")
            target = self._single(self._matches(request.query, access)[0], "patch")
            if target is None:
                raise NotFound("no study matches the conditional patch")
            resource_id = target.id
        else:
            resource_id = _checked_id(request.id or "")

        def attempt() -> ResourceResult:
            current = self._store.get_current(resource_id)
            before = self._before(current, access)
            if access.judges_content and access.hides(before):
                raise not_known(resource_id)
            resource = patched(resource_id, current, request.if_match, patch)
            new, stamped = self._new_version(resource, resource_id, current, WriteKind.UPDATE)
            access.check_write("u", before, stamped)
            try:
                return ResourceResult(self._put(new, current, stamped), 200)
            except GuardTaken as e:
                raise _duplicate(e.key) from None
            except VersionConflict:
                if request.if_match is not None:
                    raise PreconditionFailed(f"ImagingStudy/{resource_id} changed after version "
                                             f"{request.if_match}") from None
                raise _LostRace from None

        return _retrying(attempt, f"ImagingStudy/{resource_id} is being changed by others; retry")

    # history

    def history(self, request: HistoryRequest, access: Access = EVERYONE) -> HistoryResult:
        access.admit(request)  # type history needs an unrestricted grant: nothing in it is judged per study
        count = self._count(request.count)
        since = _range_param("_since", request.since)[0] if request.since else None
        at = _range_param("_at", request.at) if request.at else None
        scope = f"history|{request.id or ''}|{count}|{request.since or ''}|{request.at or ''}"
        position = cursor.verify(self._secret(), scope, request.cursor) if request.cursor else {}
        if request.id is not None:
            current = self._store.get_current(_checked_id(request.id))
            if current is None:
                raise not_known(request.id)
            versions, more = self._instance_history(request.id, position.get("v"), count, since, at)
            if not self._shown(access, current, versions):
                raise not_known(request.id)
        else:
            versions, more = self._type_history(position.get("k"), count, since, at)
        issues = []
        kept = _within_budget(versions, lambda v: _escaped_size(v.body or ""))
        if len(kept) < len(versions):
            versions, more = kept, True
            issues.append(_shrunk(len(kept), count))
        next_cursor = None
        if more and versions:
            last = versions[-1]
            next_position = {"v": last.version} if request.id is not None else {"k": history_sort_key(last)}
            next_cursor = cursor.sign(self._secret(), scope, next_position)
        return HistoryResult(versions, count, next_cursor, request.id, issues)

    def _instance_history(self, resource_id, before, count, since, at):
        found: list[StoredVersion] = []
        newer_last_updated: str | None = None  # lastUpdated of the version after the one in hand
        if before is not None:
            after = self._store.get_version(resource_id, before)
            newer_last_updated = after.last_updated if after else None
        while True:
            deadline.check("reading the history")
            page = self._store.instance_history(resource_id, before, max(count, 1) + 1)
            for v in page.versions:
                if since and v.last_updated < since:
                    return found, False
                if at is None or _current_during(v, newer_last_updated, at):
                    if len(found) == count:
                        return found, True
                    found.append(v)
                if at is not None and v.last_updated <= at[0]:
                    return found, False  # every older version was superseded before the period
                newer_last_updated = v.last_updated
                before = v.version
            if not page.more:
                return found, False

    def _type_history(self, before, count, since, at):
        if at is not None:
            return self._type_history_at(before, count, at)
        page = self._store.type_history(before, since, count)
        return page.versions, page.more

    def _type_history_at(self, before, count, at):
        found: list[StoredVersion] = []
        newer: dict[str, str | None] = {}
        before = before or at[1]
        scanned = 0
        while True:
            deadline.check("reading the history")
            page = self._store.type_history(before, None, max(count, 1) + 1)
            for v in page.versions:
                if v.id not in newer:
                    deadline.check("reading the history")
                    after = self._store.get_version(v.id, v.version + 1)
                    newer[v.id] = after.last_updated if after else None
                if _current_during(v, newer[v.id], at):
                    if len(found) == count:
                        return found, True
                    found.append(v)
                newer[v.id] = v.last_updated
                before = history_sort_key(v)
                scanned += 1
                if scanned >= _AT_SCAN_BUDGET and found:
                    return found, True
            if not page.more:
                return found, False

    # search

    def search(self, request: SearchRequest, access: Access = EVERYONE) -> SearchResult:
        access.admit(request)
        query = request.query
        count = self._count(query.count)
        self_params = query.self_params()  # the client's: the links repeat them, never the confinement
        patient = access.search_patient
        scope = ("search|" + (request.compartment or "") + "|" + urlencode(self_params) + f"|{count}"
                 + (f"|confined to {patient}" if patient is not None else ""))
        position = cursor.verify(self._secret(), scope, query.cursor) if query.cursor else {}
        if patient is not None:
            query = query.confined_to(patient)
        the_plan = plan.plan(query)
        wants_entries = query.summary != "count" and count > 0
        budget = plan.Budget(PAGE_JSON_BUDGET, _measure(query))
        page = plan.run(self._store, query, the_plan, count if wants_entries else 0, position, budget)
        total = None
        if page.complete and not position:
            total = len(page.matches)
        elif query.total in ("estimate", "accurate") or not wants_entries:
            everything = plan.run(self._store, query, the_plan, plan.CANDIDATE_BUDGET, {})
            total = len(everything.matches) if everything.complete else None
        unsupported = [f"{name}={value} is not supported: this server holds only ImagingStudy resources"
                       for name, value in query.includes]
        unsupported += [f"the parameter {name} is not supported and was ignored" for name in query.ignored]
        if total is None and (query.total == "accurate" or not wants_entries):
            unsupported.append(f"the total is not given: counting would read more than {plan.CANDIDATE_BUDGET} "
                               "studies")
        warnings = [Issue("not-supported", text, severity="warning") for text in unsupported]
        if page.shrunk:
            warnings.append(_shrunk(len(page.matches), count))
        next_cursor = cursor.sign(self._secret(), scope, page.position) if page.position and wants_entries else None
        return SearchResult(
            matches=page.matches if wants_entries else [], resources=page.resources if wants_entries else [],
            total=None if query.total == "none" else total, next_cursor=next_cursor, self_params=self_params,
            compartment=request.compartment, summary=query.summary, elements=query.elements, warnings=warnings,
        )

    # helpers

    def _secret(self) -> bytes:
        secret = self._cursor_secret
        return secret if isinstance(secret, bytes) else secret()

    def _count(self, requested: int | None) -> int:
        if requested is None:
            return self._default_count
        if requested < 0:
            raise BadRequest("_count must not be negative")
        return min(requested, self._max_count)

    def _timestamp(self, current: StoredVersion | None) -> str:
        """Now, but always after the previous version so a resource's history is ordered in time."""
        moment = self._clock()
        if current is not None:
            previous = fhirtime.parse_range(current.last_updated)[0]
            moment = max(moment, previous + timedelta(milliseconds=1))
        return fhirtime.format_instant(moment)

    def _new_version(self, resource: dict[str, Any], resource_id: str, current: StoredVersion | None,
                     kind: WriteKind) -> tuple[StoredVersion, dict[str, Any]]:
        return _version(resource, resource_id, current.version + 1 if current else 1, self._timestamp(current), kind)

    def _put(self, new: StoredVersion, current: StoredVersion | None, stamped: dict[str, Any] | None,
             claim: GuardClaim | None = None) -> StoredVersion:
        """Write `new` (whose resource is `stamped`; None for a deletion) over `current`, with its index change
        and the guards it holds; returns `new` as stored (with those guards). A guard that another resource
        has but does not hold (from before guards were recorded) is taken over. Raises VersionConflict, or
        GuardTaken when a live study holds a guard this write needs."""
        change = index.change(new.id, current, stamped, new.last_updated)
        takeovers: dict[str, Guard] = {}
        while True:
            held, guards = _guard_change(current, stamped, claim, takeovers)
            new = new._replace(guards=held)
            try:
                self._store.put_version(new, current.version if current else None, change, guards)
                return new
            except GuardTaken as e:
                stale = self._stale(e.key, new.id)
                if stale is None or takeovers.get(e.key) == stale or len(takeovers) > len(held):
                    raise
                takeovers[e.key] = stale
            except ItemTooLarge as e:
                raise PayloadTooLarge(f"the resource is too large to store: {e}") from e
            except TooManyTerms as e:  # dozens of identifiers or series modalities: more than one write can index
                raise Unprocessable(f"the resource cannot be indexed in one write: {e}") from e


def _version(resource: dict[str, Any], resource_id: str, version: int, last_updated: str,
             kind: WriteKind) -> tuple[StoredVersion, dict[str, Any]]:
    stamped = _stamped(resource, resource_id, version, last_updated)
    try:
        body = jsontext.dumps(stamped)
    except RecursionError as e:  # parsed, but too deep to write back (e.g. in a contained resource)
        raise BadRequest("the resource is nested too deeply to store") from e
    return StoredVersion(resource_id, version, last_updated, kind, body), stamped


def _escaped_size(text: str) -> int:
    """Characters of `text` inside a JSON string: quotes and backslashes are escaped."""
    return len(text) + text.count('"') + text.count("\\")


def _measure(query: SearchQuery) -> Callable[[StoredVersion, dict], int]:
    if needs_subset(query.summary, query.elements):
        return lambda v, resource: _escaped_size(jsontext.dumps(subset(resource, query.summary, query.elements)))
    return lambda v, resource: _escaped_size(v.body or "")


def _within_budget(versions: list[StoredVersion], size: Callable[[StoredVersion], int]) -> list[StoredVersion]:
    """The longest prefix (at least one) whose sizes stay within PAGE_JSON_BUDGET."""
    used = 0
    for n, v in enumerate(versions):
        used += size(v)
        if n and used > PAGE_JSON_BUDGET:
            return versions[:n]
    return versions


def _shrunk(kept: int, count: int) -> Issue:
    return Issue("too-costly", f"this page holds {kept} of up to {count} entries: more would exceed the 6 MB "
                 "response limit; the next link continues", severity="warning")


def not_known(resource_id: str, version_id: str | None = None) -> NotFound:
    """What a read (version_id None), vread or history answers for a study that never existed."""
    if version_id is None:
        return NotFound(f"ImagingStudy/{resource_id} is not known")
    if not _VERSION_ID.fullmatch(version_id):
        return NotFound(f"'{version_id}' is not a version id of this server")
    return NotFound(f"ImagingStudy/{resource_id} has no version {version_id}")


class _LostRace(Exception):
    """A write attempt lost a race (a version or guard written concurrently): the next attempt re-reads."""


def _retrying(attempt: Callable[[], T], exhausted: str) -> T:
    """`attempt()` until it does not lose a race, with a full-jitter back-off between tries."""
    for n in range(_WRITE_RETRIES):
        deadline.check("writing")
        try:
            return attempt()
        except _LostRace:
            if n < _WRITE_RETRIES - 1:
                time.sleep(random.uniform(0, min(0.1, 0.005 * 2**n)))
    raise Conflict(exhausted)


def _allows(access: Access, permission: str, after: dict[str, Any]) -> bool:
    try:
        access.check_write(permission, None, after)
    except Forbidden:
        return False
    return True


def _content(version: StoredVersion) -> dict[str, Any]:
    return jsontext.loads(version.body)


def _guard_change(current: StoredVersion | None, resource: dict[str, Any] | None, claim: GuardClaim | None,
                  takeovers: dict[str, Guard]) -> tuple[frozenset[str], GuardChange]:
    """The guards a new version (of `resource`; None: a deletion) holds, and what its write claims and releases:
    every Study Instance UID it carries, the conditional write's identifier, and any guard it held before and
    still carries."""
    before = current.guards if current is not None else frozenset()
    carried = identifiers.carried(resource) if resource is not None else set()
    held = {k for k in carried if identifiers.unique(k) or k in before}
    if claim is not None and claim.key in carried:
        held.add(claim.key)
        if claim.stale is not None:
            takeovers = {claim.key: claim.stale, **takeovers}
    claims = tuple(GuardClaim(k, takeovers.get(k)) for k in sorted(held - before))
    return frozenset(held), GuardChange(claims, frozenset(before - held))


def _duplicate(key: str) -> Duplicate:
    return Duplicate(f"the identifier {identifiers.described(key)} is held by another live study, and a Study "
                     "Instance UID names one study: write that study by a conditional update "
                     "(PUT ImagingStudy?identifier=...) or a conditional create (If-None-Exist)")


def _id_mismatch(body_id: str, resource_id: str) -> BadRequest:
    return BadRequest(f"the resource id '{body_id}' does not match the URL id '{resource_id}'",
                      [Issue("invalid", f"id '{body_id}' differs from the URL id '{resource_id}'",
                             expression=("ImagingStudy.id",))])


def _without_meta(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in ("meta", "id")}


def _checked_id(resource_id: str) -> str:
    if not FHIR_ID.fullmatch(resource_id or ""):
        raise BadRequest(f"'{resource_id}' is not a valid FHIR id (1-64 of A-Z a-z 0-9 - .)")
    return resource_id


def _validate(resource: dict[str, Any]) -> None:
    if resource.get("resourceType") != RESOURCE_TYPE:
        raise InvalidResource(f"expected resourceType ImagingStudy, got {resource.get('resourceType')!r}",
                              [Issue("invalid", f"resourceType must be ImagingStudy, not "
                                     f"{resource.get('resourceType')!r}", expression=("resourceType",))])
    # Imported here so readers never load pydantic (~150 ms of cold start); writers import it at init.
    from fhirimaging.models import validate_imaging_study

    validate_imaging_study(resource)


def _stamped(resource: dict[str, Any], resource_id: str, version: int, last_updated: str) -> dict[str, Any]:
    """The client's resource with the server's id and meta.versionId/lastUpdated; nothing else changes."""
    client_meta = {k: v for k, v in (resource.get("meta") or {}).items()
                   if k not in ("versionId", "lastUpdated", "_versionId", "_lastUpdated")}
    stamped: dict[str, Any] = {
        "resourceType": RESOURCE_TYPE,
        "id": resource_id,
        "meta": {"versionId": str(version), "lastUpdated": last_updated, **client_meta},
    }
    stamped.update((k, v) for k, v in resource.items() if k not in stamped)
    return stamped


def _current_during(v: StoredVersion, newer_last_updated: str | None, at: tuple[str, str]) -> bool:
    """Was `v` the current version at some moment of [at_low, at_high)?"""
    low, high = at
    return v.last_updated < high and (newer_last_updated is None or newer_last_updated > low)


def _range_param(name: str, value: str) -> tuple[str, str]:
    try:
        low, high = fhirtime.parse_range(value)
    except ValueError as e:
        raise BadRequest(f"{name}: {e}") from e
    return fhirtime.format_instant(low), fhirtime.format_instant(high)

