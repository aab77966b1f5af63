"""index cleanup: the table's stream -> delete the search-index items an update without a read left stale.

An If-Match update puts every index entry of its new version in one transaction without reading the old
version (store/dynamodb.py), so the entries of terms only the old version had stay behind, as hints that
every search verifies. Such an update marks its current item `staleTerms`; the stream record's old and new
images name the terms, and the items no later version wrote again are deleted. Deleting is idempotent: when
a delete is throttled the batch reports that record, and Lambda resumes the shard there.
"""
from fhirimaging import runtime
from fhirimaging.errors import Throttled
from fhirimaging.logs import logger
from fhirimaging.store.dynamodb import stale_terms


@runtime.handler
def lambda_handler(event, context):
    records = event.get("Records") or []
    removed = 0
    for record in records:
        stale = stale_terms(record)
        if stale is None:
            continue
        try:
            removed += runtime.store().remove_stale_terms(stale)
        except Throttled:
            logger.warning("index cleanup throttled; the batch resumes here", extra={"id": stale.id})
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    logger.info("index cleanup", extra={"records": len(records), "removed": removed})
    return {"batchItemFailures": []}
