"""The files browsers and phones ask for at the site's root: the favicon, the apple-touch icon and the web app
manifest, each a real file of the project's own (scripts/make_icons.py), kept by caches for a while, and linked from
every page."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from tests.site_pages import directives

pytestmark = pytest.mark.django_db


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_favicon_is_an_icon_of_three_sizes_kept_for_a_week(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response["Cache-Control"] == "public, max-age=604800"
    icon = _image(response.content)
    assert icon.format == "ICO"
    assert icon.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    assert client.get("/favicon.ico", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_apple_touch_icon_is_an_opaque_180_pixel_png(client):
    response = client.get("/apple-touch-icon.png")

    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    icon = _image(response.content)
    # iOS paints transparency black: the icon brings its own background.
    assert (icon.format, icon.size, icon.mode) == ("PNG", (180, 180), "RGB")


def test_the_manifest_names_the_site_and_icons_that_exist(client):
    response = client.get("/site.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert response["Cache-Control"] == "public, max-age=86400"
    manifest = json.loads(response.content)
    assert (manifest["name"], manifest["start_url"], manifest["theme_color"]) == ("Open Badges", "/", "#0b57d0")
    sizes = {}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert isinstance(path, str), icon["src"]
        if icon["type"] == "image/png":
            with Image.open(path) as image:
                sizes[icon["sizes"]] = "x".join(map(str, image.size))
    assert sizes == {"192x192": "192x192", "512x512": "512x512"}


def test_the_svg_icon_is_plain_svg_without_script():
    path = finders.find("icons/icon.svg")
    assert isinstance(path, str)
    with open(path, encoding="utf-8") as handle:
        svg = handle.read()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">')
    assert "<script" not in svg and "href" not in svg


def test_every_page_links_its_icons_and_the_policy_allows_them(client):
    response = client.get("/")
    html = response.content.decode()

    assert '<link rel="icon" href="/favicon.ico" sizes="48x48">' in html
    assert '<link rel="icon" href="/static/icons/icon.svg" type="image/svg+xml">' in html
    assert '<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png">' in html
    assert '<link rel="manifest" href="/site.webmanifest">' in html
    policy = directives(response["Content-Security-Policy"])
    # Icons are images from 'self'; the manifest falls back to default-src, which is 'self' too.
    assert "'self'" in policy["img-src"]
    assert "manifest-src" not in policy and policy["default-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/favicon.ico", "/site.webmanifest"])
def test_they_answer_get_and_head_only(client, path):
    assert client.head(path).status_code == 200
    assert client.post(path).status_code == 405
