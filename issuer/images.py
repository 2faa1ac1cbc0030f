"""Checks an uploaded image (issuer logo, badge image) by its content, never its name.

Images are published: their URLs go into signed credentials and may be opened directly in a
browser, where an SVG is a document that can run scripts and fetch other resources. So a PNG must
be a real, bounded PNG, and an SVG must be well-formed, self-contained and script-free. Offending
files are refused with a sentence saying what to remove, never silently rewritten.

Accepted images are stored under the SHA-256 of their content (docs/decisions.md D28): the name a signed
credential carries can only ever serve the bytes it was signed with, and nothing overwrites or deletes it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from typing import IO
from xml.etree.ElementTree import ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_SIDE = 4096
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
# The folders of published images; everything else in media storage (baked badges, bulk results) is private.
IMAGE_FOLDERS = ("issuers", "achievements")
# An issuer that embeds images puts them into every credential as data: URIs. Larger images stay links: the
# credential must stay well inside what verifiers accept — ours takes at most 256 KB of credential on the verify
# endpoints (VERIFY_MAX_BODY_BYTES), and a credential carries a logo and a badge image, each a third larger once
# base64-encoded: two 48 KB images make about 130 KB.
MAX_EMBEDDED_IMAGE_BYTES = 48 * 1024
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"

# Elements that run code or embed another document, and why they are refused.
FORBIDDEN_ELEMENTS = {
    "script": "scripts are not allowed",
    "foreignobject": "embedded HTML is not allowed",
    "iframe": "embedded documents are not allowed",
    "embed": "embedded documents are not allowed",
    "object": "embedded documents are not allowed",
    "handler": "event handlers are not allowed",
    "listener": "event handlers are not allowed",
}
# An embedded raster image is self-contained and cannot run code.
INLINE_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)


class ImageError(ValidationError):
    """The uploaded image was refused; the message says why in plain words."""


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def check_image(upload: IO[bytes], *, size: int | None = None) -> str:
    """ "png" or "svg" for an acceptable image (at most 1 MB and 4096×4096); raises ImageError otherwise."""
    if size is None:
        size = getattr(upload, "size", None)
    if size is not None and size > MAX_IMAGE_BYTES:
        raise ImageError(f"The image is {_human_size(size)}; the limit is 1 MB.", code="image_too_large")
    upload.seek(0)
    content = upload.read(MAX_IMAGE_BYTES + 1)
    upload.seek(0)
    if len(content) > MAX_IMAGE_BYTES:
        raise ImageError("The image is larger than 1 MB, the limit.", code="image_too_large")
    if not content:
        raise ImageError("The image file is empty.", code="image_empty")
    if content.startswith(PNG_SIGNATURE):
        _check_png(upload)
        return "png"
    if content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        _check_svg(content)
        return "svg"
    raise ImageError(
        "The file is neither a PNG nor an SVG image (its content was checked, not its name).", code="image_type"
    )


def _check_png(upload: IO[bytes]) -> None:
    # verify() checks the structure without decoding pixels, so a decompression bomb costs nothing.
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format != "PNG":
                raise ImageError("The file starts like a PNG but is not one.", code="image_damaged")
            width, height = image.size
            image.verify()
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError("The PNG file is damaged or incomplete and cannot be read.", code="image_damaged") from exc
    finally:
        upload.seek(0)
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
        raise ImageError(
            f"The image is {width}×{height} pixels; the limit is {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE}.",
            code="image_dimensions",
        )


class _RecordingTreeBuilder(TreeBuilder):
    """Builds the tree and remembers processing instructions, including those before the root element."""

    def __init__(self) -> None:
        super().__init__()
        self.processing_instructions: list[str] = []

    def pi(self, target: str, text: str | None = None) -> None:  # type: ignore[override]
        self.processing_instructions.append(target)


def _external_css(css: str) -> str | None:
    if "@import" in css.lower():
        return "@import"
    for target in CSS_URL.findall(css):
        if not target.startswith("#") and not INLINE_IMAGE.match(target):
            return f"url({target})"
    return None


def _outside(what: str) -> ImageError:
    return ImageError(
        f"The SVG refers to something outside the file ({what}); embed everything in the file.", code="svg_external"
    )


def _check_svg(content: bytes) -> None:
    builder = _RecordingTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(content)
        root = parser.close()
    except DefusedXmlException as exc:
        raise ImageError("The SVG declares a DTD or entities, which are not allowed.", code="svg_dtd") from exc
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        raise ImageError(
            f"The file is neither a PNG nor a well-formed SVG image (first XML problem on line {line}).",
            code="svg_malformed",
        ) from exc
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise ImageError(
            f"The file is XML but not an SVG image: its root element is <{_local(str(root.tag))}>, "
            f'not <svg xmlns="{SVG_NAMESPACE}">.',
            code="svg_root",
        )
    if builder.processing_instructions:
        raise ImageError(
            f"The SVG contains a processing instruction (<?{builder.processing_instructions[0]} …?>); remove it.",
            code="svg_processing_instruction",
        )
    for element in root.iter():
        tag = _local(element.tag) if isinstance(element.tag, str) else ""
        if tag.lower() in FORBIDDEN_ELEMENTS or str(element.tag).startswith(f"{{{XHTML_NAMESPACE}}}"):
            reason = FORBIDDEN_ELEMENTS.get(tag.lower(), "embedded HTML is not allowed")
            raise ImageError(
                f"The SVG contains a <{tag}> element; {reason} in published images.",
                code="svg_script" if tag.lower() == "script" else "svg_forbidden_element",
            )
        if tag.lower() == "style" and (found := _external_css(element.text or "")):
            raise _outside(f"{found} in its stylesheet")
        for raw_name, raw_value in element.attrib.items():
            name = _local(raw_name)
            value = raw_value.strip()
            if name.lower().startswith("on"):
                raise ImageError(
                    f"The SVG has an event handler attribute ({name} on <{tag}>); scripts are not allowed.",
                    code="svg_event_handler",
                )
            if "javascript:" in re.sub(r"\s", "", value).lower():
                raise ImageError(
                    f"The SVG contains a javascript: link (on <{tag}>); scripts are not allowed.", code="svg_script"
                )
            if (
                name.lower() in ("href", "src")
                and value
                and not value.startswith("#")
                and not INLINE_IMAGE.match(value)
            ):
                raise _outside(f'{name}="{value[:80]}" on <{tag}>')
            if (name.lower() == "style" or value.lower().startswith("url(")) and (found := _external_css(value)):
                raise _outside(f"{found} in {name} on <{tag}>")
            if name == "attributeName" and _local(value).lower() == "href":
                raise ImageError(
                    "The SVG animates a link (attributeName=href), which is not allowed.", code="svg_external"
                )


def image_store(upload: IO[bytes], *, folder: str) -> str:
    """Check the image, store it under `<folder>/<sha256 of the content>.<png|svg>` and return that name.

    The same content always gets the same name and a stored file is never written again: a credential that
    links to a name keeps getting the exact image it was signed with. Raises ImageError for a refused image.
    """
    if folder not in IMAGE_FOLDERS:
        raise ValueError(f"Images are stored in {', '.join(IMAGE_FOLDERS)}, not {folder!r}.")
    kind = check_image(upload)
    upload.seek(0)
    content = upload.read(MAX_IMAGE_BYTES + 1)
    upload.seek(0)
    name = f"{folder}/{hashlib.sha256(content).hexdigest()}.{kind}"
    if default_storage.exists(name):
        return name
    # Two uploads of the same new image at once: the storage gives the second a suffixed name of its own (same
    # bytes); either name is immutable.
    return default_storage.save(name, ContentFile(content))


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
