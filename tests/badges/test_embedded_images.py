"""An issuer may embed its images in new credentials as data: URIs (docs/decisions.md D28); they still verify."""

from __future__ import annotations

import base64
import io
import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from badges.achievements import achievement_update
from badges.models import Credential
from badges.services import AwardRequest, credential_issue
from badges.verify import verify_credential
from issuer.images import MAX_EMBEDDED_IMAGE_BYTES
from issuer.services import issuer_update
from tests.actors import owner

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0b57d0"/></svg>'
# What is stored, and so embedded: the upload rebuilt from the allow-list (docs/decisions.md D36).
STORED_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0b57d0" /></svg>'
)


def png_bytes(size: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), "#0b57d0").save(out, format="PNG")
    return out.getvalue()


def noisy_png() -> bytes:
    """A PNG that compresses badly: over the embedding limit, under the upload limit."""
    out = io.BytesIO()
    Image.frombytes("RGB", (320, 320), os.urandom(320 * 320 * 3)).save(out, format="PNG")
    data = out.getvalue()
    assert MAX_EMBEDDED_IMAGE_BYTES < len(data) < 1024 * 1024
    return data


def _issue(achievement, fmt: str = "ldp") -> Credential:
    issued = credential_issue(
        request=AwardRequest(achievement=achievement, email="ada@example.com", name="Ada", format=fmt),
        source="ui",
        actor=owner(achievement.issuer),
    )
    return Credential.objects.get(pk=issued.pk)


def _images(document: dict) -> tuple[str, str]:
    return document["issuer"]["image"]["id"], document["credentialSubject"]["achievement"]["image"]["id"]


def _decoded(uri: str, prefix: str) -> bytes:
    assert uri.startswith(prefix), uri[:40]
    return base64.b64decode(uri.removeprefix(prefix), validate=True)


@pytest.fixture
def embedding(issuer, achievement):
    issuer = issuer_update(
        issuer=issuer, embed_images=True, image=SimpleUploadedFile("logo.png", png_bytes()), actor=owner(issuer)
    )
    achievement = achievement_update(
        achievement=achievement, actor=owner(achievement.issuer), data={"image": SimpleUploadedFile("badge.svg", SVG)}
    )
    return issuer, achievement


def test_embedded_images_travel_in_the_credential_and_it_still_verifies(embedding):
    _, achievement = embedding
    credential = _issue(achievement)
    logo, badge = _images(json.loads(credential.document))
    assert _decoded(logo, "data:image/png;base64,") == png_bytes()
    assert _decoded(badge, "data:image/svg+xml;base64,") == STORED_SVG
    report = verify_credential(credential.document)
    assert report.valid, [check.to_dict() for check in report.checks if check.status != "passed"]


def test_embedded_images_in_a_vc_jwt_verify(embedding):
    _, achievement = embedding
    credential = _issue(achievement, fmt="jwt")
    report = verify_credential(credential.jws)
    assert report.valid, [check.to_dict() for check in report.checks if check.status != "passed"]
    assert _images(report.credential)[0].startswith("data:image/png;base64,")


def test_without_the_option_credentials_link_to_the_images(issuer, achievement, settings):
    issuer_update(issuer=issuer, image=SimpleUploadedFile("logo.png", png_bytes()), actor=owner(issuer))
    achievement = achievement_update(
        achievement=achievement, actor=owner(achievement.issuer), data={"image": SimpleUploadedFile("badge.svg", SVG)}
    )
    logo, badge = _images(json.loads(_issue(achievement).document))
    assert logo.startswith(f"{settings.SITE_URL}/media/issuers/") and logo.endswith(".png")
    assert badge.startswith(f"{settings.SITE_URL}/media/achievements/") and badge.endswith(".svg")


def test_an_image_too_large_to_embed_stays_a_link(embedding, settings):
    issuer, achievement = embedding
    achievement = achievement_update(
        achievement=achievement,
        actor=owner(achievement.issuer),
        data={"image": SimpleUploadedFile("big.png", noisy_png())},
    )
    credential = _issue(achievement)
    logo, badge = _images(json.loads(credential.document))
    assert logo.startswith("data:image/png;base64,")
    assert badge == f"{settings.SITE_URL}{achievement.image.url}"
    assert verify_credential(credential.document).valid
