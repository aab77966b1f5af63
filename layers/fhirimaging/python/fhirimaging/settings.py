"""Typed settings, read once from the environment at cold start; a missing variable fails at init."""
from __future__ import annotations

import os
from dataclasses import dataclass


class SettingsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    table_name: str
    cursor_secret: bytes
    # Set only off-Lambda (local stack, DynamoDB Local): every DynamoDB call goes there.
    dynamodb_endpoint_url: str | None = None
    # Overrides the base URL derived from the request (e.g. a custom domain in front of the API).
    base_url: str | None = None
    # Lambda's synchronous payload limit is 6 MB; leave room for the event envelope.
    max_body_bytes: int = 5 * 1024 * 1024
    default_page_size: int = 50
    max_page_size: int = 1000

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        missing = [name for name in ("TABLE_NAME", "CURSOR_SECRET") if not env.get(name)]
        if missing:
            raise SettingsError(f"missing environment variable(s): {', '.join(missing)}")
        try:
            return cls(
                table_name=env["TABLE_NAME"],
                cursor_secret=env["CURSOR_SECRET"].encode(),
                dynamodb_endpoint_url=env.get("DYNAMODB_ENDPOINT_URL") or None,
                base_url=(env.get("BASE_URL") or "").rstrip("/") or None,
                max_body_bytes=int(env.get("MAX_BODY_BYTES", cls.max_body_bytes)),
                default_page_size=int(env.get("DEFAULT_PAGE_SIZE", cls.default_page_size)),
                max_page_size=int(env.get("MAX_PAGE_SIZE", cls.max_page_size)),
            )
        except ValueError as e:
            raise SettingsError(f"invalid numeric setting: {e}") from e
