"""Back to the wallet's authorization request after the learner signs in through /me/."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from learners.views import LEARNER_SESSION_KEY

# Where ob_api.views.authorize keeps the authorization request a signed-out learner started.
NEXT_SESSION_KEY = "ob_api_authorize_next"
AUTHORIZE_PATH = "/ims/ob/v3p0/authorize"


def safe_next(value: object) -> str | None:
    """Only our own authorization endpoint is a place to go back to (no open redirect)."""
    if isinstance(value, str) and (value == AUTHORIZE_PATH or value.startswith(AUTHORIZE_PATH + "?")):
        return value
    return None


class ReturnToAuthorizationMiddleware:
    """When a sign-in link is used (the POST of learners:sign-in succeeded) and the learner had come from an
    authorization request, send them back to it instead of to their collection. The learners app stays
    unaware of OAuth; nothing happens for any other request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            request.method == "POST"
            and match is not None
            and match.view_name == "learners:sign-in"
            and response.status_code == 302
            and hasattr(request, "session")
            and request.session.get(LEARNER_SESSION_KEY)
        ):
            target = safe_next(request.session.pop(NEXT_SESSION_KEY, None))
            if target is not None:
                return HttpResponseRedirect(target)
        return response
