"""Published images never break: every <img> the platform shows loads, and every image URL signed into a credential
answers with the image, under DEBUG and without it (docs/decisions.md D28)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from badges.achievements import achievement_update
from badges.models import Credential
from badges.services import AwardRequest, credential_issue
from issuer.images import CONTENT_TYPES, image_store
from issuer.services import issuer_update
from tests.actors import owner

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0b57d0"/></svg>'
# What is stored and served for SVG: the upload rebuilt from the allow-list (docs/decisions.md D36), written
# by ElementTree. (A PNG that Pillow wrote, like png_bytes(), is re-encoded to the very same bytes.)
STORED_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0b57d0" /></svg>'
)
IMAGE_TYPES = ("image/png", "image/svg+xml")


def png_bytes(color: str = "#0b57d0", size: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), color).save(out, format="PNG")
    return out.getvalue()


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.append(dict(attrs)["src"] or "")


def image_sources(html: bytes) -> list[str]:
    parser = _Images()
    parser.feed(html.decode())
    return parser.sources


def assert_loads(client, src: str) -> bytes:
    """Follows an image reference as a browser would, and returns the image's bytes."""
    if src.startswith("data:"):
        header, _, data = src.partition(",")
        assert header in ("data:image/png;base64", "data:image/svg+xml;base64"), header
        content = base64.b64decode(data, validate=True)
    else:
        # Absolute URLs are on this site (SITE_URL); the test client is given the path.
        path = src.removeprefix(settings.SITE_URL)
        assert path.startswith("/"), f"{src} is not on this site"
        response = client.get(path)
        assert response.status_code == 200, f"{src} answered {response.status_code}"
        assert response["Content-Type"] in IMAGE_TYPES, f"{src} is {response['Content-Type']}"
        content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"\x89PNG\r\n\x1a\n") or content.lstrip().startswith(b"<svg"), src
    return content


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def pictured(issuer, achievement):
    """The fixture issuer with a PNG logo and its achievement with an SVG badge image."""
    issuer = issuer_update(issuer=issuer, image=SimpleUploadedFile("logo.png", png_bytes()), actor=owner(issuer))
    achievement = achievement_update(
        achievement=achievement, actor=owner(issuer), data={"image": SimpleUploadedFile("badge.svg", SVG)}
    )
    return issuer, achievement


@pytest.fixture
def credential(pictured):
    _, achievement = pictured
    issued = credential_issue(
        request=AwardRequest(achievement=achievement, email="ada@example.com", name="Ada"),
        source="ui",
        actor=owner(achievement.issuer),
    )
    return Credential.objects.get(pk=issued.pk)


def _credential_images(credential: Credential) -> list[str]:
    document = json.loads(credential.document)
    return [document["issuer"]["image"]["id"], document["credentialSubject"]["achievement"]["image"]["id"]]


def test_every_image_url_in_an_issued_credential_answers_with_the_image(client, credential, debug):
    urls = _credential_images(credential)
    assert [url.startswith(f"{settings.SITE_URL}/media/") for url in urls] == [True, True]
    assert [assert_loads(client, url) for url in urls] == [png_bytes(), STORED_SVG]


def test_every_img_on_the_public_pages_loads(client, credential, debug):
    issuer, achievement = credential.issuer, credential.achievement
    pages = {
        f"/credentials/{credential.uuid}": 1,
        f"/achievements/{achievement.uuid}": 2,  # the badge, and the issuer's logo beside its name
        f"/issuers/{issuer.slug}/": 1,
        f"/verify/{credential.uuid}": 1,
    }
    for page, count in pages.items():
        response = client.get(page, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, page
        sources = image_sources(response.content)
        assert len(sources) == count, (page, sources)
        for src in sources:
            assert_loads(client, src)


def test_every_img_on_the_verify_page_loads_after_verifying_one_of_our_credentials(client, credential, debug):
    response = client.post("/verify", {"credential": credential.document})
    assert response.status_code == 200
    assert response.context["report"].valid
    sources = image_sources(response.content)
    assert sources == [_credential_images(credential)[1]]
    assert assert_loads(client, sources[0]) == STORED_SVG


def test_every_img_on_the_issuer_pages_loads(client, credential, user, debug):
    client.force_login(user)
    issuer, achievement = credential.issuer, credential.achievement
    for page in (
        f"/manage/{issuer.slug}/",
        f"/manage/{issuer.slug}/profile/",
        f"/manage/{issuer.slug}/achievements/{achievement.pk}/",
    ):
        response = client.get(page)
        assert response.status_code == 200, page
        sources = image_sources(response.content)
        assert sources, f"{page} shows no image"
        for src in sources:
            assert_loads(client, src)


def test_a_foreign_credentials_image_is_not_loaded_on_the_verify_page(client, credential):
    document = json.loads(credential.document)
    document["credentialSubject"]["achievement"]["image"]["id"] = "https://tracker.example/pixel.png"
    response = client.post("/verify", {"credential": json.dumps(document)})
    assert response.status_code == 200
    assert image_sources(response.content) == []


# --- the media view -------------------------------------------------------------------------------------------


def test_image_headers(client, pictured):
    issuer, achievement = pictured
    png = client.get(issuer.image.url)
    assert png["Content-Type"] == "image/png"
    assert png["X-Content-Type-Options"] == "nosniff"
    assert png["Cache-Control"] == "public, max-age=31536000, immutable"
    assert png["Access-Control-Allow-Origin"] == "*"
    svg = client.get(achievement.image.url)
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg["X-Content-Type-Options"] == "nosniff"
    # Opened on its own, an SVG is a document: it may run nothing and load nothing.
    assert svg["Content-Security-Policy"] == "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
    assert client.head(achievement.image.url).status_code == 200
    assert client.post(achievement.image.url).status_code == 405


def _stored(kind: str, content: bytes) -> str:
    name = f"achievements/{hashlib.sha256(content).hexdigest()}.{kind}"
    default_storage.save(name, ContentFile(content))
    return name


@pytest.mark.parametrize(
    "request_headers",
    [
        {},
        {"HTTP_ACCEPT": "text/html"},
        {"HTTP_ACCEPT": "application/xhtml+xml,text/html;q=0.9"},
        {"CONTENT_TYPE": "text/html"},
    ],
    ids=["plain", "accept-html", "accept-xhtml", "content-type-html"],
)
@pytest.mark.parametrize("method", ["get", "head"])
def test_the_type_and_the_protections_come_from_what_is_stored_never_the_request(client, db, request_headers, method):
    for kind, content in (("png", png_bytes()), ("svg", STORED_SVG)):
        name = _stored(kind, content)
        for query in ("", "?format=html", "?type=text/html"):
            response = getattr(client, method)(f"/media/{name}{query}", **request_headers)
            assert response.status_code == 200, (kind, query)
            assert response["Content-Type"] == CONTENT_TYPES[kind], (kind, query)
            assert response["X-Content-Type-Options"] == "nosniff", (kind, query)
            assert "sandbox" in response["Content-Security-Policy"].split("; "), (kind, query)
            assert "default-src 'none'" in response["Content-Security-Policy"], (kind, query)


def test_refusals_are_not_sniffed_either(client, db):
    # A 404 for a name outside the image folders, or for a missing image, is not a document a browser may guess at.
    for path in ("/media/bulk/results.csv", "/media/issuers/missing.svg"):
        response = client.get(path)
        assert (response.status_code, response["X-Content-Type-Options"]) == (404, "nosniff"), path


def test_a_hand_placed_svg_name_holding_neither_kind_is_not_served(client, db):
    default_storage.save("achievements/placed.svg", ContentFile(b"alert(document.domain)//"))
    default_storage.save("achievements/placed2.svg", ContentFile(b"GIF89a<svg onload=alert(1)>"))
    assert client.get("/media/achievements/placed.svg").status_code == 404
    assert client.get("/media/achievements/placed2.svg").status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "baked/credential.png",  # baked badges: served by the credential's own view
        "bulk/results.csv",  # bulk results: only for the issuer's staff
        "issuers/../bulk/results.csv",
        "issuers/%2e%2e/bulk/results.csv",
        "issuers/sub/logo.png",
        "issuers/.hidden.png",
        "issuers/logo.txt",
        "issuers/missing.png",
    ],
)
def test_only_published_images_are_served(client, db, name):
    default_storage.save("baked/credential.png", ContentFile(png_bytes()))
    default_storage.save("bulk/results.csv", ContentFile(b"email\nada@example.com\n"))
    assert client.get(f"/media/{name}").status_code == 404


def test_a_file_whose_content_is_not_its_extension_is_not_served(client, db):
    # Cannot come from an upload (the name is derived from the checked content); a hand-placed file is refused too.
    default_storage.save("issuers/renamed.svg", ContentFile(png_bytes()))
    default_storage.save("issuers/renamed.png", ContentFile(SVG))
    assert client.get("/media/issuers/renamed.svg").status_code == 404
    assert client.get("/media/issuers/renamed.png").status_code == 404


def test_images_before_content_addressing_are_still_served(client, db):
    # Names given by earlier releases (`<slug>-<random>.png`, `<uuid hex>.svg`) are in issued credentials.
    default_storage.save("issuers/uni-0a1b2c3d4e5f.png", ContentFile(png_bytes()))
    default_storage.save("achievements/9f86d081884c7d659a2feaa0c55ad015.svg", ContentFile(SVG))
    assert client.get("/media/issuers/uni-0a1b2c3d4e5f.png")["Content-Type"] == "image/png"
    assert client.get("/media/achievements/9f86d081884c7d659a2feaa0c55ad015.svg")["Content-Type"] == "image/svg+xml"


def test_images_are_served_from_any_storage_backend(client, db, settings):
    # Not only from a local folder: S3 (config.storage) is reached through the same storage API.
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    name = image_store(SimpleUploadedFile("logo.png", png_bytes()), folder="issuers")
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()


# --- immutable names ----------------------------------------------------------------------------------------------


def test_names_are_the_hash_of_the_content(db):
    first = image_store(SimpleUploadedFile("a.png", png_bytes()), folder="achievements")
    again = image_store(SimpleUploadedFile("b.png", png_bytes()), folder="achievements")
    other = image_store(SimpleUploadedFile("a.png", png_bytes("#ff0000")), folder="achievements")
    assert first == again == f"achievements/{hashlib.sha256(png_bytes()).hexdigest()}.png"
    assert other != first
    with default_storage.open(first) as stored:
        assert stored.read() == png_bytes()


def test_images_are_stored_only_in_the_public_folders(db):
    with pytest.raises(ValueError, match="not 'bulk'"):
        image_store(SimpleUploadedFile("a.png", png_bytes()), folder="bulk")


def test_replacing_an_image_keeps_what_issued_credentials_link_to(client, credential):
    before = _credential_images(credential)
    issuer_update(
        issuer=credential.issuer,
        image=SimpleUploadedFile("new.png", png_bytes("#00ff00")),
        actor=owner(credential.issuer),
    )
    achievement_update(achievement=credential.achievement, actor=owner(credential.issuer), data={"image": None})
    assert [assert_loads(client, url) for url in before] == [png_bytes(), STORED_SVG]


def test_s3_storage_links_to_the_platforms_own_urls():
    # Credentials name SITE_URL/media/…, never the bucket nor an expiring presigned URL (no request is made here).
    from config.storage import S3MediaStorage

    storage = S3MediaStorage(
        bucket_name="badges-media", endpoint_url="http://minio:9000", access_key="k", secret_key="s"
    )
    assert storage.url("issuers/abc.png") == "/media/issuers/abc.png"
