"""Baked badges: made once after issuance, stored, downloadable, and verifiable with our verifier."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from badges.baking import credential_bake, default_png, default_svg
from badges.models import Credential
from badges.services import AwardRequest, credential_issue
from badges.tasks import bake_credential
from badges.verify import verify_credential
from tests.actors import owner
from verification.baking import extract_png, extract_svg

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _issue(achievement, **kwargs):
    params = {"achievement": achievement, "email": "lea@example.com", "name": "Lea Rner"}
    params.update(kwargs)
    return credential_issue(request=AwardRequest(**params), source="ui", actor=owner(achievement.issuer))


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def _baked_files(media) -> list[str]:
    folder = media / "baked"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _png(color=(200, 30, 30), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["ldp", "both"])
def test_data_integrity_credential_bakes_the_exact_json(achievement, fmt):
    # given
    credential = _issue(achievement, format=fmt)
    # when
    credential_bake(credential=credential)
    # then
    credential.refresh_from_db()
    png, svg = _read(credential.baked_png), _read(credential.baked_svg)
    assert extract_png(png) == credential.document
    assert extract_svg(svg) == credential.document
    assert b'<openbadges:credential><![CDATA[{"@context"' in svg
    assert verify_credential(png, filename="badge.png").valid is True
    assert verify_credential(svg, filename="badge.svg").valid is True


def test_jws_only_credential_bakes_the_jws(achievement):
    credential = _issue(achievement, format="jwt")
    assert credential.formats == ["VC-JWT"]
    credential_bake(credential=credential)
    credential.refresh_from_db()
    png, svg = _read(credential.baked_png), _read(credential.baked_svg)
    assert extract_png(png) == credential.jws
    assert extract_svg(svg) == credential.jws
    assert f'verify="{credential.jws}"'.encode() in svg
    png_report = verify_credential(png, filename="badge.png")
    assert (png_report.valid, png_report.format) == (True, "jwt")
    svg_report = verify_credential(svg, filename="badge.svg")
    assert (svg_report.valid, svg_report.format) == (True, "jwt")


def test_png_uses_one_uncompressed_itxt_chunk(achievement):
    credential = _issue(achievement)
    credential_bake(credential=credential)
    png = _read(credential.baked_png)
    assert png.count(b"iTXt") == 1
    # keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, text
    assert b"iTXtopenbadgecredential\x00\x00\x00\x00\x00" + credential.document.encode()[:20] in png


def test_achievement_png_image_is_the_base(achievement):
    source = _png()
    achievement.image.save("badge.png", ContentFile(source))
    credential = _issue(achievement)
    credential_bake(credential=credential)
    with Image.open(io.BytesIO(_read(credential.baked_png))) as baked:
        assert baked.size == (64, 48)
        assert baked.convert("RGB").getpixel((1, 1)) == (200, 30, 30)
    svg = _read(credential.baked_svg)
    assert b'href="data:image/png;base64,' in svg
    assert verify_credential(svg, filename="badge.svg").valid is True


def test_achievement_svg_image_is_the_base(achievement):
    source = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect id="mine" width="10" height="10"/></svg>'
    )
    achievement.image.save("badge.svg", ContentFile(source))
    credential = _issue(achievement)
    credential_bake(credential=credential)
    svg = _read(credential.baked_svg).decode()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" xmlns:openbadges=')
    assert '<rect id="mine"' in svg
    assert extract_svg(svg) == credential.document
    # no rasterizer for SVG: the PNG is the generated default badge
    assert verify_credential(_read(credential.baked_png), filename="badge.png").valid is True


def test_default_badge_carries_the_name(achievement):
    svg = default_svg("Python <Basics> & more")
    assert '<tspan x="200" y="183">Python &lt;Basics&gt;</tspan><tspan x="200" y="217">&amp; more</tspan>' in svg
    with Image.open(io.BytesIO(default_png("Python Basics"))) as image:
        assert (image.format, image.size) == ("PNG", (400, 400))


def test_baking_is_idempotent(achievement, media):
    credential = _issue(achievement)
    credential_bake(credential=credential)
    credential.refresh_from_db()
    names = (credential.baked_png.name, credential.baked_svg.name)
    credential_bake(credential=Credential.objects.get(pk=credential.pk))
    bake_credential(credential.pk)
    credential.refresh_from_db()
    assert (credential.baked_png.name, credential.baked_svg.name) == names
    assert len(_baked_files(media)) == 2
    assert names[0].startswith("baked/") and names[0].endswith(".png")
    assert str(credential.uuid) not in names[0]  # random names, not guessable from the credential


def test_issue_bakes_after_commit_once(achievement, media, tasks_in_process, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        credential = _issue(achievement, idempotency_key="k1")
    credential.refresh_from_db()
    assert not credential.baked_png  # nothing before the award is durable
    assert _baked_files(media) == []
    for callback in callbacks:
        callback()
    credential.refresh_from_db()
    assert credential.baked_png and credential.baked_svg
    with django_capture_on_commit_callbacks(execute=True) as again:
        repeated = _issue(achievement, idempotency_key="k1")
    assert repeated.pk == credential.pk
    assert again == []  # a repeated key queues nothing
    assert len(_baked_files(media)) == 2


def test_bake_task_ignores_unknown_credential(db, media):
    bake_credential(987654)
    assert _baked_files(media) == []


@pytest.mark.parametrize(("fmt", "content_type"), [("png", "image/png"), ("svg", "image/svg+xml")])
def test_baked_downloads(client, achievement, fmt, content_type):
    credential = _issue(achievement)
    credential_bake(credential=credential)
    response = client.get(f"/credentials/{credential.uuid}?format={fmt}", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="credential-{credential.uuid}.{fmt}"'
    extract = extract_png if fmt == "png" else extract_svg
    assert extract(response.content) == credential.document


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_a_credential_not_baked_yet_is_baked_on_the_first_download(client, achievement, fmt):
    credential = _issue(achievement)
    assert not credential.baked_png  # no task has run (bulk awards are never baked ahead)

    response = client.get(f"/credentials/{credential.uuid}?format={fmt}")

    assert response.status_code == 200
    extract = extract_png if fmt == "png" else extract_svg
    assert extract(response.content) == credential.document
    credential.refresh_from_db()
    stored = (credential.baked_png.name, credential.baked_svg.name)
    assert all(stored)
    client.get(f"/credentials/{credential.uuid}?format={fmt}")
    credential.refresh_from_db()
    assert (credential.baked_png.name, credential.baked_svg.name) == stored  # baked once


def test_a_download_that_cannot_be_baked_is_404_with_a_sentence(client, achievement, settings, tmp_path):
    credential = _issue(achievement)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"  # the storage cannot write there

    response = client.get(f"/credentials/{credential.uuid}?format=png")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "The baked PNG badge of this credential cannot be made right now" in response.content.decode()
