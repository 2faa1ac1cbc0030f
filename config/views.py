import functools
import json
import logging
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext
from django.views import defaults, i18n
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from config.client_address import client_address
from config.http_cache import conditional
from config.problem_types import PROBLEM_TYPES
from config.problems import plain_problem, unavailable_problem
from config.ratelimit import hit
from config.unavailable import RETRY_AFTER_SECONDS, is_database_unavailable, unavailable_page
from issuer.models import Issuer
from ob_api.errors import imsx_response, unavailable_imsx

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    issuers = Issuer.objects.annotate(credential_count=Count("credentials")).order_by("name")[:50]
    return render(request, "home.html", {"issuers": issuers})


@require_safe
def problem_type(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """What an error `type` of our APIs means (RFC 9457 asks that the type URI be dereferenceable); the list of all
    of them without a slug."""
    # The page reads in the reader's language; the API's `title` stays the English of config.problem_types.
    if slug is None:
        types = [(each, (gettext(title), gettext(text))) for each, (title, text) in sorted(PROBLEM_TYPES.items())]
        return render(request, "errors/problem_types.html", {"types": types})
    if slug not in PROBLEM_TYPES:
        raise Http404("No such error type.")
    title, text = PROBLEM_TYPES[slug]
    return render(request, "errors/problem_type.html", {"slug": slug, "title": gettext(title), "text": gettext(text)})


# The files browsers and phones ask for at the site's root whatever the page says (static/icons, drawn by
# scripts/make_icons.py). Their names never change, so they are kept a week, not the year of the hashed static files.
ROOT_ICONS = {
    "favicon.ico": ("icons/favicon.ico", "image/x-icon"),
    "apple-touch-icon.png": ("icons/apple-touch-icon.png", "image/png"),
}
ROOT_FILE_CACHE = "public, max-age=604800"
# The manifest names the icons by their hashed static URLs, which change with a release: a day.
MANIFEST_CACHE = "public, max-age=86400"


@require_safe
def root_icon(request: HttpRequest, name: str) -> HttpResponseBase:
    static_name, content_type = ROOT_ICONS[name]
    response = HttpResponse(_static_bytes(static_name), content_type=content_type)
    return conditional(request, response, cache_control=ROOT_FILE_CACHE)


@functools.cache
def _static_bytes(name: str) -> bytes:
    """A static file's bytes, read once per process: from the source tree, which every deployment carries."""
    path = finders.find(name)
    if not isinstance(path, str):
        raise Http404("No such file.")
    return Path(path).read_bytes()


@require_safe
def site_manifest(request: HttpRequest) -> HttpResponseBase:
    """The web app manifest: the site's name, colours and icons for a phone's home screen or a browser's tab."""
    manifest = {
        "name": "Open Badges",
        "short_name": "Open Badges",
        "description": "Award, keep and verify Open Badges 3.0 credentials.",
        "start_url": "/",
        "scope": "/",
        "display": "minimal-ui",
        "background_color": "#ffffff",
        "theme_color": "#0b57d0",
        "icons": [
            {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = HttpResponse(json.dumps(manifest, indent=2), content_type="application/manifest+json")
    return conditional(request, response, cache_control=MANIFEST_CACHE)


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


# Without a CSRF token (D51): a forged request can only change which language its victim's next pages are read in,
# while a token in every page's switcher would give every anonymous reader a cookie, and shared caches could no
# longer keep the public pages (D40). Django's view still follows only a `next` on this site, and only by POST.
set_language = csrf_exempt(require_POST(i18n.set_language))


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


# What the API error bodies say when Django's handlers answer for them (no view of the API ran, or it raised past
# its own handler).
_API_ERROR_DETAIL = {
    400: "The request could not be read: it is larger than allowed, has too many fields, or names a host this site "
    "does not answer to.",
    403: "You are not allowed to do this.",
    404: "There is nothing at this address.",
    500: "Something went wrong on our side; it has been logged.",
}


def _api_error(request: HttpRequest, status: int) -> HttpResponse | None:
    """The error in the shape of the API the path belongs to: problem+json under /api/, Imsx_StatusInfo under
    /ims/ (their clients parse JSON and must never get the site's HTML pages); None for any other path."""
    if request.path.startswith("/api/"):
        return plain_problem(status, _API_ERROR_DETAIL[status])
    if request.path.startswith("/ims/"):
        return imsx_response(status, _API_ERROR_DETAIL[status])
    return None


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400 (a request refused before any view read it: too large, too many fields, a bad host): the API's
    shape under its paths, else templates/400.html."""
    return _api_error(request, 400) or defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: the API's shape under its paths, else templates/403.html."""
    return _api_error(request, 403) or defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: the API's shape under its paths, else templates/404.html."""
    return _api_error(request, 404) or defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that cannot answer is a 503 in the route's own shape (config.unavailable); anything
    else a 500 in the route's shape, templates/500.html for pages (rendered without the request: whatever failed
    may fail again)."""
    if not is_database_unavailable(sys.exc_info()[1]):
        return _api_error(request, 500) or defaults.server_error(request)
    if request.path.startswith("/api/"):
        return unavailable_problem()
    if request.path.startswith("/ims/"):
        return unavailable_imsx()
    return unavailable_page()
