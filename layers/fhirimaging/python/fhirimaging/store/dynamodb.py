"""DynamoDB adapter of the Store port. botocore errors become domain errors here and nowhere else.

Each write is ONE TransactWriteItems: the new immutable version item (must not exist), the `current` item
(must hold the expected version), the guard writes and the index change, the findability terms first (the
transaction holds 100 actions; entries beyond them are left to the index repair, search.index.repair, which the
table's stream drives: the current item says `indexPending`). A transaction of several writes (put_versions) is
the same actions of each, in one TransactWriteItems. Bodies are zlib-compressed JSON text, kept in
both items, or, when larger than INLINE_BODY_LIMIT, in S3 (store/bodies.py) with the key and hash in both items.

Every transaction carries a ClientRequestToken that both items record (`writeId`), so that a write whose answer
was lost, or whose retry found its own first try, is recognised by the version item it left: it answers as
stored. Nothing is written after the transaction, and an uploaded body is never deleted here (bodies.sweep).

Loops of requests check the request's deadline (fhirimaging/deadline.py) before each request, and a write
before it starts; nothing after a write's commit does, so a committed write is always answered.
"""
from __future__ import annotations

import heapq
import json
import random
import time
import uuid
import zlib
from itertools import islice
from typing import Any, Iterator, NamedTuple

from botocore.exceptions import BotoCoreError, ClientError

from fhirimaging import deadline
from fhirimaging.errors import (
    BodyMissing,
    GuardTaken,
    ItemTooLarge,
    StoreUnavailable,
    Throttled,
    TooManyTerms,
    VersionConflict,
    WriteOutcomeUnknown,
)
from fhirimaging.store import keys
from fhirimaging.store.base import (
    NO_GUARDS,
    Guard,
    GuardChange,
    GuardClaim,
    HistoryPage,
    IndexChange,
    PendingWrite,
    StoredVersion,
    WriteKind,
    history_sort_key,
)
from fhirimaging.store.bodies import BodyBucket, BodyRef

# A compressed body up to this size stays in the items (400 KB each, less keys and attributes); a larger
# one goes to S3. Without a body bucket, up to MAX_COMPRESSED_BODY is stored and more is refused.
INLINE_BODY_LIMIT = 350_000
MAX_COMPRESSED_BODY = 380_000
# TransactWriteItems takes 100 actions (two per write are the version and the current item) and 4 MB of items;
# a transaction's size is estimated from its bodies (each in both items) and a bound on every item's keys.
MAX_TRANSACTION_ACTIONS = 100
MAX_TRANSACTION_BYTES = 4_000_000
_ITEM_OVERHEAD = 1_000
# Reads of the version item that tell whether a write whose answer was lost is stored, with a doubling pause.
_CONFIRM_ATTEMPTS = 4
_CONFIRM_PAUSE = 0.05
# Attempts of a transaction cancelled only by a concurrent transaction on one of its items, with a jittered pause.
_CONFLICT_ATTEMPTS = 3
_CONFLICT_PAUSE = 0.01
_THROTTLING = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
               "InternalServerError"}


class DynamoDbStore:
    def __init__(self, client: Any, table_name: str, bodies: BodyBucket | None = None) -> None:
        self._client = client
        self._table = table_name
        self._bodies = bodies

    # reads

    def get_current(self, resource_id: str) -> StoredVersion | None:
        return self._get(resource_id, keys.CURRENT)

    def get_version(self, resource_id: str, version: int) -> StoredVersion | None:
        return self._get(resource_id, keys.version_sk(version))

    def _get(self, resource_id: str, sk: str) -> StoredVersion | None:
        with _translated():
            item = self._client.get_item(
                TableName=self._table,
                Key={"pk": {"S": keys.resource_pk(resource_id)}, "sk": {"S": sk}},
                ConsistentRead=True,
            ).get("Item")
        return self._versions([(resource_id, item)])[0] if item else None

    def body_key(self, resource_id: str, version: int) -> str | None:
        """The S3 key a version item names for its body (None: inline, or no such version); see bodies.sweep."""
        with _translated():
            item = self._client.get_item(
                TableName=self._table,
                Key={"pk": {"S": keys.resource_pk(resource_id)}, "sk": {"S": keys.version_sk(version)}},
                ProjectionExpression="bodyRef", ConsistentRead=True,
            ).get("Item")
        return item["bodyRef"]["S"] if item and "bodyRef" in item else None

    def instance_history(self, resource_id: str, before_version: int | None, limit: int) -> HistoryPage:
        upper = keys.version_sk(before_version) if before_version else keys.VERSION_PREFIX + keys.SORT_KEY_HIGH
        deadline.check("reading the history")
        with _translated():
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND sk BETWEEN :lo AND :hi",
                ExpressionAttributeValues={
                    ":pk": {"S": keys.resource_pk(resource_id)},
                    ":lo": {"S": keys.VERSION_PREFIX},
                    ":hi": {"S": upper},
                },
                ScanIndexForward=False,
                ConsistentRead=True,
                Limit=limit + 1,
            )
        versions = self._versions([(resource_id, item) for item in response["Items"]])
        versions = [v for v in versions if before_version is None or v.version < before_version]
        return HistoryPage(versions[:limit], len(versions) > limit)

    def get_guard(self, key: str) -> Guard | None:
        with _translated():
            item = self._client.get_item(
                TableName=self._table, Key=_guard_key(key), ConsistentRead=True,
            ).get("Item")
        if not item:
            return None
        return Guard(item["holder"]["S"], int(item["claimedBy"]["N"]) if "claimedBy" in item else None)

    def get_currents(self, resource_ids: list[str]) -> dict[str, StoredVersion]:
        wanted = [{"pk": {"S": keys.resource_pk(rid)}, "sk": {"S": keys.CURRENT}}
                  for rid in dict.fromkeys(resource_ids)]
        return {v.id: v for v in self._batch_get(wanted)}

    def index_range(self, term: str, low: str | None, high: str | None, descending: bool,
                    after: str | None) -> Iterator[str]:
        low, high = low or keys.SORT_KEY_LOW, high or keys.SORT_KEY_HIGH
        if after is not None:
            low, high = (low, min(high, after)) if descending else (max(low, after), high)
        if low > high:  # an empty range; DynamoDB refuses BETWEEN with its bounds reversed
            return
        kwargs: dict[str, Any] = dict(
            TableName=self._table, IndexName=keys.SEARCH_INDEX,
            KeyConditionExpression="s_pk = :t AND s_sk BETWEEN :lo AND :hi",
            ExpressionAttributeValues={":t": {"S": term}, ":lo": {"S": low}, ":hi": {"S": high}},
            ScanIndexForward=not descending, Limit=100,
        )
        while True:
            deadline.check("reading the search index")
            with _translated():
                response = self._client.query(**kwargs)
            for item in response["Items"]:
                sk = item["s_sk"]["S"]
                if sk != after and sk != high:  # BETWEEN is inclusive; the range and the cursor are not
                    yield sk
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def type_history(self, before: str | None, since: str | None, limit: int) -> HistoryPage:
        # Each shard is already newest first; merge them and keep the first `limit` + 1.
        streams = [self._history_shard(shard, before, since) for shard in range(keys.HISTORY_SHARDS)]
        refs = list(islice(heapq.merge(*streams, reverse=True), limit + 1))
        versions = self._fetch_versions(refs[:limit])
        return HistoryPage(versions, len(refs) > limit)

    def _history_shard(self, shard: int, before: str | None, since: str | None) -> Iterator[str]:
        condition = "hist_pk = :pk AND hist_sk BETWEEN :lo AND :hi"
        values = {":pk": {"S": keys.history_pk(shard)}, ":lo": {"S": since or keys.SORT_KEY_LOW},
                  ":hi": {"S": before or keys.SORT_KEY_HIGH}}
        kwargs: dict[str, Any] = dict(
            TableName=self._table, IndexName=keys.HISTORY_INDEX, KeyConditionExpression=condition,
            ExpressionAttributeValues=values, ScanIndexForward=False, Limit=50,
        )
        while True:
            deadline.check("reading the history index")
            with _translated():
                response = self._client.query(**kwargs)
            for item in response["Items"]:
                sk = item["hist_sk"]["S"]
                if sk != before:
                    yield sk
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _fetch_versions(self, history_keys: list[str]) -> list[StoredVersion]:
        wanted = [keys.parse_history_sk(sk) for sk in history_keys]
        found = {(v.id, v.version): v for v in self._batch_get(
            [{"pk": {"S": keys.resource_pk(rid)}, "sk": {"S": keys.version_sk(n)}} for _, rid, n in wanted])}
        # An index entry without its version item cannot happen (written in one transaction); skip it
        # rather than fail if the index is ever ahead of the table.
        return [found[(rid, v)] for _, rid, v in wanted if (rid, v) in found]

    def _batch_get(self, item_keys: list[dict[str, Any]]) -> list[StoredVersion]:
        found: list[StoredVersion] = []
        while item_keys:
            batch, item_keys = item_keys[:100], item_keys[100:]
            request = {self._table: {"Keys": batch, "ConsistentRead": True}}
            while request:
                deadline.check("reading more studies")
                with _translated():
                    response = self._client.batch_get_item(RequestItems=request)
                found += self._versions([(item["pk"]["S"].split("#", 1)[1], item)
                                         for item in response["Responses"].get(self._table, [])])
                request = response.get("UnprocessedKeys") or {}
        return found

    def _versions(self, items: list[tuple[str, dict[str, Any]]]) -> list[StoredVersion]:
        """Items -> versions, with the bodies kept in S3 fetched."""
        refs = [_body_ref(item) for _, item in items]
        wanted = [ref for ref in refs if ref is not None]
        try:
            if wanted and self._bodies is None:
                raise BodyMissing("an item names a body in S3 but BODY_BUCKET is not set")
            with _translated():
                fetched = iter(self._bodies.get_all(wanted) if wanted else [])
        except BodyMissing as e:  # a configuration or bucket fault, not the client's: it may pass
            raise StoreUnavailable(f"a stored body cannot be read: {e}") from e
        return [_from_item(resource_id, item, next(fetched) if ref is not None else None)
                for (resource_id, item), ref in zip(items, refs)]

    # writes

    def put_version(self, new: StoredVersion, expected_version: int | None,
                    index: IndexChange | None = None, guards: GuardChange = NO_GUARDS) -> None:
        self.put_versions([PendingWrite(new, expected_version, index or IndexChange(), guards)])

    def put_versions(self, writes: list[PendingWrite]) -> None:
        deadline.check("writing")
        guard_writes = [self._guard_writes(w.new, w.guards) for w in writes]
        index_writes = self._index_writes(writes, [len(g) for g in guard_writes])
        bodies = [self._body(w.new) for w in writes]
        size = sum(2 * _attributes_size(body) + _ITEM_OVERHEAD * (2 + len(g) + len(i))
                   for body, g, (i, _) in zip(bodies, guard_writes, index_writes))
        if size > MAX_TRANSACTION_BYTES:
            raise ItemTooLarge(f"the transaction's items come to about {size} bytes; one DynamoDB transaction "
                               f"holds {MAX_TRANSACTION_BYTES}")
        for attempt in range(_CONFLICT_ATTEMPTS):
            write_id = _new_write_id()  # a new token per attempt: a replayed token would replay the cancellation
            actions: list[dict[str, Any]] = []
            for w, body, guard_puts, (index_puts, pending) in zip(writes, bodies, guard_writes, index_writes):
                items = version_items(w.new, body=body, write_id=write_id, index_pending=pending)
                actions += [self._version_put(items.version),
                            {"Put": {"TableName": self._table, "Item": items.current,
                                     **_current_condition(w.expected_version)}},
                            *guard_puts, *index_puts]
            reasons = self._commit(writes[0].new, write_id, actions)
            if reasons is None:
                return
            codes = {r.get("Code") for r in reasons} - {"None", None}
            if codes != {"TransactionConflict"}:
                break
            # Only a concurrent transaction on one of its items (e.g. the index repair of this study): try again
            # rather than answer an If-Match client 412 for a version that is still current.
            time.sleep(random.uniform(0, _CONFLICT_PAUSE * 2**attempt))
        # Refused, so nothing was written; a body uploaded for it is named by no item and left to bodies.sweep.
        failed = {n for n, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"}
        offset, lost_claims = 0, []
        for w, guard_puts, (index_puts, _) in zip(writes, guard_writes, index_writes):
            if failed & {offset, offset + 1}:  # a lost version check comes first: the retry re-reads
                raise VersionConflict(f"{w.new.id}: version {w.expected_version} is no longer current")
            lost_claims += [w.guards.claims[n].key for n in range(len(w.guards.claims)) if offset + 2 + n in failed]
            offset += 2 + len(guard_puts) + len(index_puts)
        if lost_claims:  # a claim lost to another holder
            raise GuardTaken(lost_claims[0])
        # TransactionConflict, still: as good as losing the race.
        if codes & {"ConditionalCheckFailed", "TransactionConflict"} or not codes:
            raise VersionConflict(f"{writes[0].new.id}: version {writes[0].expected_version} is no longer current")
        raise Throttled(f"the database refused the write ({', '.join(sorted(c for c in codes if c))}); retry")

    def put_version_unread(self, new: StoredVersion, expected_version: int, index: IndexChange) -> bool:
        deadline.check("writing")
        compressed = _compressed(new)
        if compressed is None or len(compressed) > INLINE_BODY_LIMIT:
            return False  # a body for S3 takes the usual path
        try:
            [(index_writes, _)] = self._index_writes([PendingWrite(new, expected_version, index)], [0])
        except TooManyTerms:
            return False  # the read-then-write path refuses it
        write_id = _new_write_id()
        # The old version's entries that the new one lacks stay behind: the index repair removes them.
        items = version_items(new, body={"body": {"B": compressed}}, write_id=write_id, index_pending=True)
        # It must hold exactly the guards the new version holds: then no guard is claimed or released.
        condition = "version = :expected AND #method <> :deletion AND lastUpdated < :new"
        values = {":expected": {"N": str(expected_version)}, ":deletion": {"S": WriteKind.DELETE.value},
                  ":new": {"S": new.last_updated}}
        if new.guards:
            condition += " AND guards = :guards"
            values[":guards"] = items.current["guards"]
        else:
            condition += " AND attribute_not_exists(guards)"
        return self._commit(new, write_id, [
            self._version_put(items.version),
            {"Put": {"TableName": self._table, "Item": items.current, "ConditionExpression": condition,
                     "ExpressionAttributeNames": {"#method": "method"}, "ExpressionAttributeValues": values}},
            *index_writes,
        ]) is None

    def _body(self, new: StoredVersion) -> dict[str, Any]:
        """The body's attributes of both items; a large body is uploaded to S3 first."""
        compressed = _compressed(new)
        if compressed is None:
            return {}
        if len(compressed) > INLINE_BODY_LIMIT and self._bodies is not None:
            with _translated():
                return _offloaded(new, self._bodies.put(new.id, new.version, compressed))
        if len(compressed) > MAX_COMPRESSED_BODY:
            raise ItemTooLarge(f"{len(new.body or '')} characters of JSON compress to {len(compressed)} bytes")
        return {"body": {"B": compressed}}

    def _version_put(self, version_item: dict[str, Any]) -> dict[str, Any]:
        # ALL_OLD: when the version exists, the refusal shows whose write it is (see _commit) without a read.
        return {"Put": {"TableName": self._table, "Item": version_item,
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}

    def _commit(self, new: StoredVersion, write_id: str, actions: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """Send a write's transaction (its first action puts the version item). None: the write is stored, by this
        request or by an earlier try of it whose answer was lost (botocore retries; moto, and DynamoDB after the
        token's ten minutes, answer such a retry by failing its conditions). Otherwise the cancellation reasons of
        a transaction DynamoDB refused: nothing of it was written."""
        try:
            self._client.transact_write_items(TransactItems=actions, ClientRequestToken=write_id)
            return None
        except ClientError as e:
            if _error_code(e) != "TransactionCanceledException":
                return self._confirm(new, write_id, e)  # throttled, in progress, token mismatch: ask the items
            reasons = e.response.get("CancellationReasons") or []
            version = reasons[0] if reasons else {}
            if version.get("Code") != "ConditionalCheckFailed":
                return reasons  # the version item was free: this write is not stored
            if "Item" not in version:
                return self._confirm(new, write_id, e, reasons)
            return None if _written_by(version["Item"], write_id) else reasons
        except BotoCoreError as e:  # the connection failed or timed out: the write may or may not have landed
            return self._confirm(new, write_id, e)

    def _confirm(self, new: StoredVersion, write_id: str, failure: Exception,
                 reasons: list[dict[str, Any]] | None = None) -> list[dict[str, Any]] | None:
        """Whether a write whose answer is unclear is stored, from its version item (strongly consistent): None if
        it is; the reasons of a refusal if another write holds the version or DynamoDB cancelled it (`reasons`);
        an error if nothing tells."""
        key = {"pk": {"S": keys.resource_pk(new.id)}, "sk": {"S": keys.version_sk(new.version)}}
        for attempt in range(_CONFIRM_ATTEMPTS):
            try:
                item = self._client.get_item(TableName=self._table, Key=key, ProjectionExpression="writeId",
                                             ConsistentRead=True).get("Item")
                break
            except (ClientError, BotoCoreError):
                time.sleep(_CONFIRM_PAUSE * 2**attempt)
        else:
            raise WriteOutcomeUnknown(f"the write of ImagingStudy/{new.id} version {new.version} may or may not "
                                      "be stored; read the resource before retrying") from failure
        if item is not None:
            return None if _written_by(item, write_id) else reasons or [{"Code": "ConditionalCheckFailed"}]
        if reasons is not None:
            return reasons
        if isinstance(failure, ClientError) and _error_code(failure) != "TransactionInProgressException":
            _raise_translated(failure)  # DynamoDB answered, and did not store it (an earlier try may be in flight)
        raise WriteOutcomeUnknown(f"the database did not answer the write of ImagingStudy/{new.id}; it is not "
                                  "stored yet: read the resource before retrying") from failure

    def _index_writes(self, writes: list[PendingWrite], guards: list[int]
                      ) -> list[tuple[list[dict[str, Any]], bool]]:
        """Each write's index writes in a transaction whose writes hold `guards` guard writes each, findability
        terms first, and whether some did not fit (the index repair completes them). The room left after every
        write's findability terms goes to the writes in order. TooManyTerms: the findability terms alone do not
        fit, so the writes cannot make their studies findable and are refused before anything is written."""
        required, optional = [], []
        for w in writes:
            pk = {"S": keys.resource_pk(w.new.id)}
            index = w.index
            puts = {t: {"Put": {"TableName": self._table, "Item": index_item(pk, t, sort_key, w.new.version)}}
                    for t, sort_key in index.put.items()}
            deletes = {t: {"Delete": {"TableName": self._table, "Key": {"pk": pk, "sk": {"S": keys.index_sk(t)}}}}
                       for t in sorted(index.delete)}
            required.append([a for t, a in (*puts.items(), *deletes.items()) if t in index.required])
            optional.append([a for t, a in (*puts.items(), *deletes.items()) if t not in index.required])
        room = MAX_TRANSACTION_ACTIONS - 2 * len(writes) - sum(guards) - sum(map(len, required))
        if room < 0:
            needed = sum(map(len, required))
            if len(writes) == 1:
                raise TooManyTerms(f"the study has {needed} identifier, patient, subject, status and modality "
                                   f"search terms to write; one write takes at most {needed + room}")
            raise TooManyTerms(f"the {len(writes)} writes need {MAX_TRANSACTION_ACTIONS - room} DynamoDB actions "
                               f"(a version, a current item, the uniqueness guards and the findability search terms "
                               f"of each study); one transaction holds {MAX_TRANSACTION_ACTIONS}")
        out = []
        for must, may in zip(required, optional):
            taken = may[:room]
            room -= len(taken)
            out.append((must + taken, len(taken) < len(may)))
        return out

    # index repair (search.index.repair, driven by the table's stream)

    def index_items(self, resource_id: str) -> dict[str, str]:
        kwargs: dict[str, Any] = dict(
            TableName=self._table, KeyConditionExpression="pk = :pk AND begins_with(sk, :index)",
            ExpressionAttributeValues={":pk": {"S": keys.resource_pk(resource_id)}, ":index": {"S": keys.INDEX_PREFIX}},
            ProjectionExpression="sk, s_sk", ConsistentRead=True,
        )
        found: dict[str, str] = {}
        while True:
            with _translated():
                response = self._client.query(**kwargs)
            found.update((item["sk"]["S"][len(keys.INDEX_PREFIX):], item["s_sk"]["S"]) for item in response["Items"])
            if "LastEvaluatedKey" not in response:
                return found
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def write_index(self, resource_id: str, version: int, change: IndexChange) -> None:
        """Transactions of up to 99 index writes, each with a check that `version` is still current: a pass that
        a newer version overtakes stops there instead of writing the older version's entries over it."""
        pk = {"S": keys.resource_pk(resource_id)}
        writes = [{"Put": {"TableName": self._table, "Item": index_item(pk, term, sort_key, version)}}
                  for term, sort_key in change.put.items()]
        writes += [{"Delete": {"TableName": self._table, "Key": {"pk": pk, "sk": {"S": keys.index_sk(term)}}}}
                   for term in sorted(change.delete)]
        check = {"ConditionCheck": {"TableName": self._table, "Key": {"pk": pk, "sk": {"S": keys.CURRENT}},
                                    "ConditionExpression": "version = :version",
                                    "ExpressionAttributeValues": {":version": {"N": str(version)}}}}
        chunk = MAX_TRANSACTION_ACTIONS - 1
        for start in range(0, len(writes), chunk):
            try:
                with _translated_unless_cancelled():
                    self._client.transact_write_items(TransactItems=[check, *writes[start:start + chunk]])
            except _Cancelled as e:  # the version moved on, or a write of the study ran at the same moment
                raise VersionConflict(f"{resource_id}: version {version} is no longer current") from e.__cause__

    def _guard_writes(self, new: StoredVersion, guards: GuardChange) -> list[dict[str, Any]]:
        """The claims (in order, first) and releases of one write, each conditional on who holds the guard;
        placed right after the current item."""
        writes = [{"Put": {"TableName": self._table, "Item": _guard_item(claim.key, new),
                           **_claim_condition(new, claim)}} for claim in guards.claims]
        writes += [{"Delete": {"TableName": self._table, "Key": _guard_key(key),
                               "ConditionExpression": "holder = :self",
                               "ExpressionAttributeValues": {":self": {"S": new.id}}}}
                   for key in sorted(guards.releases)]
        return writes


def _current_condition(expected_version: int | None) -> dict[str, Any]:
    if expected_version is None:
        return {"ConditionExpression": "attribute_not_exists(pk)"}
    return {"ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}}}


def _attributes_size(attributes: dict[str, Any]) -> int:
    """Bytes of a body's attributes (compressed body, or S3 key, hash and head)."""
    return sum(len(next(iter(value.values()))) for value in attributes.values())


def _guard_key(key: str) -> dict[str, Any]:
    return {"pk": {"S": keys.guard_pk(key)}, "sk": {"S": keys.GUARD}}


def _guard_item(key: str, new: StoredVersion) -> dict[str, Any]:
    return {**_guard_key(key), "holder": {"S": new.id}, "claimedBy": {"N": str(new.version)}}


def _claim_condition(new: StoredVersion, claim: GuardClaim) -> dict[str, Any]:
    """Free or already ours; or, taking over a stale guard, still exactly as read: a write of its holder in the
    meantime (a revival, say) rewrites `claimedBy`, and the takeover then fails."""
    if claim.stale is None:
        return {"ConditionExpression": "attribute_not_exists(pk) OR holder = :self",
                "ExpressionAttributeValues": {":self": {"S": new.id}}}
    if claim.stale.claimed_by is None:
        return {"ConditionExpression": "holder = :stale AND attribute_not_exists(claimedBy)",
                "ExpressionAttributeValues": {":stale": {"S": claim.stale.holder}}}
    return {"ConditionExpression": "holder = :stale AND claimedBy = :by",
            "ExpressionAttributeValues": {":stale": {"S": claim.stale.holder},
                                          ":by": {"N": str(claim.stale.claimed_by)}}}


class VersionItems(NamedTuple):
    """The items one write of a version consists of, exactly as put_version writes them."""

    version: dict[str, Any]  # the immutable version item
    current: dict[str, Any]  # the resource's current item: the same attributes under sk = current
    index_puts: list[dict[str, Any]]  # one item per search term the write adds or re-keys
    index_deletes: list[dict[str, Any]]  # the keys of the term items it removes


def version_items(new: StoredVersion, index: IndexChange | None = None, body: dict[str, Any] | None = None,
                  write_id: str | None = None, index_pending: bool = False) -> VersionItems:
    """Items for a new version and its index change; public so that tools seeding a table (bench/) write
    exactly what the store would. `body`: the body's attributes (default: the compressed body inline).
    `index_pending`: the write leaves part of its index change to the index repair."""
    index = index or IndexChange()
    if body is None:
        compressed = _compressed(new)
        body = {"body": {"B": compressed}} if compressed is not None else {}
    attributes = {"version": {"N": str(new.version)}, "lastUpdated": {"S": new.last_updated},
                  "method": {"S": new.kind.value}, **body}
    if write_id is not None:
        attributes["writeId"] = {"S": write_id}
    if new.guards:  # JSON text, so that a condition can compare it whole
        attributes["guards"] = {"S": json.dumps(sorted(new.guards), separators=(",", ":"))}
    pk = {"S": keys.resource_pk(new.id)}
    current = {"pk": pk, "sk": {"S": keys.CURRENT}, **attributes}
    if index_pending:
        current["indexPending"] = {"BOOL": True}
    return VersionItems(
        version={"pk": pk, "sk": {"S": keys.version_sk(new.version)}, **attributes,
                 "hist_pk": {"S": keys.history_pk(keys.shard(new.id, keys.HISTORY_SHARDS))},
                 "hist_sk": {"S": history_sort_key(new)}},
        current=current,
        index_puts=[index_item(pk, term, sort_key, new.version) for term, sort_key in index.put.items()],
        index_deletes=[{"pk": pk, "sk": {"S": keys.index_sk(term)}} for term in index.delete],
    )


def index_item(pk: dict[str, str], term: str, sort_key: str, version: int) -> dict[str, Any]:
    """One search term's item; `v`: the version that wrote it."""
    return {"pk": pk, "sk": {"S": keys.index_sk(term)}, "s_pk": {"S": term}, "s_sk": {"S": sort_key},
            "v": {"N": str(version)}}


def pending_study(record: dict[str, Any]) -> str | None:
    """The study whose index one record of the table's stream (as Lambda delivers it) says needs the repair: a
    current item whose new image is marked `indexPending`, or whose old image is (the write that replaced it
    computed its change from entries some of which may not have been written yet)."""
    stream = record.get("dynamodb") or {}
    item_keys = stream.get("Keys") or {}
    if (item_keys.get("sk") or {}).get("S") != keys.CURRENT:
        return None
    if any(((stream.get(image) or {}).get("indexPending") or {}).get("BOOL") for image in ("NewImage", "OldImage")):
        return item_keys["pk"]["S"].split("#", 1)[1]
    return None


def _new_write_id() -> str:
    # Random per call, as botocore's own token would be: the same for botocore's retries of the request, but never
    # shared by two attempts of the service (an identical retry after a refusal must not pass for its replay).
    return uuid.uuid4().hex


def _written_by(item: dict[str, Any], write_id: str) -> bool:
    return (item.get("writeId") or {}).get("S") == write_id


def _compressed(v: StoredVersion) -> bytes | None:
    return zlib.compress(v.body.encode(), 6) if v.body is not None else None


def _offloaded(v: StoredVersion, ref: BodyRef) -> dict[str, Any]:
    """A body kept in S3: its key and hash, and its head (everything but `series`) for readers of the
    table's stream, which have no access to the bucket (changes/: the Study Instance UID)."""
    head = {k: value for k, value in json.loads(v.body or "{}").items() if k != "series"}
    return {"bodyRef": {"S": ref.key}, "bodyHash": {"S": ref.sha256},
            "head": {"B": zlib.compress(json.dumps(head, separators=(",", ":")).encode(), 6)}}


def _body_ref(item: dict[str, Any]) -> BodyRef | None:
    return BodyRef(item["bodyRef"]["S"], item["bodyHash"]["S"]) if "bodyRef" in item else None


def _from_item(resource_id: str, item: dict[str, Any], offloaded: bytes | None = None) -> StoredVersion:
    body = offloaded if offloaded is not None else item["body"]["B"] if "body" in item else None
    return StoredVersion(
        id=resource_id,
        version=int(item["version"]["N"]),
        last_updated=item["lastUpdated"]["S"],
        kind=WriteKind(item["method"]["S"]),
        body=zlib.decompress(body).decode() if body is not None else None,
        guards=frozenset(json.loads(item["guards"]["S"])) if "guards" in item else frozenset(),
    )


class _translated:
    """Context manager: any botocore error leaves the store as a domain error."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if isinstance(exc, ClientError):
            _raise_translated(exc)
        if isinstance(exc, BotoCoreError):  # connection refused or lost, timeouts: botocore's retries are spent
            raise StoreUnavailable("the database cannot be reached; retry shortly") from exc
        return False


class _Cancelled(Exception):
    """A transaction DynamoDB cancelled (a condition failed, or a concurrent transaction on an item)."""


class _translated_unless_cancelled(_translated):
    def __exit__(self, exc_type, exc, tb) -> bool:
        if isinstance(exc, ClientError) and _error_code(exc) == "TransactionCanceledException":
            raise _Cancelled() from exc
        return super().__exit__(exc_type, exc, tb)


def _error_code(e: ClientError) -> str | None:
    return e.response.get("Error", {}).get("Code")


def _raise_translated(e: ClientError) -> None:
    if _error_code(e) in _THROTTLING:
        raise Throttled("the database is busy; retry shortly") from e
    raise StoreUnavailable(f"the database refused the request ({_error_code(e)})") from e
