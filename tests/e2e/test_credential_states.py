"""In Chromium, on a phone: a revoked badge's public page says so first and offers nothing that shares it (D47), and
the header shows who is signed in. The page fixture fails on any Content-Security-Policy violation, the icons'
included."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from badges.services import AwardRequest, credential_issue, credential_revoke
from tests.actors import owner
from tests.e2e.test_issuer_flow import _no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 375, "height": 740}
PASSWORD = "pw-alice-123456"  # the `user` fixture's password


def test_a_revoked_badge_on_a_phone_says_so_and_cannot_be_shared(live_server, achievement, page, screenshot):
    issuer = achievement.issuer
    request = AwardRequest(achievement=achievement, email="lea@example.com", name="Lea Rner")
    credential = credential_issue(request=request, source="ui", notify=False, actor=owner(issuer))
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/credentials/{credential.uuid}")
    expect(page.get_by_role("link", name="Add to LinkedIn profile")).to_be_visible()  # valid: shareable

    credential_revoke(credential=credential, reason="Awarded by mistake", actor=owner(issuer))
    page.reload()

    banner = page.get_by_role("status")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Revoked This badge is no longer valid.")
    expect(banner).to_contain_text("Test University revoked this badge on")
    # First thing on the screen, without scrolling.
    box = banner.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    for name in ("Add to LinkedIn profile", "Share by e-mail", "Download the badge (PNG)", "Download the badge (SVG)"):
        expect(page.get_by_role("link", name=name)).to_have_count(0)
    expect(page.get_by_role("button", name="Copy link")).to_have_count(0)
    expect(page.locator("figure.qr, #share-url")).to_have_count(0)
    expect(page.get_by_role("link", name="Download the credential (JSON)")).to_be_visible()  # for verifiers
    _no_horizontal_scroll(page)
    screenshot("public-credential-revoked-phone")

    for icon in page.locator("link[rel~=icon], link[rel=apple-touch-icon], link[rel=manifest]").all():
        href = icon.get_attribute("href")
        response = page.request.get(f"{live_server.url}{href}")
        assert response.status == 200, href


def test_the_header_shows_who_is_signed_in(live_server, issuer, page):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    header = page.locator("header.site")
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()

    page.get_by_label("Username or e-mail").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test University")

    expect(header).to_contain_text("alice")
    expect(header.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(header.get_by_role("link", name="Sign in")).to_have_count(0)
    header.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_have_count(0)
