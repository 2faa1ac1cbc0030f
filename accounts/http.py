"""Request types for views behind a sign-in."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """A request that reaches a view only after `login_required` (or `issuer_required`, which includes it).

    For the type checker only: `request.user` there is a signed-in `User`, never `AnonymousUser`, so it can be
    passed as the `actor` of a service.
    """

    user: User
