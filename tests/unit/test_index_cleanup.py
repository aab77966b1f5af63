"""The stale index terms a stream record tells of."""
from __future__ import annotations

import base64
import copy
import json

from fhirimaging.store.dynamodb import StaleTerms, stale_terms
from tests.events import EVENTS

STALE_CT = frozenset({"modality|*|CT", "modality|http://dicom.nema.org/resources/ontology/DCM|CT"})


def cleanup_record() -> dict:
    """The MODIFY of a current item that an If-Match update wrote without a read (CT -> MR), as Lambda gives it."""
    (record,) = json.loads((EVENTS / "index_cleanup.json").read_text())["Records"]
    return record


def test_the_events_file_tells_of_the_terms_only_the_old_version_had():
    assert stale_terms(cleanup_record()) == StaleTerms("example", 1, STALE_CT)


def test_binary_terms_may_come_base64_encoded_as_lambda_delivers_them_or_as_bytes_from_getrecords():
    record = cleanup_record()
    for image in ("NewImage", "OldImage"):
        terms = record["dynamodb"][image]["terms"]
        terms["B"] = base64.b64decode(terms["B"])
    assert stale_terms(record) == StaleTerms("example", 1, STALE_CT)


def test_records_of_writes_that_left_nothing_stale_tell_of_nothing():
    record = cleanup_record()
    unmarked = copy.deepcopy(record)
    del unmarked["dynamodb"]["NewImage"]["staleTerms"]  # a write that read first deleted the terms itself
    same_terms = copy.deepcopy(record)
    same_terms["dynamodb"]["OldImage"]["terms"] = same_terms["dynamodb"]["NewImage"]["terms"]
    insert = {**copy.deepcopy(record), "eventName": "INSERT"}
    index_item = copy.deepcopy(record)
    index_item["dynamodb"]["Keys"]["sk"] = {"S": "i#modality|*|CT"}
    for nothing in (unmarked, same_terms, insert, index_item):
        assert stale_terms(nothing) is None
