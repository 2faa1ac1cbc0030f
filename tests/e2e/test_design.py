"""Every page a learner, an employer or an issuer's staff sees, in Chromium at a phone's size (375 × 800) and a
desktop's (1280 × 900), held to the design system's three promises (docs/design.md):

- the page never scrolls sideways (`scrollWidth <= innerWidth`): wide tables scroll inside their own box, long
  unbroken strings (URLs, e-mail addresses, DIDs, hashes) wrap;
- no visible text is smaller than 12 px (SVG text measured as drawn, after the drawing's scale);
- axe-core finds no serious or critical violation of the WCAG 2.0, 2.1 and 2.2 A and AA rules.

The pages are tests/site_pages.py's (every HTML page of the site, so a new page is checked without being listed
here), with the data built by its services, plus the states a page list does not reach: a sign-in that failed,
a profile form with an error, and the verify result of a pasted credential full of long identifiers. Swagger UI
(`/api/docs/`) is left out: its page is drf-spectacular's, not ours to restyle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Page, expect

import badges.verify
from badges.services import AwardRequest, credential_issue
from issuer.services import issuer_update
from tests.e2e.test_issuer_flow import OVERFLOW_JS
from tests.paths import SAMPLES
from tests.public.test_verify_page import OfflineClient
from tests.site_pages import OWNER, PAGES, PUBLIC, Site, browser_sessions, build_site

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"phone": {"width": 375, "height": 800}, "desktop": {"width": 1280, "height": 900}}
NOT_OURS = {"api-docs"}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
MIN_TEXT_PX = 12

# Unbroken strings as long as real ones get: a URL, a DID, a SHA-256 hash, a name without a space.
LONG_URL = "https://evidence.example.org/portfolios/" + "ada-lovelace-analytical-engine-notes-" * 6 + "final.pdf"
LONG_DID = "did:example:" + "ebfeb1f712ebc6f1c276e12ec21" * 8
LONG_HASH = "sha256$" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
LONG_NAME = "Maximiliana-Wilhelmina-Augustina-Bartholomea-Konstantinopoulou"

# Text nodes drawn smaller than 12 px: CSS text by its computed size, SVG text by its size after the drawing's scale.
SMALL_TEXT_JS = """(minimum) => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const element = node.parentElement;
    if (!text || !element || element.getClientRects().length === 0) continue;
    const style = getComputedStyle(element);
    if (style.visibility !== "visible" || Number(style.opacity) === 0) continue;
    let size = parseFloat(style.fontSize);
    const svg = element.closest("svg");
    if (svg && element !== svg && svg.getScreenCTM()) size *= svg.getScreenCTM().a;
    if (size < minimum) {
      const name = element.tagName.toLowerCase() + [...element.classList].map((c) => "." + c).join("");
      found.push(`${name} ${size.toFixed(1)}px “${text.slice(0, 40)}”`);
    }
  }
  return found;
}"""


@dataclass
class Findings:
    """What each page broke, by page."""

    by_page: dict[str, list[str]] = field(default_factory=dict)

    def check(self, page: Page, label: str, axe: Axe) -> None:
        problems: list[str] = []
        # Measured once the page has loaded (stylesheets, images): a page checked as soon as a text shows can still
        # be laid out without its styles for a moment, wider than it will be (seen once in about fifty runs).
        page.wait_for_load_state("load")
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll_width > inner_width:
            culprits = "; ".join(page.evaluate(OVERFLOW_JS))
            problems.append(f"scrolls sideways ({scroll_width}px > {inner_width}px): {culprits}")
        problems += [f"text under {MIN_TEXT_PX}px: {item}" for item in page.evaluate(SMALL_TEXT_JS, MIN_TEXT_PX)]
        for violation in axe.run(page, options=AXE_OPTIONS).response["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
                problems.append(f"axe {violation['id']} ({violation['impact']}): {violation['help']} — at {targets}")
        if problems:
            self.by_page[label] = problems

    def report(self) -> str:
        return "\n".join(f"{label}:\n  " + "\n  ".join(problems) for label, problems in self.by_page.items())


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    # The live server runs in this process: a pasted credential's foreign documents fail to fetch, as offline.
    monkeypatch.setattr(badges.verify, "outbound_client", OfflineClient)


def _long_strings(site: Site) -> None:
    """The site's credential, award and issuer pages show long unbroken strings: they must wrap, not widen the page."""
    from badges.models import Achievement

    issuer_update(
        issuer=site.issuer,
        description=f"Our programmes and their rules: {LONG_URL}",
        url="https://www.test-university-of-applied-computing-and-analytical-engines.example.org/",
        actor=site.owner,
    )
    credential = credential_issue(
        request=AwardRequest(
            achievement=Achievement.objects.get(issuer=site.issuer, slug="python"),
            email=f"{LONG_NAME.lower()[:60]}@students.example.org",
            name=LONG_NAME,
            evidence=[{"url": LONG_URL, "narrative": f"Checked against {LONG_HASH}."}],
        ),
        source="ui",
        notify=False,
        actor=site.owner,
    )
    for name in ("badges:credential", "badges:award-detail", "badges:verify-credential"):
        site.kwargs[name] = {"uuid": credential.uuid}


def _foreign_credential() -> str:
    """A credential from elsewhere whose identifiers are as long as they come."""
    document = json.loads((SAMPLES / "complete.json").read_text())
    document["id"] = LONG_URL
    subject = document["credentialSubject"]
    subject["id"] = LONG_DID
    subject["identifier"] = [
        {"type": "IdentityObject", "identityHash": LONG_HASH, "identityType": "emailAddress", "hashed": True}
    ]
    subject["achievement"]["id"] = LONG_URL + "#achievement"
    subject["achievement"]["name"] = LONG_NAME
    document["issuer"]["id"] = LONG_DID
    document["evidence"] = [{"id": LONG_URL, "type": ["Evidence"], "name": LONG_NAME, "narrative": LONG_HASH}]
    return json.dumps(document, indent=2)


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_every_page_fits_reads_and_passes_axe(
    browser, live_server, django_user_model, tasks_in_process, screenshot, viewport
):
    site = build_site(django_user_model)
    _long_strings(site)
    pages: dict[str, Page] = {}
    for audience, session_key in browser_sessions(site).items():
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        if session_key:
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}])
        pages[audience] = context.new_page()
    axe = Axe()
    findings = Findings()
    checked = 0
    try:
        for name, audience in sorted(PAGES.items()):
            if name in NOT_OURS:
                continue
            page = pages[audience]
            response = page.goto(f"{live_server.url}{site.url(name)}")
            assert response is not None and response.ok, (name, response)
            findings.check(page, name, axe)
            checked += 1

        # States no page list reaches. A sign-in that failed: its error, and the form again.
        public = pages[PUBLIC]
        public.goto(f"{live_server.url}{site.url('accounts:login')}")
        public.get_by_label("Username or e-mail").fill("alice")
        public.get_by_label("Password").fill("not-the-password")
        public.get_by_role("button", name="Sign in").click()
        expect(public.get_by_role("alert")).to_be_visible()
        findings.check(public, "accounts:login, after a wrong password", axe)

        # A field error on the issuer's profile form, beside its label and help.
        staff = pages[OWNER]
        staff.goto(f"{live_server.url}{site.url('issuer:profile')}")
        staff.get_by_label("Brand colour").fill("red")
        staff.get_by_role("button", name="Save profile").click()
        expect(staff.get_by_text("Enter a colour as # and six hexadecimal digits")).to_be_visible()
        findings.check(staff, "issuer:profile, with an error", axe)

        # The verify result of a pasted credential full of long identifiers, then its technical checks unfolded.
        public.goto(f"{live_server.url}{site.url('badges:verify')}")
        public.get_by_label("Paste the credential").fill(_foreign_credential())
        public.get_by_role("button", name="Verify").click()
        expect(public.locator("#headline")).to_be_visible()
        findings.check(public, "badges:verify, a pasted credential's result", axe)
        public.get_by_text("Technical checks").click()
        findings.check(public, "badges:verify, the result's technical checks", axe)
        screenshot(f"verify-long-identifiers-{viewport}", target=public)

        for name, audience in (("badges:credential", PUBLIC), ("badges:issuer-public", PUBLIC)):
            pages[audience].goto(f"{live_server.url}{site.url(name)}")
            screenshot(f"{name.split(':')[1]}-{viewport}", target=pages[audience])
    finally:
        for page in pages.values():
            page.context.close()

    assert checked > 50
    assert findings.by_page == {}, f"at {viewport} size:\n{findings.report()}"


BRAND_PAGES = ("badges:issuer-public", "badges:achievement-public", "badges:credential")


@pytest.mark.parametrize(
    "color",
    ["#ffd600", "#3d9be9", "#7a1f5c", "#000000", "#ffffff"],
    ids=["yellow", "light-blue", "plum", "black", "white"],
)
def test_any_brand_colour_keeps_the_public_pages_readable(
    browser, live_server, django_user_model, tasks_in_process, color
):
    """Whatever colour an issuer picks, the text on it and the links beside it still pass axe's contrast rules
    (issuer.branding picks the text colour, and keeps the platform's blue for links a light colour would fade)."""
    site = build_site(django_user_model)
    issuer_update(issuer=site.issuer, brand_color=color, actor=site.owner)
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    axe = Axe()
    findings = Findings()
    try:
        for name in BRAND_PAGES:
            page.goto(f"{live_server.url}{site.url(name)}")
            rule = page.evaluate("getComputedStyle(document.querySelector('header.site')).borderBottomColor")
            assert rule == _rgb(color), (name, rule)
            findings.check(page, name, axe)
    finally:
        context.close()

    assert findings.by_page == {}, f"with {color}:\n{findings.report()}"


def _rgb(color: str) -> Any:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"
