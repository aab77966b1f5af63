"""index repair: the table's stream -> bring a study's search-index items to its current version's entries.

A write puts the findability terms in its own transaction and as many others as fit; when some are left out
(a large study), or when it could not know the old version's entries (an If-Match update without a read), its
current item says `indexPending`. Each such record, and the record of the write that replaces it, runs one
repair pass (search.index.repair): idempotent, conditional on the version it read, so a pass cut off anywhere
is finished by the next. A pass that fails reports its record, and Lambda resumes the shard there.
"""
from fhirimaging import runtime
from fhirimaging.errors import FhirError, VersionConflict
from fhirimaging.logs import logger
from fhirimaging.search import index
from fhirimaging.store.dynamodb import pending_study


@runtime.handler
def lambda_handler(event, context):
    records = event.get("Records") or []
    repaired: set[str] = set()  # a pass reads the current version, so one per study covers the whole batch
    writes = 0
    for record in records:
        study = pending_study(record)
        if study is None or study in repaired:
            continue
        try:
            writes += index.repair(runtime.store(), study)
        except (FhirError, VersionConflict):
            logger.warning("index repair incomplete; the batch resumes here", exc_info=True, extra={"id": study})
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
        repaired.add(study)
    logger.info("index repair", extra={"records": len(records), "studies": len(repaired), "writes": writes})
    return {"batchItemFailures": []}
