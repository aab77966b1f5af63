"""SMART on FHIR authorisation (defence in depth behind API Gateway's JWT authorizer).

API Gateway has verified the token (signature, exp, iss, aud) and put its claims into the payload 2.0 event;
`caller` turns them into a SmartAccess, which the service asks on every interaction (service/access.py).
"""
from fhirimaging.auth.access import SmartAccess
from fhirimaging.auth.claims import caller, claims
from fhirimaging.auth.scopes import Grants, parse_scopes

__all__ = ["Grants", "SmartAccess", "caller", "claims", "parse_scopes"]
