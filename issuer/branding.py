"""An issuer's colour on its public pages, kept readable whatever colour it picks (docs/design.md, D50).

The colour is stored as `#rrggbb` and reaches a page only as a stylesheet made here from those six digits
(`/brand/<rrggbb>.css`): never as CSS the issuer wrote, and never inline (the Content-Security-Policy allows no inline
style, D35). Text on the colour is white or black, whichever contrasts more; links and buttons on white take the
colour only where it reaches WCAG AA against the page's backgrounds, and keep the platform's blue otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

HEX_COLOR = re.compile(r"#[0-9a-f]{6}")
brand_color_validator = RegexValidator(
    r"\A#[0-9a-f]{6}\Z", _("Enter a colour as # and six hexadecimal digits, for example #0b57d0.")
)

# From static/css/app.css (tests/issuer/test_branding.py keeps them equal).
DEFAULT_ACCENT = "#0b57d0"
WHITE = "#ffffff"
# Black, not the page's ink (#1b1b1f): with pure black, the better of the two text colours reaches 4.58:1 on any
# colour; with the ink, a mid-grey would leave both near 4.2.
BLACK = "#000000"
# The backgrounds links and buttons sit on: the page (--bg) and the panels (--soft).
SURFACES = (WHITE, "#f4f6f8")
# WCAG 2.x AA for normal-size text.
AA_TEXT = 4.5


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of a `#rrggbb` colour (0 for black, 1 for white)."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio of two `#rrggbb` colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class BrandPalette:
    brand: str  # the band and the header's rule: the issuer's colour as chosen
    brand_ink: str  # text on the band: white or black, whichever reads better (always at least 4.5:1)
    accent: str  # links and buttons on the page: the colour when it reads on every surface, else the default


def brand_palette(color: str) -> BrandPalette:
    """The colours a page uses for `color` (a valid `#rrggbb`, lower case)."""
    if not HEX_COLOR.fullmatch(color):
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    brand_ink = max((WHITE, BLACK), key=lambda ink: contrast_ratio(color, ink))
    readable = all(contrast_ratio(color, surface) >= AA_TEXT for surface in SURFACES)
    return BrandPalette(brand=color, brand_ink=brand_ink, accent=color if readable else DEFAULT_ACCENT)


def brand_stylesheet(color: str) -> str:
    """The stylesheet that puts `color` on a page: custom properties only, each from the palette's hex values."""
    palette = brand_palette(color)
    # --accent-ink stays white: an accent taken from the issuer reaches 4.5:1 against white, so white text on it does.
    return (
        f"/* An issuer's colour, {palette.brand} (issuer.branding). */\n"
        f":root {{ --brand: {palette.brand}; --brand-ink: {palette.brand_ink}; --accent: {palette.accent};"
        f" --brand-rule: 4px solid {palette.brand}; }}\n"
    )
