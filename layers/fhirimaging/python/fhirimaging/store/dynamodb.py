"""DynamoDB adapter of the Store port. botocore errors become domain errors here and nowhere else.

Each write is ONE TransactWriteItems: the new immutable version item (must not exist) and the
`current` item (must hold the expected version). Bodies are zlib-compressed JSON text, kept in both items,
or, when larger than INLINE_BODY_LIMIT, in S3 (store/bodies.py) with the key and hash in both items.

The current item also records its version's index terms (`terms`, when they fit one transaction), so an
If-Match update can skip the read: it puts every entry of the new version, each index item noting the
version that wrote it (`v`), and marks the current item `staleTerms`. The terms only the old version had
are then deleted from the table's stream (stale_terms, remove_stale_terms; functions/index_cleanup).

Loops of requests check the request's deadline (fhirimaging/deadline.py) before each request, and a write
before it starts; nothing after a write's commit does, so a committed write is always answered.
"""
from __future__ import annotations

import base64
import heapq
import json
import zlib
from itertools import islice
from typing import Any, Iterator, NamedTuple

from botocore.exceptions import ClientError

from fhirimaging import deadline
from fhirimaging.errors import ItemTooLarge, Throttled, VersionConflict
from fhirimaging.store import keys
from fhirimaging.store.base import (
    NO_GUARDS,
    Guard,
    GuardChange,
    GuardClaim,
    GuardTaken,
    HistoryPage,
    IndexChange,
    StoredVersion,
    WriteKind,
    history_sort_key,
)
from fhirimaging.store.bodies import BodyBucket, BodyMissing, BodyRef

# A compressed body up to this size stays in the items (400 KB each, less keys and attributes); a larger
# one goes to S3. Without a body bucket, up to MAX_COMPRESSED_BODY is stored and more is refused.
INLINE_BODY_LIMIT = 350_000
MAX_COMPRESSED_BODY = 380_000
# TransactWriteItems takes 100 actions; two are the version and the current item.
MAX_TRANSACTION_ACTIONS = 100
# The terms a current item records: as many as a write without a read puts in its one transaction, compressed to
# at most this many bytes, so that the largest inline body (MAX_COMPRESSED_BODY) and they fit a 400 KB item.
MAX_RECORDED_TERMS = MAX_TRANSACTION_ACTIONS - 2
MAX_RECORDED_TERMS_BYTES = 16_000
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
        upper = keys.version_sk(before_version) if before_version else keys.VERSION_PREFIX + "~"
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
                TableName=self._table, Key={"pk": {"S": keys.guard_pk(key)}, "sk": {"S": keys.GUARD}},
                ConsistentRead=True,
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
        low, high = low or "0", high or "~~"
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
        values = {":pk": {"S": keys.history_pk(shard)}, ":lo": {"S": since or "0"}, ":hi": {"S": before or "~"}}
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
        if wanted and self._bodies is None:
            raise BodyMissing("an item names a body in S3 but BODY_BUCKET is not set")
        fetched = iter(self._bodies.get_all(wanted) if wanted else [])
        return [_from_item(resource_id, item, next(fetched) if ref is not None else None)
                for (resource_id, item), ref in zip(items, refs)]

    # writes

    def put_version(self, new: StoredVersion, expected_version: int | None,
                    index: IndexChange | None = None, guards: GuardChange = NO_GUARDS) -> None:
        deadline.check("writing")
        compressed = _compressed(new)
        ref = None
        if compressed is not None and len(compressed) > INLINE_BODY_LIMIT and self._bodies is not None:
            ref = self._bodies.put(new.id, new.version, compressed)
            body = _offloaded(new, ref)
        else:
            if compressed is not None and len(compressed) > MAX_COMPRESSED_BODY:
                raise ItemTooLarge(f"{len(new.body or '')} characters of JSON compress to {len(compressed)} bytes")
            body = {"body": {"B": compressed}} if compressed is not None else {}
        items = version_items(new, index, body)
        if expected_version is None:
            current_condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            current_condition = {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            }
        guard_writes = self._guard_writes(new, guards)
        index_writes = [{"Put": {"TableName": self._table, "Item": item}} for item in items.index_puts]
        index_writes += [{"Delete": {"TableName": self._table, "Key": key}} for key in items.index_deletes]
        room = MAX_TRANSACTION_ACTIONS - 2 - len(guard_writes)
        try:
            self._client.transact_write_items(TransactItems=[
                {"Put": {"TableName": self._table, "Item": items.version,
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": self._table, "Item": items.current, **current_condition}},
                *guard_writes,
                *index_writes[:room],
            ])
        except ClientError as e:
            # DynamoDB answered: nothing was written, so the body object belongs to no item. (On any other
            # failure, e.g. a lost connection, the write may have landed; bodies.sweep decides later.)
            if ref is not None:
                self._discard(ref)
            error = e.response.get("Error", {}).get("Code")
            if error == "TransactionCanceledException":
                cancellations = e.response.get("CancellationReasons", [])
                failed = [n for n, r in enumerate(cancellations) if r.get("Code") == "ConditionalCheckFailed"]
                # A claim lost to another holder; a lost version check (n < 2) comes first: the retry re-reads.
                claims = [n - 2 for n in failed if 2 <= n < 2 + len(guards.claims)]
                if claims and min(failed) >= 2:
                    raise GuardTaken(guards.claims[claims[0]].key) from e
                reasons = {r.get("Code") for r in cancellations}
                # TransactionConflict: a concurrent transaction on the same item; same as losing the race.
                if reasons & {"ConditionalCheckFailed", "TransactionConflict"} or not reasons:
                    raise VersionConflict(f"{new.id}: version {expected_version} is no longer current") from e
            _raise_translated(e)
        # A large study's index change does not fit the transaction; the rest follows in batches.
        # Until it lands a search may miss the study, never return a wrong one (results are verified).
        # Committed: no deadline check from here on (the write is answered as written).
        self._batch_write(index_writes[room:])

    def put_version_unread(self, new: StoredVersion, expected_version: int, entries: dict[str, str]) -> bool:
        deadline.check("writing")
        compressed = _compressed(new)
        if compressed is None or len(compressed) > INLINE_BODY_LIMIT:
            return False  # a body for S3 takes the usual path
        items = version_items(new, IndexChange(entries, terms=frozenset(entries)), {"body": {"B": compressed}},
                              leaves_stale_terms=True)
        if "terms" not in items.current:
            return False  # more (or longer) terms than one transaction and the current item take
        # The old version's terms must be on record: the stream cleanup finds the stale ones there. It must hold
        # exactly the guards the new version holds: then no guard is claimed or released.
        condition = "version = :expected AND #method <> :deletion AND attribute_exists(terms) AND lastUpdated < :new"
        values = {":expected": {"N": str(expected_version)}, ":deletion": {"S": WriteKind.DELETE.value},
                  ":new": {"S": new.last_updated}}
        if new.guards:
            condition += " AND guards = :guards"
            values[":guards"] = items.current["guards"]
        else:
            condition += " AND attribute_not_exists(guards)"
        try:
            self._client.transact_write_items(TransactItems=[
                {"Put": {"TableName": self._table, "Item": items.version,
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": self._table, "Item": items.current, "ConditionExpression": condition,
                         "ExpressionAttributeNames": {"#method": "method"}, "ExpressionAttributeValues": values}},
                *({"Put": {"TableName": self._table, "Item": item}} for item in items.index_puts),
            ])
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                return False  # a condition failed (or a concurrent transaction): nothing was written
            _raise_translated(e)
        return True

    def remove_stale_terms(self, stale: StaleTerms) -> int:
        """Delete the index items of `stale.terms` that no version after `stale.version` wrote again (their `v`);
        returns how many were deleted. Deleting again is harmless: the stream delivers at least once."""
        removed = 0
        for term in sorted(stale.terms):
            try:
                self._client.delete_item(
                    TableName=self._table,
                    Key={"pk": {"S": keys.resource_pk(stale.id)}, "sk": {"S": keys.index_sk(term)}},
                    ConditionExpression="v <= :version",
                    ExpressionAttributeValues={":version": {"N": str(stale.version)}},
                )
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                    continue  # gone already, or a later version has the term again
                _raise_translated(e)
            removed += 1
        return removed

    def _discard(self, ref: BodyRef) -> None:
        try:
            self._bodies.delete(ref.key)
        except ClientError:
            pass  # left for bodies.sweep

    def _guard_writes(self, new: StoredVersion, guards: GuardChange) -> list[dict[str, Any]]:
        """The claims (in order, first) and releases of one write, each conditional on who holds the guard."""
        writes = [{"Put": {"TableName": self._table, "Item": _guard_item(claim.key, new),
                           **_claim_condition(new, claim)}} for claim in guards.claims]
        writes += [{"Delete": {"TableName": self._table, "Key": _guard_key(key),
                               "ConditionExpression": "holder = :self",
                               "ExpressionAttributeValues": {":self": {"S": new.id}}}}
                   for key in sorted(guards.releases)]
        return writes

    def _batch_write(self, writes: list[dict[str, Any]]) -> None:
        requests = [{"PutRequest": {"Item": w["Put"]["Item"]}} if "Put" in w
                    else {"DeleteRequest": {"Key": w["Delete"]["Key"]}} for w in writes]
        while requests:
            batch, requests = requests[:25], requests[25:]
            pending: dict[str, Any] = {self._table: batch}
            while pending:
                with _translated():
                    pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


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
    current: dict[str, Any]  # the resource's current item: the same attributes under sk = current, and its terms
    index_puts: list[dict[str, Any]]  # one item per search term the write adds or re-keys
    index_deletes: list[dict[str, Any]]  # the keys of the term items it removes


def version_items(new: StoredVersion, index: IndexChange | None = None,
                  body: dict[str, Any] | None = None, leaves_stale_terms: bool = False) -> VersionItems:
    """Items for a new version and its index change; public so that tools seeding a table (bench/) write
    exactly what the store would. `body`: the body's attributes (default: the compressed body inline).
    `leaves_stale_terms`: the write does not delete the entries of terms only the previous version had."""
    index = index or IndexChange()
    if body is None:
        compressed = _compressed(new)
        body = {"body": {"B": compressed}} if compressed is not None else {}
    attributes = {"version": {"N": str(new.version)}, "lastUpdated": {"S": new.last_updated},
                  "method": {"S": new.kind.value}, **body}
    if new.guards:  # JSON text, so that a condition can compare it whole
        attributes["guards"] = {"S": json.dumps(sorted(new.guards), separators=(",", ":"))}
    pk = {"S": keys.resource_pk(new.id)}
    current = {"pk": pk, "sk": {"S": keys.CURRENT}, **attributes}
    terms = _encoded_terms(index.terms)
    if terms is not None:
        current["terms"] = {"B": terms}
    if leaves_stale_terms:
        current["staleTerms"] = {"BOOL": True}
    written_by = {"N": str(new.version)}
    return VersionItems(
        version={"pk": pk, "sk": {"S": keys.version_sk(new.version)}, **attributes,
                 "hist_pk": {"S": keys.history_pk(keys.history_shard(new.id))},
                 "hist_sk": {"S": history_sort_key(new)}},
        current=current,
        index_puts=[{"pk": pk, "sk": {"S": keys.index_sk(term)}, "s_pk": {"S": term}, "s_sk": {"S": sort_key},
                     "v": written_by} for term, sort_key in index.put.items()],
        index_deletes=[{"pk": pk, "sk": {"S": keys.index_sk(term)}} for term in index.delete],
    )


class StaleTerms(NamedTuple):
    """Index terms a version written without a read left behind: its predecessor had them, it has not."""

    id: str
    version: int  # the predecessor: index items written by it or earlier are stale
    terms: frozenset[str]


def stale_terms(record: dict[str, Any]) -> StaleTerms | None:
    """The stale terms one record of the table's stream (as Lambda delivers it, or GetRecords) tells of, if any."""
    stream = record.get("dynamodb") or {}
    item_keys = stream.get("Keys") or {}
    new, old = stream.get("NewImage") or {}, stream.get("OldImage") or {}
    if (record.get("eventName") != "MODIFY" or (item_keys.get("sk") or {}).get("S") != keys.CURRENT
            or not (new.get("staleTerms") or {}).get("BOOL") or "terms" not in old):
        return None
    left = _decoded_terms(old["terms"]["B"]) - _decoded_terms(new["terms"]["B"])
    return StaleTerms(item_keys["pk"]["S"].split("#", 1)[1], int(old["version"]["N"]), left) if left else None


def _encoded_terms(terms: frozenset[str]) -> bytes | None:
    """A version's terms as its current item records them (JSON: a term may hold any character), or None
    when there are none (a deletion) or too many to record."""
    if not terms or len(terms) > MAX_RECORDED_TERMS:
        return None
    encoded = zlib.compress(json.dumps(sorted(terms), separators=(",", ":")).encode(), 6)
    return encoded if len(encoded) <= MAX_RECORDED_TERMS_BYTES else None


def _decoded_terms(value: str | bytes) -> frozenset[str]:
    # Lambda delivers binary attributes base64-encoded; boto3's GetRecords has already decoded them.
    return frozenset(json.loads(zlib.decompress(value if isinstance(value, bytes) else base64.b64decode(value))))


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
    """Context manager: any botocore ClientError leaves the store as a domain error."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if isinstance(exc, ClientError):
            _raise_translated(exc)
        return False


def _raise_translated(e: ClientError) -> None:
    code = e.response.get("Error", {}).get("Code")
    if code in _THROTTLING:
        raise Throttled("the database is busy; retry shortly") from e
    raise e
