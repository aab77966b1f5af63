"""Every key of the single table, in one screen.

  base table   pk = ImagingStudy#<id>   sk = v#<0000000007>   one item per version (immutable)
               pk = ImagingStudy#<id>   sk = current          the current version, read with one GetItem
               pk = ImagingStudy#<id>   sk = i#<term>         one per search term of the current version
               pk = guard#<key>         sk = guard            uniqueness guard: which resource holds the key
  GSI search   s_pk = <term>   s_sk = <started or lastUpdated>#<id>   (terms: fhirimaging.search.index)
  GSI history  hist_pk = ImagingStudy#history#<shard>   hist_sk = <lastUpdated>#<id>#<version>
               set on version items only; sharded by id so type-level history is a few Queries
               merged newest first, never a Scan.
"""
from __future__ import annotations

import zlib

from fhirimaging.resource import RESOURCE_TYPE

CURRENT = "current"
VERSION_PREFIX = "v#"
INDEX_PREFIX = "i#"
HISTORY_INDEX = "history"
SEARCH_INDEX = "search"
HISTORY_SHARDS = 4
_VERSION_DIGITS = 10
# The GSIs' sort keys start with an instant (a digit) or NO_DATE: SORT_KEY_LOW sorts before every one of them,
# SORT_KEY_HIGH after every one (NO_DATE + "#<id>" included); the bounds of an unbounded range.
NO_DATE = "~"  # sorts after every instant: studies without `started` come last (search.index)
SORT_KEY_LOW, SORT_KEY_HIGH = "0", "~~"


def resource_pk(resource_id: str) -> str:
    return f"{RESOURCE_TYPE}#{resource_id}"


def version_sk(version: int) -> str:
    return f"{VERSION_PREFIX}{version:0{_VERSION_DIGITS}d}"


def shard(resource_id: str, shards: int) -> int:
    """Which of `shards` partitions holds the resource's entry: type history's (HISTORY_SHARDS) and the
    unfiltered search terms' (search.index.SHARDS). crc32 is stable across processes, unlike hash()."""
    return zlib.crc32(resource_id.encode()) % shards


def history_pk(shard: int) -> str:
    return f"{RESOURCE_TYPE}#history#{shard}"


def history_sk(last_updated: str, resource_id: str, version: int) -> str:
    return f"{last_updated}#{resource_id}#{version:0{_VERSION_DIGITS}d}"


def parse_history_sk(sk: str) -> tuple[str, str, int]:
    last_updated, resource_id, version = sk.rsplit("#", 2)
    return last_updated, resource_id, int(version)


GUARD = "guard"


def guard_pk(key: str) -> str:
    return f"{GUARD}#{key}"


def index_sk(term: str) -> str:
    return f"{INDEX_PREFIX}{term}"
