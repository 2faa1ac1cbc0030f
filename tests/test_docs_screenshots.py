"""docs/screenshots.md shows every main page at both widths (and the German ones), and every picture it shows is
in the repository: `make screenshots` takes them (tests/e2e/test_screenshots.py), this keeps the gallery honest."""

from __future__ import annotations

import re

from tests.paths import ROOT
from tests.site_pages import SCREENSHOT_PAGES, SCREENSHOT_PAGES_GERMAN, SCREENSHOT_WIDTHS

GALLERY = ROOT / "docs" / "screenshots.md"
IMAGE = re.compile(r"!\[[^\]]*\]\((screenshots/[^)]+\.png)\)")


def _expected() -> set[str]:
    pictures = {f"screenshots/{width}/{stem}.png" for stem in SCREENSHOT_PAGES.values() for width in SCREENSHOT_WIDTHS}
    pictures |= {
        f"screenshots/german/{SCREENSHOT_PAGES[name]}-{width}.png"
        for name in SCREENSHOT_PAGES_GERMAN
        for width in SCREENSHOT_WIDTHS
    }
    return pictures


def test_the_gallery_shows_every_main_page_at_both_widths():
    shown = set(IMAGE.findall(GALLERY.read_text()))
    assert sorted(_expected() - shown) == []
    assert sorted(shown - _expected()) == []


def test_every_picture_of_the_gallery_is_in_the_repository():
    missing = [picture for picture in _expected() if not (ROOT / "docs" / picture).is_file()]
    assert missing == []
