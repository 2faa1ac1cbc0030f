"""Every HTML page in Chromium under the Content-Security-Policy, with no violation: the site's pages (the list in
tests/site_pages.py, which tests/test_csp.py keeps complete), its error pages, Swagger UI at /api/docs/, every page
of Django admin's models, the OAuth consent flow through to the wallet, and the one script a visitor clicks.

A violation is whatever the page reports as a `securitypolicyviolation` event (an init script listens before the
page's own scripts run) and any console message or page error naming the Content Security Policy.
"""

from __future__ import annotations

import io
import json
import re
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from issuer.services import membership_set
from learners.views import LEARNER_SESSION_KEY
from tests.ob_api.conftest import client_metadata
from tests.site_pages import LEARNER, LEARNER_EMAIL, OWNER, PAGES, PUBLIC, build_site

pytestmark = pytest.mark.django_db(transaction=True)

# Each violation goes to the test through a binding as it happens, so that none is lost when the page navigates on.
WATCH_JS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "?"} at ${event.sourceFile || "?"}:${event.lineNumber}`
  );
});
"""
CSP_WORDS = re.compile(r"content.security.policy|unsafe-eval|unsafe-inline", re.IGNORECASE)


class Watcher:
    """One browser context whose pages report their violations; `visit()` opens a page and answers them."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.found: list[str] = []
        context.expose_binding("__cspViolation", lambda source, text: self.found.append(text))
        context.add_init_script(WATCH_JS)
        self.page = context.new_page()
        self.page.on("console", lambda message: self._note(f"console {message.type}: {message.text}"))
        self.page.on("pageerror", lambda error: self._note(f"page error: {error}"))

    def _note(self, text: str) -> None:
        if CSP_WORDS.search(text):
            self.found.append(text)

    def violations(self) -> list[str]:
        """What was reported since the last call. A short wait first lets the reports of the last moments in."""
        self.page.wait_for_timeout(50)
        found, self.found = self.found, []
        return found

    def visit(self, url: str, *, ready: str | None = None) -> list[str]:
        """Open `url`, wait for it to load (and for the `ready` selector, for pages that build themselves), and
        answer the violations seen."""
        response = self.page.goto(url)
        assert response is not None and (response.ok or response.status in (403, 404)), f"{url}: {response}"
        self.page.wait_for_load_state("load")
        if ready:
            self.page.locator(ready).first.wait_for()
        return self.violations()


@pytest.fixture
def watch(browser, live_server):
    """watch(session_key=None) -> a Watcher in a new browser context, signed in with that session if given."""
    contexts: list[BrowserContext] = []

    def open_context(session_key: str | None = None) -> Watcher:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        if session_key:
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}])
        return Watcher(context)

    yield open_context
    for context in contexts:
        context.close()


def _staff_session(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _learner_session(email: str = LEARNER_EMAIL) -> str:
    session = Client().session
    session[LEARNER_SESSION_KEY] = email
    session.save()
    assert session.session_key is not None
    return session.session_key


def test_the_watcher_sees_every_kind_of_violation(watch, live_server):
    """The test below can fail: a page with an inline script, a handler attribute, an inline style and a <style>
    block under the site's own policy, served at the live server's origin, is reported four times."""
    from csp.utils import build_policy

    watcher = watch()
    body = (
        "<!doctype html><html><head><style>p { color: red; }</style></head><body>"
        '<p style="color: blue">x</p><button id="b" onclick="void 0">b</button><script>void 0</script></body></html>'
    )
    header = build_policy(config=settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    watcher.page.route(
        f"{live_server.url}/csp-canary",
        lambda route: route.fulfill(body=body, content_type="text/html", headers={"Content-Security-Policy": header}),
    )

    found = watcher.visit(f"{live_server.url}/csp-canary")
    watcher.page.locator("#b").click()
    found += watcher.violations()

    kinds = sorted({line.split(" blocked ")[0] for line in found if " blocked " in line})
    assert kinds == ["script-src-attr", "script-src-elem", "style-src-attr", "style-src-elem"], found
    assert len([line for line in found if line.startswith("console error: ")]) == 4, found  # the other channel


def test_every_page_renders_without_a_violation(watch, live_server, django_user_model, tasks_in_process):
    site = build_site(django_user_model)
    watchers = {PUBLIC: watch(), OWNER: watch(_staff_session(site.owner)), LEARNER: watch(_learner_session())}
    found: dict[str, list[str]] = {}
    ready = {"api-docs": "#swagger-ui .info .title"}  # Swagger UI renders after loading the schema

    for name, audience in sorted(PAGES.items()):
        url = f"{live_server.url}{site.url(name)}"
        violations = watchers[audience].visit(url, ready=ready.get(name))
        if violations:
            found[name] = violations

    # The pages that say no: a page that does not exist, links that cannot be used, a role that does not allow.
    for path in ("/no-such-page", "/me/sign-in/not-a-token/", "/invitations/not-a-token/"):
        if violations := watchers[PUBLIC].visit(f"{live_server.url}{path}"):
            found[path] = violations
    viewer = django_user_model.objects.create_user("vic", "vic@example.com", "pw-vic-123456")
    membership_set(issuer=site.issuer, user=viewer, role="viewer", actor=site.owner)
    forbidden = watch(_staff_session(viewer))
    if violations := forbidden.visit(f"{live_server.url}{reverse('badges:award-create', kwargs={'slug': 'uni'})}"):
        found["403"] = violations
    expect(forbidden.page.get_by_role("heading", level=1)).to_have_text("Not allowed")

    assert len(PAGES) > 50
    assert found == {}


def test_the_lockout_page_renders_without_a_violation(watch, live_server, django_user_model, settings):
    # django-axes answers the sign-in after LOGIN_FAILURE_LIMIT failures with its own page (429).
    django_user_model.objects.create_user("alice", "alice@example.com", "pw-alice-123456")
    watcher = watch()
    found = watcher.visit(f"{live_server.url}{reverse('accounts:login')}")
    heading = watcher.page.get_by_role("heading", level=1)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        if heading.inner_text() != "Sign in":
            break
        watcher.page.get_by_label("Username or e-mail").fill("alice")
        watcher.page.get_by_label("Password").fill("not-the-password")
        watcher.page.get_by_role("button", name="Sign in").click()
        watcher.page.wait_for_load_state("load")
    expect(heading).to_have_text("Signing in is paused")

    assert found + watcher.violations() == []


def test_images_on_the_pages_load_under_the_policy(watch, live_server, django_user_model, tasks_in_process):
    # img-src: the issuer's SVG logo and the badge's PNG come from /media/ (or as data: URIs); none is refused.
    site = build_site(django_user_model)
    watcher = watch()
    for path in (
        site.url("badges:credential"),
        site.url("badges:issuer-public"),
        site.url("badges:achievement-public"),
    ):
        assert watcher.visit(f"{live_server.url}{path}") == []
        images = watcher.page.evaluate(
            "() => [...document.images].map((img) => [img.src.slice(0, 60), img.naturalWidth])"
        )
        assert images and all(width > 0 for _, width in images), (path, images)


def test_django_admin_renders_without_a_violation(watch, live_server, django_user_model, tasks_in_process):
    site = build_site(django_user_model)
    watcher = watch(_staff_session(site.superuser))
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        first = model_admin.get_queryset(_admin_request(site.superuser)).order_by("pk").first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        else:
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    urls.append(reverse("admin:auth_user_password_change", args=[site.owner.pk]))

    found = {url: violations for url in urls if (violations := watcher.visit(f"{live_server.url}{url}"))}

    assert len(urls) > 40
    assert found == {}


def _admin_request(user: Any) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_copy_link_copies_the_credential_url(watch, live_server, django_user_model, tasks_in_process):
    site = build_site(django_user_model)
    watcher = watch()
    watcher.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    url = f"{live_server.url}{site.url('badges:credential')}"
    assert watcher.visit(url) == []

    button = watcher.page.locator("button[data-copy]")
    expect(button).to_have_text("Copy link")
    button.click()

    expect(button).to_have_text("Link copied")
    copied = watcher.page.evaluate("() => navigator.clipboard.readText()")
    assert copied == button.get_attribute("data-copy")
    assert copied.endswith(site.url("badges:credential"))
    assert watcher.violations() == []


# --- the OAuth consent flow ---------------------------------------------------------------------------------

REDIRECT_URI = "https://wallet.example.org/callback"
LOGO_URI = "https://cdn.wallet.example.net/logo.png"
SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"


def _register_wallet() -> dict[str, Any]:
    metadata = client_metadata(logo_uri=LOGO_URI, redirect_uris=[REDIRECT_URI], scope=SCOPE)
    response = Client().post("/ims/ob/v3p0/register", json.dumps(metadata), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 48), "#0b57d0").save(out, format="PNG")
    return out.getvalue()


def _wallet_host(page: Page) -> list[str]:
    """The wallet's host, played by the browser itself: its logo, and its callback page (which records the URL)."""
    reached: list[str] = []
    page.route(LOGO_URI, lambda route: route.fulfill(body=_png(), content_type="image/png"))

    def callback(route: Any) -> None:
        reached.append(route.request.url)
        route.fulfill(body="<!doctype html><title>Wallet</title><h1>Back in the wallet</h1>", content_type="text/html")

    page.route(f"{REDIRECT_URI}**", callback)
    return reached


def _authorize_url(live_server: Any, client_id: str, **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": SCOPE,
        "state": "st-123",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{live_server.url}/ims/ob/v3p0/authorize?{urlencode(params)}"


def _sign_in_through_the_link(page: Page, watcher: Watcher, mailoutbox: list[Any]) -> list[str]:
    """From /me/: ask for a link, open it from the e-mail, press the button. Answers the violations seen before
    the button; the caller waits for where it leads."""
    found = watcher.violations()
    sent = len(mailoutbox)
    page.get_by_label("Your e-mail address").fill(LEARNER_EMAIL)
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    deadline = time.monotonic() + 5
    while len(mailoutbox) == sent and time.monotonic() < deadline:
        time.sleep(0.05)
    link = re.search(r"https?://\S+/me/sign-in/\S+/", mailoutbox[-1].body)
    assert link is not None, "no sign-in e-mail"
    here = urlsplit(page.url)
    found += watcher.visit(f"{here.scheme}://{here.netloc}{urlsplit(link.group(0)).path}")
    page.get_by_role("button", name="Sign in", exact=True).click()
    return found


def test_the_oauth_consent_flow_reaches_the_wallet(watch, live_server, django_user_model, mailoutbox, tasks_in_process):
    """Signed out, the learner signs in through /me/, comes back to the consent page (the wallet's logo from its
    own host) and allows: the form's redirect to the wallet is not refused by form-action."""
    build_site(django_user_model)  # Lea holds a credential, so /me/ sends her a link
    wallet = _register_wallet()
    watcher = watch()
    reached = _wallet_host(watcher.page)

    found = watcher.visit(_authorize_url(live_server, wallet["client_id"]))
    expect(watcher.page).to_have_url(re.compile(r"/me/"))
    found += _sign_in_through_the_link(watcher.page, watcher, mailoutbox)
    expect(watcher.page.get_by_role("heading", level=1)).to_have_text("Connect Example Wallet to your credentials?")
    logo = watcher.page.evaluate("() => [...document.images].map((img) => [img.src, img.naturalWidth])")
    watcher.page.get_by_role("button", name="Allow").click()
    expect(watcher.page.get_by_role("heading", level=1)).to_have_text("Back in the wallet")
    found += watcher.violations()

    assert logo == [[LOGO_URI, 48]]
    [url] = reached
    answer = parse_qs(urlsplit(url).query)
    assert url.startswith(REDIRECT_URI + "?")
    assert answer["state"] == ["st-123"] and answer["code"][0]
    assert found == []


def test_the_learner_who_denies_is_sent_back_to_the_wallet(watch, live_server, django_user_model, tasks_in_process):
    build_site(django_user_model)
    wallet = _register_wallet()
    watcher = watch(_learner_session())
    reached = _wallet_host(watcher.page)

    found = watcher.visit(_authorize_url(live_server, wallet["client_id"]))
    watcher.page.get_by_role("button", name="Deny").click()
    expect(watcher.page.get_by_role("heading", level=1)).to_have_text("Back in the wallet")

    [url] = reached
    assert parse_qs(urlsplit(url).query)["error"] == ["access_denied"]
    assert found + watcher.violations() == []


def test_a_learner_who_allowed_before_goes_from_sign_in_straight_to_the_wallet(
    watch, live_server, django_user_model, mailoutbox, tasks_in_process
):
    """With approval_prompt=auto and access already allowed, the sign-in form's POST is redirected to the
    authorization request and on to the wallet: a chain Chromium checks against the sign-in page's form-action."""
    from oauth2_provider.models import AccessToken, Application

    from ob_api.services import learner_user_get_or_create

    build_site(django_user_model)
    wallet = _register_wallet()
    AccessToken.objects.create(  # as the token endpoint made it after an earlier consent
        user=learner_user_get_or_create(email=LEARNER_EMAIL),
        application=Application.objects.get(client_id=wallet["client_id"]),
        token="earlier-access-token-0123456789",
        expires=timezone.now() + timedelta(hours=1),
        scope=SCOPE,
    )
    watcher = watch()
    reached = _wallet_host(watcher.page)

    found = watcher.visit(_authorize_url(live_server, wallet["client_id"], approval_prompt="auto"))
    found += _sign_in_through_the_link(watcher.page, watcher, mailoutbox)
    expect(watcher.page.get_by_role("heading", level=1)).to_have_text("Back in the wallet")

    [url] = reached
    assert parse_qs(urlsplit(url).query)["state"] == ["st-123"]
    assert found + watcher.violations() == []
