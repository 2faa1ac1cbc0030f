"""The site's URLconf with views that fail on purpose, for tests/test_error_pages.py: Django's error handlers are
those of the URLconf in use, so they are named here as in config.urls."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as site_patterns

SECRET = "settings.SECRET_KEY=do-not-show-me"


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"a bug that must stay in the log: {SECRET}")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("Your role (Viewer) does not allow this.")


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(f"a refused request whose reason stays in the log: {SECRET}")


def database_down(request: HttpRequest) -> HttpResponse:
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("fails", fails),
    path("forbidden", forbidden),
    path("database-down", database_down),
    path("suspicious", suspicious),
    path("api/suspicious", suspicious),
    path("ims/suspicious", suspicious),
    path("api/fails", fails),
    path("api/forbidden", forbidden),
    path("ims/fails", fails),
    *site_patterns,
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
