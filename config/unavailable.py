"""When the database cannot answer: 503 with Retry-After on every route, never a 500 (docs/decisions.md D37).

Nearly every request reads the database — the session of a signed-in user, an API token, the records of any page
— and fails with django.db's OperationalError or InterfaceError while its server is down, unreachable or refusing
connections. Where that failure lands decides the shape of the answer:

* a view of the integrator API or the verify API (DRF): config.problems.problem_exception_handler, problem+json;
* a resource view of the OB 3.0 API: ob_api.errors.imsx_api, Imsx_StatusInfo as that specification requires;
* anything else (pages, middleware, the session, other views): Django's handler500, config.views.server_error,
  which answers by route: problem+json under /api/, Imsx_StatusInfo under /ims/, the page below elsewhere.

The page is rendered without the request, so no context processor (the signed-in user, the issuer navigation)
touches the database again; any other error keeps Django's own 500 page.
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
PAGE_TEMPLATE = "503.html"


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def unavailable_page() -> HttpResponse:
    """The HTML 503: plain words, Retry-After, and nothing that reads the database."""
    response = HttpResponse(render_to_string(PAGE_TEMPLATE), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
