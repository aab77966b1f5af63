"""Typed settings, read once from the environment at cold start; a missing variable fails at init."""
from __future__ import annotations

import os
from typing import NamedTuple

from fhirimaging.errors import SettingsError


class Settings(NamedTuple):
    """The function's configuration, read from its environment once per cold start."""

    table_name: str
    # The key that signs paging cursors: CURSOR_SECRET itself (local stack, tests), or, deployed, the ARN of the
    # Secrets Manager secret that holds it (CURSOR_SECRET_ARN), read on first use so that it is never in the
    # function's configuration in plain text (runtime.cursor_secret).
    cursor_secret: bytes
    cursor_secret_arn: str | None = None
    # Set only off-Lambda (local stack, DynamoDB Local): every DynamoDB call goes there.
    dynamodb_endpoint_url: str | None = None
    # Likewise for S3 (the DICOM bucket the ingest function reads).
    s3_endpoint_url: str | None = None
    # The bucket that holds bodies too large for a DynamoDB item (store/bodies.py); unset: such a body is 413.
    body_bucket: str | None = None
    # Overrides the base URL derived from the request (e.g. a custom domain in front of the API).
    base_url: str | None = None
    # Lambda's synchronous payload limit is 6 MB; leave room for the event envelope.
    max_body_bytes: int = 5 * 1024 * 1024
    default_page_size: int = 50
    max_page_size: int = 1000
    # Seconds a request may work before it answers 503 (fhirimaging/deadline.py): below the functions' 25 s
    # Lambda timeout and API Gateway's ~30 s, so the client gets an OperationOutcome, not a gateway timeout.
    request_deadline_seconds: float = 20.0
    # Change publisher: the EventBridge bus, or (locally) a JSON-lines file that wins over the bus.
    event_bus_name: str | None = None
    change_events_file: str | None = None
    # The API's base URL that change events link to (BASE_URL, if set, is used when this is not).
    change_events_base_url: str | None = None
    # SMART scopes enforced in the handlers (AUTH=on, the template's default) and the OAuth endpoints
    # the CapabilityStatement and .well-known/smart-configuration advertise (omitted when unset).
    auth: bool = False
    smart_authorize_url: str | None = None
    smart_token_url: str | None = None
    smart_issuer: str | None = None
    smart_jwks_url: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        missing = [name for name in ("TABLE_NAME",) if not env.get(name)]
        if not env.get("CURSOR_SECRET") and not env.get("CURSOR_SECRET_ARN"):
            missing.append("CURSOR_SECRET (or CURSOR_SECRET_ARN)")
        if missing:
            raise SettingsError(f"missing environment variable(s): {', '.join(missing)}")
        defaults = cls._field_defaults
        try:
            return cls(
                table_name=env["TABLE_NAME"],
                cursor_secret=(env.get("CURSOR_SECRET") or "").encode(),
                cursor_secret_arn=env.get("CURSOR_SECRET_ARN") or None,
                dynamodb_endpoint_url=env.get("DYNAMODB_ENDPOINT_URL") or None,
                s3_endpoint_url=env.get("S3_ENDPOINT_URL") or None,
                body_bucket=env.get("BODY_BUCKET") or None,
                base_url=(env.get("BASE_URL") or "").rstrip("/") or None,
                max_body_bytes=int(env.get("MAX_BODY_BYTES", defaults["max_body_bytes"])),
                default_page_size=int(env.get("DEFAULT_PAGE_SIZE", defaults["default_page_size"])),
                max_page_size=int(env.get("MAX_PAGE_SIZE", defaults["max_page_size"])),
                request_deadline_seconds=float(env.get("REQUEST_DEADLINE_SECONDS",
                                                       defaults["request_deadline_seconds"])),
                event_bus_name=env.get("EVENT_BUS_NAME") or None,
                change_events_file=env.get("CHANGE_EVENTS_FILE") or None,
                change_events_base_url=(env.get("CHANGE_EVENTS_BASE_URL") or "").rstrip("/") or None,
                auth=(env.get("AUTH") or "off").strip().lower() in ("on", "true", "1", "yes"),
                smart_authorize_url=env.get("SMART_AUTHORIZE_URL") or None,
                smart_token_url=env.get("SMART_TOKEN_URL") or None,
                smart_issuer=env.get("SMART_ISSUER") or None,
                smart_jwks_url=env.get("SMART_JWKS_URL") or None,
            )
        except ValueError as e:
            raise SettingsError(f"invalid numeric setting: {e}") from e
