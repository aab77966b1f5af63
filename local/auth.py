"""The local stack's development JWT issuer (`AUTH=on`): what API Gateway's JWT authorizer does in AWS.

At start-up the stack creates (or reuses) an RSA key in a key file, which `python -m local.token`
reads to sign tokens for it. A request to a protected route needs `Authorization: Bearer <JWT>`
signed with that key (RS256), within exp/nbf, from the local issuer, for the local audience; its
claims go into `requestContext.authorizer.jwt.claims` as strings, as API Gateway puts them. Anything
else is API Gateway's own 401 `{"message":"Unauthorized"}`, before any function runs.

Development only: PyJWT and cryptography are dev dependencies, never in the layer.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

AUDIENCE = "fhir-imaging-local"
ALGORITHM = "RS256"


def default_key_file() -> Path:
    """AUTH_KEY_FILE, else one file in the system temp dir shared by `make run` and `make token`."""
    return Path(os.environ.get("AUTH_KEY_FILE") or Path(tempfile.gettempdir()) / "fhir-imaging-dev-issuer.json")


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@dataclass(frozen=True)
class DevIssuer:
    issuer: str
    audience: str
    private_key_pem: str

    @classmethod
    def create(cls, issuer: str, key_file: Path | None = None, audience: str = AUDIENCE) -> "DevIssuer":
        """A starting stack's issuer: the key file's key if any (tokens survive restarts), else a new one."""
        path = key_file or default_key_file()
        pem = None
        try:
            pem = json.loads(path.read_text())["private_key_pem"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        dev = cls(issuer, audience, pem or new_private_key_pem())
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"issuer": dev.issuer, "audience": dev.audience, "private_key_pem": dev.private_key_pem}, f)
        return dev

    @classmethod
    def load(cls, key_file: Path | None = None) -> "DevIssuer":
        data = json.loads((key_file or default_key_file()).read_text())
        return cls(data["issuer"], data["audience"], data["private_key_pem"])

    @cached_property
    def _private_key(self):  # loading (and checking) an RSA key costs tens of milliseconds: once per issuer
        return serialization.load_pem_private_key(self.private_key_pem.encode(), None)

    def mint(self, scope: str, patient: str | None = None, expires_in: int = 3600, subject: str = "local-user",
             **claims: Any) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {"iss": self.issuer, "aud": self.audience, "sub": subject, "iat": now,
                                   "nbf": now, "exp": now + expires_in, "scope": scope, **claims}
        if patient is not None:
            payload["patient"] = patient
        return jwt.encode(payload, self._private_key, algorithm=ALGORITHM)

    def verify(self, authorization: str | None) -> dict[str, str] | None:
        """The claims of a valid `Bearer` token, as API Gateway passes them (strings); None if invalid."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            claims = jwt.decode(token.strip(), self._private_key.public_key(), algorithms=[ALGORITHM],
                                audience=self.audience, issuer=self.issuer,
                                options={"require": ["exp", "iss", "aud"]})
        except jwt.PyJWTError:
            return None
        return {name: _as_string(value) for name, value in claims.items()}


def _as_string(value: Any) -> str:
    """API Gateway hands every claim over as a string; arrays look like `[a b]`."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(_as_string(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return json.dumps(value) if isinstance(value, dict) else str(value)
