"""Baked badges of our credentials: the badge image with the credential inside (OB 3.0 §5.3).

Each credential is baked once, after issuance (a task queued on commit), into a PNG and an SVG stored as
files, so that no request ever bakes. The payload is the credential exactly as stored: the JSON document
when it carries an embedded proof (Data Integrity), else the compact JWS (VC-JWT).

The image is the achievement's (PNG or SVG). A PNG becomes the baked PNG and, wrapped as an embedded
raster, the baked SVG; an SVG becomes the baked SVG, and the PNG is a generated default badge (rendering
SVG would need a rasterizer we do not ship). Without an image both are a generated default badge.
"""

from __future__ import annotations

import base64
import io
import logging
import textwrap
import uuid
from functools import lru_cache
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from badges.models import Credential
from issuer.images import PNG_SIGNATURE
from verification.baking import bake_png, bake_svg, extract_png, extract_svg

logger = logging.getLogger(__name__)

DEFAULT_SIZE = 400
_FILL = "#1f5f8b"
_RING = "#e8eef3"


class BakingError(Exception):
    """The baked image does not carry the credential it was given; nothing is stored."""


def bake_payload(credential: Credential) -> tuple[str, bool]:
    """(payload, is_jws): the stored JSON when it has an embedded proof, else the compact JWS."""
    if "Data Integrity" in credential.formats:
        return credential.document, False
    if credential.jws:
        return credential.jws, True
    raise BakingError(f"Credential {credential.uuid} has neither an embedded proof nor a VC-JWT.")


def _title_lines(name: str, width: int) -> list[str]:
    lines = textwrap.wrap(name, width=width) or [""]
    if len(lines) > 4:
        lines = [*lines[:3], lines[3][: width - 1] + "…"]
    return lines


def default_svg(name: str) -> str:
    """A plain round badge with the achievement's name, self-contained (no fonts or links)."""
    lines = _title_lines(name, 16)
    size = DEFAULT_SIZE
    line_height = 34
    first = size / 2 - (len(lines) - 1) * line_height / 2
    texts = "".join(
        f'<tspan x="{size // 2}" y="{first + i * line_height:.0f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
        f'<circle cx="{size // 2}" cy="{size // 2}" r="{size // 2 - 4}" fill="{_FILL}"/>'
        f'<circle cx="{size // 2}" cy="{size // 2}" r="{size // 2 - 24}" fill="none" stroke="{_RING}" '
        'stroke-width="4"/>'
        f'<text fill="#ffffff" font-family="sans-serif" font-size="28" font-weight="bold" text-anchor="middle" '
        f'dominant-baseline="middle">{texts}</text></svg>'
    )


@lru_cache(maxsize=256)
def default_png(name: str) -> bytes:
    """The same default badge rendered with Pillow. Cached per name: encoding it costs ~20 ms, and a bulk job
    bakes the same achievement's badge thousands of times."""
    size = DEFAULT_SIZE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, size - 4, size - 4), fill=_FILL)
    draw.ellipse((24, 24, size - 24, size - 24), outline=_RING, width=4)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.load_default(size=28)
    except (OSError, TypeError):  # Pillow built without FreeType: the small bitmap font
        font = ImageFont.load_default()
    lines = _title_lines(name, 16)
    line_height = 34
    first = size / 2 - (len(lines) - 1) * line_height / 2
    for i, line in enumerate(lines):
        draw.text((size / 2, first + i * line_height), line, fill="#ffffff", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _png_in_svg(png: bytes) -> str:
    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><image width="{width}" height="{height}" '
        f'href="data:image/png;base64,{data}"/></svg>'
    )


def source_images(credential: Credential) -> tuple[bytes, str]:
    """(png, svg) to bake into, from the achievement's image or the default badge."""
    achievement = credential.achievement
    name = achievement.name
    content = b""
    if achievement.image:
        try:
            with achievement.image.open("rb") as handle:
                content = handle.read()
        except OSError:
            logger.warning("Badge image of achievement %s is missing; baking the default badge.", achievement.pk)
    if content.startswith(PNG_SIGNATURE):
        return content, _png_in_svg(content)
    if content:
        return default_png(name), content.decode("utf-8")
    return default_png(name), default_svg(name)


def bake_images(credential: Credential) -> tuple[bytes, str]:
    """The baked PNG and SVG of a credential, each checked to give back exactly its payload."""
    payload, is_jws = bake_payload(credential)
    png, svg = source_images(credential)
    baked_png = bake_png(png, payload)
    baked_svg = bake_svg(svg, payload, jws=is_jws)
    if extract_png(baked_png) != payload or extract_svg(baked_svg) != payload.strip():
        raise BakingError(f"Baked images of credential {credential.uuid} do not carry its payload.")
    return baked_png, baked_svg


def credential_bake(*, credential: Credential) -> Credential:
    """Bake and store the PNG and SVG once. Safe to run twice: a credential already baked is left alone."""
    if credential.baked_png and credential.baked_svg:
        return credential
    baked_png, baked_svg = bake_images(credential)
    with transaction.atomic():
        # Locked so that two deliveries of the task cannot both store files for one credential.
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if locked.baked_png and locked.baked_svg:
            return locked
        stem = uuid.uuid4().hex
        locked.baked_png.save(f"{stem}.png", ContentFile(baked_png), save=False)
        locked.baked_svg.save(f"{stem}.svg", ContentFile(baked_svg.encode("utf-8")), save=False)
        locked.save(update_fields=["baked_png", "baked_svg", "updated_at"])
    credential.baked_png, credential.baked_svg = locked.baked_png, locked.baked_svg
    return locked
