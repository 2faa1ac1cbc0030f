"""The pictures of docs/screenshots.md: every main page (tests/site_pages.py SCREENSHOT_PAGES) at a phone's width
and a desktop's, and the pages an employer abroad opens in German, each taken once its page has loaded.

They go to var/screenshots on an ordinary run, and to docs/screenshots with `make screenshots`. Each page must
answer 200 and be the page it claims to be (its <h1> is shown), so a picture of an error page is never taken.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

import badges.verify
from tests.e2e.test_design import VIEWPORTS
from tests.public.test_verify_page import OfflineClient
from tests.site_pages import (
    PAGES,
    SCREENSHOT_PAGES,
    SCREENSHOT_PAGES_GERMAN,
    SCREENSHOT_WIDTHS,
    browser_sessions,
    build_site,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", SCREENSHOT_WIDTHS)
def test_every_main_page_is_photographed(
    browser, live_server, django_user_model, tasks_in_process, screenshot, monkeypatch, viewport
):
    monkeypatch.setattr(badges.verify, "outbound_client", OfflineClient)
    site = build_site(django_user_model)
    sessions = browser_sessions(site)
    contexts = {}
    for audience, session_key in sessions.items():
        for locale in ("en-GB", "de-DE"):
            context = browser.new_context(viewport=VIEWPORTS[viewport], locale=locale)
            if session_key:
                cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}
                context.add_cookies([cookie])
            contexts[audience, locale] = context.new_page()
    taken = []
    try:
        shots = [(name, "en-GB", f"{viewport}/{stem}") for name, stem in SCREENSHOT_PAGES.items()]
        shots += [(name, "de-DE", f"german/{SCREENSHOT_PAGES[name]}-{viewport}") for name in SCREENSHOT_PAGES_GERMAN]
        for name, locale, picture in shots:
            page = contexts[PAGES[name], locale]
            response = page.goto(f"{live_server.url}{site.url(name)}")
            assert response is not None and response.status == 200, (name, response)
            page.wait_for_load_state("load")
            expect(page.locator("h1").first).to_be_visible()
            taken.append(screenshot(picture, target=page))
    finally:
        for page in contexts.values():
            page.context.close()

    assert len(taken) == len(SCREENSHOT_PAGES) + len(SCREENSHOT_PAGES_GERMAN)
    assert all(path.stat().st_size > 5_000 for path in taken)
