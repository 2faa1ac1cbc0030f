"""The verify result in Chromium as an employer reads it: the sentence first, the checks folded, no sideways
scrolling on a phone or a desktop, and the checks unfolded on paper (D43). The page fixture fails on any
Content-Security-Policy violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import badges.verify
from tests.paths import SAMPLES
from tests.public.test_verify_page import OfflineClient, issue

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [(375, 740), (1280, 900)]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    # The live server runs in this process: foreign documents fail to fetch, as on a machine without network.
    monkeypatch.setattr(badges.verify, "outbound_client", OfflineClient)


def assert_reads_like_a_verdict(page, verdict: str, sentence: str) -> None:
    headline = page.locator("#headline")
    expect(headline).to_contain_text(sentence)
    # The first thing after the page's title is the sentence, with an icon whose name says the verdict.
    first = page.evaluate("document.querySelector('main h1').nextElementSibling.innerText.trim()")
    assert first.split("\n")[0].endswith(headline.inner_text().split(" ", 1)[1]), first
    expect(page.get_by_role("img", name=verdict)).to_be_visible()
    # Collapsed: the checks are there, but folded until asked for.
    details = page.locator("details.technical")
    assert details.get_attribute("open") is None
    expect(page.locator("#check-proof")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )


@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=["phone", "desktop"])
def test_our_credential_reads_first_as_one_sentence(live_server, achievement, page, screenshot, width, height):
    page.set_viewport_size({"width": width, "height": height})
    credential = issue(achievement)
    page.goto(f"{live_server.url}/verify/{credential.uuid}")
    assert_reads_like_a_verdict(page, "Valid", "Valid — Lea Rner earned “Python Basics” from Test University on")
    screenshot(f"verify-page-{width}")

    page.get_by_text("Technical checks").click()
    expect(page.locator("#check-proof")).to_be_visible()
    expect(page.locator("#check-proof")).to_contain_text("Passed")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # On paper: no navigation, the checks unfolded even when closed on screen, links with their address.
    page.reload()
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.locator("#check-proof")).to_be_visible()
    link = page.locator(".facts a[href^='https://example.org/skills/']").first
    after = link.evaluate("element => getComputedStyle(element, '::after').content")
    assert "https://example.org/skills/programming" in after


@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=["phone", "desktop"])
def test_a_foreign_credential_pasted_with_long_identifiers_fits(live_server, page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/verify")
    page.get_by_label("Paste the credential").fill((SAMPLES / "complete.json").read_text())
    page.get_by_role("button", name="Verify").click()
    assert_reads_like_a_verdict(page, "Could not be fully checked", "Could not be fully checked — ")
    expect(page.locator("#headline")).to_contain_text("do not rely on it yet")
    # Its image is on the issuer's server: offered as a link, never loaded.
    expect(page.locator(".verify-result img")).to_have_count(0)


@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=["phone", "desktop"])
def test_in_german_each_check_is_explained_above_the_verifiers_english(
    live_server, achievement, page, screenshot, width, height
):
    """German runs longer than English: the explanations and the verifier's words under them still fit (D53)."""
    page.set_viewport_size({"width": width, "height": height})
    page.set_extra_http_headers({"Accept-Language": "de"})
    credential = issue(achievement)
    page.goto(f"{live_server.url}/verify/{credential.uuid}")
    assert_reads_like_a_verdict(page, "Gültig", "Gültig – Lea Rner hat „Python Basics“ von Test University am")

    page.get_by_text("Technische Prüfschritte").click()
    proof = page.locator("#check-proof")
    expect(proof).to_contain_text("Die Signatur ist korrekt")
    expect(proof.locator('[lang="en"]')).to_contain_text("proof by")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(f"verify-page-de-{width}")
