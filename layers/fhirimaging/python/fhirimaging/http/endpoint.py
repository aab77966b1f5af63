"""The one wrapper every API handler shares: event -> HttpRequest -> handler -> response.

It owns logging (correlation id = API Gateway request id), the per-interaction metric, content
negotiation, the body size limit, the request's deadline, the caller's access (handed to the handler, which
hands it to the service with the typed request) and the single mapping of errors to OperationOutcome.
"""
from __future__ import annotations

import functools
import time
from typing import Any, Callable

from fhirimaging import auth, deadline, logs, runtime
from fhirimaging.errors import FhirError, PayloadTooLarge
from fhirimaging.http import limits, render
from fhirimaging.http.request import HttpRequest
from fhirimaging.service.access import EVERYONE

logger = logs.logger
METRICS_NAMESPACE = "FhirImaging"
_cold_start = True

Handler = Callable[..., Any]  # (http, access), or (http) for the public interactions
PUBLIC = frozenset({"capabilities", "fallback"})  # the CapabilityStatement; 404/405 answers hold no data


def endpoint(interaction: str) -> Callable[[Handler], Callable[[dict, Any], dict]]:
    def decorate(handle: Handler) -> Callable[[dict, Any], dict]:
        @functools.wraps(handle)
        def lambda_handler(event: dict, context: Any) -> dict:
            global _cold_start
            started = time.perf_counter()
            request_context = event.get("requestContext") or {}
            correlation = {"correlation_id": request_context.get("requestId")}  # API Gateway's request id
            try:
                response = _serve(handle, event, interaction, correlation, context)
            finally:
                deadline.clear()
            response = render.encoded(response, (event.get("headers") or {}).get("accept-encoding"))
            status = response["statusCode"]
            logger.info("request", extra={
                **correlation, "cold_start": _cold_start, "interaction": interaction,
                "method": (request_context.get("http") or {}).get("method"), "path": event.get("rawPath"),
                "params": _parameter_names(event), "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            })
            _cold_start = False
            _count_request(interaction, status)
            return response

        return runtime.handler(lambda_handler)

    return decorate


def _parameter_names(event: dict) -> list[str]:
    """The query's parameter names, never its values (they can carry patient identifiers)."""
    raw = event.get("rawQueryString") or ""
    return sorted({part.split("=", 1)[0][:64] for part in raw.split("&")[:limits.MAX_QUERY_PARAMETERS] if part})


def _count_request(interaction: str, status: int) -> None:
    """One CloudWatch (EMF) metric per interaction and status; a metrics failure never fails a request."""
    try:
        logs.count("Requests", METRICS_NAMESPACE, {"interaction": interaction, "status": str(status)})
    except Exception:
        logger.exception("could not publish the request metric")


def _serve(handle: Handler, event: dict, interaction: str, correlation: dict, context: Any = None) -> dict:
    try:
        settings = runtime.settings()
        deadline.start(settings.request_deadline_seconds, context)
        limits.check_event(event)  # query length and parameter count, before the query is parsed
        http = HttpRequest.from_event(event, settings.base_url)
        if interaction in PUBLIC:
            access = None
        else:  # SMART scopes (fhirimaging.auth): 401 here; the service asks the access about everything else
            access = auth.caller(event, http.base_url) if settings.auth else EVERYONE
        if len(http.body) > settings.max_body_bytes:
            raise PayloadTooLarge(f"the body is {len(http.body)} bytes; the limit is {settings.max_body_bytes}")
        http.check_acceptable()
        result = handle(http) if access is None else handle(http, access)
        return render.result(result, http)
    except FhirError as e:
        if e.status >= 500:
            logger.warning("request failed", extra={**correlation, "status": e.status, "diagnostics": e.diagnostics})
        else:
            # diagnostics may quote the client's values (identifiers): log the issue code only
            logger.info("request refused", extra={**correlation, "status": e.status, "code": e.code})
        return render.error(e)
    except Exception:
        logger.exception("unhandled error", extra=correlation)
        return render.error(FhirError("the server failed to process the request; it has been logged"))
