"""Bodies too large for a DynamoDB item, kept in S3 and named by the items that hold them.

A large version's compressed body is uploaded BEFORE the transaction that writes its items; the items carry
the object's key and SHA-256. Each upload gets a key of its own (`ImagingStudy/<id>/<version>/<uuid>`). A write
never deletes its upload, even when DynamoDB refuses the transaction (a retried write's items may name it); an
object that no item names (a refused write, a process that died between the two steps) is found by `sweep`
by its key (one GetItem on the version item it names) and deleted once it is older than any write could take.
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from fhirimaging.errors import BodyMissing, Throttled
from fhirimaging.store import keys

# Large bodies of one batch read (a search page, a history page) are fetched side by side.
_FETCHES = 8
# S3 asks to slow down or is briefly unavailable: the client may retry (503), as for DynamoDB throttling.
_BUSY = {"SlowDown", "ServiceUnavailable", "InternalError", "503"}
# A write takes at most the function timeout (25-60 s); an object this old that no item names is an orphan.
ORPHAN_AGE = timedelta(hours=1)


class BodyRef(NamedTuple):
    key: str
    sha256: str


class BodyBucket:
    def __init__(self, client: Callable[[], Any], bucket: str) -> None:
        self._client = client  # made on first use: readers of ordinary studies never build an S3 client
        self._bucket = bucket

    def put(self, resource_id: str, version: int, compressed: bytes) -> BodyRef:
        key = f"{keys.resource_pk(resource_id).replace('#', '/')}/{version}/{uuid.uuid4().hex}"
        with _busy_is_throttled():
            self._client().put_object(Bucket=self._bucket, Key=key, Body=compressed,
                                      ContentType="application/fhir+json", ContentEncoding="deflate")
        return BodyRef(key, hashlib.sha256(compressed).hexdigest())

    def get_all(self, refs: list[BodyRef]) -> list[bytes]:
        """The bodies in order, fetched side by side (the client is made first: making one is not thread-safe)."""
        client = self._client()
        if len(refs) <= 1:
            return [self._get(client, ref) for ref in refs]
        with ThreadPoolExecutor(min(_FETCHES, len(refs))) as pool:
            return list(pool.map(lambda ref: self._get(client, ref), refs))

    def _get(self, client: Any, ref: BodyRef) -> bytes:
        try:
            with _busy_is_throttled():
                data = client.get_object(Bucket=self._bucket, Key=ref.key)["Body"].read()
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise BodyMissing(f"s3://{self._bucket}/{ref.key} is missing") from e
            raise
        if hashlib.sha256(data).hexdigest() != ref.sha256:
            raise BodyMissing(f"s3://{self._bucket}/{ref.key} does not match its hash")
        return data

    def delete(self, key: str) -> None:
        self._client().delete_object(Bucket=self._bucket, Key=key)

    def objects(self, older_than: datetime) -> Iterator[tuple[str, str, int]]:
        """(key, resource id, version) of every body object last modified before `older_than`."""
        prefix = keys.resource_pk("").replace("#", "/")
        for page in self._client().get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                parts = entry["Key"][len(prefix):].split("/")
                if entry["LastModified"] < older_than and len(parts) == 3 and parts[1].isdigit():
                    yield entry["Key"], parts[0], int(parts[1])


@contextmanager
def _busy_is_throttled() -> Iterator[None]:
    try:
        yield
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in _BUSY:
            raise Throttled("the body store is busy; retry shortly") from e
        raise


def sweep(bodies: BodyBucket, referenced: Callable[[str, int], str | None],
          now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> list[str]:
    """Delete the body objects older than ORPHAN_AGE that no version item names (`referenced(id, version)`
    gives the key it names). Returns the deleted keys."""
    deleted = []
    for key, resource_id, version in bodies.objects(now() - ORPHAN_AGE):
        if referenced(resource_id, version) != key:
            bodies.delete(key)
            deleted.append(key)
    return deleted
