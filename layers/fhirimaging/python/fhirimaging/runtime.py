"""Process-wide wiring, built once per cold start: settings, the store and its clients, the service, the change
publisher. The one place that makes AWS clients: what lies below takes them (or a maker of them) as arguments.

Tests and the local stack swap in their own with `override`.
"""
from __future__ import annotations

import functools
import gc
from typing import Any, Callable

from fhirimaging.settings import Settings

_settings: Settings | None = None
_service = None
_store = None
_s3 = None
_session = None
_publisher = None
_cursor_secret: bytes | None = None


def settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def service():
    """The ImagingStudyService over DynamoDB (imports the AWS SDK only when first needed)."""
    global _service
    if _service is None:
        from fhirimaging.service import ImagingStudyService

        config = settings()
        _service = ImagingStudyService(store(), config.cursor_secret or cursor_secret, config.default_page_size,
                                       config.max_page_size)
    return _service


def cursor_secret() -> bytes:
    """The cursor key from Secrets Manager, fetched once, on the first request that has or makes a cursor: only
    search and history page, and a client plus one call (~5 ms CPU, one round trip) is spent only there."""
    global _cursor_secret
    if _cursor_secret is None:
        config = settings()
        if config.cursor_secret_arn is None:
            raise RuntimeError("no CURSOR_SECRET or CURSOR_SECRET_ARN")  # Settings.from_env refuses this already
        response = aws_client("secretsmanager").get_secret_value(SecretId=config.cursor_secret_arn)
        _cursor_secret = response["SecretString"].encode()
    return _cursor_secret


def store():
    """The DynamoDB store (with the body bucket when configured), made once."""
    global _store
    if _store is None:
        from fhirimaging.store.dynamodb import DynamoDbStore

        config = settings()
        client = aws_client("dynamodb", config.dynamodb_endpoint_url)
        _store = DynamoDbStore(client, config.table_name, body_bucket())
    return _store


def body_bucket():
    """Where bodies too large for an item go (None when BODY_BUCKET is unset); its S3 client is made on first use."""
    from fhirimaging.store.bodies import BodyBucket

    name = settings().body_bucket
    return BodyBucket(s3, name) if name else None


def s3():
    """The S3 client (DICOM headers, large bodies), made once, on first use."""
    global _s3
    if _s3 is None:
        _s3 = aws_client("s3", settings().s3_endpoint_url)
    return _s3


def publisher():
    """The change publisher (fhirimaging.changes.publishers), built from the settings once; its EventBridge client
    is made only when it publishes to a bus."""
    global _publisher
    if _publisher is None:
        from fhirimaging.changes.publishers import publisher_from_settings

        _publisher = publisher_from_settings(settings(), lambda: aws_client("events"))
    return _publisher


def override_publisher(publisher_value=None) -> None:
    """Use this publisher instead of building one from the settings (None: build on next use)."""
    global _publisher
    _publisher = publisher_value


# A request that hangs gives up within seconds and retries are few: one attempt fits in the time the request's
# deadline (fhirimaging/deadline.py) leaves before Lambda's timeout, not botocore's 60 s and legacy retries.
# Emulators (the local stack's moto, DynamoDB Local) answer large requests far slower than AWS: they keep 60 s.
CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 4
MAX_ATTEMPTS = 3


def aws_client(service_name: str, endpoint_url: str | None = None):
    """A client straight from botocore, all in one session: boto3 adds only its own session and resource
    layers, which the functions do not use and which cost ~10 ms of every cold start."""
    global _session
    if _session is None:
        import botocore.session

        _session = botocore.session.get_session()
    from botocore.config import Config  # imported by botocore.session already: no cold-start cost

    config = Config(connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    read_timeout=READ_TIMEOUT_SECONDS if endpoint_url is None else 60,
                    retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS})
    return _session.create_client(service_name, endpoint_url=endpoint_url, config=config)


def handler(function: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A Lambda handler whose first invocation ends the cold start's pause of garbage collection (see
    fhirimaging/__init__.py): what the cold start made is frozen, so that no collection walks it, and
    collection resumes. Freezing keeps alive nothing that reference counting frees; only reference cycles
    the cold start left as garbage stay, once (a collection to find them would cost ~10 ms more)."""

    @functools.wraps(function)
    def invoke(event: Any, context: Any) -> Any:
        try:
            return function(event, context)
        finally:
            if not gc.isenabled():
                gc.freeze()
                gc.enable()

    return invoke


def override(settings_value: Settings | None = None, service_value=None, s3_value=None, store_value=None) -> None:
    """Use these instead of building from the environment (None resets to build on next use)."""
    global _settings, _service, _store, _s3, _cursor_secret, _publisher
    _settings, _service, _store, _s3 = settings_value, service_value, store_value, s3_value
    _cursor_secret = _publisher = None  # built from the settings they replace
