import json
import logging
import sys

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from config.client_address import client_address
from config.problem_types import PROBLEM_TYPES
from config.problems import unavailable_problem
from config.ratelimit import hit
from config.unavailable import RETRY_AFTER_SECONDS, is_database_unavailable, unavailable_page
from issuer.models import Issuer
from ob_api.errors import unavailable_imsx

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    issuers = Issuer.objects.annotate(credential_count=Count("credentials")).order_by("name")[:50]
    return render(request, "home.html", {"issuers": issuers})


@require_safe
def problem_type(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """What an error `type` of our APIs means (RFC 9457 asks that the type URI be dereferenceable); the list of all
    of them without a slug."""
    if slug is None:
        return render(request, "errors/problem_types.html", {"types": sorted(PROBLEM_TYPES.items())})
    if slug not in PROBLEM_TYPES:
        raise Http404("No such error type.")
    title, text = PROBLEM_TYPES[slug]
    return render(request, "errors/problem_type.html", {"slug": slug, "title": title, "text": text})


@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """For the container healthcheck: 200 when this process answers and reaches the database, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        response = HttpResponse("database unavailable\n", status=503, content_type="text/plain")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    response = HttpResponse("ok\n", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


# What a CSP report may cost (config.csp's report-uri): one small body, a few per client address and minute, a few
# short fields logged. Anyone can post here; a flood costs a cache increment per request and no log line.
CSP_REPORT_MAX_BYTES = 8 * 1024
CSP_REPORT_RATE = "30/minute"
_CSP_REPORT_FIELDS = ("document-uri", "effective-directive", "violated-directive", "blocked-uri", "source-file")
_CSP_REPORT_FIELD_CHARS = 200


@csrf_exempt  # browsers send reports without a token, and nothing here changes state
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """A browser's Content-Security-Policy violation report, logged as one warning; 204 whatever was sent."""
    if not hit("csp-report", client_address(request), CSP_REPORT_RATE).allowed:
        return HttpResponse(status=204)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if not 0 < length <= CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=204)
    try:
        body = json.loads(request.read(CSP_REPORT_MAX_BYTES))
    except (ValueError, OSError):
        return HttpResponse(status=204)
    fields = body.get("csp-report") if isinstance(body, dict) else None
    fields = fields if isinstance(fields, dict) else {}
    logged = {name: str(fields[name])[:_CSP_REPORT_FIELD_CHARS] for name in _CSP_REPORT_FIELDS if fields.get(name)}
    if logged:
        mode = "enforced" if settings.CONTENT_SECURITY_POLICY else "report-only"
        logger.warning("Content-Security-Policy violation (%s): %r", mode, logged)
    return HttpResponse(status=204)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that cannot answer is a 503 in the route's own shape (config.unavailable); anything
    else is Django's 500."""
    if not is_database_unavailable(sys.exc_info()[1]):
        return defaults.server_error(request)
    if request.path.startswith("/api/"):
        return unavailable_problem()
    if request.path.startswith("/ims/"):
        return unavailable_imsx()
    return unavailable_page()
