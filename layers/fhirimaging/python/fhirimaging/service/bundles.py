"""Batch and transaction Bundles (https://hl7.org/fhir/R5/http.html#transaction) over the service's interactions.

A batch runs its entries independently, a few at a time on threads, each exactly as its single interaction; an
entry that fails answers its own OperationOutcome.

A transaction is all or nothing. Its writes run in the order FHIR prescribes (DELETE, POST, then PUT and PATCH)
against the same service over a store that only records them (`_Recorder`: every read goes to the real store,
which none of them has changed yet), with every guard, If-Match, access and validation check of the single
interactions; then every recorded write is committed in ONE Store.put_versions (a single DynamoDB
TransactWriteItems): all land or none does. A write that a concurrent client won in the meantime cancels the
commit, and the whole transaction is worked out again from what is stored now, so that it answers exactly as if
it had run after that client's write (a conditional create then finds the study the other client created). The
GET entries run after the commit, and see it.

Before the writes run, each POST entry is given its study's id (a conditional create: the id of the study it
matches), so that the `urn:uuid:` fullUrls of the Bundle resolve to ids in every reference that names them, and
conditional references (`ImagingStudy?identifier=...`) resolve to the one study they match.
"""
from __future__ import annotations

import copy
import random
import time
import uuid
from typing import Any, Callable
from urllib.parse import parse_qsl

from fhirimaging import deadline, logs
from fhirimaging.errors import (
    BadRequest,
    Conflict,
    FhirError,
    GuardTaken,
    Issue,
    ItemTooLarge,
    PayloadTooLarge,
    PreconditionFailed,
    TooManyTerms,
    VersionConflict,
)
from fhirimaging.resource import RESOURCE_TYPE
from fhirimaging.search.query import parse_query
from fhirimaging.service.access import Access
from fhirimaging.service.requests import BundleEntry
from fhirimaging.store import Store, StoredVersion
from fhirimaging.store.base import NO_GUARDS, GuardChange, IndexChange, PendingWrite

# The order of a transaction's writes (http.html#trules); GET (and HEAD) entries come last.
_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2}
# Every write is at least a version and a current item of the one DynamoDB transaction (100 actions).
MAX_TRANSACTION_WRITES = 50
# Studies of the shape most archives send (one Study Instance UID, a subject, a status, one modality; any number
# of series and instances) that one transaction holds: each is a version, a current item, its UID's guard and
# its findability search terms (tests/integration/test_bundles.py: this many fit, one more is a 413).
ORDINARY_STUDIES_PER_TRANSACTION = 6
# A transaction that loses its commit to concurrent writers is worked out again this many times in all.
_TRANSACTION_ATTEMPTS = 8
# A batch's entries run this many at a time: DynamoDB's latency, not the CPU, is what they wait on.
BATCH_WORKERS = 8


def batch(service: Any, entries: list[BundleEntry], access: Access) -> list[Any]:
    """Each entry's result, or the FhirError it failed with, in the order of `entries`."""

    def run(entry: BundleEntry) -> Any:
        try:
            return _call(service, entry, entry.request, access)
        except FhirError as e:
            return e
        except Exception:  # one entry's fault, never the others': it answers 500 alone
            logs.logger.exception("a batch entry failed")
            return FhirError("the server failed to process this entry; it has been logged")

    if not entries:
        return []
    from concurrent.futures import ThreadPoolExecutor  # ~5 ms of import, for batches only

    with ThreadPoolExecutor(max_workers=min(BATCH_WORKERS, len(entries))) as pool:
        return list(pool.map(deadline.carried(run), entries))


def transaction(service: Any, entries: list[BundleEntry], access: Access, base_url: str) -> list[Any]:
    """Each entry's result, in the order of `entries`, once all writes are committed together; a FhirError naming
    the entry that failed otherwise (nothing written). GET entries that fail after the commit answer their error."""
    writes = [n for n, e in enumerate(entries) if e.method in _ORDER]
    if len(writes) > MAX_TRANSACTION_WRITES:
        raise PayloadTooLarge(_ceiling(f"the transaction has {len(writes)} writes"))
    writes.sort(key=lambda n: _ORDER[entries[n].method])
    new_ids = {n: str(uuid.uuid4()) for n, e in enumerate(entries) if e.interaction == "create"}
    for attempt in range(_TRANSACTION_ATTEMPTS):
        deadline.check("processing the transaction")
        recorder = _Recorder(service.store)
        scoped = service.over(recorder)
        requests, targets = _resolved(scoped, entries, access, base_url, new_ids)
        results: list[Any] = [None] * len(entries)
        for n in writes:
            recorder.entry = n
            results[n] = _in_entry(n, entries[n], _call, scoped, entries[n], requests[n], access)
        # A create whose target changed since its id was chosen (a study created or deleted concurrently): the
        # references to it name the wrong study, so work it out again.
        if all(results[n].version.id == target for n, target in targets.items()):
            try:
                if recorder.writes:
                    service.store.put_versions(recorder.writes)
                return [results[n] if entries[n].method in _ORDER else _after_commit(service, entries[n], access)
                        for n in range(len(entries))]
            except (VersionConflict, GuardTaken):
                pass  # a concurrent write won one of its items: nothing of it was written
            except (TooManyTerms, ItemTooLarge) as e:
                raise PayloadTooLarge(_ceiling(str(e))) from e
        time.sleep(random.uniform(0, min(0.1, 0.005 * 2**attempt)))
    raise Conflict("the studies of the transaction are being changed by others; nothing was written; retry")


def _call(service: Any, entry: BundleEntry, request: Any, access: Access) -> Any:
    return getattr(service, "history" if entry.interaction == "type_history" else entry.interaction)(request, access)


def _after_commit(service: Any, entry: BundleEntry, access: Access) -> Any:
    try:
        return _call(service, entry, entry.request, access)
    except FhirError as e:  # the writes are committed: this read answers its own error
        return e


def _in_entry(n: int, entry: BundleEntry, work: Callable[..., Any], *args: Any) -> Any:
    """work(*args), with a FhirError it raises rewritten to name the entry."""
    try:
        return work(*args)
    except FhirError as e:
        raise at_entry(n, entry.method, e) from e


def at_entry(n: int, method: str, error: FhirError) -> FhirError:
    """`error` as the error of entry `n` of a Bundle: its issues say so and point at Bundle.entry[n]."""
    named = copy.copy(error)
    named.issues = [i._replace(diagnostics=f"entry {n} ({method}): {i.diagnostics}",
                               expression=(f"Bundle.entry[{n}]", *i.expression)) for i in error.issues]
    named.diagnostics = named.issues[0].diagnostics
    return named


def _ceiling(what: str) -> str:
    return (f"{what}; a transaction is one atomic DynamoDB transaction of at most 100 actions and 4 MB, which "
            f"holds up to {ORDINARY_STUDIES_PER_TRANSACTION} ordinary studies (a Study Instance UID, a subject, a "
            "status and a modality each; more identifiers or modalities take more): split it into several "
            "transactions, or send a batch. Nothing was written")


def _resolved(service: Any, entries: list[BundleEntry], access: Access, base_url: str, new_ids: dict[int, str]
              ) -> tuple[list[Any], dict[int, str]]:
    """The entries' requests with the creates' ids chosen and the Bundle's references resolved, and the id each
    create must come out with."""
    targets: dict[int, str] = {}
    names: dict[str, str] = {}  # fullUrl -> the reference that replaces it
    unnamed = {e.full_url for e in entries if e.full_url is not None}
    for n, entry in enumerate(entries):
        request = entry.request
        if entry.interaction == "create":
            existing = None
            if request.if_none_exist is not None:
                existing = _in_entry(n, entry, service.conditional_target, request.if_none_exist, access)
            targets[n] = existing.id if existing is not None else new_ids[n]
        elif entry.interaction == "update" and request.id is not None:
            targets[n] = request.id
        if entry.full_url is not None and entry.method in _ORDER:
            if entry.full_url in names:
                raise BadRequest(f"entry {n}: the fullUrl {entry.full_url} is another entry's too")
            if n in targets:
                names[entry.full_url] = f"{RESOURCE_TYPE}/{targets[n]}"
    conditional: dict[str, str] = {}

    def resolve(reference: str) -> str:
        if reference not in conditional:
            resource_type, _, query = reference.partition("?")
            if resource_type != RESOURCE_TYPE:
                raise BadRequest(f"the conditional reference {reference} cannot be resolved: this server holds "
                                 f"only {RESOURCE_TYPE} resources")
            found = service.conditional_target(
                parse_query(parse_qsl(query, keep_blank_values=True), strict=True, base_url=base_url), access,
                "reference")
            if found is None:
                raise PreconditionFailed(f"the conditional reference {reference} matches no study")
            conditional[reference] = f"{RESOURCE_TYPE}/{found.id}"
        return conditional[reference]

    requests = []
    for n, entry in enumerate(entries):
        request = entry.request
        if entry.interaction == "create":
            request = request._replace(assigned_id=new_ids[n] if targets[n] == new_ids[n] else None)
        if entry.interaction in ("create", "update"):
            resource = _in_entry(n, entry, _with_references, request.resource, names, unnamed, resolve)
            request = request._replace(resource=resource)
        requests.append(request)
    return requests, {n: t for n, t in targets.items() if entries[n].interaction == "create"}


def _with_references(resource: dict[str, Any], names: dict[str, str], unnamed: set[str],
                     resolve: Callable[[str], str]) -> dict[str, Any]:
    """`resource` with each Reference.reference that names a fullUrl of the Bundle, or is a conditional
    reference, replaced by the study's relative reference (a copy when any changes)."""
    changes: list[tuple[dict, str]] = []
    stack: list[Any] = [resource]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            reference = node.get("reference")
            if isinstance(reference, str):
                if reference in names:
                    changes.append((node, names[reference]))
                elif reference in unnamed:
                    raise BadRequest(f"the reference {reference} names an entry whose study is not known before "
                                     "the transaction runs (only POST and PUT ImagingStudy/<id> entries are)")
                elif reference.startswith("urn:uuid:"):
                    raise BadRequest(f"the reference {reference} names no entry of the Bundle")
                elif "?" in reference and "/" not in reference.partition("?")[0]:
                    changes.append((node, resolve(reference)))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    if not changes:
        return resource
    memo: dict[int, Any] = {}
    copied = copy.deepcopy(resource, memo)
    for node, value in changes:
        memo[id(node)]["reference"] = value
    return copied


class _Recorder:
    """A Store whose writes are kept, not made, for one put_versions of them all; reads go to `store`, and a
    study's current version and a guard are read once (the commit's conditions check that they still hold). A
    write checks the guards it claims as the commit will, so that the service's handling of a taken identifier
    (a duplicate, a stale guard to take over) runs before the commit; two entries may not write one study or
    claim one identifier, which one DynamoDB transaction cannot do either."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.writes: list[PendingWrite] = []
        self.entry = 0  # the entry whose writes are being recorded
        self._studies: dict[str, int] = {}
        self._guards: dict[str, int] = {}
        self._read: dict[tuple[str, str], Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)  # the other reads

    def get_current(self, resource_id: str) -> StoredVersion | None:
        return self._once("current", resource_id, self._store.get_current)

    def get_guard(self, key: str) -> Any:
        return self._once("guard", key, self._store.get_guard)

    def _once(self, kind: str, key: str, read: Callable[[str], Any]) -> Any:
        if (kind, key) not in self._read:
            self._read[kind, key] = read(key)
        return self._read[kind, key]

    def put_version(self, new: StoredVersion, expected_version: int | None,
                    index: IndexChange | None = None, guards: GuardChange = NO_GUARDS) -> None:
        if new.id in self._studies:
            raise BadRequest(f"{RESOURCE_TYPE}/{new.id} is written by entry {self._studies[new.id]} of the "
                             "transaction too; a transaction writes each study at most once")
        for claim in guards.claims:
            held = self.get_guard(claim.key)
            if held is not None and held.holder != new.id and held != claim.stale:
                raise GuardTaken(claim.key)
        for key in (*(c.key for c in guards.claims), *guards.releases):
            if key in self._guards:
                raise Conflict(f"entry {self._guards[key]} of the transaction gives or takes the same identifier; "
                               "a transaction changes each Study Instance UID's holder at most once",
                               [Issue("duplicate", "two entries of the transaction change the holder of one "
                                      "identifier")])
        self._studies[new.id] = self.entry
        self._guards.update((key, self.entry) for key in (*(c.key for c in guards.claims), *guards.releases))
        self.writes.append(PendingWrite(new, expected_version, index or IndexChange(), guards))

    def put_version_unread(self, new: StoredVersion, expected_version: int, index: IndexChange) -> bool:
        return False  # the read-then-write path records it
