"""The one error hierarchy: each class carries its HTTP status and OperationOutcome issue code.

Rendered to an OperationOutcome in exactly one place (fhirimaging.http.render).
"""
from __future__ import annotations

from typing import NamedTuple


class Issue(NamedTuple):
    """One OperationOutcome.issue."""

    code: str
    diagnostics: str
    severity: str = "error"
    expression: tuple[str, ...] = ()

    def to_json(self) -> dict:
        issue: dict = {"severity": self.severity, "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = list(self.expression)
        return issue


class FhirError(Exception):
    """A request that cannot be served; status and issue code belong to the class."""

    status = 500
    code = "exception"
    headers: dict[str, str] = {}

    def __init__(self, diagnostics: str, issues: list[Issue] | None = None, headers: dict | None = None):
        super().__init__(diagnostics)
        self.diagnostics = diagnostics
        self.issues = issues or [Issue(self.code, diagnostics)]
        self.headers = {**type(self).headers, **(headers or {})}


class BadRequest(FhirError):
    status, code = 400, "invalid"


class InvalidResource(BadRequest):
    """The body is not a valid R5 ImagingStudy; one issue per problem."""

    status, code = 400, "structure"


class NotFound(FhirError):
    status, code = 404, "not-found"


class Gone(FhirError):
    status, code = 410, "deleted"


class MethodNotAllowed(FhirError):
    status, code = 405, "not-supported"


class NotAcceptable(FhirError):
    status, code = 406, "not-supported"


class Conflict(FhirError):
    status, code = 409, "conflict"


class Duplicate(Conflict):
    """The write would give a second live study an identifier that must be unique (a Study Instance UID)."""

    status, code = 409, "duplicate"


class PreconditionFailed(FhirError):
    status, code = 412, "conflict"


class Unprocessable(FhirError):
    """A well-formed request that cannot be applied, e.g. a patch whose result would not be a valid resource."""

    status, code = 422, "processing"


class PayloadTooLarge(FhirError):
    status, code = 413, "too-long"


class UriTooLong(FhirError):
    status, code = 414, "too-long"


class UnsupportedMediaType(FhirError):
    status, code = 415, "not-supported"


class TooCostly(FhirError):
    """A search this server will not run to completion (e.g. sorting too many matches in memory)."""

    status, code = 400, "too-costly"


class Throttled(FhirError):
    """DynamoDB capacity or contention outlasted our retries: the client may retry."""

    status, code = 503, "transient"
    headers = {"Retry-After": "1"}


class DeadlineExceeded(FhirError):
    """The request's deadline (fhirimaging/deadline.py) passed before its work was done; nothing uncommitted
    was written, so the client may retry. Answered before API Gateway's integration timeout would."""

    status, code = 503, "timeout"
    headers = {"Retry-After": "5"}


class StoreUnavailable(Throttled):
    """The database or the body bucket failed in a way the request cannot recover from; a retry may succeed."""


class WriteOutcomeUnknown(Throttled):
    """A write was sent but neither its answer nor a check of the stored items tells whether it landed."""


# Raised by the store; the service turns them into the HTTP-level errors above.
class VersionConflict(Exception):
    """The current version was not the one the write expected (optimistic lock lost)."""


class ItemTooLarge(Exception):
    """The resource does not fit in a DynamoDB item."""


class TooManyTerms(Exception):
    """The search terms that make a study findable do not fit the write's one transaction."""


class GuardTaken(Exception):
    """Another resource holds the guard: a concurrent write won it."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} is held by another resource")
        self.key = key


class BodyMissing(Exception):
    """An item names an object that is gone or altered: the store cannot return that version."""


# Raised by jsontext.loads (ValueErrors, as json's own are); load_document answers them with a 400.
class DuplicateKey(ValueError):
    pass


class ForbiddenText(ValueError):
    pass


class UnsupportedRegex(ValueError):
    """A FHIRPath regular expression this server will not run; the patch answers it with a 400."""


# DICOM ingest: an object is skipped, or read further.
class NotIngestible(Exception):
    """This object can never become part of a study (not DICOM, truncated, no UIDs): retrying won't help."""


class NeedMore(Exception):
    """The bytes end before the header does: read at least `needed` bytes of the object (0: more, unknown)."""

    def __init__(self, needed: int = 0):
        super().__init__(needed)
        self.needed = needed


class SettingsError(RuntimeError):
    """The environment does not configure the function: it fails at init."""


class Unauthorized(FhirError):
    """No (valid) bearer token where the API requires one."""

    status, code = 401, "login"
    headers = {"WWW-Authenticate": 'Bearer realm="fhir-imaging"'}


class Forbidden(FhirError):
    """The token's SMART scopes (or its patient context) do not allow this interaction."""

    status, code = 403, "forbidden"
