"""The design system's tokens (static/css/app.css, docs/design.md): every text colour reads at WCAG AA on every
background it is used on, and no stylesheet sets text below 12 px. The browser tests (tests/e2e/test_design.py)
measure the pages themselves; these catch a token changed to a colour or a size that cannot pass."""

from __future__ import annotations

import re

import pytest

from issuer.branding import contrast_ratio
from tests.paths import ROOT

CSS = ROOT / "static" / "css"
BACKGROUNDS = ("bg", "soft", "ok-bg", "warn-bg", "bad-bg", "info-bg")
# Text colour token → the background tokens it is drawn on.
TEXT_PAIRS = {
    "ink": BACKGROUNDS,
    "muted": BACKGROUNDS,
    "accent": BACKGROUNDS,
    "ok": ("bg", "soft", "ok-bg"),
    "warn": ("bg", "soft", "warn-bg"),
    "bad": ("bg", "soft", "bad-bg"),
    "info": ("bg", "soft", "info-bg"),
    "accent-ink": ("accent",),
}
# Non-text contrast (WCAG 1.4.11): form control borders and the focus ring against the page.
UI_PAIRS = {"line-strong": ("bg", "soft"), "accent": ("bg", "soft", "info-bg")}
ROOT_PX = 16


def tokens() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\n\}", (CSS / "app.css").read_text(), re.DOTALL)
    assert root is not None
    return dict(re.findall(r"--([a-z0-9-]+):\s*([^;]+);", root.group(1)))


def colour(name: str) -> str:
    value = tokens()[name].strip()
    assert re.fullmatch(r"#[0-9a-f]{6}", value), f"--{name} is not a #rrggbb colour: {value}"
    return value


@pytest.mark.parametrize(("text", "backgrounds"), TEXT_PAIRS.items(), ids=list(TEXT_PAIRS))
def test_text_colours_reach_aa_on_their_backgrounds(text, backgrounds):
    ratios = {background: round(contrast_ratio(colour(text), colour(background)), 2) for background in backgrounds}
    assert all(ratio >= 4.5 for ratio in ratios.values()), ratios


@pytest.mark.parametrize(("part", "backgrounds"), UI_PAIRS.items(), ids=list(UI_PAIRS))
def test_control_borders_and_focus_reach_three_to_one(part, backgrounds):
    ratios = {background: round(contrast_ratio(colour(part), colour(background)), 2) for background in backgrounds}
    assert all(ratio >= 3 for ratio in ratios.values()), ratios


def test_the_focus_ring_is_the_accent():
    assert tokens()["focus-ring"] == f"3px solid {colour('accent')}"


def _pixels(value: str) -> float | None:
    """A font size in px where it does not depend on the element's parent (rem, px, pt, a --text-* token)."""
    value = value.strip().removesuffix("!important").strip()
    if match := re.fullmatch(r"var\(--(text-[a-z0-9]+)\)", value):
        value = tokens()[match.group(1)].split("/*")[0].strip()
    if match := re.fullmatch(r"([\d.]+)rem", value):
        return float(match.group(1)) * ROOT_PX
    if match := re.fullmatch(r"([\d.]+)px", value):
        return float(match.group(1))
    if match := re.fullmatch(r"([\d.]+)pt", value):
        return float(match.group(1)) * 4 / 3
    return None


def test_the_type_scale_starts_at_12_px_or_more():
    scale = {name: _pixels(f"var(--{name})") for name in tokens() if name.startswith("text-")}
    assert len(scale) >= 6
    assert all(size is not None and size >= 12 for size in scale.values()), scale


@pytest.mark.parametrize("sheet", ["app.css", "verify.css"])
def test_no_stylesheet_sets_text_below_12_px(sheet):
    sizes = re.findall(r"font-size:\s*([^;}]+)", (CSS / sheet).read_text())
    small = [size for size in sizes if (px := _pixels(size)) is not None and px < 12]
    assert sizes and small == []


def test_motion_stops_for_those_who_ask():
    css = (CSS / "app.css").read_text()
    assert "@media (prefers-reduced-motion: reduce)" in css
    assert ":focus-visible { outline: var(--focus-ring)" in css
