"""Back to the wallet's authorization request after the learner signs in through /me/."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from oauth2_provider.models import get_application_model

from config import csp
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
    authorization request, send them back to it instead of to their collection; on the sign-in page before
    that POST, let its form end at the wallet (`_allow_the_wallet`). The learners app stays unaware of OAuth;
    nothing happens for any other request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if request.method == "GET" and match is not None and match.view_name == "learners:sign-in":
            _allow_the_wallet(request, response)
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


def _allow_the_wallet(request: HttpRequest, response: HttpResponse) -> None:
    """The sign-in page's form may end at the wallet: its POST is sent back to the authorization request, which
    redirects straight to the wallet when the learner allowed it before (approval_prompt=auto). Chromium checks
    every redirect after a form post against the page's form-action, so the page names the wallet's registered
    redirect URI (docs/decisions.md D35)."""
    target = safe_next(request.session.get(NEXT_SESSION_KEY)) if hasattr(request, "session") else None
    if target is None or response.status_code != 200:
        return
    params = parse_qs(urlsplit(target).query)
    client_id = params.get("client_id", [""])[0]
    application = get_application_model().objects.filter(client_id=client_id).first() if client_id else None
    if application is None:
        return
    # A request without redirect_uri is answered at the client's default one.
    redirect_uri = params.get("redirect_uri", [""])[0] or application.default_redirect_uri
    if redirect_uri and application.redirect_uri_allowed(redirect_uri):
        csp.allow(response, form_action=[redirect_uri])
