"""The one error body of every JSON API of the platform (RFC 9457 problem details): the integrator API
(/api/v1/), the public verify API (POST /api/v1/verify) and anything else answering problem+json.

    {"type": "<SITE_URL>/errors/<slug>", "title": "...", "status": 400, "detail": "...", "errors": {"field": [...]}}

`errors` is present on validation errors only; nested fields are named like `rows[3].email`. An unexpected
exception is logged and answered with a 500 body that tells nothing about the code; a database that cannot answer
is a 503 with Retry-After (config.unavailable). Each slug is described at
`<SITE_URL>/errors/<slug>` (config.problem_types). The OB 3.0 API (ob_api) answers in the shapes its
specification requires instead (Imsx_StatusInfo, the OAuth RFCs' errors).

It lives in config, beside the apps: the verify API (badges) and the integrator API (api) both use it, and a
lower layer must not import a higher one.
"""

from __future__ import annotations

import json
import logging
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback

from config.unavailable import RETRY_AFTER_SECONDS, is_database_unavailable

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
ResponseT = TypeVar("ResponseT", bound=HttpResponse)
# status code -> (slug of the type URI, title), for errors that do not name their own
PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("invalid-request", "The request is invalid"),
    401: ("not-authenticated", "Authentication required"),
    403: ("permission-denied", "Permission denied"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict with the current state"),
    413: ("payload-too-large", "The request body is too large"),
    415: ("unsupported-media-type", "Unsupported content type"),
    422: ("unprocessable", "The request cannot be processed"),
    429: ("rate-limited", "Too many requests"),
    500: ("server-error", "Internal server error"),
    503: ("unavailable", "The service cannot answer right now"),
}


class InsufficientScope(exceptions.PermissionDenied):
    """403 for a token whose scopes do not cover the request."""


# DRF exceptions whose kind deserves a type of its own
_BY_CLASS: dict[type[exceptions.APIException], tuple[str, str]] = {
    exceptions.ParseError: ("malformed-request", "The request body cannot be parsed"),
    exceptions.AuthenticationFailed: ("invalid-token", "Invalid credentials"),
    InsufficientScope: ("insufficient-scope", "The token's scopes do not allow this"),
}


def problem_type(slug: str) -> str:
    return f"{settings.SITE_URL}/errors/{slug}"


class Problem(exceptions.APIException):
    """An API error with its own type: `Problem("...", slug=..., title=..., status=...)` or a subclass."""

    status_code: int = status.HTTP_400_BAD_REQUEST  # subclasses and instances choose another status
    slug = "invalid-request"
    title = "The request is invalid"

    def __init__(
        self,
        detail: str | None = None,
        *,
        slug: str | None = None,
        title: str | None = None,
        status_code: int | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.slug = slug or self.slug
        self.title = title or self.title
        self.status_code = status_code or self.status_code
        self.errors = errors
        self.headers = headers or {}


class PayloadTooLarge(Problem):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    slug = "payload-too-large"
    title = "The request body is too large"


class Conflict(Problem):
    status_code = status.HTTP_409_CONFLICT
    slug = "invalid-state"
    title = "Not allowed in the current state"


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as {"field": [...], "rows[3].email": [...]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            flat.update(flatten_errors(value, name))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            if item:  # ListField of serializers: an empty dict for every valid item
                flat.update(flatten_errors(item, f"{prefix}[{index}]"))
        return flat
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(detail)]}


def size_text(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _body(slug: str, title: str, status_code: int, detail: str) -> dict[str, Any]:
    return {"type": problem_type(slug), "title": title, "status": status_code, "detail": detail}


def problem_response(status_code: int, detail: str, *, slug: str | None = None, title: str | None = None) -> Response:
    default_slug, default_title = PROBLEMS.get(status_code, ("request-error", "The request cannot be handled"))
    response = Response(_body(slug or default_slug, title or default_title, status_code, detail), status=status_code)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


UNAVAILABLE_DETAIL = (
    "The platform cannot reach its database right now. Send the request again after Retry-After seconds."
)


def plain_problem(status_code: int, detail: str) -> HttpResponse:
    """A problem+json answer outside a DRF view: Django's error handlers (config.views) answer an API path in the
    API's shape, never with the site's HTML pages."""
    body = _body(*PROBLEMS[status_code], status_code, detail)
    response = HttpResponse(json.dumps(body), status=status_code, content_type=PROBLEM_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def unavailable_problem() -> HttpResponse:
    """The 503 problem+json for a database that cannot answer, outside a DRF view (config.unavailable)."""
    return _unavailable_response(plain_problem(503, UNAVAILABLE_DETAIL))


def _unavailable_response(response: ResponseT) -> ResponseT:
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's handler first (it turns Http404 and PermissionDenied into API errors, sets `WWW-Authenticate` and
    `Retry-After` and rolls back the transaction), then the body rewritten into the problem shape."""
    if isinstance(exc, RequestDataTooBig):  # a body read whole into memory (JSON) past DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = Problem(
            f"The request body is larger than {size_text(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}.",
            slug="payload-too-large",
            title="The request body is too large",
            status_code=413,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if is_database_unavailable(exc):
        # Not a bug to trace: the database is down or unreachable (config.unavailable). One line per request.
        request = context.get("request")
        logger.error(
            "Database unavailable in %s %s: %s", getattr(request, "method", ""), getattr(request, "path", ""), exc
        )
        set_rollback()
        return _unavailable_response(problem_response(503, UNAVAILABLE_DETAIL))
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        request = context.get("request")
        logger.error(
            "Unhandled error in %s %s",
            getattr(request, "method", ""),
            getattr(request, "path", ""),
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        set_rollback()
        return problem_response(500, "Something went wrong on our side; it has been logged.")
    slug, title = PROBLEMS.get(response.status_code, ("request-error", "The request cannot be handled"))
    errors: dict[str, list[str]] | None = None
    if isinstance(exc, Problem):
        slug, title, errors = exc.slug, exc.title, exc.errors
        detail = str(exc.detail)
        for name, value in exc.headers.items():
            response[name] = value
    elif isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        slug, title = "invalid-request", "The request has invalid fields"
        detail = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
    else:
        for kind, named in _BY_CLASS.items():
            if isinstance(exc, kind):
                slug, title = named
        detail = str(exc.detail)
    body = _body(slug, title, response.status_code, detail)
    if errors is not None:
        body["errors"] = errors
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
