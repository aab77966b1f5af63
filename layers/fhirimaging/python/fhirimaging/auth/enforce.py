"""Per-interaction decisions from the authorizer's claims; patient scopes confine every interaction.

Choices (README, Security): a read, vread or instance history of another patient's study is 404 exactly
as for an id that never existed, also once it is deleted (never 410: that would reveal it existed); whose
study it is follows from its last version with content. A write concerning another patient is 403; a
search is narrowed with `patient=Patient/<id>` so entries and totals only ever count that patient's
studies; type history under a patient scope is 403 (it spans every patient).
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from fhirimaging import jsontext
from fhirimaging.auth.scopes import RESOURCE_TYPE, Grants, parse_scopes
from fhirimaging.errors import BadRequest, Forbidden, Gone, NotFound, PreconditionFailed, Unauthorized
from fhirimaging.http.request import HttpRequest

PUBLIC = frozenset({"capabilities", "fallback"})  # the CapabilityStatement; 404/405 answers hold no data
_READS = ("read", "vread", "history")


class Access(NamedTuple):
    """What a request's token allows: its grants, and the patient it is confined to."""

    grants: Grants
    patient: str | None  # the launch context: set when the interaction is confined to this patient


def claims(event: dict[str, Any]) -> dict[str, Any]:
    """The verified JWT claims API Gateway put into the event; 401 when there are none."""
    jwt = (((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt") or {})
    found = jwt.get("claims")
    if not isinstance(found, dict) or not found:
        raise Unauthorized("a bearer token is required (Authorization: Bearer <JWT>)")
    if not found.get("scope") and jwt.get("scopes"):  # API Gateway also lists the scopes separately
        found = {**found, "scope": " ".join(jwt["scopes"])}
    return found


def needs(interaction: str, http: HttpRequest) -> str:
    """The SMART v2 permission letters an interaction needs (conditional forms also search)."""
    conditional = http.path_params.get("id") is None
    if interaction in (*_READS, "type_history"):
        return "r"
    if interaction == "search":
        return "s"
    if interaction == "create":
        return "cs" if http.header("if-none-exist") is not None else "c"
    if interaction == "update":
        return "cus" if conditional else "u"  # a conditional update creates when nothing matches
    if interaction == "patch":
        return "us" if conditional else "u"
    if interaction == "delete":
        return "ds" if conditional else "d"
    raise Forbidden(f"no scope grants the interaction {interaction}")


def authorize(interaction: str, http: HttpRequest, event: dict[str, Any],
              service: Callable[[], Any]) -> tuple[HttpRequest, Access | None]:
    """401/403, or the request to serve (narrowed to the patient under a patient scope) and its Access."""
    if interaction in PUBLIC:
        return http, None
    token = claims(event)
    grants = parse_scopes(str(token.get("scope") or ""))
    letters = set(needs(interaction, http))
    patient = str(token.get("patient") or "") or None
    if letters <= grants.unrestricted:
        access = Access(grants, None)
    elif patient and letters <= grants.unrestricted | grants.patient:
        access = Access(grants, patient)
    else:
        raise Forbidden(f"the token's scopes do not allow {interaction}: it needs "
                        f"{RESOURCE_TYPE}.{''.join(c for c in 'cruds' if c in letters)}")
    if interaction == "update" and http.path_params.get("id") is not None \
            and "c" not in grants.unrestricted | grants.patient and _current(service, http) is None:
        raise Forbidden("this update would create the study, which needs the c (create) permission")
    if access.patient is not None:
        http = _confine(interaction, http, access.patient, service)
    return http, access


def check_result(interaction: str, result: Any, access: Access | None, http: HttpRequest) -> None:
    """Under a patient scope, no version of another patient's shows (a study whose subject changed), and a
    conditional create does not answer with another patient's study."""
    if access is None or access.patient is None:
        return
    if interaction == "create" and result.status == 200 \
            and not _is_patients(jsontext.loads(result.version.body), access.patient, http.base_url):
        # The identifier is another patient's study's. Returning it would disclose that study, and creating
        # a second study with it would split one study (one Study Instance UID) over two patients. The token
        # lacks the permission this request needs, so 403 as for any write concerning another patient; like
        # those, it tells only that the identifier is taken, nothing of the study.
        raise Forbidden("the If-None-Exist identifier belongs to a study of another patient")
    if interaction not in _READS:
        return
    versions = getattr(result, "versions", None)
    if versions is None:
        versions = [result.version]
    if any(v.body is not None and not _is_patients(jsontext.loads(v.body), access.patient, http.base_url)
           for v in versions):
        raise _not_known(interaction, http)


def _confine(interaction: str, http: HttpRequest, patient: str, service: Callable[[], Any]) -> HttpRequest:
    criterion = ("patient", f"Patient/{patient}")
    conditional = http.path_params.get("id") is None
    if interaction == "type_history":
        raise Forbidden("type history spans every patient; a patient-level scope cannot read it")
    if interaction == "search":
        return http._replace(query=[*http.query, criterion])
    if interaction in _READS:
        if _others(service, http, patient):
            raise _not_known(interaction, http)
        return http  # check_result: nor does any version of another patient's
    if interaction in ("create", "update"):
        _own_body(http, patient)
    if interaction == "create":
        condition = http.header("if-none-exist")
        if condition is not None and not _identifier_keyed(http):
            headers = {**http.headers, "if-none-exist": f"{condition}&patient=Patient/{patient}"}
            return http._replace(headers=headers)
        return http  # an identifier names one study across patients: guarded, unnarrowed; check_result confines
    if conditional and interaction == "patch":
        http = _resolve_target(http, criterion, service)
        conditional = False
    if conditional:  # update, delete: the match is looked for among the patient's studies only
        return http._replace(query=[*http.query, criterion])
    current = _current(service, http)
    if _others(service, http, patient):
        if current is None and interaction == "patch":
            raise _not_known("read", http)  # another's deleted study: as for one that never existed
        if current is not None or interaction == "update":
            # An update would revive another patient's deleted study, history and all, for this patient.
            raise Forbidden("the study is not one of the token's patient's studies")
        # a delete of a deleted study writes nothing: 204, as for one that never existed
    if interaction == "patch" and current is not None:
        from fhirimaging.http import parse
        from fhirimaging.service.patching import patched, read_patch

        request = parse.patch(http)
        if not _is_patients(patched(current.id, current, request.if_match, read_patch(request)), patient,
                            http.base_url):
            raise Forbidden("the patch would move the study away from the token's patient")
    return http


def _identifier_keyed(http: HttpRequest) -> bool:
    """Whether If-None-Exist is exactly identifier=system|value, the query a uniqueness guard makes race-free."""
    from fhirimaging.http import parse
    from fhirimaging.service.conditional import guard_key

    return guard_key(parse.create(http).if_none_exist) is not None


def _resolve_target(http: HttpRequest, criterion: tuple[str, str], service: Callable[[], Any]) -> HttpRequest:
    """A conditional patch's single target among the patient's studies, as a patch of that id."""
    from fhirimaging.search.query import parse_query
    from fhirimaging.service import SearchRequest
    from fhirimaging.service.conditional import require_criteria

    params = [(k, v) for k, v in http.query if k != "_format"]
    require_criteria(parse_query(params, strict=True, base_url=http.base_url), "patch")
    query = parse_query([*params, criterion, ("_count", "2")], strict=True, base_url=http.base_url)
    matches = service().search(SearchRequest(query)).matches
    if not matches:
        raise NotFound("no study matches the conditional patch")
    if len(matches) > 1:
        raise PreconditionFailed("more than one study matches the conditional patch")
    return http._replace(path_params={**http.path_params, "id": matches[0].id}, query=[])


def _others(service: Callable[[], Any], http: HttpRequest, patient: str) -> bool:
    """Whether the study is another patient's, by its last version with content (it may be deleted now)."""
    try:
        last = service().last_content(http.path_params.get("id", ""))
    except BadRequest:
        return False  # not an id: the interaction answers that, as for anyone
    return last is not None and not _is_patients(jsontext.loads(last.body), patient, http.base_url)


def _not_known(interaction: str, http: HttpRequest) -> NotFound:
    from fhirimaging.service.imaging_study import not_known

    vid = http.path_params.get("vid") if interaction == "vread" else None
    return not_known(http.path_params.get("id", ""), vid)


def _current(service: Callable[[], Any], http: HttpRequest):
    """The study's current version, or None when it does not exist or is deleted."""
    from fhirimaging.service import ReadRequest

    try:
        return service().read(ReadRequest(http.path_params.get("id", ""))).version
    except (NotFound, Gone):
        return None


def _own_body(http: HttpRequest, patient: str) -> None:
    from fhirimaging.http import parse

    if not _is_patients(parse.resource_body(http), patient, http.base_url):
        raise Forbidden(f"a patient-level scope writes only studies whose subject is Patient/{patient}")


def _is_patients(resource: Any, patient: str, base_url: str) -> bool:
    from fhirimaging.search.query import parse_reference

    subject = resource.get("subject") if isinstance(resource, dict) else None
    reference = subject.get("reference") if isinstance(subject, dict) else None
    if not isinstance(reference, str):
        return False
    target = parse_reference(reference, base_url.rstrip("/"))
    return target.type == "Patient" and target.id == patient
