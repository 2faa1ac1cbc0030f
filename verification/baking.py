"""Baked badges: an Open Badges 3.0 credential carried inside a PNG or SVG image (OB 3.0 §5.3), or an Open
Badges 2.0 assertion (OB 2.0 Baking Specification).

PNG: one `iTXt` chunk with keyword `openbadgecredential`, uncompressed, empty language tag and translated
keyword. SVG: `<openbadges:credential>` (namespace https://purl.imsglobal.org/ob/v3p0) directly after the
opening `<svg>` tag, holding a VC-JWT in a `verify` attribute or the JSON credential in a CDATA body.
Open Badges 2.0 (read only, never baked here): a PNG text chunk with keyword `openbadges` — `iTXt` as 2.0
says, `tEXt` (the legacy hosted-URL form) or `zTXt` — and `<openbadges:assertion>` (namespace
http://openbadges.org) whose body is the assertion JSON or, when it has none, whose `verify` attribute is a
signed assertion (JWS) or the hosted assertion's URL. `extract_png` / `extract_svg` return Open Badges 3.0
credentials only; `extract_badge` returns either, with its version.

Images come from strangers, so parsing is defensive: PNG chunk lengths and CRCs are checked before anything
is read, compressed text is inflated with a cap, and SVG is parsed with defusedxml (no entity expansion, no
external entities or DTD fetching).
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from typing import Literal
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from verification.errors import InputError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB2_PNG_KEYWORD = b"openbadges"
OB3_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
OB2_NAMESPACES = ("http://openbadges.org",)
CREDENTIAL_TAG = f"{{{OB3_NAMESPACE}}}credential"
OB2_ASSERTION_TAGS = tuple(f"{{{namespace}}}assertion" for namespace in OB2_NAMESPACES)

# The whole input is capped at 10 MB upstream; no single chunk of a legitimate badge comes close to this.
MAX_CHUNK_LENGTH = 16 * 1024 * 1024
MAX_CHUNKS = 10_000
# A compressed iTXt chunk must not inflate past what we would accept as a plain credential.
MAX_TEXT_BYTES = 10 * 1024 * 1024
_NO_CREDENTIAL_PNG = (
    "The PNG image contains no Open Badges credential (no iTXt chunk 'openbadgecredential', nor an Open Badges 2.0 "
    "'openbadges' text chunk)"
)
_NO_CREDENTIAL_SVG = (
    "The SVG image contains no Open Badges credential (no <openbadges:credential> element, nor an Open Badges 2.0 "
    "<openbadges:assertion>)"
)
_OB2_MESSAGE = "This is an Open Badges 2.0 badge ({what}); only Open Badges 3.0 credentials are supported."
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$")


# --------------------------------------------------------------------------------------------------------------
# PNG


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk up to IEND, after checking the signature, lengths and CRCs."""
    if not isinstance(png, bytes | bytearray):
        raise InputError("A PNG image must be given as bytes.")
    if not png.startswith(PNG_SIGNATURE):
        raise InputError("The data is not a PNG image (the PNG signature is missing).")
    chunks: list[tuple[bytes, bytes]] = []
    offset = len(PNG_SIGNATURE)
    while True:
        if len(chunks) >= MAX_CHUNKS:
            raise InputError(f"The PNG image has more than {MAX_CHUNKS} chunks; refusing it.")
        if offset + 8 > len(png):
            raise InputError("The PNG image is truncated (it ends before its IEND chunk).")
        length, chunk_type = struct.unpack(">I4s", png[offset : offset + 8])
        if length > MAX_CHUNK_LENGTH:
            raise InputError(f"The PNG image has a {chunk_type!r} chunk of {length} bytes, more than allowed.")
        end = offset + 8 + length + 4
        if end > len(png):
            raise InputError(f"The PNG image is truncated (its {chunk_type.decode('latin-1')!r} chunk is cut off).")
        if not chunk_type.isalpha():
            raise InputError("The PNG image is corrupt (a chunk type is not made of letters).")
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[end - 4 : end])
        if zlib.crc32(chunk_type + data) != crc:
            raise InputError(
                f"The PNG image is corrupt (its {chunk_type.decode('ascii')!r} chunk fails its CRC check)."
            )
        if not chunks and chunk_type != b"IHDR":
            raise InputError("The PNG image is corrupt (it does not start with an IHDR chunk).")
        chunks.append((chunk_type, bytes(data)))
        offset = end
        if chunk_type == b"IEND":
            return chunks


def _chunk_bytes(chunk_type: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", zlib.crc32(chunk_type + data))


def _itxt_keyword(data: bytes) -> bytes:
    return data.split(b"\x00", 1)[0]


def _itxt_text(data: bytes) -> str:
    """The text of an iTXt chunk: keyword NUL flag method language NUL translated NUL text."""
    keyword, sep, rest = data.partition(b"\x00")
    if not sep or len(rest) < 2:
        raise InputError("The PNG 'openbadgecredential' chunk is malformed (header too short).")
    flag, method = rest[0], rest[1]
    parts = rest[2:].split(b"\x00", 2)
    if len(parts) != 3:
        raise InputError("The PNG 'openbadgecredential' chunk is malformed (language tag not terminated).")
    text = parts[2]
    if flag == 1:
        if method != 0:
            raise InputError(f"The PNG 'openbadgecredential' chunk uses unknown compression method {method}.")
        text = _inflate_capped(text)
    elif flag != 0:
        raise InputError(f"The PNG 'openbadgecredential' chunk has an invalid compression flag {flag}.")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("The credential in the PNG image is not valid UTF-8 text.") from exc


def _inflate_capped(data: bytes) -> bytes:
    decompressor = zlib.decompressobj()
    try:
        text = decompressor.decompress(data, MAX_TEXT_BYTES + 1)
    except zlib.error as exc:
        raise InputError("The compressed credential in the PNG image is corrupt.") from exc
    if len(text) > MAX_TEXT_BYTES or decompressor.unconsumed_tail:
        raise InputError("The compressed credential in the PNG image inflates to more than 10 MB; refusing it.")
    if not decompressor.eof:
        raise InputError("The compressed credential in the PNG image is truncated.")
    return text


def bake_png(png: bytes, payload: str) -> bytes:
    """Return the PNG with `payload` (compact JWS or credential JSON) in one `openbadgecredential` iTXt chunk,
    placed right after IHDR. Any existing `openbadgecredential` chunk is replaced, so re-baking never leaves
    two credentials in one image."""
    if not isinstance(payload, str) or not payload:
        raise InputError("The credential to bake must be a non-empty string.")
    chunks = _chunks(png)
    data = PNG_KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + payload.encode("utf-8")
    out = [PNG_SIGNATURE, _chunk_bytes(*chunks[0]), _chunk_bytes(b"iTXt", data)]
    for chunk_type, chunk_data in chunks[1:]:
        if chunk_type == b"iTXt" and _itxt_keyword(chunk_data) == PNG_KEYWORD:
            continue
        out.append(_chunk_bytes(chunk_type, chunk_data))
    return b"".join(out)


@dataclass(frozen=True)
class BakedBadge:
    """What a baked image carries: `text` is a credential or assertion (JSON or a compact JWS) or, for a 2.0
    hosted assertion, its URL; `version` says which specification baked it."""

    text: str
    version: Literal["3.0", "2.0"]


def _legacy_text(chunk_type: bytes, data: bytes) -> str:
    """The text of a `tEXt` (keyword NUL text) or `zTXt` (keyword NUL method compressed-text) chunk: Latin-1 by
    the PNG specification; a URL or JSON in practice."""
    _keyword, _sep, rest = data.partition(b"\x00")
    if chunk_type == b"zTXt":
        if not rest or rest[0] != 0:
            raise InputError("The PNG 'openbadges' zTXt chunk uses an unknown compression method.")
        rest = _inflate_capped(rest[1:])
    return rest.decode("latin-1")


def _png_badge(png: bytes) -> BakedBadge:
    chunks = _chunks(png)
    ob2: BakedBadge | None = None
    for chunk_type, data in chunks:
        if chunk_type == b"iTXt" and _itxt_keyword(data) == PNG_KEYWORD:
            return BakedBadge(_itxt_text(data), "3.0")
        if ob2 is None and chunk_type in (b"iTXt", b"tEXt", b"zTXt") and _itxt_keyword(data) == OB2_PNG_KEYWORD:
            # The first one counts (OB 2.0 Baking: parse until the first chunk with the keyword); a 3.0
            # credential later in the image still wins, the newer specification being the one a re-baker kept.
            text = _itxt_text(data) if chunk_type == b"iTXt" else _legacy_text(chunk_type, data)
            ob2 = BakedBadge(text, "2.0")
    if ob2 is not None:
        return ob2
    raise InputError(_NO_CREDENTIAL_PNG)


def extract_png(png: bytes) -> str:
    """The text of the first `openbadgecredential` iTXt chunk (compressed or not)."""
    baked = _png_badge(png)
    if baked.version != "3.0":
        raise InputError(_OB2_MESSAGE.format(what="PNG text chunk 'openbadges'"))
    return baked.text


# --------------------------------------------------------------------------------------------------------------
# SVG

# Prolog items that may precede the root element: XML declaration, processing instructions, comments,
# a DOCTYPE (possibly with an internal subset in brackets) and whitespace.
_PROLOG_ITEM = re.compile(
    r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>",
    re.DOTALL | re.IGNORECASE,
)
_SVG_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg(?=[\s/>])")
_XMLNS_OB = re.compile(r"""\sxmlns:openbadges\s*=\s*(["'])(.*?)\1""", re.DOTALL)
_CREDENTIAL_OPEN = re.compile(r"<openbadges:credential(?=[\s/>])")
_CREDENTIAL_CLOSE = re.compile(r"</openbadges:credential\s*>")


def _skip_prolog(svg: str) -> int:
    position = 1 if svg.startswith("\ufeff") else 0
    while True:
        match = _PROLOG_ITEM.match(svg, position)
        if not match or match.end() == position:
            return position
        position = match.end()


def _tag_end(text: str, start: int) -> int:
    """Index just past the `>` closing the start tag that begins at `start`, honouring quoted values."""
    quote = ""
    for position in range(start, len(text)):
        char = text[position]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ">":
            return position + 1
    raise InputError("The SVG image is malformed (a start tag is not closed).")


def _element_end(text: str, start: int) -> int:
    """Index just past the `<openbadges:credential>` element starting at `start` (self-closing or not),
    skipping CDATA sections and comments so that a credential quoting the closing tag cannot cut it short."""
    tag_end = _tag_end(text, start)
    if text[tag_end - 2] == "/":
        return tag_end
    position = tag_end
    while True:
        next_lt = text.find("<", position)
        if next_lt < 0:
            raise InputError("The SVG image is malformed (<openbadges:credential> is not closed).")
        if text.startswith("<![CDATA[", next_lt):
            close = text.find("]]>", next_lt)
            if close < 0:
                raise InputError("The SVG image is malformed (a CDATA section is not closed).")
            position = close + 3
        elif text.startswith("<!--", next_lt):
            close = text.find("-->", next_lt)
            if close < 0:
                raise InputError("The SVG image is malformed (a comment is not closed).")
            position = close + 3
        else:
            match = _CREDENTIAL_CLOSE.match(text, next_lt)
            if match:
                return match.end()
            position = next_lt + 1


def _escape_attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _cdata(text: str) -> str:
    # "]]>" cannot appear inside CDATA; split it across two sections (parsers concatenate them back).
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def bake_svg(svg: str, payload: str, *, jws: bool) -> str:
    """Return the SVG with `payload` in one `<openbadges:credential>` right after the opening svg tag.

    `jws=True`: the payload is a compact JWS placed in a `verify` attribute of an empty element;
    otherwise the payload is credential JSON placed in a CDATA body. An existing credential is replaced.
    """
    if not isinstance(svg, str):
        raise InputError("An SVG image must be given as text.")
    if not isinstance(payload, str) or not payload:
        raise InputError("The credential to bake must be a non-empty string.")
    if jws and not _COMPACT_JWS.match(payload):
        raise InputError("The credential to bake as a VC-JWT is not a compact JWS.")
    # Parse once with the safe parser: a document that does not parse is refused rather than patched.
    _parse_svg(svg)

    root_start = _skip_prolog(svg)
    if not _SVG_START.match(svg, root_start):
        raise InputError("The document is not an SVG image (its root element is not <svg>).")
    root_end = _tag_end(svg, root_start)
    start_tag = svg[root_start:root_end]
    self_closing = start_tag.endswith("/>")
    if self_closing:
        start_tag = start_tag[:-2].rstrip() + ">"

    namespace = _XMLNS_OB.search(start_tag)
    if namespace is None:
        start_tag = start_tag[:-1].rstrip() + f' xmlns:openbadges="{OB3_NAMESPACE}">'
    elif namespace.group(2) != OB3_NAMESPACE:
        raise InputError(
            f"The SVG image binds the prefix 'openbadges' to {namespace.group(2)!r}, not to the "
            "Open Badges 3.0 namespace; refusing to bake into it."
        )

    if jws:
        element = f'<openbadges:credential verify="{_escape_attribute(payload)}"/>'
    else:
        element = f"<openbadges:credential>{_cdata(payload)}</openbadges:credential>"
    if self_closing:
        # `<svg .../>` has no content: open it, add the credential, close it with the same (prefixed) name.
        name_match = re.match(r"<((?:[A-Za-z_][\w.-]*:)?svg)", start_tag)
        name = name_match.group(1) if name_match else "svg"
        rest = f"</{name}>" + svg[root_end:]
    else:
        rest = _remove_credentials(svg[root_end:])
    return svg[:root_start] + start_tag + element + rest


def _remove_credentials(text: str) -> str:
    """Drop every `<openbadges:credential>` element outside CDATA sections and comments."""
    out: list[str] = []
    position = 0
    while True:
        candidates = [
            (index, kind)
            for index, kind in (
                (text.find("<![CDATA[", position), "cdata"),
                (text.find("<!--", position), "comment"),
                (_find(_CREDENTIAL_OPEN, text, position), "credential"),
            )
            if index >= 0
        ]
        if not candidates:
            out.append(text[position:])
            return "".join(out)
        index, kind = min(candidates)
        if kind == "credential":
            out.append(text[position:index])
            position = _element_end(text, index)
            continue
        close = text.find("]]>" if kind == "cdata" else "-->", index)
        end = len(text) if close < 0 else close + 3
        out.append(text[position:end])
        position = end


def _find(pattern: re.Pattern[str], text: str, position: int) -> int:
    match = pattern.search(text, position)
    return match.start() if match else -1


def _parse_svg(svg: bytes | str) -> Element:
    try:
        # DTDs are allowed because real badges carry the SVG 1.1 DOCTYPE; entity declarations and
        # external references are not (billion laughs, XXE).
        return SafeET.fromstring(svg, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputError("The SVG image declares XML entities or external references; refusing it.") from exc
    except ParseError as exc:
        raise InputError(f"The SVG image is not well-formed XML ({exc}).") from exc
    except (ValueError, UnicodeError) as exc:
        raise InputError("The SVG image cannot be decoded as XML text.") from exc


def _svg_badge(svg: bytes | str) -> BakedBadge:
    root = _parse_svg(svg)
    if not isinstance(root.tag, str) or root.tag.rpartition("}")[2] != "svg":
        raise InputError("The document is not an SVG image (its root element is not <svg>).")
    for element in root.iter():
        if element.tag == CREDENTIAL_TAG:
            verify = element.get("verify")
            if verify is not None and verify.strip():
                return BakedBadge(verify.strip(), "3.0")
            text = "".join(element.itertext()).strip()
            if not text:
                raise InputError("The <openbadges:credential> element of the SVG image is empty.")
            return BakedBadge(text, "3.0")
    for element in root.iter():
        if element.tag in OB2_ASSERTION_TAGS:
            # OB 2.0 Baking: a body is the assertion's JSON; without one, `verify` holds the signed assertion
            # (or, for a hosted one, its URL).
            text = "".join(element.itertext()).strip() or (element.get("verify") or "").strip()
            if not text:
                raise InputError("The <openbadges:assertion> element of the SVG image is empty.")
            return BakedBadge(text, "2.0")
    raise InputError(_NO_CREDENTIAL_SVG)


def extract_svg(svg: bytes | str) -> str:
    """The credential of the first `<openbadges:credential>`: its `verify` attribute (VC-JWT) or its text
    (JSON), with surrounding whitespace removed."""
    baked = _svg_badge(svg)
    if baked.version != "3.0":
        raise InputError(_OB2_MESSAGE.format(what="an <openbadges:assertion> element"))
    return baked.text


def extract_badge(image: bytes | str) -> BakedBadge:
    """What a baked PNG (bytes starting with the PNG signature) or SVG carries, Open Badges 3.0 or 2.0."""
    if isinstance(image, bytes | bytearray) and bytes(image[: len(PNG_SIGNATURE)]) == PNG_SIGNATURE:
        return _png_badge(bytes(image))
    return _svg_badge(image)
