"""In Chromium: a reader switches the public credential page to German with the switcher at its foot, stays on the
same page, and keeps German on the next visit; a browser that asks for German gets it without switching (D51)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from badges.services import AwardRequest, credential_issue
from tests.actors import owner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def credential(achievement):
    request = AwardRequest(achievement=achievement, email="lea@example.com", name="Lea Rner")
    return credential_issue(request=request, source="ui", notify=False, actor=owner(achievement.issuer))


def test_the_switcher_turns_the_credential_page_german_and_keeps_it(live_server, credential, page, screenshot):
    url = f"{live_server.url}/credentials/{credential.uuid}"
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Download the credential (JSON)")).to_be_visible()

    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Change language").click()

    expect(page).to_have_url(url)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("status")).to_contain_text("Gültig Dieser Nachweis ist gültig.")
    expect(page.get_by_role("link", name="Nachweis herunterladen (JSON)")).to_be_visible()
    expect(page.get_by_label("Sprache")).to_have_value("de")
    screenshot("public-credential-german")

    page.goto(f"{live_server.url}/verify")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nachweis prüfen")

    page.get_by_label("Sprache").select_option("en")
    page.get_by_role("button", name="Sprache wechseln").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify a credential")


def test_a_browser_that_asks_for_german_gets_it(live_server, credential, browser):
    context = browser.new_context(locale="de-DE")
    german = context.new_page()
    try:
        german.goto(f"{live_server.url}/credentials/{credential.uuid}")
        expect(german.locator("html")).to_have_attribute("lang", "de")
        expect(german.get_by_role("heading", name="Prüfung")).to_be_visible()
    finally:
        context.close()
