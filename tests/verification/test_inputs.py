"""Input detection and limits: every unusable input is an InputError with a readable message, quickly."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from tests.paths import SAMPLES  # noqa: E402
from verification.baking import bake_png, bake_svg
from verification.errors import InputError, InputTooLarge
from verification.inputs import (
    MAX_INPUT_BYTES,
    MAX_JSON_DEPTH,
    NEITHER,
    check_object_depth,
    parse_input,
    unverified_jws_credential,
)

SIMPLE = (SAMPLES / "simple.json").read_text(encoding="utf-8")
TOKEN = (SAMPLES / "simple.jwt").read_text(encoding="utf-8").strip()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def _error(data: bytes | str, **hints: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_input(data, **hints)  # type: ignore[arg-type]
    return caught.value.message


# --------------------------------------------------------------------------------------------------------------
# Detection


def test_json_credential() -> None:
    parsed = parse_input(SIMPLE.encode())
    assert (parsed.kind, parsed.format, parsed.jws) == ("json", "ldp", None)
    assert parsed.credential is not None
    assert parsed.credential["id"] == "http://example.com/credentials/3527"
    assert parse_input(SIMPLE).credential == parsed.credential
    # A UTF-8 byte order mark and surrounding whitespace are tolerated.
    assert parse_input(b"\xef\xbb\xbf\n  " + SIMPLE.encode() + b"\n").credential == parsed.credential


def test_compact_jws() -> None:
    parsed = parse_input(TOKEN + "\n")
    assert (parsed.kind, parsed.format, parsed.credential, parsed.jws) == ("jws", "jwt", None, TOKEN)
    unverified = unverified_jws_credential(TOKEN)
    assert unverified is not None
    assert unverified["id"] == "http://example.edu/credentials/3732"


@pytest.mark.parametrize(
    ("name", "kind", "fmt"),
    [
        ("simple-json.png", "png", "ldp"),
        ("simple-jwt.png", "png", "jwt"),
        ("simple-jwt_v1.png", "png", "jwt"),
        ("simple-json.svg", "svg", "ldp"),
        ("simple-jwt.svg", "svg", "jwt"),
    ],
)
def test_baked_samples(name: str, kind: str, fmt: str) -> None:
    parsed = parse_input((SAMPLES / name).read_bytes(), filename=name)
    assert (parsed.kind, parsed.format) == (kind, fmt)
    assert (parsed.credential is not None) == (fmt == "ldp")


def test_baked_round_trip_is_detected() -> None:
    parsed = parse_input(bake_png(_png(), SIMPLE))
    assert parsed.kind == "png"
    assert parsed.credential == json.loads(SIMPLE)
    svg = bake_svg('<svg xmlns="http://www.w3.org/2000/svg"/>', TOKEN, jws=True)
    parsed = parse_input(svg, content_type="image/svg+xml")
    assert (parsed.kind, parsed.jws) == ("svg", TOKEN)


# --------------------------------------------------------------------------------------------------------------
# Limits


def test_larger_than_10_mb_refused() -> None:
    assert "larger than 10 MB" in _error(b" " * (MAX_INPUT_BYTES + 1))
    # Characters that take several bytes count by their encoded size.
    assert "larger than 10 MB" in _error("é" * (MAX_INPUT_BYTES // 2 + 1))
    with pytest.raises(InputTooLarge):
        parse_input(b" " * (MAX_INPUT_BYTES + 1))


@pytest.mark.parametrize(("opener", "where"), [("[", "at [0][0][0]"), ('{"a":', "at a.a.a")], ids=["arrays", "objects"])
def test_deep_json_refused_before_parsing(opener: str, where: str) -> None:
    # 10,000 levels would make the recursive parser fail; the iterative scan refuses first and says where.
    closer = "]" if opener == "[" else "}"
    document = opener * 10_000 + "1" + closer * 10_000
    message = _error(document)
    assert f"nested more than {MAX_JSON_DEPTH} levels deep ({where}" in message
    # The iterative scan stops one level past the limit: what follows is never read, so it need not even be JSON.
    assert f"nested more than {MAX_JSON_DEPTH} levels" in _error(opener * (MAX_JSON_DEPTH + 1) + "\x00 not JSON at all")


def test_brackets_inside_strings_do_not_count() -> None:
    credential = json.loads(SIMPLE)
    credential["description"] = "[{" * 5000 + 'quoted \\" and \\\\ ' + "}]" * 5000
    assert parse_input(json.dumps(credential)).credential == credential


def test_depth_32_is_accepted() -> None:
    credential = json.loads(SIMPLE)
    nested: object = 1
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    credential["deep"] = nested
    assert parse_input(json.dumps(credential)).credential is not None
    credential["deep"] = [nested]
    assert "nested more than 32 levels deep (at deep[0][0]" in _error(json.dumps(credential))


# --------------------------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize(
    "data",
    [TOKEN[:40], TOKEN.rsplit(".", 1)[0], TOKEN[: TOKEN.index(".") + 10] + "."],
    ids=["inside-header", "no-signature", "inside-payload"],
)
def test_truncated_jws(data: str) -> None:
    assert "JWS" in _error(data)


def test_jws_with_cut_signature() -> None:
    # Cutting one character leaves a base64url length that no byte string has.
    assert "signature is truncated" in _error(TOKEN[:-1])


def test_jws_with_garbage_header() -> None:
    assert "header" in _error("bm90IGpzb24." + TOKEN.split(".", 1)[1])


def test_png_without_credential() -> None:
    message = _error(_png(), filename="badge.png")
    assert message == (
        "The PNG image contains no Open Badges credential (no iTXt chunk 'openbadgecredential', nor an Open Badges "
        "2.0 'openbadges' text chunk)"
    )


def test_not_json() -> None:
    assert _error(b"Hello, this is a plain text file.") == NEITHER + "."
    assert _error(b"\x00\x01\x02\xff") == NEITHER + " (it is binary data that is not UTF-8 text)."
    assert "root element is not <svg>" in _error("<html><body>badge</body></html>")
    assert "not valid JSON (line 1" in _error('{"@context": [')
    assert _error("   ") == "The input is empty."


def test_json_that_is_not_a_credential() -> None:
    assert _error("[1, 2]") == "Expected a JSON object (a verifiable credential), got an array."
    assert "neither '@context' nor 'type'" in _error('{"name": "badge"}')
    assert "wraps a credential under 'credential'" in _error(json.dumps({"credential": json.loads(SIMPLE)}))
    assert "wraps a credential under 'vc'" in _error(json.dumps({"vc": TOKEN}))
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"]}
    assert "Verifiable Presentation" in _error(json.dumps(presentation))


def test_json_ambiguities_refused() -> None:
    assert "more than once" in _error('{"@context": [], "type": [], "type": ["x"]}')
    assert "NaN" in _error('{"@context": [], "type": NaN}')


def test_media_type_hint_mismatch() -> None:
    assert "not one (the PNG signature is missing)" in _error(SIMPLE, content_type="image/png")
    assert "does not contain an <svg> element" in _error(SIMPLE, filename="badge.svg")


def test_wrong_argument_type() -> None:
    assert "bytes or text" in _error(12345)  # type: ignore[arg-type]


def test_parsed_object_depth_is_checked_too() -> None:
    nested: object = 1
    for _ in range(100):
        nested = {"a": nested}
    with pytest.raises(InputError, match="nested more than 32 levels deep \\(at a.a.a"):
        check_object_depth(nested)
    check_object_depth(json.loads(SIMPLE))
