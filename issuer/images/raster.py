"""Raster uploads (PNG, JPEG, GIF, WebP) become a fresh PNG that holds pixels and nothing else.

Checking a raster's structure says nothing about what rides along in it: text chunks, EXIF, ICC profiles,
trailing bytes after the image, a second format glued on (a "polyglot" that is also valid HTML or ZIP). So the
upload is decoded and the pixels are written into a new PNG by Pillow; whatever was not pixels is gone, and
what we publish is a file we wrote ourselves. PNG is also what badge baking needs (an iTXt chunk).

The dimensions are checked from the header before any pixel is decoded, so a small file that claims to be
100,000×100,000 pixels (a decompression bomb) costs nothing.
"""

from __future__ import annotations

import io
import struct

from PIL import Image, ImageOps

from issuer.images.limits import MAX_IMAGE_SIDE, MAX_STORED_BYTES, ImageError, human_size

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Pillow's format names, and how we name them to people.
FORMAT_NAMES = {"PNG": "PNG", "JPEG": "JPEG", "GIF": "GIF", "WEBP": "WebP"}
# Modes a PNG stores as they are; anything else (CMYK, YCbCr, premultiplied alpha…) is converted to RGB(A).
PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"}
# What Pillow raises for a file it cannot decode: truncated data, a bad chunk, a broken frame.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError)


def raster_format(content: bytes) -> str | None:
    """Pillow's name of the raster format `content` starts with ("PNG", "JPEG", "GIF", "WEBP"), else None."""
    if content.startswith(PNG_SIGNATURE):
        return "PNG"
    if content.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "WEBP"
    return None


def _dimensions_error(width: int, height: int, where: str) -> ImageError:
    return ImageError(
        f"The image{where} is {width}×{height} pixels; the limit is {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE}.",
        code="image_dimensions",
    )


def _pixels_only(image: Image.Image) -> tuple[Image.Image, dict[str, object]]:
    """A new image with the same pixels and an empty `info` (no text, EXIF or ICC profile can follow it into
    the PNG), and the options to save it with (a palette image's transparency)."""
    options: dict[str, object] = {}
    if image.mode == "P":
        transparency = image.info.get("transparency")
        if isinstance(transparency, int | bytes):
            options["transparency"] = transparency
    elif "transparency" in image.info:
        # A grey or RGB image with one transparent colour (tRNS, GIF-style): an alpha channel says the same.
        image = image.convert("LA" if image.mode in ("1", "L", "I;16") else "RGBA")
    elif image.mode not in PNG_MODES:
        # CMYK and YCbCr JPEGs, premultiplied alpha: converted by Pillow's plain formulas. The embedded colour
        # profile is dropped rather than applied, so print-oriented colours may shift slightly; applying it would
        # hand the uploader's ICC data to the colour engine.
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    fresh = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode == "P":
        fresh.putpalette(image.getpalette() or [])
    return fresh, options


def reencode_raster(content: bytes, *, where: str = "") -> bytes:
    """A new PNG of the first frame of a PNG, JPEG, GIF or WebP image; raises ImageError with a sentence.

    `where` places the image in messages (" embedded in the SVG"). The PNG keeps the pixels, the palette and
    transparency; it loses metadata, colour profiles and any frame after the first. EXIF orientation is applied
    first, so a photo taken upright stays upright once its EXIF is gone.
    """
    fmt = raster_format(content)
    if fmt is None:
        raise ImageError(f"The image{where} is not a PNG, JPEG, GIF or WebP image.", code="image_type")
    name = FORMAT_NAMES[fmt]
    try:
        # formats=[fmt]: only the decoder of the format the bytes announce, never a guess among Pillow's others.
        with Image.open(io.BytesIO(content), formats=[fmt]) as image:
            width, height = image.size  # from the header: nothing is decoded yet
            if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
                raise _dimensions_error(width, height, where)
            image.load()  # the first frame only
            ImageOps.exif_transpose(image, in_place=True)
            pixels, options = _pixels_only(image)
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses the header before we see the size: far beyond our limit either way.
        raise ImageError(
            f"The image{where} has far more pixels than the limit of {MAX_IMAGE_SIDE}×{MAX_IMAGE_SIDE}.",
            code="image_dimensions",
        ) from exc
    except _DECODE_ERRORS as exc:
        raise ImageError(
            f"The {name} file{where} is damaged or incomplete and cannot be read.", code="image_damaged"
        ) from exc
    out = io.BytesIO()
    pixels.save(out, format="PNG", **options)
    png = out.getvalue()
    if len(png) > MAX_STORED_BYTES:
        raise ImageError(
            f"Stored as a PNG, the image{where} ({pixels.width}×{pixels.height} pixels) would take "
            f"{human_size(len(png))}; the limit is {human_size(MAX_STORED_BYTES)}. Upload it with fewer pixels.",
            code="image_too_large",
        )
    return png
