import sys

from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.http import require_safe

from config.problem_types import PROBLEM_TYPES
from config.problems import unavailable_problem
from config.unavailable import RETRY_AFTER_SECONDS, is_database_unavailable, unavailable_page
from issuer.models import Issuer
from ob_api.errors import unavailable_imsx


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
