"""The limits every uploaded image is held to, and the error that says in plain words which one it broke."""

from __future__ import annotations

from django.core.exceptions import ValidationError

# What an issuer may upload.
MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_SIDE = 4096
# What we store: a raster re-encoded as PNG can be several times its JPEG or WebP upload. Bounded so that a
# published image stays cheap to serve, to bake and to read back (a 1 MB photo of 4096×4096 pixels would
# otherwise become tens of MB of PNG).
MAX_STORED_BYTES = 4 * 1024 * 1024
# An SVG is a document a browser lays out in full: a few thousand elements is a detailed badge, tens of
# thousands a way to make every viewer slow. Depth bounds the recursion of our rebuild and of the serializer.
MAX_SVG_ELEMENTS = 20_000
MAX_SVG_DEPTH = 64
# <use> draws another element again, and a <use> of a group of <use>s multiplies: ten levels of ten make ten
# billion shapes out of a hundred elements. What the document draws once every <use> is expanded is bounded too.
MAX_SVG_DRAWN = 100_000


class ImageError(ValidationError):
    """The uploaded image was refused; the message says why in plain words."""


def human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"
