"""SMART on FHIR authorisation in the handlers (defence in depth behind API Gateway's JWT authorizer).

API Gateway has verified the token (signature, exp, iss, aud) and put its claims into the payload 2.0
event; this package reads the SMART scopes and the `patient` launch context from them and decides
each interaction (see README, Security).
"""
from fhirimaging.auth.enforce import Access, authorize, check_result
from fhirimaging.auth.scopes import Grants, parse_scopes

__all__ = ["Access", "Grants", "authorize", "check_result", "parse_scopes"]
