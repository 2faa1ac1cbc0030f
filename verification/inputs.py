"""What the verifier is given: credential JSON, a compact JWS (VC-JWT) or a baked PNG/SVG badge.

Detection is by content, never by the name or media type a stranger attached to the upload; those hints only
sharpen error messages. Every limit is enforced before the expensive step it protects: size before decoding,
nesting depth before the JSON parser recurses.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from verification.baking import PNG_SIGNATURE, extract_png, extract_svg
from verification.errors import InputError

MAX_INPUT_BYTES = 10 * 1024 * 1024
MAX_JSON_DEPTH = 64
Kind = Literal["json", "jws", "png", "svg"]

COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$")
NEITHER = "The input is neither JSON, a compact JWS, nor a baked PNG/SVG badge"
# Strings are matched whole (so brackets inside them are ignored); a lone quote is an unterminated string.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|"|[\[\]{}]')
_SVG_PROLOG = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*", re.DOTALL | re.IGNORECASE)
_SVG_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")
_WRAPPER_KEYS = ("credential", "verifiableCredential", "vc", "openBadgeCredential", "data")
CREDENTIAL_TYPES = ("OpenBadgeCredential", "AchievementCredential", "EndorsementCredential")


@dataclass(frozen=True)
class ParsedInput:
    """`kind` is the container (json, jws, png, svg). Exactly one of `credential` (embedded-proof JSON) and
    `jws` (a compact JWS still to be verified) is set. `raw_text` is the credential text as found."""

    kind: Kind
    credential: dict[str, Any] | None
    jws: str | None
    raw_text: str

    @property
    def format(self) -> str:
        """ "jwt" for a VC-JWT, "ldp" for a credential with embedded (Data Integrity) proofs."""
        return "jwt" if self.jws is not None else "ldp"


def parse_input(data: bytes | str, *, filename: str | None = None, content_type: str | None = None) -> ParsedInput:
    """Detect and decode one credential. Raises InputError, with a sentence a person understands, for
    anything that cannot be verified at all."""
    if not isinstance(data, bytes | bytearray | str):
        raise InputError("The input must be bytes or text.")
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"The input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; refusing it.")
    if isinstance(data, str):
        # A str of ≤10M characters can still be up to 4 times as many bytes once encoded.
        raw = data.encode("utf-8", errors="surrogatepass")
        if len(raw) > MAX_INPUT_BYTES:
            raise InputError(f"The input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB; refusing it.")
    else:
        raw = bytes(data)
    hint = _hint(filename, content_type)

    if raw.startswith(PNG_SIGNATURE):
        return _from_text(extract_png(raw), container="png")
    if hint == "png":
        raise InputError("The file is presented as a PNG image but is not one (the PNG signature is missing).")

    text = _decode_text(raw)
    stripped = text.strip()
    if stripped.startswith("<"):
        if _looks_like_svg(stripped):
            return _from_text(extract_svg(raw), container="svg")
        raise InputError(NEITHER + " (it is XML or HTML, but its root element is not <svg>).")
    if hint == "svg":
        raise InputError("The file is presented as an SVG image but does not contain an <svg> element.")
    if not stripped:
        raise InputError("The input is empty.")
    return _from_text(stripped, container=None)


def _hint(filename: str | None, content_type: str | None) -> str | None:
    media = (content_type or "").split(";")[0].strip().lower()
    name = (filename or "").lower()
    if media == "image/png" or name.endswith(".png"):
        return "png"
    if media == "image/svg+xml" or name.endswith(".svg"):
        return "svg"
    return None


def _decode_text(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(NEITHER + " (it is binary data that is not UTF-8 text).") from None


def _looks_like_svg(text: str) -> bool:
    prolog = _SVG_PROLOG.match(text)
    start = prolog.end() if prolog else 0
    return bool(_SVG_ROOT.match(text, start))


def _from_text(text: str, *, container: Kind | None) -> ParsedInput:
    """The credential text found in a container (or given directly): JSON or a compact JWS."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        credential = credential_from_object(parse_json(stripped))
        return ParsedInput(kind=container or "json", credential=credential, jws=None, raw_text=text)
    if COMPACT_JWS.match(stripped):
        check_compact_jws(stripped)
        return ParsedInput(kind=container or "jws", credential=None, jws=stripped, raw_text=text)
    if re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){0,2}\.?", stripped) and "." in stripped:
        raise InputError("The input looks like a compact JWS but is incomplete (it needs three dot-separated parts).")
    where = {"png": " found in the PNG image", "svg": " found in the SVG image"}.get(container or "", "")
    raise InputError(NEITHER + (f" (the text{where} is neither)." if where else "."))


# --------------------------------------------------------------------------------------------------------------
# JSON


def check_json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than `limit` without recursing: the parser (and everything after it)
    recurses per level, so depth is checked first with an iterative scan that skips string contents."""
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        lexeme = match.group()
        if lexeme in "[{":
            depth += 1
            if depth > limit:
                raise InputError(f"The JSON is nested more than {limit} levels deep; refusing it.")
        elif lexeme in "]}":
            depth -= 1
        elif lexeme == '"':
            return  # unterminated string: the parser will report it


def check_object_depth(document: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """The same depth limit for an already parsed document (a dict handed to the verifier directly)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                raise InputError(f"The JSON is nested more than {limit} levels deep; refusing it.")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)


def _refuse_constant(name: str) -> None:
    raise InputError(f"The JSON contains {name}, which is not valid JSON.")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers may disagree on which duplicate wins; a signed document must mean one thing only.
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise InputError(f"The JSON object has the key {key!r} more than once.")
        document[key] = value
    return document


def parse_json(text: str) -> Any:
    """Strict JSON: depth-limited, no NaN/Infinity, no duplicate keys."""
    check_json_depth(text)
    try:
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(f"The input is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"The input is not usable JSON ({exc}).") from None


def credential_from_object(document: Any) -> dict[str, Any]:
    """The credential itself, or an InputError saying what was expected instead."""
    if not isinstance(document, dict):
        kind = "an array" if isinstance(document, list) else f"a JSON {type(document).__name__}"
        raise InputError(f"Expected a JSON object (a verifiable credential), got {kind}.")
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" in types:
        raise InputError(
            "This is a Verifiable Presentation; presentations are not supported. Verify each credential it holds."
        )
    if "@context" in document or "type" in document:
        return document
    for key in _WRAPPER_KEYS:
        inner = document.get(key)
        if (
            isinstance(inner, dict)
            and ("@context" in inner or "type" in inner)
            or (isinstance(inner, str) and COMPACT_JWS.match(inner))
        ):
            raise InputError(
                f"The JSON object wraps a credential under {key!r}; this is not supported. "
                "Submit the credential itself."
            )
    raise InputError(
        "The JSON object is not a verifiable credential: it has neither '@context' nor 'type'. "
        "Expected an Open Badges 3.0 credential (OpenBadgeCredential, AchievementCredential or EndorsementCredential)."
    )


# --------------------------------------------------------------------------------------------------------------
# JWS


def _b64url(segment: str) -> bytes:
    if len(segment) % 4 == 1:
        raise ValueError("impossible base64url length")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def check_compact_jws(token: str) -> None:
    """Refuse a token whose header or payload cannot be decoded, or whose signature was cut short, before it
    reaches the JWT verifier: such input is damaged, not merely unverifiable."""
    header_segment, payload_segment, signature_segment = token.split(".")
    try:
        header = json.loads(_b64url(header_segment))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InputError("The compact JWS is damaged: its header is not base64url-encoded JSON.") from None
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        raise InputError("The compact JWS is damaged: its header has no 'alg'.")
    if not payload_segment:
        raise InputError("The compact JWS has a detached (empty) payload; a VC-JWT must carry the credential.")
    try:
        payload = json.loads(_b64url(payload_segment))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InputError("The compact JWS is damaged: its payload is not base64url-encoded JSON.") from None
    if not isinstance(payload, dict):
        raise InputError("The compact JWS payload is not a JSON object, so it is not a VC-JWT.")
    try:
        _b64url(signature_segment)
    except (ValueError, binascii.Error):
        raise InputError("The compact JWS is damaged: its signature is truncated.") from None


def unverified_jws_credential(token: str) -> dict[str, Any] | None:
    """The credential inside a VC-JWT payload WITHOUT verifying anything (for reporting only): the `vc` claim
    (VCDM 1.1) or the payload itself (VCDM 2.0)."""
    try:
        payload = json.loads(_b64url(token.split(".")[1]))
    except (ValueError, binascii.Error, UnicodeDecodeError, IndexError):
        return None
    if not isinstance(payload, dict):
        return None
    vc = payload.get("vc")
    return vc if isinstance(vc, dict) else payload
