"""What the verifier is given: credential JSON, a compact JWS (VC-JWT) or a baked PNG/SVG badge — or an Open
Badges 2.0 assertion in any of its forms (JSON, a signed assertion's JWS, a hosted assertion's URL, baked).

Detection is by content, never by the name or media type a stranger attached to the upload; those hints only
sharpen error messages. Every limit is enforced before the expensive step it protects: size before decoding,
nesting depth before the JSON parser recurses, and the shape of the JSON (depth, longest array, number of
values) before any JSON-LD, schema or proof work, whose cost grows with it. `InputLimits` holds the limits;
the defaults are far above any real credential (a CLR with embedded badges and endorsements reaches about 12
levels, a few hundred values per badge) and far below what makes verification slow.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from verification.baking import PNG_SIGNATURE, extract_badge
from verification.errors import InputError, InputTooLarge
from verification.ob2.model import is_ob2_assertion

MAX_INPUT_BYTES = 10 * 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_ARRAY_ITEMS = 10_000
MAX_JSON_VALUES = 100_000
Kind = Literal["json", "jws", "png", "svg", "url"]

COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$")
# An Open Badges 2.0 hosted assertion may be given (or baked) as its URL alone; a 3.0 credential never is.
HTTP_URL = re.compile(r"^https?://[^\s]{1,2040}$", re.IGNORECASE)
NEITHER = "The input is neither JSON, a compact JWS, nor a baked PNG/SVG badge"
# Strings are matched whole (so brackets inside them are ignored); a lone quote is an unterminated string.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|"|[\[\]{}]')
# The same, with the separators that locate a value (for messages only).
_JSON_PATH_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]')
_PLAIN_KEY = re.compile(r"[A-Za-z_@$][A-Za-z0-9_@$-]*")
_SVG_PROLOG = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*", re.DOTALL | re.IGNORECASE)
_SVG_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")
_WRAPPER_KEYS = ("credential", "verifiableCredential", "vc", "openBadgeCredential", "data")
CREDENTIAL_TYPES = ("OpenBadgeCredential", "AchievementCredential", "EndorsementCredential")


@dataclass(frozen=True)
class InputLimits:
    """How much input one verification accepts.

    `max_bytes` bounds the whole input (a baked image included); `max_credential_bytes` the credential text
    itself, given directly or found in an image (None: `max_bytes`). The JSON of the credential (and of a
    VC-JWT's header and payload) may be nested at most `max_depth` levels, hold no array longer than
    `max_array_items` and at most `max_values` values in all (objects, arrays and scalars).
    """

    max_bytes: int = MAX_INPUT_BYTES
    max_credential_bytes: int | None = None
    max_depth: int = MAX_JSON_DEPTH
    max_array_items: int = MAX_ARRAY_ITEMS
    max_values: int = MAX_JSON_VALUES

    @property
    def credential_bytes(self) -> int:
        return self.max_bytes if self.max_credential_bytes is None else min(self.max_credential_bytes, self.max_bytes)


DEFAULT_LIMITS = InputLimits()


def describe_size(size: int) -> str:
    """A byte count as people write limits: "10 MB", "256 KB", "1,000 bytes"."""
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KB"
    return f"{size:,} bytes"


@dataclass(frozen=True)
class ParsedInput:
    """`kind` is the container (json, jws, png, svg, url). Exactly one of `credential` (embedded-proof JSON),
    `jws` (a compact JWS still to be verified) and `url` (an Open Badges 2.0 hosted assertion's address) is set.
    `raw_text` is the credential text as found. `ob2`: the content is an Open Badges 2.0 (or 1.x) assertion,
    verified by verification.ob2 — by content, whichever container carried it."""

    kind: Kind
    credential: dict[str, Any] | None
    jws: str | None
    raw_text: str
    ob2: bool = False
    url: str | None = None

    @property
    def format(self) -> str:
        """ "jwt" for a VC-JWT, "ldp" for a credential with embedded (Data Integrity) proofs."""
        return "jwt" if self.jws is not None else "ldp"


def parse_input(
    data: bytes | str,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> ParsedInput:
    """Detect and decode one credential. Raises InputError, with a sentence a person understands, for
    anything that cannot be verified at all (InputTooLarge when it is over a size limit)."""
    if not isinstance(data, bytes | bytearray | str):
        raise InputError("The input must be bytes or text.")
    too_large = f"The input is larger than {describe_size(limits.max_bytes)}; refusing it."
    if len(data) > limits.max_bytes:
        raise InputTooLarge(too_large)
    if isinstance(data, str):
        # A str of ≤10M characters can still be up to 4 times as many bytes once encoded.
        raw = data.encode("utf-8", errors="surrogatepass")
        if len(raw) > limits.max_bytes:
            raise InputTooLarge(too_large)
    else:
        raw = bytes(data)
    hint = _hint(filename, content_type)

    if raw.startswith(PNG_SIGNATURE):
        return _from_text(extract_badge(raw).text, container="png", limits=limits)
    if hint == "png":
        raise InputError("The file is presented as a PNG image but is not one (the PNG signature is missing).")

    text = _decode_text(raw)
    stripped = text.strip()
    if stripped.startswith("<"):
        if _looks_like_svg(stripped):
            return _from_text(extract_badge(raw).text, container="svg", limits=limits)
        raise InputError(NEITHER + " (it is XML or HTML, but its root element is not <svg>).")
    if hint == "svg":
        raise InputError("The file is presented as an SVG image but does not contain an <svg> element.")
    if not stripped:
        raise InputError("The input is empty.")
    return _from_text(stripped, container=None, limits=limits)


def baked_image_kind(data: bytes) -> Literal["png", "svg"] | None:
    """ "png" or "svg" when `data` is an image by content (as parse_input detects it), else None: callers that
    accept larger uploads for images than for credentials tell the two apart with this."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    try:
        text = _decode_text(data).strip()
    except InputError:
        return None
    return "svg" if text.startswith("<") and _looks_like_svg(text) else None


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


def _from_text(text: str, *, container: Kind | None, limits: InputLimits = DEFAULT_LIMITS) -> ParsedInput:
    """The credential text found in a container (or given directly): JSON or a compact JWS."""
    stripped = text.strip()
    where = {"png": " found in the PNG image", "svg": " found in the SVG image"}.get(container or "", "")
    # An image may be larger than a credential may; what it carries is held to the credential's own limit.
    if (
        len(stripped) > limits.credential_bytes
        or len(stripped.encode("utf-8", "surrogatepass")) > limits.credential_bytes
    ):
        raise InputTooLarge(
            f"The credential{where} is larger than {describe_size(limits.credential_bytes)}; refusing it."
        )
    if stripped.startswith(("{", "[")):
        document = parse_json(stripped, limits)
        if is_ob2_assertion(document):
            return ParsedInput(kind=container or "json", credential=document, jws=None, raw_text=text, ob2=True)
        credential = credential_from_object(document)
        return ParsedInput(kind=container or "json", credential=credential, jws=None, raw_text=text)
    if COMPACT_JWS.match(stripped):
        check_compact_jws(stripped, limits)
        ob2 = is_ob2_assertion(unverified_jws_payload(stripped))
        return ParsedInput(kind=container or "jws", credential=None, jws=stripped, raw_text=text, ob2=ob2)
    if HTTP_URL.match(stripped):
        return ParsedInput(kind=container or "url", credential=None, jws=None, raw_text=text, ob2=True, url=stripped)
    if re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){0,2}\.?", stripped) and "." in stripped:
        raise InputError("The input looks like a compact JWS but is incomplete (it needs three dot-separated parts).")
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
                where = format_json_path(_path_of_container(text, match.start()))
                raise InputError(f"The JSON is nested more than {limit} levels deep (at {where}); refusing it.")
        elif lexeme in "]}":
            depth -= 1
        elif lexeme == '"':
            return  # unterminated string: the parser will report it


def _path_of_container(text: str, offset: int) -> list[str | int]:
    """The JSON path of the array or object that opens at `offset` (only for messages: a second scan,
    which also follows keys and array positions, up to that point)."""
    stack: list[list[Any]] = []  # per open container: [is_array, key or index]
    pending_key: str | None = None
    for match in _JSON_PATH_TOKENS.finditer(text, 0, offset):
        lexeme = match.group()
        if lexeme in "[{":
            stack.append([lexeme == "[", 0 if lexeme == "[" else None])
            pending_key = None
        elif lexeme in "]}":
            if stack:
                stack.pop()
        elif lexeme == ",":
            if stack and stack[-1][0]:
                stack[-1][1] += 1
        elif lexeme == ":":
            if stack and not stack[-1][0] and pending_key is not None:
                try:
                    stack[-1][1] = json.loads(pending_key)
                except ValueError:
                    stack[-1][1] = pending_key[1:-1]
        else:
            pending_key = lexeme  # a string; it is a key if a colon follows
    return [segment for _is_array, segment in stack if segment is not None]


def format_json_path(path: list[str | int] | tuple[str | int, ...]) -> str:
    """`credentialSubject.achievement.tag[3]`, as schema messages write paths; "the top level" for none."""
    text = ""
    for segment in path:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif _PLAIN_KEY.fullmatch(segment):
            text += f".{segment}" if text else segment
        else:
            text += f"[{json.dumps(segment, ensure_ascii=False)}]"
    if not text:
        return "the top level"
    # A path 10,000 levels deep says nothing more than its ends.
    return text if len(text) <= 160 else text[:80] + "…" + text[-60:]


def check_structure(document: Any, limits: InputLimits = DEFAULT_LIMITS) -> None:
    """Refuse a parsed document nested deeper than `limits.max_depth`, with an array longer than
    `limits.max_array_items`, or with more than `limits.max_values` values (objects, arrays and scalars).

    Iterative, and done before any JSON-LD, schema or proof work: the cost of those grows with exactly these
    numbers (and Python recursion with the depth). The message names the limit and where it was exceeded."""
    # (value, depth, path as nested (parent, segment) pairs: built only for containers, read only on refusal)
    stack: list[tuple[Any, int, Any]] = [(document, 1, None)]
    values = 1
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, dict):
            items: Any = value.items()
        elif isinstance(value, list | tuple):
            if len(value) > limits.max_array_items:
                raise InputError(
                    f"The array at {format_json_path(_unwind(where))} has {len(value):,} items; at most "
                    f"{limits.max_array_items:,} are accepted."
                )
            items = enumerate(value)
        else:
            continue
        if depth > limits.max_depth:
            raise InputError(
                f"The JSON is nested more than {limits.max_depth} levels deep (at {format_json_path(_unwind(where))}); "
                "refusing it."
            )
        values += len(value)
        if values > limits.max_values:
            raise InputError(
                f"The JSON has more than {limits.max_values:,} values (objects, arrays and scalars; the limit was "
                f"reached at {format_json_path(_unwind(where))}); refusing it."
            )
        for key, child in items:
            if isinstance(child, dict | list | tuple):
                stack.append((child, depth + 1, (where, key)))


def _unwind(where: Any) -> list[str | int]:
    path: list[str | int] = []
    while where is not None:
        where, segment = where
        path.append(segment)
    path.reverse()
    return path


def check_object_depth(document: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """The depth limit alone for an already parsed document (see check_structure for all the limits)."""
    check_structure(document, InputLimits(max_depth=limit, max_array_items=2**62, max_values=2**62))


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


def parse_json(text: str, limits: InputLimits = DEFAULT_LIMITS) -> Any:
    """Strict JSON within `limits` (depth, longest array, number of values): no NaN/Infinity, no duplicate
    keys."""
    check_json_depth(text, limits.max_depth)
    try:
        document = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(f"The input is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"The input is not usable JSON ({exc}).") from None
    check_structure(document, limits)
    return document


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


def _jws_json(segment: str, limits: InputLimits) -> Any:
    """The JSON of a header or payload segment, within the structural limits (ValueError when it is not JSON)."""
    raw = _b64url(segment)
    text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    check_json_depth(text, limits.max_depth)
    value = json.loads(text)
    check_structure(value, limits)
    return value


def check_compact_jws(token: str, limits: InputLimits = DEFAULT_LIMITS) -> None:
    """Refuse a token whose header or payload cannot be decoded, is over the structural limits, or whose
    signature was cut short, before it reaches the JWT verifier: such input is damaged or hostile, not merely
    unverifiable."""
    header_segment, payload_segment, signature_segment = token.split(".")
    try:
        header = _jws_json(header_segment, limits)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InputError("The compact JWS is damaged: its header is not base64url-encoded JSON.") from None
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        raise InputError("The compact JWS is damaged: its header has no 'alg'.")
    if not payload_segment:
        raise InputError("The compact JWS has a detached (empty) payload; a VC-JWT must carry the credential.")
    try:
        payload = _jws_json(payload_segment, limits)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InputError("The compact JWS is damaged: its payload is not base64url-encoded JSON.") from None
    if not isinstance(payload, dict):
        raise InputError("The compact JWS payload is not a JSON object, so it is not a VC-JWT.")
    try:
        _b64url(signature_segment)
    except (ValueError, binascii.Error):
        raise InputError("The compact JWS is damaged: its signature is truncated.") from None


def unverified_jws_payload(token: str) -> dict[str, Any] | None:
    """The JSON object a compact JWS carries WITHOUT verifying anything (for routing and reporting only)."""
    try:
        payload = json.loads(_b64url(token.split(".")[1]))
    except (ValueError, binascii.Error, UnicodeDecodeError, IndexError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def unverified_jws_credential(token: str) -> dict[str, Any] | None:
    """The credential inside a VC-JWT payload WITHOUT verifying anything (for reporting only): the `vc` claim
    (VCDM 1.1) or the payload itself (VCDM 2.0)."""
    payload = unverified_jws_payload(token)
    if payload is None:
        return None
    vc = payload.get("vc")
    return vc if isinstance(vc, dict) else payload
