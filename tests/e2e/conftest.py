"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser).

CI (CI set, or E2E_REQUIRED=1) must have the browser: a missing one fails the run instead of skipping.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The browser tests photograph the pages they walk through. Into var/ by default, so a test run never changes
# the tracked files; `make screenshots` points this at docs/screenshots to refresh the documentation's pictures.
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or ROOT / "var" / "screenshots")
if not SCREENSHOTS.is_absolute():
    SCREENSHOTS = ROOT / SCREENSHOTS
# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _required() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("E2E_REQUIRED") == "1"


@pytest.fixture(scope="session")
def browser():
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[dev]')"
    if problem is None and not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problem = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if problem:
        if _required():
            pytest.fail(f"browser tests are required here but {problem}")
        pytest.skip(problem)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


# Chromium logs every Content-Security-Policy violation to the console (and a script stopped by the policy may
# fail with a page error that names it).
CSP_MESSAGE = re.compile(r"content.security.policy", re.IGNORECASE)


@pytest.fixture
def page(browser):
    """A page in a fresh context. Every flow that drives it also checks the Content-Security-Policy: a violation
    anywhere on the way fails the test when it ends (tests/e2e/test_csp_pages.py visits every page on purpose)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: CSP_MESSAGE.search(message.text) and violations.append(message.text))
    page.on("pageerror", lambda error: CSP_MESSAGE.search(str(error)) and violations.append(str(error)))
    yield page
    context.close()
    assert violations == [], "Content-Security-Policy violations on the way"


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, *, target=None) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session", autouse=True)
def _media_through_the_platform():
    # Django's live server answers /media/ itself (its _MediaFilesHandler), which would hide whether the platform
    # serves its images. Production has no such handler: the platform's own /media/ view (config.media) answers.
    from django.test.testcases import _MediaFilesHandler

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_MediaFilesHandler, "_should_handle", lambda self, path: False)
        yield


@pytest.fixture(autouse=True)
def _site_is_the_live_server(settings, live_server):
    # Ids, image URLs and e-mailed links derive from SITE_URL: point it at the server the browser talks to.
    settings.SITE_URL = live_server.url
