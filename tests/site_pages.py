"""Every page of the site, for the tests that must see them all (tests/test_csp.py, tests/e2e/test_csp_pages.py),
and a reading of the Content-Security-Policy header.

`build_site()` makes one issuer with one object of each kind, a learner, a staff invitation and the links that
open the token pages, and answers the URL of every named route. Every URL name of the URLconf (Django admin's
aside: tests/e2e walks the admin's own index) is in exactly one of PAGES, POST_ONLY, NOT_PAGES and FLOW_PAGES; a
test fails when a new name is in none of them, and checks each claim (a page answers HTML, a POST_ONLY route 405 to
GET, the others anything but an HTML page).
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

PUBLIC, OWNER, LEARNER = "public", "owner", "learner"
LEARNER_EMAIL = "lea@example.com"
BRAND_COLOR = "#7a1f5c"  # dark enough for links on white: the pages take it as their accent
LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 10 10">'
    b'<rect width="10" height="10" rx="2" fill="#0b57d0"/></svg>'
)

# The HTML pages GET answers, by URL name, with who opens them: anyone, the issuer's owner (signed in), or the
# learner (signed in through /me/).
PAGES: dict[str, str] = {
    "home": PUBLIC,
    "problem-types": PUBLIC,
    "problem-type": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:password_reset": PUBLIC,
    "accounts:password_reset_done": PUBLIC,
    "accounts:password_reset_confirm": PUBLIC,  # redirects to the form where the new password is chosen
    "accounts:password_reset_complete": PUBLIC,
    "accounts:password_change": OWNER,
    "accounts:password_change_done": OWNER,
    "issuer:manage-index": OWNER,
    "issuer:dashboard": OWNER,
    "issuer:profile": OWNER,
    "issuer:keys": OWNER,
    "issuer:key-compromise": OWNER,
    "issuer:staff": OWNER,
    "issuer:staff-remove": OWNER,
    "issuer:audit": OWNER,
    "issuer:invitation-accept": PUBLIC,
    "badges:credential": PUBLIC,
    "badges:issuer-public": PUBLIC,
    "badges:achievement-public": PUBLIC,
    "badges:achievement-list": OWNER,
    "badges:achievement-create": OWNER,
    "badges:achievement-detail": OWNER,
    "badges:achievement-edit": OWNER,
    "badges:award-list": OWNER,
    "badges:award-create": OWNER,
    "badges:award-detail": OWNER,
    "badges:award-revoke": OWNER,
    "badges:award-suspend": OWNER,
    "badges:award-unsuspend": OWNER,
    "badges:award-renew": OWNER,
    "badges:award-correct": OWNER,
    "badges:award-resend": OWNER,
    "badges:verify": PUBLIC,
    "badges:verify-credential": PUBLIC,
    "bulk:bulk-list": OWNER,
    "bulk:bulk-create": OWNER,
    "bulk:bulk-detail": OWNER,
    "learners:start": PUBLIC,
    "learners:sign-in": PUBLIC,
    "learners:collection": LEARNER,
    "learners:qualification": LEARNER,
    "learners:profile": PUBLIC,
    "backpack:send": LEARNER,
    "wallets:offer": LEARNER,
    "stacking:qualification-list": OWNER,
    "stacking:qualification-create": OWNER,
    "stacking:qualification-edit": OWNER,
    "stacking:qualification-apply": OWNER,
    "stacking:qualification-deactivate": OWNER,
    "stacking:partnership-list": OWNER,
    "badges:endorsement-list": OWNER,
    "webhooks:endpoint-list": OWNER,
    "webhooks:endpoint-detail": OWNER,
    "api-ui:tokens": OWNER,
    "api-docs": PUBLIC,
}
# The main pages, photographed at a phone's width and a desktop's for docs/screenshots.md (`make screenshots`;
# tests/e2e/test_screenshots.py takes them, tests/test_docs_screenshots.py checks the gallery lists them all):
# URL name -> the picture's name.
SCREENSHOT_PAGES: dict[str, str] = {
    "home": "home",
    "badges:verify": "verify",
    "badges:verify-credential": "verify-result",
    "badges:credential": "credential",
    "badges:issuer-public": "issuer-public",
    "badges:achievement-public": "achievement-public",
    "learners:start": "learner-start",
    "learners:collection": "learner-collection",
    "learners:qualification": "learner-qualification",
    "learners:profile": "learner-profile",
    "accounts:login": "sign-in",
    "issuer:dashboard": "issuer-dashboard",
    "issuer:profile": "issuer-profile",
    "issuer:keys": "issuer-keys",
    "issuer:staff": "issuer-staff",
    "issuer:audit": "issuer-audit",
    "badges:achievement-list": "achievement-list",
    "badges:achievement-create": "achievement-form",
    "badges:achievement-detail": "achievement-detail",
    "badges:award-list": "award-list",
    "badges:award-create": "award-form",
    "badges:award-detail": "award-detail",
    "bulk:bulk-create": "bulk-upload",
    "bulk:bulk-detail": "bulk-preview",
    "stacking:qualification-list": "qualification-list",
    "stacking:qualification-edit": "qualification-form",
    "webhooks:endpoint-list": "webhooks",
    "api-ui:tokens": "api-tokens",
}
# Pages also photographed in German (at both widths): what an employer abroad opens.
SCREENSHOT_PAGES_GERMAN = ("badges:credential", "badges:verify-credential")
SCREENSHOT_WIDTHS = ("phone", "desktop")

# Routes that answer GET with 405: forms post to them from the pages above.
POST_ONLY: set[str] = {
    "csp-report",
    "set_language",
    "accounts:logout",
    "issuer:key-rotate",
    "issuer:staff-invite",
    "issuer:staff-role",
    "issuer:staff-invitation-revoke",
    "badges:markdown-preview",
    "badges:achievement-archive",
    "badges:award-bulk-revoke",
    "bulk:bulk-start",
    "bulk:bulk-pause",
    "bulk:bulk-cancel",
    "bulk:bulk-undo",
    "learners:sign-out",
    "learners:visibility",
    "learners:publish",
    "learners:language",
    "stacking:partnership-request",
    "stacking:partnership-decide",
    "badges:endorsement-create",
    "badges:endorsement-add",
    "badges:endorsement-withdraw",
    "badges:endorsement-decide",
    "webhooks:endpoint-rotate",
    "webhooks:endpoint-delete",
    "webhooks:endpoint-enable",
    "webhooks:endpoint-ping",
    "api-ui:token-revoke",
    "ob_api:token",
    "ob_api:revoke",
    "wallets:token",
    "wallets:nonce",
    "wallets:credential",
}
# Routes whose GET answer is not an HTML page of ours: documents, files, JSON APIs (their 404 included).
NOT_PAGES: set[str] = {
    "health",
    "favicon",
    "apple-touch-icon",
    "site-manifest",
    "media-image",
    "issuer:did-json",
    "issuer:brand-css",
    "badges:status-list",
    "badges:api-verify",
    "badges:award-export",
    "badges:credential-share",
    "analytics:export",
    "bulk:bulk-template",
    "bulk:bulk-progress",
    "bulk:bulk-results",
    "learners:download",
    "stacking-public:credential-clr",
    "api-schema",
    *(f"api:{name}" for name in (
        "issuer", "achievements", "achievement-detail", "achievement-archive", "achievement-unarchive",
        "credentials", "credential-detail", "credential-revoke", "credential-suspend", "credential-unsuspend",
        "credential-renew", "credential-correct", "credential-resend",
        "qualifications", "qualification-detail", "qualification-deactivate", "qualification-progress",
        "bulk-jobs", "bulk-job-detail", "bulk-job-rows", "bulk-job-results", "bulk-job-start", "bulk-job-pause",
        "bulk-job-cancel", "bulk-job-undo", "not-found",
    )),
    *(f"ob_api:{name}" for name in ("discovery", "register", "credentials", "profile")),
    *(f"vcapi:{name}" for name in ("issue", "verify", "status", "verify-presentation")),
    "wallets:issuer-metadata",
    "wallets:as-metadata",
}  # fmt: skip
# Pages that only exist inside a flow, each walked by its own browser test: the OAuth consent page, within a
# wallet's authorization request (tests/e2e/test_csp_pages.py::test_the_oauth_consent_flow_reaches_the_wallet); the
# callback a learner's backpack sends them back to (tests/e2e/test_backpack_flow.py).
FLOW_PAGES: set[str] = {"ob_api:authorize", "backpack:callback"}


def browser_sessions(site: Site) -> dict[str, str | None]:
    """A session cookie's value for each audience of PAGES: none for the public, the issuer's owner signed in, and
    the learner signed in through /me/."""
    from django.conf import settings
    from django.test import Client

    from learners.views import LEARNER_SESSION_KEY

    staff = Client()
    staff.force_login(site.owner)
    learner = Client().session
    learner[LEARNER_SESSION_KEY] = LEARNER_EMAIL
    learner.save()
    return {PUBLIC: None, OWNER: staff.cookies[settings.SESSION_COOKIE_NAME].value, LEARNER: learner.session_key}


def directives(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}, in the header's order of sources."""
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in parsed, f"{name} twice in {header!r}"
        parsed[name] = values
    return parsed


def routes() -> dict[str, list[str]]:
    """Every named route of the URLconf, namespaced (`badges:credential`), with its parameters' names; Django
    admin's aside."""
    found: dict[str, list[str]] = {}

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found[f"{namespace}{pattern.name}"] = list(pattern.pattern.regex.groupindex)

    walk(get_resolver().url_patterns, "")
    return found


@dataclass
class Site:
    owner: Any
    superuser: Any
    issuer: Any
    defaults: dict[str, Any]  # a value for each parameter name
    kwargs: dict[str, dict[str, Any]] = field(default_factory=dict)  # a route's own values, where they differ

    def url(self, name: str) -> str:
        params = routes()[name]
        values = {param: self.kwargs.get(name, {}).get(param, self.defaults.get(param)) for param in params}
        return reverse(name, kwargs=values)


def build_site(django_user_model: Any) -> Site:
    """One of everything, through the services (tasks run in this process: the caller's `tasks_in_process`)."""
    from api.services import token_create
    from badges.achievements import achievement_update
    from badges.endorsements import endorsement_decide, endorsement_give
    from badges.models import Achievement
    from badges.services import AwardRequest, credential_issue
    from bulk.jobs import bulk_job_create, bulk_job_start
    from issuer.services import issuer_create, issuer_update, membership_set, staff_invite
    from learners.models import SignInToken
    from learners.services import learner_profile_get_or_create, learner_profile_publish_set
    from stacking.services import partnership_request, qualification_save
    from tests.actors import SETUP
    from webhooks.services import endpoint_create

    owner = django_user_model.objects.create_user("alice", "alice@example.com", "pw-alice-123456")
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123456")
    issuer = issuer_create(
        slug="uni",
        name="Test University",
        owner=owner,
        actor=SETUP,
        url="https://uni.example.org",
        email="badges@uni.example.org",
    )
    partner = issuer_create(slug="other", name="Other Academy", actor=SETUP)
    editor = django_user_model.objects.create_user("eddie", "eddie@example.com", "pw-eddie-123456")
    membership = membership_set(issuer=issuer, user=editor, role="editor", actor=owner)
    invitation = staff_invite(issuer=issuer, email="new.staff@example.com", role="viewer", actor=owner)

    def achievement(slug: str, name: str) -> Achievement:
        return Achievement.objects.create(
            issuer=issuer,
            slug=slug,
            name=name,
            description=f"{name}: what it takes.",
            criteria_narrative="Pass the **final** assessment.",
            achievement_type="Course",
        )

    python, sql, analyst = achievement("python", "Python"), achievement("sql", "SQL"), achievement("data", "Data")
    # Images on the pages: an SVG logo, a PNG badge (before the award, so that the credential carries it); and the
    # issuer's colour on its public pages.
    issuer = issuer_update(
        issuer=issuer, image=SimpleUploadedFile("logo.svg", LOGO_SVG), brand_color=BRAND_COLOR, actor=owner
    )
    python = achievement_update(achievement=python, actor=owner, data={"image": SimpleUploadedFile("b.png", _png())})
    credential = credential_issue(
        request=AwardRequest(achievement=python, email=LEARNER_EMAIL, name="Lea Rner"),
        source="ui",
        notify=False,
        actor=owner,
    )
    qualification = qualification_save(
        issuer=issuer,
        achievement=analyst,
        rule={
            "kind": "all",
            "children": [{"kind": "achievement", "achievement": str(a.uuid)} for a in (python, sql)],
        },
        actor=owner,
    )
    partnership_request(issuer=partner, partner=issuer, actor=SETUP)
    # An endorsement of the badge, shown on its public page and on the endorsements page.
    endorsement = endorsement_give(
        endorser=partner, issuer=issuer, achievement=python, comment="Carefully assessed.", actor=SETUP
    )
    endorsement_decide(endorsement=endorsement, accept=True, actor=owner)
    rows = b"email,name\nada@example.org,Ada\nnot-an-address,Bob\n"
    job, _ = bulk_job_create(issuer=issuer, data=rows, filename="c.csv", achievement=sql, actor=owner)  # in preview
    finished, _ = bulk_job_create(issuer=issuer, data=rows, filename="d.csv", achievement=sql, actor=owner)
    # Its chunks run after commit: at once in a transactional test, when the block ends in any other.
    with TestCase.captureOnCommitCallbacks(execute=True):
        bulk_job_start(job=finished, actor=owner)
    endpoint, _ = endpoint_create(
        issuer=issuer, url="https://hooks.example.org/badges", events=["credential.issued"], actor=owner
    )
    token, _ = token_create(issuer=issuer, name="LMS", actor=owner)
    profile = learner_profile_get_or_create(email=LEARNER_EMAIL)
    learner_profile_publish_set(profile=profile, public=True)
    sign_in_token = secrets.token_urlsafe(32)
    now = timezone.now()
    SignInToken.objects.create(
        email=LEARNER_EMAIL,
        token_hash=SignInToken.hash_token(sign_in_token),
        created_at=now,
        expires_at=now + timedelta(minutes=30),
    )
    # The invitation's token is only in its e-mail: a second one, whose token we keep.
    invitation_token = _invitation_token(issuer, owner)

    # Values by parameter name, then what some routes need instead.
    defaults = {
        "slug": issuer.slug,
        "uuid": credential.uuid,
        "pk": python.pk,
        "key_id": issuer.signing_keys.get().key_id,
        "membership_id": membership.pk,
        "invitation_id": invitation.pk,
        "token": invitation_token,
        "prefix": token.prefix,
        "purpose": "revocation",
        "sequence": 0,
        "name": issuer.image.name,
        "rest": "nothing-here",
        "color": BRAND_COLOR[1:],
        "target": "linkedin",
    }
    job_uuid = {"uuid": job.uuid}
    kwargs: dict[str, dict[str, Any]] = {
        "problem-type": {"slug": "rate-limited"},
        "accounts:password_reset_confirm": {
            "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
            "token": default_token_generator.make_token(owner),
        },
        "badges:achievement-public": {"uuid": python.uuid},
        "bulk:bulk-detail": job_uuid,
        "bulk:bulk-progress": job_uuid,
        "bulk:bulk-results": {"uuid": finished.uuid},
        "learners:sign-in": {"token": sign_in_token},
        "learners:qualification": {"uuid": qualification.uuid},
        "learners:profile": {"slug": profile.slug},
        "stacking:qualification-edit": {"uuid": qualification.uuid},
        "stacking:qualification-apply": {"uuid": qualification.uuid},
        "stacking:qualification-deactivate": {"uuid": qualification.uuid},
        "webhooks:endpoint-detail": {"uuid": endpoint.uuid},
    }
    return Site(owner=owner, superuser=superuser, issuer=issuer, defaults=defaults, kwargs=kwargs)


def _invitation_token(issuer: Any, owner: Any) -> str:
    from issuer.models import Invitation

    token = secrets.token_urlsafe(32)
    now = timezone.now()
    Invitation.objects.create(
        issuer=issuer,
        email="second.staff@example.com",
        role="viewer",
        token_hash=Invitation.hash_token(token),
        invited_by=owner,
        created_at=now,
        expires_at=now + timedelta(days=7),
    )
    return token


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (160, 160), "#1a7f37").save(out, format="PNG")
    return out.getvalue()
