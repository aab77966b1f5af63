"""The CapabilityStatement, generated from the interaction registry: never written by hand; and the SMART
configuration (.well-known/smart-configuration) from the same settings and scope grammar."""
from __future__ import annotations

from typing import Any

from fhirimaging import limits
from fhirimaging.identifiers import DICOM_UID_SYSTEM
from fhirimaging.interactions import INTERACTIONS
from fhirimaging.patch import MEDIA_TYPES as PATCH_FORMATS
from fhirimaging.resource import RESOURCE_TYPE
from fhirimaging.search.parameters import PARAMETERS, RESULT_PARAMETERS, SearchParameter
from fhirimaging.search.query import SORTABLE
from fhirimaging.service import JsonDocument, bundles
from fhirimaging.settings import Settings

SOFTWARE_VERSION = "0.1.0"
# The date this statement's content last changed; a fixed value keeps the resource stable.
PUBLISHED = "2026-11-28"


def capability_statement(base_url: str, settings: Settings) -> dict[str, Any]:
    resource_interactions = [{"code": code} for code in dict.fromkeys(i.code for i in INTERACTIONS
                                                                      if i.level == "resource")]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": PUBLISHED,
        "publisher": "fhir-imaging",
        "kind": "instance",
        "software": {"name": "fhir-imaging", "version": SOFTWARE_VERSION},
        "implementation": {"description": "Serverless FHIR R5 ImagingStudy server", "url": base_url},
        "fhirVersion": "5.0.0",
        "format": ["application/fhir+json", "json"],
        "patchFormat": list(PATCH_FORMATS),
        "rest": [{
            "mode": "server",
            "documentation": (
                f"Search and history pages hold {settings.default_page_size} entries unless _count asks for "
                f"more, up to {settings.max_page_size}. Search result parameters: "
                f"{', '.join(sorted(RESULT_PARAMETERS))}; _sort by {', '.join(SORTABLE)} (prefix - to descend); "
                f"_include and _revinclude are answered with a warning (only {RESOURCE_TYPE} is held). "
                "Unknown parameters are ignored unless the request says Prefer: handling=strict. "
                f"A Study Instance UID (identifier system {DICOM_UID_SYSTEM}) names at most one live study: a write "
                "that would give it to a second one is refused with 409 (duplicate). "
                "Conditional create (If-None-Exist), update, patch and delete (single) are race-free when the query is "
                "exactly identifier=system|value (a uniqueness guard in the write's transaction); other "
                "conditional queries read the search index, which may trail a concurrent write briefly. "
                f"Request bodies up to {settings.max_body_bytes} bytes. "
                f"A search, and the query of a conditional interaction, takes at most {limits.MAX_OR_VALUES} "
                f"values in one parameter's comma-separated (OR) list and {limits.MAX_SEARCH_VALUES} values in all; "
                "more is a 400 (too-costly) naming the limit. "
                f"A patch has at most {limits.MAX_PATCH_OPERATIONS} operations and may not make the resource "
                f"larger than {limits.MAX_PATCHED_CHARS} characters of JSON at any operation (413); FHIRPath "
                f"Patch paths are at most {limits.MAX_FHIRPATH_CHARS} characters, and their regular expressions "
                "(matches, replaceMatches) use RE2 syntax, without backreferences or lookaround (400); evaluating "
                f"one patch's paths may take at most {limits.MAX_FHIRPATH_STEPS} steps (400 too-costly)."
            ),
            "security": _security(settings),
            "interaction": [
                {"code": "transaction", "documentation": (
                    "All or nothing, in one DynamoDB transaction (100 actions, 4 MB): up to "
                    f"{bundles.ORDINARY_STUDIES_PER_TRANSACTION} ordinary studies (a Study Instance UID, a subject, "
                    "a status and a modality each; more identifiers or modalities take more) and at most "
                    f"{bundles.MAX_TRANSACTION_WRITES} writes; a larger one is refused with 413 and writes "
                    "nothing. urn:uuid fullUrls of POST and PUT ImagingStudy/<id> entries and conditional "
                    "references (ImagingStudy?...) are resolved; GET entries run after the commit.")},
                {"code": "batch", "documentation": (
                    f"Entries run independently, {bundles.BATCH_WORKERS} at a time; each failed entry answers its "
                    f"own OperationOutcome. At most {limits.MAX_BUNDLE_ENTRIES} entries per Bundle (either type).")},
            ],
            "resource": [{
                "type": RESOURCE_TYPE,
                "profile": f"http://hl7.org/fhir/StructureDefinition/{RESOURCE_TYPE}",
                "interaction": resource_interactions,
                "versioning": "versioned-update",
                "readHistory": True,
                "updateCreate": True,
                "conditionalCreate": True,
                "conditionalRead": "full-support",
                "conditionalUpdate": True,
                "conditionalPatch": True,
                "conditionalDelete": "single",
                "searchParam": [_search_param(p) for p in PARAMETERS.values()],
            }],
        }],
    }


def _search_param(p: SearchParameter) -> dict[str, Any]:
    notes = [f"modifiers: {', '.join(':' + m for m in p.modifiers)}" if p.modifiers else "no modifiers"]
    if p.comparators:
        notes.append(f"prefixes: {', '.join(p.comparators)}")
    notes.append(f"expression: {p.expression}")
    if p.documentation:
        notes.append(p.documentation)
    return {"name": p.code, "definition": p.url, "type": p.type, "documentation": "; ".join(notes)}


def _security(settings: Settings) -> dict[str, Any]:
    """SMART on FHIR: the service coding, the oauth-uris extension when configured, the scopes served."""
    security: dict[str, Any] = {
        "service": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR",
        }], "text": "OAuth2 bearer tokens with SMART on FHIR scopes"}],
        "description": (
            "Every interaction but metadata and .well-known/smart-configuration needs a bearer token (JWT). "
            "SMART App Launch v2 scopes "
            "patient|user|system/ImagingStudy.[c][r][u][d][s] (and */*.x wildcards) or v1 .read, .write and .*: "
            "read, vread and history need r; search needs s; create c; update u (and c when it creates); "
            "patch u; delete d; conditional create, update, patch and delete also need s (conditional update c too). "
            "Patient scopes use the token's patient claim: searches are narrowed to that patient's studies, "
            "another patient's study reads as not found (404 even once deleted, as for an unknown id), writes for "
            "another patient are forbidden (403), and "
            "type history is forbidden."
        ),
    }
    uris = [{"url": name, "valueUri": value}
            for name, value in (("authorize", settings.smart_authorize_url), ("token", settings.smart_token_url))
            if value]
    if uris:
        security["extension"] = [{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                                  "extension": uris}]
    return security


# What fhirimaging.auth understands: v2 permission letters (any ordered subset of cruds; the usual
# ones listed) and the v1 forms, at each level, plus the patient launch context and identity scopes.
_SCOPE_SUFFIXES = ("cruds", "rs", "c", "r", "u", "d", "s", "read", "write", "*")


def smart_configuration(settings: Settings) -> JsonDocument:
    """SMART App Launch v2 discovery: standalone launch with a patient context, v1 and v2 scopes, PKCE."""
    document: dict[str, Any] = {}
    if settings.smart_issuer:
        document["issuer"] = settings.smart_issuer
    if settings.smart_jwks_url:
        document["jwks_uri"] = settings.smart_jwks_url
    if settings.smart_authorize_url:
        document["authorization_endpoint"] = settings.smart_authorize_url
    if settings.smart_token_url:
        document["token_endpoint"] = settings.smart_token_url
    document.update({
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "scopes_supported": ["openid", "fhirUser", "launch/patient",
                             *(f"{level}/{RESOURCE_TYPE}.{suffix}" for level in ("patient", "user", "system")
                               for suffix in _SCOPE_SUFFIXES)],
        "response_types_supported": ["code"],
        "capabilities": ["launch-standalone", "client-public", "client-confidential-symmetric",
                         "context-standalone-patient", "permission-patient", "permission-user",
                         "permission-v2", "permission-v1"],
        "code_challenge_methods_supported": ["S256"],
    })
    return JsonDocument(document)
