"""The caller's SmartAccess from the verified JWT claims API Gateway's authorizer put into the event."""
from __future__ import annotations

from typing import Any

from fhirimaging.auth.access import SmartAccess
from fhirimaging.auth.scopes import parse_scopes
from fhirimaging.errors import Forbidden, Unauthorized
from fhirimaging.resource import FHIR_ID


def claims(event: dict[str, Any]) -> dict[str, Any]:
    """The verified JWT claims; 401 when there are none."""
    jwt = (((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {})
    found = jwt.get("claims")
    if not isinstance(found, dict) or not found:
        raise Unauthorized("a bearer token is required (Authorization: Bearer <JWT>)")
    if not found.get("scope") and jwt.get("scopes"):  # API Gateway also lists the scopes separately
        found = {**found, "scope": " ".join(jwt["scopes"])}
    return found


def caller(event: dict[str, Any], base_url: str) -> SmartAccess:
    """What the request's token allows. A `patient` claim that is not a FHIR id is refused: it names no patient
    this server could confine anything to (and `A,B` would otherwise read as two)."""
    token = claims(event)
    patient = token.get("patient")
    if patient is not None and (not isinstance(patient, str) or not FHIR_ID.fullmatch(patient)):
        raise Forbidden("the token's patient claim is not a FHIR id (1-64 of A-Z a-z 0-9 - .)")
    scope = token.get("scope")
    return SmartAccess(parse_scopes(scope if isinstance(scope, str) else ""), patient or None, base_url)
