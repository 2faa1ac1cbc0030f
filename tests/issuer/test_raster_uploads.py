"""Raster uploads (docs/decisions.md D36): PNG, JPEG, GIF and WebP are decoded and stored as a fresh PNG that holds
pixels and nothing else; the dimensions are checked before anything is decoded."""

from __future__ import annotations

import hashlib
import io
import random
import re
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile, PngImagePlugin

from issuer.images import ImageError, image_store, prepare_image
from issuer.images import raster as raster_module

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def stored(content: bytes) -> bytes:
    prepared = prepare_image(io.BytesIO(content), size=len(content))
    assert prepared.kind == "png"
    return prepared.content


def refusal(content: bytes) -> str:
    with pytest.raises(ImageError) as caught:
        prepare_image(io.BytesIO(content), size=len(content))
    return caught.value.messages[0]


def chunk_types(png: bytes) -> list[bytes]:
    assert png.startswith(PNG_SIGNATURE)
    types, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        types.append(kind)
        offset += 12 + length
    return types


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png), formats=["PNG"])
    image.load()
    return image


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# --- every accepted format becomes a PNG of the same pixels -------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("PNG", {}), ("GIF", {}), ("WEBP", {"lossless": True}), ("JPEG", {"quality": 100})],
    ids=["png", "gif", "webp", "jpeg"],
)
def test_each_accepted_format_is_stored_as_a_png_of_the_same_pixels(fmt, options):
    # Two colours in whole 8×8 blocks, so that lossy JPEG keeps each close to what it was.
    original = Image.new("RGB", (16, 8), (200, 30, 30))
    original.paste((0, 0, 255), (8, 0, 16, 8))
    image = opened(stored(encode(original, fmt, **options)))
    assert image.size == (16, 8)
    rgb = image.convert("RGB")
    tolerance = 6 if fmt == "JPEG" else 0
    for xy, expected in (((3, 3), (200, 30, 30)), ((12, 4), (0, 0, 255))):
        assert all(abs(a - b) <= tolerance for a, b in zip(rgb.getpixel(xy), expected, strict=True)), xy


def test_metadata_and_anything_after_the_image_are_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret</x:xmpmeta>", zip=True)
    exif = Image.Exif()
    exif[0x010E] = "a description"
    upload = encode(
        Image.new("RGB", (4, 4), (1, 2, 3)), "PNG", pnginfo=info, icc_profile=b"\x00" * 128, exif=exif.tobytes()
    )
    upload += b"<html><script>alert(1)</script></html>"  # a polyglot's second format after IEND
    assert {b"tEXt", b"iTXt", b"iCCP", b"eXIf"} <= set(chunk_types(upload.split(b"<html>")[0]))
    png = stored(upload)
    assert chunk_types(png) == [b"IHDR", b"IDAT", b"IEND"]
    assert b"script" not in png and b"secret" not in png
    assert opened(png).getpixel((0, 0)) == (1, 2, 3)


def test_jpeg_exif_and_icc_are_dropped_after_the_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    exif[0x010F] = "Camera maker"
    upload = encode(Image.new("RGB", (40, 20), (10, 200, 10)), "JPEG", exif=exif.tobytes(), icc_profile=b"\x00" * 64)
    png = stored(upload)
    assert opened(png).size == (20, 40)  # shown upright, as the camera meant it
    assert chunk_types(png) == [b"IHDR", b"IDAT", b"IEND"]
    assert b"Camera maker" not in png


def test_transparency_is_kept():
    rgba = Image.new("RGBA", (2, 1), (255, 0, 0, 0))
    rgba.putpixel((1, 0), (0, 0, 255, 128))
    assert [opened(stored(encode(rgba, "PNG"))).getpixel((x, 0)) for x in (0, 1)] == [
        (255, 0, 0, 0),
        (0, 0, 255, 128),
    ]
    assert opened(stored(encode(rgba, "WEBP", lossless=True))).getpixel((1, 0)) == (0, 0, 255, 128)


def test_a_palette_gif_stays_a_palette_png_with_its_transparent_colour():
    palette = Image.new("P", (3, 1))
    palette.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0])
    palette.putdata([0, 1, 2])
    png = stored(encode(palette, "GIF", transparency=0))
    image = opened(png)
    assert image.mode == "P" and b"tRNS" in chunk_types(png)
    assert [image.convert("RGBA").getpixel((x, 0)) for x in range(3)] == [
        (0, 0, 0, 0),
        (255, 0, 0, 255),
        (0, 255, 0, 255),
    ]


def test_a_single_transparent_colour_of_an_rgb_png_becomes_alpha():
    upload = encode(Image.new("RGB", (1, 1), (9, 9, 9)), "PNG", transparency=(9, 9, 9))
    image = opened(stored(upload))
    assert (image.mode, image.getpixel((0, 0))) == ("RGBA", (9, 9, 9, 0))


def test_a_cmyk_jpeg_becomes_rgb():
    image = opened(stored(encode(Image.new("CMYK", (4, 4), (0, 255, 255, 0)), "JPEG", quality=100)))
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((0, 0))
    assert red > 240 and green < 15 and blue < 15


def test_sixteen_bit_grey_keeps_its_depth():
    image = opened(stored(encode(Image.new("I;16", (2, 2), 40000), "PNG")))
    assert (image.mode, image.getpixel((0, 0))) == ("I;16", 40000)


def test_only_the_first_frame_of_an_animation_is_kept():
    frames = [Image.new("RGB", (4, 4), color) for color in ((255, 0, 0), (0, 0, 255))]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    apng = encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)
    assert b"acTL" in apng
    for upload in (gif, apng):
        png = stored(upload)
        assert b"acTL" not in png and b"fcTL" not in png
        assert opened(png).convert("RGB").getpixel((0, 0)) == (255, 0, 0)


def test_the_content_address_is_of_the_stored_png(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    plain = encode(Image.new("RGB", (3, 3), (5, 6, 7)), "PNG")
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone")
    tagged = encode(Image.new("RGB", (3, 3), (5, 6, 7)), "PNG", pnginfo=info)
    name = image_store(SimpleUploadedFile("a.png", tagged), folder="issuers")
    with default_storage.open(name) as handle:
        content = handle.read()
    assert name == f"issuers/{hashlib.sha256(content).hexdigest()}.png"
    assert content != tagged
    # The same pixels with other metadata are the same stored image.
    assert image_store(SimpleUploadedFile("b.png", plain), folder="issuers") == name


def test_a_gif_upload_is_stored_with_a_png_name(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    name = image_store(SimpleUploadedFile("logo.gif", encode(Image.new("P", (2, 2)), "GIF")), folder="achievements")
    assert name.endswith(".png")
    with default_storage.open(name) as handle:
        assert handle.read(8) == PNG_SIGNATURE


# --- refusals ---------------------------------------------------------------------------------------------------


def test_dimensions_are_checked_before_any_pixel_is_decoded(monkeypatch):
    def no_decoding(self):
        raise AssertionError("decoded pixels of an image over the size limit")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    for fmt in ("PNG", "GIF", "JPEG", "WEBP"):
        upload = encode(Image.new("L", (4097, 2)), fmt)
        assert refusal(upload) == "The image is 4097×2 pixels; the limit is 4096×4096.", fmt


def test_a_decompression_bomb_header_is_refused():
    # 100,000 × 100,000 pixels claimed by a file of a few dozen bytes.
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    bomb = PNG_SIGNATURE + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"")) + png_chunk(b"IEND", b"")
    assert refusal(bomb) == "The image has far more pixels than the limit of 4096×4096."


def test_a_gif_claiming_a_large_canvas_is_refused():
    header = b"GIF89a" + struct.pack("<HH", 5000, 5000) + b"\x00\x00\x00"
    assert refusal(header + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;") == (
        "The image is 5000×5000 pixels; the limit is 4096×4096."
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "The PNG file is damaged or incomplete and cannot be read."),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "The JPEG file is damaged or incomplete and cannot be read."),
        (b"GIF89a not really", "The GIF file is damaged or incomplete and cannot be read."),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "The WebP file is damaged or incomplete and cannot be read."),
        (b"BM" + b"\x00" * 60, "The file is not a PNG, JPEG, GIF, WebP or SVG image"),
        (b"II*\x00" + b"\x00" * 60, "The file is not a PNG, JPEG, GIF, WebP or SVG image"),
    ],
    ids=["png", "jpeg", "gif", "webp", "bmp", "tiff"],
)
def test_damaged_and_unknown_rasters_are_refused_with_a_sentence(content, message):
    assert message in refusal(content)


def test_a_truncated_image_is_refused():
    jpeg = encode(Image.new("RGB", (64, 64), (1, 2, 3)), "JPEG")
    assert refusal(jpeg[: len(jpeg) // 2]) == "The JPEG file is damaged or incomplete and cannot be read."


def test_the_announced_format_is_the_only_decoder_tried():
    # GIF magic in front of a PNG: decoded as a GIF or not at all, never by guessing among Pillow's decoders.
    assert refusal(b"GIF89a" + encode(Image.new("RGB", (2, 2)), "PNG")) == (
        "The GIF file is damaged or incomplete and cannot be read."
    )


def test_a_png_too_large_to_store_is_refused(monkeypatch):
    monkeypatch.setattr(raster_module, "MAX_STORED_BYTES", 2048)
    noisy = Image.frombytes("L", (64, 64), random.Random(1).randbytes(64 * 64))  # compresses badly
    message = refusal(encode(noisy, "JPEG"))
    assert re.fullmatch(
        r"Stored as a PNG, the image \(64×64 pixels\) would take \d+ KB; the limit is 2 KB\. "
        r"Upload it with fewer pixels\.",
        message,
    ), message


def test_an_upload_checked_by_its_form_is_not_prepared_again_when_stored():
    upload = SimpleUploadedFile("logo.jpg", encode(Image.new("RGB", (64, 64), "#0b57d0"), "JPEG"))
    checked = prepare_image(upload)  # the form's check

    assert prepare_image(upload) is checked  # the service's store: the same result, not a second re-encoding

    upload.file = io.BytesIO(encode(Image.new("RGB", (8, 8), "#ff0000"), "PNG"))  # other content, same object
    assert prepare_image(upload) is not checked
    assert Image.open(io.BytesIO(prepare_image(upload).content)).size == (8, 8)
