"""The authorization matrix: every route of the URL configuration, every operation of the integrator API's OpenAPI
schema and of the Open Badges API's service description, asked by every kind of visitor, answers as its rule in
the tables below says (D12, D34).

Visitors: anonymous; B's owner ("stranger"); each role of issuer A (owner, editor, awarder, viewer); a platform
superuser ("root", who has no role in any issuer: issuer pages treat them as a stranger, D12); a signed-in learner;
on the integrator API also A's token with every scope, A's read-only token and B's token; on the Open Badges API
also a wallet's OAuth token for the learner. Every route is asked with GET and POST; API operations with their
schema's methods.

A route, path or operation without a rule fails with its name: a new route cannot ship without deciding who may
use it. The world (tests/authz_world.py) is built once per module; each test's requests run in a savepoint that
is rolled back, so a POST that changes something (an owner's revoke) leaves nothing for the next test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from issuer.permissions import ROLE_ACTIONS, STACKING_WRITE, Action
from tests import authz_world
from tests.authz_world import ROLES, World, client_for

SESSIONS = (None, "stranger", *ROLES, "root", "learner")
API_TOKENS = ("a-token", "a-read-token", "b-token")
OAUTH = "oauth-learner"
LOGIN = "/accounts/login/?next="
ADMIN_LOGIN = "/admin/login/?next="
DENIED = {401, 403, 404}


# --- what an answer must be ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    says: str
    passes: Callable[[Any], bool]


def exactly(status: int) -> Check:
    return Check(f"{status}", lambda response: response.status_code == status)


def redirected_to(prefix: str) -> Check:
    return Check(
        f"302 to {prefix}…",
        lambda response: response.status_code == 302 and response["Location"].startswith(prefix),
    )


def served(*also: int) -> Check:
    """Let through: anything but a refusal (2xx, 3xx that is no sign-in page, 400 for an empty form, 405 for a
    method the view does not take, 409 for a state that refuses…); `also` names refusals that are the right
    answer for everyone (a catch-all's 404)."""

    def passes(response: Any) -> bool:
        if response.status_code in DENIED - set(also):
            return False
        location = response.get("Location", "") if response.status_code in (301, 302) else ""
        return not location.startswith((LOGIN, ADMIN_LOGIN, "/me/?"))

    return Check("let through (not 401/403/404, no sign-in redirect)" + (f", or {also}" if also else ""), passes)


class Access:
    """Who may use a route with one method."""

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        raise NotImplementedError


@dataclass(frozen=True)
class Public(Access):
    """Anyone: nothing here is anyone's in particular (or, with `also`, the same refusal for everyone)."""

    also: tuple[int, ...] = ()

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        return served(*self.also)


@dataclass(frozen=True)
class Always(Access):
    """The same status for everyone, before anyone is asked who they are (405 for a method the view refuses)."""

    status: int

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        return exactly(self.status)


NOT_ALLOWED = Always(405)


@dataclass(frozen=True)
class SignedIn(Access):
    """Any staff account (login_required); `allowed=False`: signed in, the method is then 405."""

    allowed: bool = True

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        if identity in (None, "learner"):
            return redirected_to(LOGIN)
        return served() if self.allowed else exactly(405)


@dataclass(frozen=True)
class Learner(Access):
    """A signed-in learner (the /me/ session); anyone else is sent to the learner's sign-in page."""

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        return served() if identity == "learner" else redirected_to("/me/")


@dataclass(frozen=True)
class IssuerPage(Access):
    """An issuer UI page needing `actions` of A: anonymous → sign-in; not staff of A (B's owner, a superuser) →
    404, A's existence is not revealed; a role without every action → 403; with them → let through."""

    actions: tuple[Action, ...]

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        if identity in (None, "learner"):
            return redirected_to(LOGIN)
        if identity in ("stranger", "root"):
            return exactly(404)
        return served() if set(self.actions) <= ROLE_ACTIONS[identity] else exactly(403)


@dataclass(frozen=True)
class IssuerApi(Access):
    """An integrator API operation needing `actions` of A: without credentials 401; B's owner, a superuser and
    B's token 404; a role or token without every action 403; with them let through. An undocumented method is
    refused the same way, then 405 for whoever passes."""

    actions: tuple[Action, ...]

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        if identity in (None, "learner", OAUTH):
            return exactly(401)
        if identity in ("stranger", "root", "b-token"):
            return exactly(404)
        if identity == "a-token":
            allowed = True
        elif identity == "a-read-token":
            allowed = set(self.actions) <= {Action.VIEW}
        else:
            allowed = set(self.actions) <= ROLE_ACTIONS[str(identity)]
        if not allowed:
            return exactly(403)
        return served() if documented else exactly(405)


@dataclass(frozen=True)
class IssuerToken(Access):
    """A VC-API issuer operation (/api/vc/): only an issuer's API token with `credentials:write` (the issuer is the
    token's, the URL names none): without credentials 401; a session or a token without the scope 403; A's and
    B's tokens let through (each acts on its own issuer); 405 for a method the view does not take."""

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        if identity in (None, "learner", OAUTH):
            return exactly(401)
        if identity in ("a-token", "b-token"):
            return served() if documented else exactly(405)
        return exactly(403)


@dataclass(frozen=True)
class PlatformAdmin(Access):
    """Django admin: a superuser passes its gate (what a ModelAdmin then allows is its own policy: adding to the
    append-only audit log is 403 for them too); everyone else is sent to the admin's sign-in."""

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        if identity != "root":
            return redirected_to(ADMIN_LOGIN)
        return Check(
            "past the admin's sign-in (not 401, no admin sign-in redirect)",
            lambda response: response.status_code != 401 and not response.get("Location", "").startswith(ADMIN_LOGIN),
        )


@dataclass(frozen=True)
class OAuthResource(Access):
    """An OB 3.0 API resource: only a bearer access token a learner granted; a session or an API token is not one."""

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        return served() if identity == OAUTH else exactly(401)


@dataclass(frozen=True)
class OAuthClient(Access):
    """The OAuth server's token endpoints: the client's own credentials are the authorization; none of the
    visitors here is a registered client, so each is refused as OAuth says (400 invalid request, 401 client)."""

    def check(self, identity: str | None, *, documented: bool = True) -> Check:
        return Check("400 or 401", lambda response: response.status_code in (400, 401))


@dataclass(frozen=True)
class Rule:
    read: Access  # GET
    write: Access  # POST


VC_API_TOKEN = Rule(IssuerToken(), IssuerToken())


def page(*actions: Action, write: Access | None = None) -> Rule:
    """An issuer page read with `actions` (VIEW if none); POST needs `write` (the same actions if None)."""
    read = IssuerPage(actions or (Action.VIEW,))
    return Rule(read, write if write is not None else read)


def form(*actions: Action) -> Rule:
    """An issuer page showing a form (GET) and taking it (POST), both needing `actions`."""
    return Rule(IssuerPage(actions), IssuerPage(actions))


def post_only(*actions: Action) -> Rule:
    return Rule(NOT_ALLOWED, IssuerPage(actions))


VIEW_ONLY = page(write=NOT_ALLOWED)
PUBLIC_GET = Rule(Public(), NOT_ALLOWED)
PUBLIC_FORM = Rule(Public(), Public())
VIEW, EDIT, AWARD = Action.VIEW, Action.EDIT_ACHIEVEMENTS, Action.AWARD
KEYS, STAFF, PROFILE = Action.MANAGE_KEYS, Action.MANAGE_STAFF, Action.EDIT_PROFILE

# --- the rule of every route (the URL configuration's own spelling) ------------------------------------------

RULES: dict[str, Rule] = {
    # site-wide
    "": PUBLIC_GET,
    "healthz": PUBLIC_GET,
    "favicon.ico": PUBLIC_GET,
    "apple-touch-icon.png": PUBLIC_GET,
    "site.webmanifest": PUBLIC_GET,
    "media/<path:name>": PUBLIC_GET,
    "errors/": PUBLIC_GET,
    "errors/<slug:slug>": PUBLIC_GET,
    "api/schema/": PUBLIC_GET,
    "api/docs/": PUBLIC_GET,
    "csp-report": Rule(NOT_ALLOWED, Public()),  # browsers post violation reports, signed in or not (D35)
    "i18n/setlang/": Rule(NOT_ALLOWED, Public()),  # the language switcher, signed in or not (D51)
    # staff accounts
    "accounts/login/": PUBLIC_FORM,
    "accounts/logout/": Rule(NOT_ALLOWED, Public()),
    "accounts/password-reset/": PUBLIC_FORM,
    "accounts/password-reset/sent/": PUBLIC_GET,
    "accounts/reset/<uidb64>/<token>/": PUBLIC_FORM,
    "accounts/reset/done/": PUBLIC_GET,
    "accounts/password/": Rule(SignedIn(), SignedIn()),
    "accounts/password/done/": Rule(SignedIn(), SignedIn(allowed=False)),
    # issuers: public documents, the management area
    "issuers/<slug:slug>/did.json": PUBLIC_GET,
    r"^brand/(?P<color>[0-9a-f]{6})\.css$": PUBLIC_GET,  # an issuer's colour as a stylesheet (issuer.branding)
    "manage/": Rule(SignedIn(), NOT_ALLOWED),
    "manage/<slug:slug>/": VIEW_ONLY,
    "manage/<slug:slug>/profile/": page(write=IssuerPage((PROFILE,))),
    "manage/<slug:slug>/keys/": VIEW_ONLY,
    "manage/<slug:slug>/keys/rotate/": post_only(KEYS),
    "manage/<slug:slug>/keys/<str:key_id>/compromise/": form(KEYS),
    "manage/<slug:slug>/staff/": VIEW_ONLY,
    "manage/<slug:slug>/staff/invite/": post_only(STAFF),
    "manage/<slug:slug>/staff/<int:membership_id>/role/": post_only(STAFF),
    "manage/<slug:slug>/staff/<int:membership_id>/remove/": form(STAFF),
    "manage/<slug:slug>/staff/invitations/<int:invitation_id>/revoke/": post_only(STAFF),
    "manage/<slug:slug>/audit/": VIEW_ONLY,
    "invitations/<str:token>/": PUBLIC_FORM,  # the e-mailed token is the authorization (D13)
    # credentials, achievements: public pages
    "credentials/<uuid:uuid>": PUBLIC_GET,
    "credentials/<uuid:uuid>/share/<slug:target>": PUBLIC_GET,  # a counted redirect to LinkedIn or an e-mail
    "credentials/<uuid:uuid>/clr": PUBLIC_GET,
    "issuers/<slug:slug>/status/<str:purpose>/<int:sequence>": PUBLIC_GET,
    "issuers/<slug:slug>/": PUBLIC_GET,
    "achievements/<uuid:uuid>": PUBLIC_GET,
    "verify": PUBLIC_FORM,
    "verify/<uuid:uuid>": PUBLIC_GET,
    "api/v1/verify": Rule(NOT_ALLOWED, Public()),
    # the VC-API (D61): verifying is public like api/v1/verify; issuing and status take an issuer's token
    "api/vc/credentials/verify": Rule(NOT_ALLOWED, Public()),
    "api/vc/presentations/verify": Rule(NOT_ALLOWED, Public()),
    "api/vc/credentials/issue": VC_API_TOKEN,
    "api/vc/credentials/status": VC_API_TOKEN,
    # achievements, awards
    "manage/<slug:slug>/achievements/": VIEW_ONLY,
    "manage/<slug:slug>/achievements/new/": form(EDIT),
    "manage/<slug:slug>/achievements/preview/": post_only(EDIT),
    "manage/<slug:slug>/achievements/<int:pk>/": VIEW_ONLY,
    "manage/<slug:slug>/achievements/<int:pk>/edit/": form(EDIT),
    "manage/<slug:slug>/achievements/<int:pk>/archive/": post_only(EDIT),
    "manage/<slug:slug>/awards/": VIEW_ONLY,
    "manage/<slug:slug>/awards/export.csv": VIEW_ONLY,
    "manage/<slug:slug>/analytics.csv": VIEW_ONLY,
    "manage/<slug:slug>/awards/new/": form(AWARD),
    "manage/<slug:slug>/awards/revoke/": post_only(AWARD),
    "manage/<slug:slug>/awards/<uuid:uuid>/": VIEW_ONLY,
    "manage/<slug:slug>/awards/<uuid:uuid>/revoke/": form(AWARD),
    "manage/<slug:slug>/awards/<uuid:uuid>/suspend/": form(AWARD),
    "manage/<slug:slug>/awards/<uuid:uuid>/unsuspend/": form(AWARD),
    "manage/<slug:slug>/awards/<uuid:uuid>/renew/": form(AWARD),
    "manage/<slug:slug>/awards/<uuid:uuid>/correct/": form(AWARD),
    "manage/<slug:slug>/awards/<uuid:uuid>/resend/": form(AWARD),
    # bulk
    "manage/<slug:slug>/bulk/": VIEW_ONLY,
    "manage/<slug:slug>/bulk/new/": form(AWARD),
    "manage/<slug:slug>/bulk/template.csv": VIEW_ONLY,
    "manage/<slug:slug>/bulk/<uuid:uuid>/": VIEW_ONLY,
    "manage/<slug:slug>/bulk/<uuid:uuid>/progress.json": VIEW_ONLY,
    "manage/<slug:slug>/bulk/<uuid:uuid>/results.csv": VIEW_ONLY,
    "manage/<slug:slug>/bulk/<uuid:uuid>/start/": post_only(AWARD),
    "manage/<slug:slug>/bulk/<uuid:uuid>/pause/": post_only(AWARD),
    "manage/<slug:slug>/bulk/<uuid:uuid>/cancel/": post_only(AWARD),
    "manage/<slug:slug>/bulk/<uuid:uuid>/undo/": post_only(AWARD),
    # learners
    "me/": PUBLIC_FORM,
    "me/sign-in/<str:token>/": PUBLIC_FORM,  # the e-mailed token is the authorization (D18)
    "me/sign-out/": Rule(NOT_ALLOWED, Public()),
    "me/credentials/": Rule(Learner(), NOT_ALLOWED),
    "me/credentials.zip": Rule(Learner(), NOT_ALLOWED),
    "me/credentials/<uuid:uuid>/visibility/": Rule(NOT_ALLOWED, Learner()),
    "me/profile/": Rule(NOT_ALLOWED, Learner()),
    "me/language/": Rule(NOT_ALLOWED, Learner()),
    "me/qualifications/<uuid:uuid>/": Rule(Learner(), NOT_ALLOWED),
    "learners/<slug:slug>/": PUBLIC_GET,
    # sending a credential to the learner's backpack: their own credentials only (another's is 404 to them)
    "me/backpack/<uuid:uuid>/": Rule(Learner(), Learner()),
    "me/backpack/callback/": Rule(Learner(), NOT_ALLOWED),
    # stacking: a rule or a partnership awards, so writing one takes EDIT_ACHIEVEMENTS and AWARD (D34)
    "manage/<slug:slug>/qualifications/": VIEW_ONLY,
    "manage/<slug:slug>/qualifications/new/": form(*STACKING_WRITE),
    "manage/<slug:slug>/qualifications/<uuid:uuid>/": form(*STACKING_WRITE),
    "manage/<slug:slug>/qualifications/<uuid:uuid>/apply/": form(*STACKING_WRITE),
    "manage/<slug:slug>/qualifications/<uuid:uuid>/deactivate/": form(*STACKING_WRITE),
    "manage/<slug:slug>/partnerships/": VIEW_ONLY,
    "manage/<slug:slug>/partnerships/request/": post_only(*STACKING_WRITE),
    "manage/<slug:slug>/partnerships/<int:pk>/<slug:decision>/": post_only(*STACKING_WRITE),
    # endorsements (D63): giving one signs with the issuer's key, as an award does; what others' endorsements show
    # on the issuer's pages and in its credentials is decided by those who word its profile
    "manage/<slug:slug>/endorsements/": VIEW_ONLY,
    "manage/<slug:slug>/endorsements/new/": post_only(AWARD),
    "manage/<slug:slug>/endorsements/add/": post_only(Action.EDIT_PROFILE),
    "manage/<slug:slug>/endorsements/<uuid:uuid>/withdraw/": post_only(AWARD),
    "manage/<slug:slug>/endorsements/<uuid:uuid>/<slug:decision>/": post_only(Action.EDIT_PROFILE),
    # webhooks, API tokens: they act for the whole issuer, like keys
    "manage/<slug:slug>/webhooks/": form(KEYS),
    "manage/<slug:slug>/webhooks/<uuid:uuid>/": form(KEYS),
    "manage/<slug:slug>/webhooks/<uuid:uuid>/rotate/": post_only(KEYS),
    "manage/<slug:slug>/webhooks/<uuid:uuid>/delete/": post_only(KEYS),
    "manage/<slug:slug>/webhooks/<uuid:uuid>/enable/": post_only(KEYS),
    "manage/<slug:slug>/webhooks/<uuid:uuid>/ping/": post_only(KEYS),
    "manage/<slug:slug>/api-tokens/": form(KEYS),
    "manage/<slug:slug>/api-tokens/<str:prefix>/revoke/": post_only(KEYS),
    # the integrator API: its issuer routes are ruled by API_RULES; any other path is a problem 404
    "api/v1/^.*$": Rule(Public(also=(404,)), Public(also=(404,))),
    # the Open Badges API (its resources' other methods: test_ob_api_operation)
    "ims/ob/v3p0/discovery": Rule(Public(), NOT_ALLOWED),
    "ims/ob/v3p0/register": Rule(NOT_ALLOWED, Public()),
    "ims/ob/v3p0/authorize": Rule(Learner(), Learner()),
    "ims/ob/v3p0/token": Rule(NOT_ALLOWED, OAuthClient()),
    "ims/ob/v3p0/revoke": Rule(NOT_ALLOWED, OAuthClient()),
    "ims/ob/v3p0/credentials": Rule(OAuthResource(), OAuthResource()),
    "ims/ob/v3p0/profile": Rule(OAuthResource(), NOT_ALLOWED),
    "ims/ob/v3p0/^(?P<rest>.*)$": Rule(Public(also=(404,)), Public(also=(404,))),
    # wallets: the learner's offer page; the OpenID4VCI documents and endpoints, whose authorization is what the
    # wallet presents (a pre-authorized code, an access token), never a session: the credential endpoint refuses
    # every visitor here alike, none of them holding a token
    "me/credentials/<uuid:uuid>/wallet/": Rule(Learner(), Learner()),
    ".well-known/openid-credential-issuer": PUBLIC_GET,
    ".well-known/oauth-authorization-server": PUBLIC_GET,
    "oid4vci/token": Rule(NOT_ALLOWED, Public()),
    "oid4vci/nonce": Rule(NOT_ALLOWED, Public()),
    "oid4vci/credential": Rule(NOT_ALLOWED, Always(401)),
    # Django admin: its sign-in and sign-out pages are anyone's; every other page is the platform admin's
    "admin/login/": PUBLIC_FORM,
    "admin/logout/": Rule(Public(), Public()),
}
# Routes ruled by their beginning: every page the admin site adds for a model.
PREFIX_RULES: dict[str, Rule] = {"admin/": Rule(PlatformAdmin(), PlatformAdmin())}

# --- the integrator API, by schema path: what reading (GET) and every other method need ----------------------

ISSUER_API = "/api/v1/issuers/{slug}"


def api(write: tuple[Action, ...]) -> Rule:
    return Rule(IssuerApi((VIEW,)), IssuerApi(write))


API_RULES: dict[str, Rule] = {
    ISSUER_API: api((PROFILE,)),
    **{
        ISSUER_API + suffix: api((EDIT,))
        for suffix in ("/achievements", "/achievements/{uuid}", "/achievements/{uuid}/archive")
    },
    ISSUER_API + "/achievements/{uuid}/unarchive": api((EDIT,)),
    **{
        ISSUER_API + suffix: api((AWARD,))
        for suffix in (
            "/credentials",
            "/credentials/{uuid}",
            "/credentials/{uuid}/revoke",
            "/credentials/{uuid}/suspend",
            "/credentials/{uuid}/unsuspend",
            "/credentials/{uuid}/renew",
            "/credentials/{uuid}/correct",
            "/credentials/{uuid}/resend",
        )
    },
    **{
        ISSUER_API + suffix: api((AWARD,))
        for suffix in (
            "/bulk-jobs",
            "/bulk-jobs/{uuid}",
            "/bulk-jobs/{uuid}/rows",
            "/bulk-jobs/{uuid}/results",
            "/bulk-jobs/{uuid}/start",
            "/bulk-jobs/{uuid}/pause",
            "/bulk-jobs/{uuid}/cancel",
            "/bulk-jobs/{uuid}/undo",
        )
    },
    **{
        ISSUER_API + suffix: api(STACKING_WRITE)
        for suffix in (
            "/qualifications",
            "/qualifications/{uuid}",
            "/qualifications/{uuid}/deactivate",
            "/qualifications/{uuid}/progress",
        )
    },
    "/api/v1/verify": Rule(NOT_ALLOWED, Public()),
    "/api/vc/credentials/verify": Rule(NOT_ALLOWED, Public()),
    "/api/vc/presentations/verify": Rule(NOT_ALLOWED, Public()),
    "/api/vc/credentials/issue": VC_API_TOKEN,
    "/api/vc/credentials/status": VC_API_TOKEN,
}

# --- the routes, the schema's operations -----------------------------------------------------------------------


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


ROUTES = list(dict.fromkeys(_walk(get_resolver().url_patterns)))
SCHEMA_PATHS: dict[str, list[str]] = {
    path: [method.upper() for method in operations if method in ("get", "post", "put", "patch", "delete")]
    for path, operations in SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
}
OPERATIONS = [(path, method) for path, methods in SCHEMA_PATHS.items() for method in methods]


def _ob_api_operations() -> list[tuple[str, str]]:
    from ob_api.views import service_description

    paths = service_description()["paths"]
    return [(path, method.upper()) for path, operations in paths.items() for method in operations]


OB_API_OPERATIONS = _ob_api_operations()


def schema_path(route: str) -> str | None:
    """The schema's spelling of an integrator API route (`<slug:slug>` → `{slug}`), or None for other routes."""
    if not route.startswith("api/v1/") or "^" in route:
        return None
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def rule_for(route: str) -> Rule:
    if route in RULES:
        return RULES[route]
    for prefix, rule in PREFIX_RULES.items():
        if route.startswith(prefix):
            return rule
    pytest.fail(
        f"No authorization rule for the route {route!r}: add one to RULES in tests/test_authorization_matrix.py "
        "(who may GET it, who may POST to it).",
        pytrace=False,
    )


# --- URLs from the world ---------------------------------------------------------------------------------------

UUID_OF = {
    "awards": "credential",
    "credentials": "credential",
    "verify": "credential",
    "achievements": "achievement",
    "qualifications": "qualification",
    "bulk": "job",
    "bulk-jobs": "job",
    "webhooks": "endpoint",
    "backpack": "credential",
    "endorsements": "endorsement",
}
REGEX_VALUES = {"app_label": "issuer", "url": "nowhere/", "rest": "nowhere", "color": "7a1f5c"}


def _value(name: str, before: str, route: str, world: World) -> str:
    """A URL keyword argument's value, by its name and the path segment before it."""
    objects = world.objects
    if name == "slug":
        if route.startswith("learners/"):
            return objects["learner_profile"].slug
        return "not-found" if route.startswith("errors/") else world.a.slug
    if name == "uuid":
        kind = "stacked" if route.endswith("/clr") else UUID_OF[before]
        kind = "endorsement_given" if route.endswith("/withdraw/") else kind
        return str(objects[kind].uuid)
    if name == "pk":
        return str(objects["achievement" if before == "achievements" else "partnership"].pk)
    if name == "token":
        return {"invitations": objects["invitation_token"], "sign-in": objects["sign_in_token"]}.get(
            before, objects["reset_token"]
        )
    values = {
        "name": objects["media_name"],
        "key_id": objects["key"].key_id,
        "membership_id": str(objects["membership"].pk),
        "invitation_id": str(objects["invitation"].pk),
        "prefix": objects["token"].prefix,
        "purpose": "revocation",
        "sequence": str(objects["credential"].status_sequence),
        "decision": "accept",
        "target": "linkedin",
        "uidb64": objects["reset_uid"],
        "object_id": str(objects["credential"].pk),
        "content_type_id": "1",
        "id": str(world.users["owner"].pk),
    }
    return values[name]


def url_for(route: str, world: World) -> str:
    if "(?P<" in route or "^" in route:  # a regular expression: its groups by name, the rest taken literally
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda match: REGEX_VALUES[match.group(1)], route)
        return "/" + path.replace("^", "").replace("$", "").replace(".*", "nowhere").replace("\\.", ".")
    segments = route.split("/")
    filled = []
    for position, segment in enumerate(segments):
        match = re.fullmatch(r"<(?:\w+:)?(\w+)>", segment)
        before = segments[position - 1] if position else ""
        filled.append(_value(match.group(1), before, route, world) if match else segment)
    return "/" + "/".join(filled)


def path_url(path: str, world: World) -> str:
    """An API schema path with its parameters filled in (`{uuid}` by the collection before it)."""
    route = re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))
    return url_for(route, world)


# --- asking ---------------------------------------------------------------------------------------------------


def ask(world: World, identity: str | None, method: str, url: str) -> Any:
    """One request, in a savepoint rolled back after it: every visitor finds the world as it was built (the
    owner's removal of a member must not turn the member's own request into a stranger's)."""
    client = client_for(world, identity)
    json_body = method in ("POST", "PUT", "PATCH") and url.startswith(("/api/", "/ims/"))
    with transaction.atomic():
        if json_body:
            response = client.generic(method, url, b"{}", content_type="application/json")
        else:
            response = client.generic(method, url)
        transaction.set_rollback(True)
    return response


def mismatches(
    world: World, url: str, method: str, access: Access, identities: tuple[str | None, ...], *, documented: bool = True
) -> list[str]:
    found = []
    for identity in identities:
        response = ask(world, identity, method, url)
        check = access.check(identity, documented=documented)
        if not check.passes(response):
            where = response.get("Location", "")
            found.append(
                f"{method} {url} as {identity or 'anonymous'}: {response.status_code}"
                f"{' → ' + where if where else ''}, expected {check.says}"
            )
    return found


# --- the tests ------------------------------------------------------------------------------------------------


world = authz_world.world
_media_in_tmp = authz_world.media_of_the_world


@pytest.mark.parametrize("route", ROUTES)
def test_route(db, world, route):
    path = schema_path(route)
    if path is not None:
        # The schema test asks its documented methods; here, GET and POST where the schema has none: refused
        # like any request, then 405 for whoever passes.
        if path not in SCHEMA_PATHS:
            pytest.fail(f"The API route {route!r} is not in the OpenAPI schema: document it.", pytrace=False)
        rule = API_RULES.get(path) or pytest.fail(f"No rule in API_RULES for {path!r}.", pytrace=False)
        found = []
        for method, access in (("GET", rule.read), ("POST", rule.write)):
            if method not in SCHEMA_PATHS[path]:
                found += mismatches(
                    world, path_url(path, world), method, access, (*SESSIONS, *API_TOKENS), documented=False
                )
        assert not found, "\n".join(found)
        return
    rule = rule_for(route)
    url = url_for(route, world)
    found = mismatches(world, url, "GET", rule.read, SESSIONS) + mismatches(world, url, "POST", rule.write, SESSIONS)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_api_operation(db, world, path, method):
    rule = API_RULES.get(path) or pytest.fail(
        f"No authorization rule for the API path {path!r}: add one to API_RULES in tests/test_authorization_matrix.py.",
        pytrace=False,
    )
    access = rule.read if method == "GET" else rule.write
    found = mismatches(world, path_url(path, world), method, access, (*SESSIONS, *API_TOKENS))
    assert not found, "\n".join(found)


OB_API_RULES = {
    ("/discovery", "GET"): Public(),
    ("/credentials", "GET"): OAuthResource(),
    ("/credentials", "POST"): OAuthResource(),
    ("/profile", "GET"): OAuthResource(),
    ("/profile", "PUT"): OAuthResource(),
}


@pytest.mark.parametrize(("path", "method"), OB_API_OPERATIONS, ids=[f"{m} {p}" for p, m in OB_API_OPERATIONS])
def test_ob_api_operation(db, world, path, method):
    access = OB_API_RULES.get((path, method)) or pytest.fail(
        f"No authorization rule for the Open Badges API operation {method} {path}: add one to OB_API_RULES.",
        pytrace=False,
    )
    found = mismatches(world, f"/ims/ob/v3p0{path}", method, access, (*SESSIONS, *API_TOKENS, OAUTH))
    assert not found, "\n".join(found)


def test_every_rule_names_a_route_that_exists():
    """A rule left behind by a removed route would hide nothing, but says something false."""
    assert sorted(set(RULES) - set(ROUTES)) == []
    assert sorted(set(API_RULES) - set(SCHEMA_PATHS)) == []
    assert sorted(set(OB_API_RULES) - set(OB_API_OPERATIONS)) == []


def test_the_matrix_sees_every_kind_of_route():
    """The walk reaches included URL configurations, the schema its operations: if either came back thin (an
    import error swallowed, a URL configuration not included), every test above would pass on nothing."""
    assert len(ROUTES) > 200  # ~90 of ours, the rest the admin's model pages
    assert {"manage/<slug:slug>/awards/<uuid:uuid>/revoke/", "admin/issuer/issuer/", "ims/ob/v3p0/profile"} <= set(
        ROUTES
    )
    assert len(OPERATIONS) >= 30
    assert ("/api/v1/issuers/{slug}/achievements/{uuid}", "DELETE") in OPERATIONS
