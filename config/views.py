from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from config.problem_types import PROBLEM_TYPES
from issuer.models import Issuer


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
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    response = HttpResponse("ok\n", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
