"""body sweeper (scheduled): deletes the large-body objects in S3 that no version item names.

Such an object is left when a write's transaction is refused or its process dies after the upload
(store/bodies.py): the write path never deletes one. Only objects older than any write could take are examined.
"""
from fhirimaging import runtime
from fhirimaging.logs import logger
from fhirimaging.store.bodies import sweep


@runtime.handler
def lambda_handler(event, context):
    bodies = runtime.body_bucket()
    deleted = sweep(bodies, runtime.store().body_key) if bodies is not None else []
    logger.info("swept", extra={"deleted": len(deleted)})
    return {"deleted": deleted}
