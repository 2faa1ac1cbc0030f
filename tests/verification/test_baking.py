"""Baked badges: extraction from the 1EdTech samples, bake/extract round trips, hostile images."""

from __future__ import annotations

import io
import json
import re
import struct
import zlib

import pytest
from PIL import Image

from tests.paths import SAMPLES  # noqa: E402
from verification.baking import bake_png, bake_svg, extract_png, extract_svg
from verification.errors import InputError

COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
NO_CREDENTIAL = (
    "The PNG image contains no Open Badges credential (no iTXt chunk 'openbadgecredential', nor an Open Badges 2.0 "
    "'openbadges' text chunk)"
)
SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'
PAYLOAD_JSON = json.dumps({"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "Ünïcødé ]]> </x>"})
PAYLOAD_JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUub3JnIn0.c2lnbmF0dXJl"


def _png(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (200, 30, 30, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def _chunk(chunk_type: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", zlib.crc32(chunk_type + data))


def _chunk_types(png: bytes) -> list[bytes]:
    types, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        types.append(png[offset + 4 : offset + 8])
        offset += 12 + length
    return types


def _insert_after_ihdr(png: bytes, chunk: bytes) -> bytes:
    return png[:33] + chunk + png[33:]  # signature (8) + IHDR (25)


# --------------------------------------------------------------------------------------------------------------
# Samples


@pytest.mark.parametrize("name", ["simple-json.png", "simple-jwt.png", "simple-jwt_v1.png"])
def test_sample_png_extracts(name: str) -> None:
    text = extract_png((SAMPLES / name).read_bytes())
    if name == "simple-json.png":
        assert json.loads(text)["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    else:
        assert COMPACT_JWS.match(text)


@pytest.mark.parametrize("name", ["simple-json.svg", "simple-jwt.svg"])
def test_sample_svg_extracts(name: str) -> None:
    raw = (SAMPLES / name).read_bytes()
    text = extract_svg(raw)
    assert text == extract_svg(raw.decode("utf-8"))
    if name == "simple-json.svg":
        assert json.loads(text)["issuer"]["id"] == "https://example.com/issuers/876543"
    else:
        assert COMPACT_JWS.match(text)


def test_rebaking_a_sample_replaces_its_credential() -> None:
    baked = bake_png((SAMPLES / "simple-json.png").read_bytes(), PAYLOAD_JSON)
    assert extract_png(baked) == PAYLOAD_JSON
    assert baked.count(b"openbadgecredential") == 1
    assert _chunk_types(baked)[:2] == [b"IHDR", b"iTXt"]
    # The image itself is untouched.
    assert Image.open(io.BytesIO(baked)).size == Image.open(SAMPLES / "simple-json.png").size

    svg = bake_svg((SAMPLES / "simple-jwt.svg").read_text(encoding="utf-8"), PAYLOAD_JSON, jws=False)
    assert extract_svg(svg) == PAYLOAD_JSON
    assert svg.count("<openbadges:credential") == 1


# --------------------------------------------------------------------------------------------------------------
# PNG


@pytest.mark.parametrize("payload", [PAYLOAD_JSON, PAYLOAD_JWS])
def test_png_round_trip(payload: str) -> None:
    baked = bake_png(_png(), payload)
    assert extract_png(baked) == payload
    assert _chunk_types(baked)[:2] == [b"IHDR", b"iTXt"]
    # The chunk is exactly as the spec describes: keyword, no compression, empty language and translation.
    index = baked.index(b"openbadgecredential")
    assert baked[index : index + 24] == b"openbadgecredential\x00\x00\x00\x00\x00"
    # Still a valid image for an ordinary decoder.
    Image.open(io.BytesIO(baked)).load()
    # Baking twice keeps one chunk.
    twice = bake_png(baked, PAYLOAD_JWS)
    assert twice.count(b"openbadgecredential") == 1
    assert extract_png(twice) == PAYLOAD_JWS


def test_png_without_credential() -> None:
    with pytest.raises(InputError) as caught:
        extract_png(_png())
    assert caught.value.message == NO_CREDENTIAL


def test_compressed_itxt_is_extracted() -> None:
    data = b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(PAYLOAD_JSON.encode())
    assert extract_png(_insert_after_ihdr(_png(), _chunk(b"iTXt", data))) == PAYLOAD_JSON


def test_compressed_itxt_bomb_refused() -> None:
    data = b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(bytes(64 * 1024 * 1024))
    with pytest.raises(InputError, match="more than 10 MB"):
        extract_png(_insert_after_ihdr(_png(), _chunk(b"iTXt", data)))


def test_open_badges_2_png_is_named() -> None:
    chunk = _chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00https://example.org/assertion/1")
    with pytest.raises(InputError, match="Open Badges 2.0"):
        extract_png(_insert_after_ihdr(_png(), chunk))


def test_png_crc_and_truncation_checked() -> None:
    baked = bake_png(_png(), PAYLOAD_JSON)
    index = baked.index(b"openbadgecredential")
    corrupted = baked[: index + 30] + bytes([baked[index + 30] ^ 0xFF]) + baked[index + 31 :]
    with pytest.raises(InputError, match="CRC"):
        extract_png(corrupted)
    with pytest.raises(InputError, match="truncated"):
        extract_png(baked[: len(baked) // 2])
    with pytest.raises(InputError, match="signature"):
        extract_png(b"GIF89a" + baked[6:])


def test_png_huge_declared_chunk_refused() -> None:
    fake = _png()[:33] + struct.pack(">I", 0x7FFFFFF0) + b"tEXt"
    with pytest.raises(InputError, match="more than allowed"):
        extract_png(fake)


def test_bake_png_refuses_non_png() -> None:
    with pytest.raises(InputError):
        bake_png(b"not a png", PAYLOAD_JSON)


# --------------------------------------------------------------------------------------------------------------
# SVG


@pytest.mark.parametrize(
    "svg",
    [
        f'<svg {SVG_NS} width="10" height="10"><rect width="10" height="10"/></svg>',
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- logo -->\n<svg {SVG_NS} data-x="a>b"><g/></svg>',
        f"<svg {SVG_NS}/>",
        (SAMPLES / "simple-json.svg").read_text(encoding="utf-8"),
    ],
    ids=["plain", "prolog", "self-closing", "sample"],
)
@pytest.mark.parametrize("jws", [False, True])
def test_svg_round_trip(svg: str, jws: bool) -> None:
    payload = PAYLOAD_JWS if jws else PAYLOAD_JSON
    baked = bake_svg(svg, payload, jws=jws)
    assert extract_svg(baked) == payload
    assert extract_svg(baked.encode("utf-8")) == payload
    assert baked.count("<openbadges:credential") == 1
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    # Directly after the opening svg tag.
    root = re.search(r'<svg\b(?:[^>"]|"[^"]*")*>', baked)
    assert root is not None
    assert baked[root.end() :].startswith("<openbadges:credential")
    if jws:
        assert f'<openbadges:credential verify="{payload}"/>' in baked
    else:
        assert "<![CDATA[" in baked


def test_svg_rebake_replaces_existing() -> None:
    baked = bake_svg(f"<svg {SVG_NS}><g/></svg>", PAYLOAD_JSON, jws=False)
    again = bake_svg(baked, PAYLOAD_JWS, jws=True)
    assert again.count("<openbadges:credential") == 1
    assert again.count("xmlns:openbadges") == 1
    assert extract_svg(again) == PAYLOAD_JWS


def test_svg_jws_mode_requires_a_jws() -> None:
    with pytest.raises(InputError, match="compact JWS"):
        bake_svg(f"<svg {SVG_NS}/>", PAYLOAD_JSON, jws=True)


def test_svg_without_credential() -> None:
    with pytest.raises(InputError, match="no <openbadges:credential>"):
        extract_svg(f"<svg {SVG_NS}><g/></svg>")


def test_svg_open_badges_2_is_named() -> None:
    svg = f'<svg {SVG_NS} xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="x"/></svg>'
    with pytest.raises(InputError, match="Open Badges 2.0"):
        extract_svg(svg)


def test_svg_entities_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<svg {SVG_NS} xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        "<openbadges:credential>&b;</openbadges:credential></svg>"
    )
    with pytest.raises(InputError, match="entities"):
        extract_svg(bomb)
    external = f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg {SVG_NS}>&x;</svg>'
    with pytest.raises(InputError):
        extract_svg(external)


@pytest.mark.parametrize(
    "document", ["<svg", "<html><body/></html>", "", "<svg xmlns='http://www.w3.org/2000/svg'><g></svg>"]
)
def test_svg_malformed(document: str) -> None:
    with pytest.raises(InputError):
        extract_svg(document)


def test_bake_svg_refuses_foreign_prefix_binding() -> None:
    svg = f'<svg {SVG_NS} xmlns:openbadges="http://openbadges.org"/>'
    with pytest.raises(InputError, match="prefix 'openbadges'"):
        bake_svg(svg, PAYLOAD_JSON, jws=False)
