"""An issuer's colour on its public pages (issuer.branding, D50): validated as #rrggbb, readable whatever it is,
served as a stylesheet made from its six digits, and set on the profile page or through the API."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from badges.services import AwardRequest, credential_issue
from issuer.branding import (
    AA_TEXT,
    BLACK,
    DEFAULT_ACCENT,
    SURFACES,
    WHITE,
    brand_palette,
    brand_stylesheet,
    contrast_ratio,
)
from issuer.models import Issuer
from issuer.services import issuer_update
from tests.actors import owner
from tests.paths import ROOT

colors = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda n: f"#{n:06x}")


def _tokens() -> dict[str, str]:
    css = (ROOT / "static" / "css" / "app.css").read_text()
    return dict(re.findall(r"--([a-z0-9-]+):\s*(#[0-9a-f]{6})\b", css))


def test_the_defaults_are_the_stylesheets_own():
    tokens = _tokens()
    assert tokens["accent"] == DEFAULT_ACCENT
    assert (tokens["bg"], tokens["soft"]) == SURFACES


def test_contrast_ratios_are_wcags():
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21)
    assert contrast_ratio(WHITE, WHITE) == pytest.approx(1)
    assert contrast_ratio("#767676", WHITE) == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes AA


@given(colors)
def test_any_colour_gets_readable_text_and_a_readable_accent(color):
    palette = brand_palette(color)

    assert palette.brand == color
    assert contrast_ratio(palette.brand, palette.brand_ink) >= AA_TEXT
    assert all(contrast_ratio(palette.accent, surface) >= AA_TEXT for surface in SURFACES)
    assert palette.accent in (color, DEFAULT_ACCENT)


@pytest.mark.parametrize(
    ("color", "ink", "accent"),
    [
        ("#7a1f5c", WHITE, "#7a1f5c"),  # dark: white text, and links and buttons in the colour
        ("#ffd600", BLACK, DEFAULT_ACCENT),  # yellow: black text on it, links stay the platform's blue
        ("#1a7f37", WHITE, "#1a7f37"),
        ("#3d9be9", BLACK, DEFAULT_ACCENT),  # a light blue fails both on white: the guard keeps the default
    ],
)
def test_the_palette_of_a_few_colours(color, ink, accent):
    palette = brand_palette(color)
    assert (palette.brand_ink, palette.accent) == (ink, accent)


@pytest.mark.parametrize("value", ["red", "#fff", "#7A1F5C", "#7a1f5c;}", "", "url(x)"])
def test_only_a_lower_case_hex_colour_makes_a_palette(value):
    with pytest.raises(ValueError, match="not a #rrggbb colour"):
        brand_palette(value)


def test_the_stylesheet_sets_custom_properties_from_the_palette_only():
    css = brand_stylesheet("#ffd600")
    assert (
        ":root { --brand: #ffd600; --brand-ink: #000000; --accent: #0b57d0; --brand-rule: 4px solid #ffd600; }" in css
    )
    declarations = re.findall(r"(--[a-z-]+): ([^;]+);", css)
    assert [name for name, _ in declarations] == ["--brand", "--brand-ink", "--accent", "--brand-rule"]


# --- the stylesheet's route ------------------------------------------------------------------------------------


def test_the_stylesheet_is_served_as_css_and_kept(client):
    response = client.get("/brand/7a1f5c.css")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response.content.decode() == brand_stylesheet("#7a1f5c")
    again = client.get("/brand/7a1f5c.css", HTTP_IF_NONE_MATCH=response["ETag"])
    assert (again.status_code, again.content) == (304, b"")


@pytest.mark.parametrize("path", ["/brand/7A1F5C.css", "/brand/fff.css", "/brand/7a1f5c0.css", "/brand/zzzzzz.css"])
def test_anything_but_six_lower_case_digits_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_stylesheet_is_only_read(client):
    assert client.post("/brand/7a1f5c.css").status_code == 405


# --- where it shows --------------------------------------------------------------------------------------------

LINK = '<link rel="stylesheet" href="/brand/7a1f5c.css">'


def test_the_public_pages_link_the_issuers_colour_and_others_do_not(issuer, achievement):
    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="lea@example.com", name="Lea"),
        source="ui",
        notify=False,
        actor=owner(issuer),
    )
    public = {
        "issuer": f"/issuers/{issuer.slug}/",
        "achievement": f"/achievements/{achievement.uuid}",
        "credential": f"/credentials/{credential.uuid}",
    }
    client = Client()

    def linked() -> dict[str, bool]:
        return {
            name: LINK in client.get(path, HTTP_ACCEPT="text/html").content.decode() for name, path in public.items()
        }

    assert linked() == {"issuer": False, "achievement": False, "credential": False}
    issuer_update(issuer=issuer, brand_color="#7a1f5c", actor=owner(issuer))
    # The credential page's kept fragments (D40) do not hold the colour: it shows on the very next request.
    assert linked() == {"issuer": True, "achievement": True, "credential": True}
    assert LINK not in client.get("/verify").content.decode()


def test_a_stored_value_that_is_not_a_colour_is_left_out(issuer, client):
    Issuer.objects.filter(pk=issuer.pk).update(brand_color="#ZZZZZZ")  # past the model's validation

    response = client.get(f"/issuers/{issuer.slug}/")

    assert response.status_code == 200
    assert "/brand/" not in response.content.decode()
