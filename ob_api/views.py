"""The Open Badges 3.0 API (OB 3.0 §6): discovery, registration, consent, and the resource endpoints.

The authorization server is django-oauth-toolkit (token and revocation endpoints as they are; the
authorization endpoint with our consent page and the learner's /me/ sign-in). Resource endpoints take
DOT bearer tokens and answer errors as Imsx_StatusInfo.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.views import AuthorizationView

from config import csp
from config.client_address import client_address
from learners.views import LEARNER_SESSION_KEY
from ob_api import selectors, services
from ob_api.errors import ApiError, imsx_api
from ob_api.middleware import NEXT_SESSION_KEY

SCOPE = settings.OB_API_SCOPE_PREFIX
READ_CREDENTIALS = SCOPE + "credential.readonly"
UPSERT_CREDENTIALS = SCOPE + "credential.upsert"
READ_PROFILE = SCOPE + "profile.readonly"
UPDATE_PROFILE = SCOPE + "profile.update"
OB_SCOPES = {
    READ_CREDENTIALS: "Permission to read AchievementCredentials for the authenticated entity.",
    UPSERT_CREDENTIALS: "Permission to create or update AchievementCredentials for the authenticated entity.",
    READ_PROFILE: "Permission to read the profile for the authenticated entity.",
    UPDATE_PROFILE: "Permission to update the profile for the authenticated entity.",
}
# The consent page, in the learner's words and language (OB_SCOPES above are the service description's, in English).
PLAIN_SCOPES = {
    READ_CREDENTIALS: _("See all your badges and credentials on this platform, and those you stored here"),
    UPSERT_CREDENTIALS: _("Store credentials in your collection here, and replace ones it stored before"),
    READ_PROFILE: _("See the profile you keep here for wallets"),
    UPDATE_PROFILE: _("Change the profile you keep here for wallets"),
    "offline_access": _("Stay connected: keep this access until you withdraw it, not only while you use the app"),
}
MAX_PAGE_SIZE = 100
JSON_TYPES = {"application/json", "application/vc+ld+json", "application/ld+json"}
JWS_TYPES = {"text/plain", "application/jwt", "application/vc+jwt"}
DIGITS = re.compile(r"[0-9]{1,9}")


def _url(name: str) -> str:
    return f"{settings.SITE_URL}{reverse(name)}"


# --- discovery ------------------------------------------------------------------------------------


def service_description() -> dict[str, Any]:
    """The profiled OpenAPI 3.0 Service Description Document (OB 3.0 §6.3.2 getServiceDescription)."""

    def operation(operation_id: str, summary: str, scope: str | None) -> dict[str, Any]:
        described: dict[str, Any] = {
            "operationId": operation_id,
            "summary": summary,
            "responses": {"default": {"description": "Imsx_StatusInfo on errors."}},
        }
        if scope:
            described["security"] = [{"OAuth2ACG": [scope]}]
        return described

    return {
        "openapi": "3.0.1",
        "info": {
            "title": "Open Badges platform — Open Badges API",
            "description": "The 1EdTech Open Badges 3.0 API of this platform, for learners' wallets and hosts.",
            "version": "3.0",
            "termsOfService": settings.OB_API_TERMS_OF_SERVICE_URL,
            "x-imssf-privacyPolicyUrl": settings.OB_API_PRIVACY_POLICY_URL,
        },
        "servers": [{"url": f"{settings.SITE_URL}/ims/ob/v3p0", "description": "This platform."}],
        "tags": [{"name": "OpenBadgeCredentials"}, {"name": "Discovery"}],
        "paths": {
            "/credentials": {
                "get": operation("getCredentials", "Get the learner's credentials.", READ_CREDENTIALS),
                "post": operation("upsertCredential", "Store or replace a credential.", UPSERT_CREDENTIALS),
            },
            "/profile": {
                "get": operation("getProfile", "Get the learner's profile.", READ_PROFILE),
                "put": operation("putProfile", "Replace the learner's profile.", UPDATE_PROFILE),
            },
            "/discovery": {"get": operation("getServiceDescription", "This document.", None)},
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 Authorization Code Grant with PKCE (S256) and refresh tokens.",
                    "x-imssf-registrationUrl": _url("ob_api:register"),
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": _url("ob_api:authorize"),
                            "tokenUrl": _url("ob_api:token"),
                            "refreshUrl": _url("ob_api:token"),
                            "scopes": OB_SCOPES,
                        }
                    },
                }
            }
        },
    }


@imsx_api("GET", "HEAD")
def discovery(request: HttpRequest) -> HttpResponse:
    body = json.dumps(service_description(), ensure_ascii=False).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- dynamic client registration ------------------------------------------------------------------


def _registration_error(error: str, description: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@imsx_api("POST")
def register(request: HttpRequest) -> HttpResponse:
    """RFC 7591 registration, open to anyone (OB 3.0 §6.2.3: no initial access token), rate-limited per IP."""
    try:
        metadata = json.loads(request.body)
    except ValueError:
        return _registration_error("invalid_client_metadata", "The request body must be JSON.")
    try:
        client = services.client_register(metadata=metadata, ip_address=client_address(request))
    except services.RegistrationRateLimited:
        response = _registration_error("invalid_client_metadata", "Too many registrations from here.", 429)
        response["Retry-After"] = str(services.REGISTRATION_WINDOW_SECONDS)
        return response
    except services.RegistrationError as error:
        return _registration_error(error.error, error.description)
    application, registration = client.application, client.registration
    body: dict[str, Any] = {
        "client_id": application.client_id,
        "client_secret": client.client_secret,
        "client_id_issued_at": int(application.created.timestamp()),
        "client_secret_expires_at": 0,
        "client_name": application.name,
        "client_uri": registration.client_uri,
        "logo_uri": registration.logo_uri,
        "tos_uri": registration.tos_uri,
        "policy_uri": registration.policy_uri,
        "software_id": registration.software_id,
        "software_version": registration.software_version,
        "redirect_uris": application.redirect_uris.split(),
        "scope": registration.scope,
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    }
    if registration.contacts:
        body["contacts"] = registration.contacts
    response = JsonResponse(body, status=201)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


# --- authorization (consent) ----------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class LearnerAuthorizationView(AuthorizationView):
    """DOT's authorization endpoint for learners: the learner is the /me/ address in the session, stood for
    by a Django user made on demand (services.learner_user_get_or_create). A learner who is not signed in
    goes through /me/ and comes back here (ob_api.middleware)."""

    template_name = "ob_api/authorize.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = request.session.get(LEARNER_SESSION_KEY)
        if not email:
            if request.method == "GET":
                request.session[NEXT_SESSION_KEY] = request.get_full_path()
                messages.info(request, gettext("Sign in to your credentials to connect an app to them."))
                return HttpResponseRedirect(f"{reverse('learners:start')}?{urlencode({'next': request.path})}")
            return HttpResponseRedirect(reverse("learners:start"))
        # The page header shows whoever is signed in on the site, not the stand-in user.
        self.site_user = request.user
        self.learner_email = email
        request.user = services.learner_user_get_or_create(email=email)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        application = context.get("application")
        context["registration"] = getattr(application, "ob_registration", None) if application else None
        context["plain_scopes"] = [PLAIN_SCOPES.get(scope, scope) for scope in context.get("scopes", [])]
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        # Error pages come straight here (DOT's error_response), so the page's user is set here for both.
        context = {**context, "user": self.site_user, "learner_email": self.learner_email}
        response = super().render_to_response(context, **kwargs)
        # The consent form posts here and is answered with a redirect to the wallet, which Chromium checks against
        # this page's form-action; the wallet's logo comes from its own host (docs/decisions.md D35).
        registration = context.get("registration")
        csp.allow(
            response,
            form_action=[context.get("redirect_uri") or ""],
            img_src=[registration.logo_uri if registration else ""],
        )
        return response


# --- resource endpoints ---------------------------------------------------------------------------


def _learner_email(request: HttpRequest, scope: str) -> str:
    """The learner a bearer token stands for; 401 without a valid token, 403 when it lacks `scope`."""
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None)
    if not valid or token is None:
        raise ApiError(401, "A valid bearer access token is required.", "unauthorizedrequest")
    if not token.allow_scopes([scope]):
        raise ApiError(403, f"The access token does not have the scope {scope}.", "forbidden")
    email = services.learner_email_for_user(token.user)
    if email is None:
        raise ApiError(403, "The access token does not stand for a learner.", "forbidden")
    return email


def _query_int(request: HttpRequest, name: str, *, minimum: int, default: int) -> int:
    value = request.GET.get(name)
    if value is None:
        return default
    if not DIGITS.fullmatch(value) or int(value) < minimum:
        raise ApiError(400, f"{name} must be an integer of at least {minimum}.", "invalid_query_parameter")
    return int(value)


def _query_since(request: HttpRequest) -> datetime | None:
    value = request.GET.get("since")
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(
            400, "since must be an ISO 8601 date-time (YYYY-MM-DDThh:mm:ssZ).", "invalid_query_parameter"
        ) from None
    if "T" not in value.upper():
        raise ApiError(400, "since must include a time.", "invalid_query_parameter")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _paging_links(request: HttpRequest, *, total: int, limit: int, offset: int) -> str:
    base = f"{settings.SITE_URL}{request.path}"
    extra = {"since": request.GET["since"]} if "since" in request.GET else {}

    def link(rel: str, at: int) -> str:
        return f'<{base}?{urlencode({"limit": limit, "offset": at, **extra})}>; rel="{rel}"'

    last = ((total - 1) // limit) * limit if total else 0
    links = []
    if offset + limit < total:
        links.append(link("next", offset + limit))
    links.append(link("last", last))
    links.append(link("first", 0))
    if offset > 0:
        links.append(link("prev", max(min(offset - limit, last), 0)))
    return ", ".join(links)


def _media_type(request: HttpRequest) -> str:
    return request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()


def _body_text(request: HttpRequest) -> str:
    try:
        return request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "The request body must be UTF-8 text.", "invalid_data") from None


@csrf_exempt
@imsx_api("GET", "POST")
def credentials(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _upsert_credential(request)
    email = _learner_email(request, READ_CREDENTIALS)
    limit = min(_query_int(request, "limit", minimum=1, default=MAX_PAGE_SIZE), MAX_PAGE_SIZE)
    offset = _query_int(request, "offset", minimum=0, default=0)
    since = _query_since(request)
    page = selectors.learner_credentials_page(email=email, since=since, limit=limit, offset=offset)
    response = JsonResponse({"credential": page.credentials, "compactJwsString": page.compact_jws})
    response["X-Total-Count"] = str(page.total)
    response["Link"] = _paging_links(request, total=page.total, limit=limit, offset=offset)
    response["Cache-Control"] = "no-store"
    return response


def _upsert_credential(request: HttpRequest) -> HttpResponse:
    email = _learner_email(request, UPSERT_CREDENTIALS)
    media_type = _media_type(request)
    if media_type not in JSON_TYPES | JWS_TYPES:
        raise ApiError(
            415,
            "Send the credential as application/json (or application/vc+ld+json), or a compact JWS as text/plain.",
            "invalid_data",
        )
    body = _body_text(request).strip()
    if not body:
        raise ApiError(400, "The request body is empty.", "invalid_data")
    try:
        result = services.stored_credential_upsert(email=email, body=body, content_type=media_type)
    except services.CredentialRefused as refused:
        raise ApiError(400, str(refused), "invalid_data") from None
    content_type = "text/plain" if media_type in JWS_TYPES else media_type
    response = HttpResponse(body, status=201 if result.created else 200, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@imsx_api("GET", "PUT")
def profile(request: HttpRequest) -> HttpResponse:
    if request.method == "PUT":
        email = _learner_email(request, UPDATE_PROFILE)
        if _media_type(request) not in JSON_TYPES:
            raise ApiError(415, "Send the Profile as application/json.", "invalid_data")
        try:
            document = json.loads(_body_text(request))
        except ValueError:
            raise ApiError(400, "The request body must be a JSON Profile.", "invalid_data") from None
        try:
            stored = services.learner_api_profile_put(email=email, document=document)
        except services.ProfileRefused as refused:
            raise ApiError(400, str(refused), "invalid_data") from None
        response = JsonResponse(stored.document)
    else:
        email = _learner_email(request, READ_PROFILE)
        found = selectors.learner_api_profile(email=email)
        if found is None:
            raise ApiError(404, "No profile yet: a wallet can create one with putProfile.", "not_found")
        response = JsonResponse(found.document)
    response["Cache-Control"] = "no-store"
    return response
