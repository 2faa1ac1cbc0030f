"""Uploaded images (issuer logos, badge images): judged by their content, never their name, and rewritten
before they are published.

Images are published: their URLs go into signed credentials and may be opened directly in a browser, where an
SVG is a document that can run scripts and fetch other resources, and a raster can smuggle metadata or a second
format. So what we store is never the uploaded file itself (docs/decisions.md D36):

* a raster (PNG, JPEG, GIF, WebP; at most 1 MB and 4096×4096) is decoded and re-encoded as a fresh PNG
  (issuer.images.raster);
* an SVG (at most 1 MB) is parsed without DTDs or entities, refused with a sentence if it carries something
  dangerous, and otherwise rebuilt from an allow-list (issuer.images.svg).

Accepted images are stored under the SHA-256 of what is stored (D28): the name a signed credential carries can
only ever serve the bytes it was signed with, and nothing overwrites or deletes it.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from typing import IO, Literal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _

from issuer.images.limits import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_SIDE,
    MAX_STORED_BYTES,
    ImageError,
    human_size,
)
from issuer.images.raster import PNG_SIGNATURE, raster_format, reencode_raster
from issuer.images.svg import sanitize_svg

__all__ = [
    "CONTENT_TYPES",
    "IMAGE_ACCEPT",
    "IMAGE_HELP",
    "IMAGE_FOLDERS",
    "MAX_EMBEDDED_IMAGE_BYTES",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_SIDE",
    "PNG_SIGNATURE",
    "ImageError",
    "PreparedImage",
    "check_image",
    "image_data_uri",
    "image_store",
    "image_url",
    "prepare_image",
]

# What the upload fields say and offer (one sentence for the logo and the badge image alike).
IMAGE_HELP = _(
    "PNG, JPEG, GIF or WebP (at most 4096×4096 pixels; stored as a PNG without its metadata), or SVG without "
    "scripts or links to other files; 1 MB at most."
)
IMAGE_ACCEPT = "image/png,image/jpeg,image/gif,image/webp,image/svg+xml"
# The two kinds we store, whatever was uploaded.
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
# The folders of published images; everything else in media storage (baked badges, bulk results) is private.
IMAGE_FOLDERS = ("issuers", "achievements")
# An issuer that embeds images puts them into every credential as data: URIs. Larger images stay links: the
# credential must stay well inside what verifiers accept — ours takes at most 256 KB of credential on the verify
# endpoints (VERIFY_MAX_BODY_BYTES), and a credential carries a logo and a badge image, each a third larger once
# base64-encoded: two 48 KB images make about 130 KB.
MAX_EMBEDDED_IMAGE_BYTES = 48 * 1024


@dataclass(frozen=True)
class PreparedImage:
    """What will be stored for an upload: its kind and the bytes we wrote (never the uploaded ones)."""

    kind: Literal["png", "svg"]
    content: bytes


def _read_upload(upload: IO[bytes], size: int | None) -> bytes:
    if size is None:
        size = getattr(upload, "size", None)
    if size is not None and size > MAX_IMAGE_BYTES:
        raise ImageError(f"The image is {human_size(size)}; the limit is 1 MB.", code="image_too_large")
    upload.seek(0)
    content = upload.read(MAX_IMAGE_BYTES + 1)
    upload.seek(0)
    if len(content) > MAX_IMAGE_BYTES:
        raise ImageError("The image is larger than 1 MB, the limit.", code="image_too_large")
    if not content:
        raise ImageError("The image file is empty.", code="image_empty")
    return content


def prepare_image(upload: IO[bytes], *, size: int | None = None) -> PreparedImage:
    """The image to publish for an upload: a re-encoded PNG or a rebuilt SVG. Raises ImageError with a sentence
    saying what to change when the upload is refused."""
    content = _read_upload(upload, size)
    digest = hashlib.sha256(content).digest()
    earlier = getattr(upload, _PREPARED, None)
    if earlier is not None and earlier[0] == digest:
        return earlier[1]  # a form checked this very upload, and its service now stores it: the work is done once
    prepared = _prepare(content)
    try:
        setattr(upload, _PREPARED, (digest, prepared))
    except AttributeError:  # a file object that takes no attributes: it is prepared again if asked again
        pass
    return prepared


# The attribute under which an upload keeps what it was prepared into, with the digest of the content it was
# prepared from (a changed content is prepared afresh).
_PREPARED = "_published_image"


def _prepare(content: bytes) -> PreparedImage:
    prepared: PreparedImage
    if raster_format(content):
        prepared = PreparedImage("png", reencode_raster(content))
    elif content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        prepared = PreparedImage("svg", sanitize_svg(content))
    else:
        raise ImageError(
            "The file is not a PNG, JPEG, GIF, WebP or SVG image (its content was checked, not its name).",
            code="image_type",
        )
    if len(prepared.content) > MAX_STORED_BYTES:  # an SVG whose embedded images grew when re-encoded
        raise ImageError(
            f"Once its embedded images are re-encoded, the SVG would take {human_size(len(prepared.content))}; "
            f"the limit is {human_size(MAX_STORED_BYTES)}. Embed smaller images.",
            code="image_too_large",
        )
    return prepared


def check_image(upload: IO[bytes], *, size: int | None = None) -> str:
    """ "png" or "svg": the kind the upload will be stored as; raises ImageError when it is refused.

    Forms call this to report a refusal on the field; the service stores with image_store, which finds the
    upload already prepared (a form never hands bytes to a service, so the upload itself keeps the result).
    """
    return prepare_image(upload, size=size).kind


def image_store(upload: IO[bytes], *, folder: str) -> str:
    """Prepare the image, store it under `<folder>/<sha256 of the stored bytes>.<png|svg>` and return that name.

    The same stored content always gets the same name and a stored file is never written again: a credential
    that links to a name keeps getting the exact image it was signed with. Raises ImageError for a refused image.
    """
    if folder not in IMAGE_FOLDERS:
        raise ValueError(f"Images are stored in {', '.join(IMAGE_FOLDERS)}, not {folder!r}.")
    prepared = prepare_image(upload)
    name = f"{folder}/{hashlib.sha256(prepared.content).hexdigest()}.{prepared.kind}"
    if default_storage.exists(name):
        return name
    # Two uploads of the same new image at once: the storage gives the second a suffixed name of its own (same
    # bytes); either name is immutable.
    return default_storage.save(name, ContentFile(prepared.content))


def image_url(image: FieldFile) -> str:
    """The absolute URL of a stored image, as credentials and the API give it (under SITE_URL, whatever the
    storage: the media view serves it from S3 as well, so the URL survives a change of storage)."""
    url = image.url
    return url if url.startswith(("https://", "http://")) else f"{settings.SITE_URL}{url}"


_data_uris: dict[str, str] = {}
_data_uris_lock = threading.Lock()


def image_data_uri(image: FieldFile) -> str | None:
    """The image as a `data:` URI, or None when it is too large to embed (or cannot be read).

    Kept per process by name: a name never changes content (content-addressed, and older random names were
    never overwritten either), so a bulk job reads each image once, not once per credential.
    """
    name = image.name or ""
    if not name:
        return None
    with _data_uris_lock:
        cached = _data_uris.get(name)
    if cached is not None:
        return cached
    try:
        with image.storage.open(name, "rb") as handle:
            content = handle.read(MAX_EMBEDDED_IMAGE_BYTES + 1)
    except OSError:
        return None
    if len(content) > MAX_EMBEDDED_IMAGE_BYTES:
        return None
    kind = "png" if content.startswith(PNG_SIGNATURE) else "svg"
    uri = f"data:{CONTENT_TYPES[kind]};base64,{base64.b64encode(content).decode('ascii')}"
    with _data_uris_lock:
        if len(_data_uris) >= 64:  # a bound, not an LRU: issuers have few images
            _data_uris.clear()
        _data_uris[name] = uri
    return uri
