"""One SQS batch of S3 ObjectCreated notifications -> headers read in parallel -> one upsert per study.

Phase 1 reads every object's header (threads: the reads are network-bound). Phase 2 groups the headers by
Study Instance UID and upserts each study once, so a 500-instance study costs a handful of writes. Phase
3 reports, as an SQS partial batch response (ReportBatchItemFailures), every record whose object was refused
(not DICOM, truncated, no UIDs: logged with bucket, key and reason) or whose study could not be written: only
those records return to the queue, and after its maxReceiveCount they go to the dead-letter queue. (As the
change publisher does: powertools' batch processor would add ~40 ms to the cold start for that dict.)
"""
from __future__ import annotations

import json
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple
from urllib.parse import unquote_plus

from fhirimaging.dicom.header import read_header
from fhirimaging.dicom.mapping import InstanceHeader, MappingConfig, map_header
from fhirimaging.errors import NotIngestible
from fhirimaging.logs import logger
from fhirimaging.service.ingest import StudyIngest

READERS = 16


class S3Object(NamedTuple):
    message_id: str
    bucket: str
    key: str


def objects_of(record: dict[str, Any]) -> list[S3Object]:
    """The S3 objects an SQS record's body notifies (URL-decoded keys); none for s3:TestEvent."""
    body = json.loads(record["body"])
    return [S3Object(record["messageId"], r["s3"]["bucket"]["name"], unquote_plus(r["s3"]["object"]["key"]))
            for r in body.get("Records") or [] if str(r.get("eventName", "ObjectCreated")).startswith("ObjectCreated")]


def handle_batch(event: dict[str, Any], s3: Any, ingest: StudyIngest, config: MappingConfig) -> dict[str, Any]:
    failures: dict[str, str] = {}  # messageId -> why
    objects: list[S3Object] = []
    for record in event.get("Records") or []:
        try:
            objects.extend(objects_of(record))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            failures[record.get("messageId", "")] = f"not an S3 event notification: {e!r}"
            logger.error(f"not ingested: SQS message {record.get('messageId')} is not an S3 event "
                         f"notification ({e!r})", extra={"message_id": record.get("messageId")})

    def read(obj: S3Object) -> InstanceHeader | None:
        try:
            return map_header(read_header(s3, obj.bucket, obj.key), config)
        except NotIngestible as e:
            failures[obj.message_id] = str(e)
            logger.error(f"not ingested: s3://{obj.bucket}/{obj.key}: {e}",
                         extra={"bucket": obj.bucket, "key": obj.key, "reason": str(e)})
        except Exception as e:  # S3 unavailable, throttled, object gone: the record is retried
            failures[obj.message_id] = repr(e)
            logger.exception(f"not ingested: s3://{obj.bucket}/{obj.key}: could not read it",
                             extra={"bucket": obj.bucket, "key": obj.key, "reason": repr(e)})
        return None

    with ThreadPoolExecutor(max_workers=min(READERS, max(1, len(objects)))) as pool:
        headers = list(pool.map(read, objects))

    by_study: dict[str, list[tuple[S3Object, InstanceHeader]]] = defaultdict(list)
    for obj, header in zip(objects, headers):
        if header is not None and obj.message_id not in failures:
            by_study[header.study_uid].append((obj, header))
    for study_uid, group in by_study.items():
        try:
            outcome = ingest.ingest(study_uid, [h for _, h in group])
        except Exception as e:
            for obj, _ in group:
                failures[obj.message_id] = f"the study {study_uid} could not be written: {e!r}"
            logger.exception(f"study {study_uid}: {len(group)} objects not ingested",
                             extra={"study_uid": study_uid, "keys": [o.key for o, _ in group][:20]})
            continue
        logger.info(f"study {study_uid}: {len(group)} objects merged, "
                    + (f"version {outcome.version} of ImagingStudy/{outcome.id}" if outcome.id else "no change"),
                    extra={"study_uid": study_uid, "id": outcome.id, "version": outcome.version})

    return {"batchItemFailures": [{"itemIdentifier": record.get("messageId", "")}
                                  for record in event.get("Records") or [] if record.get("messageId", "") in failures]}
