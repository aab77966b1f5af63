"""body sweeper (scheduled): deletes the large-body objects in S3 that no version item names.

Such an object is left when a write dies between uploading its body and its transaction (store/bodies.py);
a write that fails cleanly deletes its own. Only objects older than any write could take are examined.
"""
from aws_lambda_powertools import Logger

from fhirimaging import runtime
from fhirimaging.store.bodies import sweep

logger = Logger(service="fhir-imaging")


@logger.inject_lambda_context
def lambda_handler(event, context):
    bodies = runtime.body_bucket()
    deleted = sweep(bodies, runtime.store().body_key) if bodies is not None else []
    logger.info("swept", extra={"deleted": len(deleted)})
    return {"deleted": deleted}
