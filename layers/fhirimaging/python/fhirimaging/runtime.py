"""Process-wide wiring, built once per cold start: settings, the DynamoDB client, the service.

Tests and the local stack swap in their own with `override`.
"""
from __future__ import annotations

from fhirimaging.settings import Settings

_settings: Settings | None = None
_service = None
_s3 = None


def settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def service():
    """The ImagingStudyService over DynamoDB (imports boto3 only when first needed)."""
    global _service
    if _service is None:
        import boto3

        from fhirimaging.service import ImagingStudyService
        from fhirimaging.store.dynamodb import DynamoDbStore

        config = settings()
        client = boto3.client("dynamodb", endpoint_url=config.dynamodb_endpoint_url)
        _service = ImagingStudyService(DynamoDbStore(client, config.table_name), config.cursor_secret,
                                       config.default_page_size, config.max_page_size)
    return _service


def s3():
    """The S3 client (the ingest function reads DICOM headers with it), made once."""
    global _s3
    if _s3 is None:
        import boto3

        _s3 = boto3.client("s3", endpoint_url=settings().s3_endpoint_url)
    return _s3


def override(settings_value: Settings | None = None, service_value=None, s3_value=None) -> None:
    """Use these instead of building from the environment (None resets to build on next use)."""
    global _settings, _service, _s3
    _settings, _service, _s3 = settings_value, service_value, s3_value
