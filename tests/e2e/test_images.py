"""Images in a real browser: every <img> on the public pages has loaded and decoded (naturalWidth > 0)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from badges.achievements import achievement_update
from badges.services import AwardRequest, credential_issue
from issuer.services import issuer_update
from tests.actors import owner

pytestmark = pytest.mark.django_db(transaction=True)

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 10 10">'
    b'<rect width="10" height="10" rx="2" fill="#0b57d0"/></svg>'
)
# Every <img> of the page, with whether the browser has it decoded.
IMAGES_JS = """() => [...document.images].map((img) => ({
  src: img.currentSrc.slice(0, 120), complete: img.complete, width: img.naturalWidth
}))"""


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 160), "#1a7f37").save(out, format="PNG")
    return out.getvalue()


def test_every_img_on_the_public_pages_loads_in_the_browser(live_server, issuer, achievement, page):
    issuer_update(issuer=issuer, image=SimpleUploadedFile("logo.svg", LOGO), actor=owner(issuer))
    achievement = achievement_update(
        achievement=achievement,
        actor=owner(achievement.issuer),
        data={"image": SimpleUploadedFile("badge.png", _png())},
    )
    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="ada@example.com", name="Ada"),
        source="ui",
        actor=owner(issuer),
    )
    pages = [
        f"/credentials/{credential.uuid}",  # the learner's page, which employers open
        f"/achievements/{achievement.uuid}",
        f"/issuers/{issuer.slug}/",
    ]
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        images = page.evaluate(IMAGES_JS)
        assert images, f"{path} shows no image"
        broken = [image for image in images if not image["complete"] or image["width"] == 0]
        assert not broken, f"{path}: {broken}"
