"""Errors of the Open Badges API as Imsx_StatusInfo (OB 3.0 §6.3), and the guard every resource view runs in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.unavailable import DATABASE_ERRORS, RETRY_AFTER_SECONDS

log = logging.getLogger(__name__)

# HTTP status → the imsx_codeMinorFieldValue it is reported with unless a view says otherwise.
DEFAULT_CODE_MINOR = {
    400: "invalid_data",
    401: "unauthorizedrequest",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    406: "not_acceptable",
    413: "invalid_data",
    415: "invalid_data",
    429: "server_busy",
    500: "internal_server_error",
    503: "server_busy",
}


class ApiError(Exception):
    """Raised anywhere in a resource view: answered as Imsx_StatusInfo with `status`."""

    def __init__(self, status: int, description: str, code_minor: str | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.code_minor = code_minor or DEFAULT_CODE_MINOR.get(status, "unknown")


def status_info(description: str, code_minor: str, *, code_major: str = "failure", severity: str = "error") -> dict:
    return {
        "imsx_codeMajor": code_major,
        "imsx_severity": severity,
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code_minor}
            ]
        },
    }


def imsx_response(status: int, description: str, code_minor: str | None = None) -> JsonResponse:
    code_minor = code_minor or DEFAULT_CODE_MINOR.get(status, "unknown")
    response = JsonResponse(status_info(description, code_minor), status=status)
    response["Cache-Control"] = "no-store"
    if status == 401:
        # RFC 6750 §3: a protected resource names the scheme it wants.
        response["WWW-Authenticate"] = 'Bearer realm="ob/v3p0"'
    return response


View = Callable[..., HttpResponse]


def imsx_api(*methods: str) -> Callable[[View], View]:
    """Allow only `methods` (405 otherwise), answer ApiError as Imsx_StatusInfo, and never let an unexpected
    exception out as a stack trace: it is logged and answered 500."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = imsx_response(405, f"{request.method} is not allowed here; use {', '.join(methods)}.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except ApiError as error:
                return imsx_response(error.status, error.description, error.code_minor)
            except RequestDataTooBig:
                return imsx_response(413, "The request body is too large.")
            except DATABASE_ERRORS as exc:
                log.error("Open Badges API: database unavailable in %s: %s", request.path, exc)
                return unavailable_imsx()
            except Exception:
                log.exception("Open Badges API: unexpected error in %s", request.path)
                return imsx_response(500, "The server could not complete the request.")

        return wrapper

    return decorator


def unavailable_imsx() -> JsonResponse:
    """503 for a database that cannot answer (config.unavailable), with Retry-After."""
    response = imsx_response(
        503, "The service cannot reach its records right now; try again after Retry-After seconds."
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under the API's base: Imsx_StatusInfo, not the site's HTML 404 page."""
    return imsx_response(404, "There is no such endpoint in the Open Badges API.")
