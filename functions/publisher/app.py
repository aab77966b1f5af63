"""publisher: the table's stream -> one change event per stored version of an ImagingStudy.

Events go to EventBridge (EVENT_BUS_NAME), or as JSON lines to CHANGE_EVENTS_FILE and stdout locally.
On a failed put the batch reports its first unpublished record, so Lambda resumes the shard there:
at-least-once, in version order per resource. A record that cannot be read fails the whole batch.
"""
from fhirimaging import runtime
from fhirimaging.changes import changes_from_stream
from fhirimaging.logs import logger


@runtime.handler
def lambda_handler(event, context):
    records = event.get("Records") or []
    changes = changes_from_stream(records)
    published = runtime.publisher().publish(changes) if changes else 0
    logger.info("changes", extra={"records": len(records), "events": len(changes), "published": published})
    if published < len(changes):
        failed = changes[published]
        logger.warning("publish failed; the batch resumes here", extra={"id": failed.id,
                                                                          "versionId": failed.version_id})
        return {"batchItemFailures": [{"itemIdentifier": failed.sequence_number}]}
    return {"batchItemFailures": []}
