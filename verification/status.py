"""Credential status: W3C Bitstring Status List, the legacy StatusList2021 and 1EdTech's revocation list.

A status answer is only as trustworthy as the list it came from, so every list credential is checked for
its purpose and (through `verify_list`) its signature before a bit is read. A list that cannot be fetched,
is not signed by a key bound to its issuer, is for another purpose or does not cover the index is never read
as "not revoked": the outcome is `indeterminate` (the status could not be determined). A malformed entry in
the credential itself, or a set bit, is `failed`.

A caller that holds lists as its source of truth (the platform, for its own issuers) returns a TrustedStatusList
from its source instead of a signed document: the bits are read directly, with nothing to re-sign or re-verify.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import logging
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from verification.errors import FetchError, Indeterminate, PlatformUnavailable, VerificationError

if TYPE_CHECKING:
    from verification.http import HardenedClient

logger = logging.getLogger(__name__)

# The spec's minimum list length (16 KB uncompressed) is what gives holders herd privacy; shorter lists are
# refused rather than read, as the Bitstring Status List spec requires of verifiers.
LIST_SIZE = 131072
MIN_LIST_BYTES = LIST_SIZE // 8
# Upper bound on a decompressed list: a gzip bomb of a few KB must not be able to allocate gigabytes.
MAX_LIST_BYTES = 16 * 1024 * 1024
# The encoded form of a list of MAX_LIST_BYTES is far shorter than this; anything longer is refused before
# any decoding work.
MAX_ENCODED_LENGTH = 24 * 1024 * 1024
_DECOMPRESS_CHUNK = 64 * 1024

STATUS_LIST_ACCEPT = "application/vc+ld+json, application/vc, application/ld+json;q=0.9, application/json;q=0.8"

PASSED = "passed"
FAILED = "failed"
INDETERMINATE = "indeterminate"
WARNING = "warning"
SKIPPED = "skipped"


class StatusListError(VerificationError, ValueError):
    """A status list (or a status entry pointing at it) cannot be used."""

    code = "status_list_invalid"


# --------------------------------------------------------------------------------------------------------------
# Bitstring encoding


def encode_bitstring(bits: bytearray | bytes) -> str:
    """GZIP the bitstring and encode it as multibase base64url without padding (prefix `u`)."""
    # mtime=0 keeps the encoding deterministic, so re-publishing an unchanged list yields identical bytes.
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bitstring(encoded: str) -> bytes:
    """Decode an `encodedList`: multibase `u` base64url (Bitstring Status List) or plain base64/base64url
    without prefix (StatusList2021). Raises StatusListError for anything unusable."""
    if not isinstance(encoded, str) or not encoded:
        raise StatusListError("The status list has no encodedList string.")
    if len(encoded) > MAX_ENCODED_LENGTH:
        raise StatusListError("The encoded status list is too long to be a status list.")
    # A GZIP stream always starts with the bytes 1f 8b, i.e. "H4sI" in base64, so a leading "u" can only be
    # the multibase prefix and never the first character of plain base64.
    text = encoded[1:] if encoded.startswith("u") else encoded
    text = text.strip().rstrip("=")
    if not text:
        raise StatusListError("The encoded status list is empty.")
    try:
        if "+" in text or "/" in text:
            compressed = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        else:
            compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise StatusListError("The encoded status list is not valid base64url.") from exc
    bits = _gunzip_capped(compressed, MAX_LIST_BYTES)
    if len(bits) < MIN_LIST_BYTES:
        raise StatusListError(
            f"The status list holds {len(bits) * 8} entries; lists shorter than {LIST_SIZE} entries (16 KB) "
            "are refused because they do not protect holders' privacy."
        )
    return bits


def _gunzip_capped(compressed: bytes, limit: int) -> bytes:
    """Decompress a GZIP stream in bounded steps, refusing output larger than `limit` bytes."""
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    output = bytearray()
    pending = compressed
    try:
        while pending and not decompressor.eof:
            room = limit + 1 - len(output)
            output += decompressor.decompress(pending, min(room, _DECOMPRESS_CHUNK))
            if len(output) > limit:
                raise StatusListError(
                    f"The status list decompresses to more than {limit // (1024 * 1024)} MiB; refusing it."
                )
            pending = decompressor.unconsumed_tail
        if not decompressor.eof:
            raise StatusListError("The status list's GZIP data is truncated.")
    except zlib.error as exc:
        raise StatusListError("The status list is not valid GZIP data.") from exc
    return bytes(output)


def bit_is_set(bits: bytes | bytearray, index: int) -> bool:
    """Index 0 is the left-most (most significant) bit of the first byte."""
    if index < 0 or index >= len(bits) * 8:
        raise IndexError(f"Status list index {index} is outside the list ({len(bits) * 8} entries).")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_bit(bits: bytearray, index: int, value: bool) -> None:
    if index < 0 or index >= len(bits) * 8:
        raise IndexError(f"Status list index {index} is outside the list ({len(bits) * 8} entries).")
    mask = 0x80 >> (index % 8)
    if value:
        bits[index // 8] |= mask
    else:
        bits[index // 8] &= ~mask & 0xFF


def _read_value(bits: bytes, index: int, size: int) -> int:
    """The `size`-bit status value of entry `index` (statusSize > 1 is used by the `message` purpose)."""
    value = 0
    start = index * size
    for offset in range(size):
        value = (value << 1) | int(bit_is_set(bits, start + offset))
    return value


# --------------------------------------------------------------------------------------------------------------
# Where lists come from


@dataclass(frozen=True)
class TrustedStatusList:
    """A list read from the caller's own records (its source of truth), not from a signed document."""

    url: str
    purpose: str
    issuer: str
    bits: bytes


class StatusListSource(Protocol):
    """Returns the JSON of a status list credential (or of a 1EdTech revocation list) for a URL, or a
    TrustedStatusList for a list the caller itself keeps.

    Raises FetchError (or another VerificationError) when the list cannot be obtained, PlatformUnavailable when
    the caller's own records cannot be read.
    """

    def get(self, url: str) -> dict[str, Any] | TrustedStatusList: ...


class HttpStatusListSource:
    """Fetches lists through the hardened HTTP client (verification.http.HardenedClient)."""

    def __init__(self, client: HardenedClient) -> None:
        self._client = client

    def get(self, url: str) -> dict[str, Any]:
        document = self._client.get_json(url, accept=STATUS_LIST_ACCEPT)
        if not isinstance(document, dict):
            raise StatusListError(f"The status list at {url} is not a JSON object.")
        return document


class MappingStatusListSource:
    """Lists held in memory, keyed by URL (tests, pre-fetched lists, an offline verifier).

    A URL that is not in the mapping behaves like an unreachable server.
    """

    def __init__(self, documents: Mapping[str, dict[str, Any]] | None = None) -> None:
        self._documents = dict(documents or {})

    def get(self, url: str) -> dict[str, Any]:
        try:
            return self._documents[url]
        except KeyError:
            raise FetchError(f"The status list {url} is not available offline.") from None


# --------------------------------------------------------------------------------------------------------------
# Checking a credential


@dataclass(frozen=True)
class StatusOutcome:
    check_id: str
    status: str  # passed | failed | indeterminate | warning | skipped
    code: str
    message: str


CHECK_ID = "status"
BITSTRING_ENTRY = "BitstringStatusListEntry"
STATUS_LIST_2021_ENTRY = "StatusList2021Entry"
REVOCATION_LIST = "1EdTechRevocationList"
_PURPOSES = ("revocation", "suspension", "message", "refresh")
# StatusList2021 (the W3C CCG draft Bitstring Status List replaced) defines only these two.
_LEGACY_PURPOSES = ("revocation", "suspension")


def check_status(
    credential: dict[str, Any],
    source: StatusListSource,
    *,
    verify_list: Callable[[dict[str, Any]], bool] | None,
    now: datetime | None = None,
) -> list[StatusOutcome]:
    """One outcome per `credentialStatus` entry; a single `skipped` outcome when there is none.

    `verify_list` says whether a status list credential's proof verifies with a key bound to the list's
    issuer (raising Indeterminate when that cannot be established); when it is None no signed list can be
    trusted, so every fetched list gives `indeterminate`.
    """
    now = now or datetime.now(UTC)
    status = credential.get("credentialStatus")
    if status is None:
        return [StatusOutcome(CHECK_ID, SKIPPED, "no_status", "The credential declares no status information.")]
    entries = status if isinstance(status, list) else [status]
    if not entries:
        return [StatusOutcome(CHECK_ID, SKIPPED, "no_status", "The credential declares no status information.")]
    return [_check_entry(credential, entry, source, verify_list, now) for entry in entries]


def _check_entry(
    credential: dict[str, Any],
    entry: object,
    source: StatusListSource,
    verify_list: Callable[[dict[str, Any]], bool] | None,
    now: datetime,
) -> StatusOutcome:
    if not isinstance(entry, dict):
        return _entry_invalid("A credentialStatus entry must be a JSON object.")
    entry_type = entry.get("type")
    types = entry_type if isinstance(entry_type, list) else [entry_type]
    try:
        if BITSTRING_ENTRY in types:
            return _check_bitstring(credential, entry, source, verify_list, now, legacy=False)
        if STATUS_LIST_2021_ENTRY in types:
            return _check_bitstring(credential, entry, source, verify_list, now, legacy=True)
        if REVOCATION_LIST in types:
            return _check_revocation_list(credential, entry, source)
    except StatusListError as exc:
        # The credential's own entry is wrong: that never changes, so it fails. A list that cannot be used
        # (wrong type or purpose, bad signature, undecodable, too short) leaves the status unknown.
        status = FAILED if exc.code == "status_entry_invalid" else INDETERMINATE
        return StatusOutcome(CHECK_ID, status, exc.code, _sentence(exc.message))
    except Indeterminate as exc:
        return StatusOutcome(CHECK_ID, INDETERMINATE, exc.code, _sentence(exc.message))
    return StatusOutcome(
        CHECK_ID,
        INDETERMINATE,
        "unsupported_status_type",
        f"The status type {entry_type!r} is not supported, so the credential's status could not be checked.",
    )


def _entry_invalid(message: str) -> StatusOutcome:
    return StatusOutcome(CHECK_ID, FAILED, "status_entry_invalid", message)


def _unavailable(url: str, reason: str) -> StatusOutcome:
    return StatusOutcome(
        CHECK_ID,
        INDETERMINATE,
        "status_unavailable",
        f"The status could not be checked: the list {url} could not be retrieved. {_sentence(reason)}",
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _fetch(source: StatusListSource, url: str) -> dict[str, Any] | TrustedStatusList | StatusOutcome:
    try:
        document = source.get(url)
    except VerificationError as exc:
        return _unavailable(url, exc.message)
    except PlatformUnavailable:
        raise
    except Exception as exc:
        # The source is pluggable (a database lookup, an HTTP client); whatever goes wrong there means
        # "status unknown", never "not revoked" and never a crash of the whole verification.
        logger.warning("status list source failed for %s", url, exc_info=True)
        return _unavailable(url, type(exc).__name__)
    if isinstance(document, TrustedStatusList):
        return document
    if not isinstance(document, dict):
        return StatusOutcome(
            CHECK_ID, INDETERMINATE, "status_list_invalid", f"The status list at {url} is not a JSON object."
        )
    return document


def _parse_index(value: object) -> int:
    # The spec makes statusListIndex a string holding a decimal integer; issuers (1EdTech's own samples
    # included) also emit a JSON number, which is unambiguous and accepted.
    if isinstance(value, bool):
        raise StatusListError("statusListIndex must be a decimal integer, not a boolean.", code="status_entry_invalid")
    if isinstance(value, int):
        index = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        index = int(value)
    else:
        raise StatusListError(
            f"statusListIndex must be a non-negative decimal integer, got {value!r}.", code="status_entry_invalid"
        )
    if index < 0:
        raise StatusListError(f"statusListIndex must not be negative (got {index}).", code="status_entry_invalid")
    return index


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _check_bitstring(
    credential: dict[str, Any],
    entry: dict[str, Any],
    source: StatusListSource,
    verify_list: Callable[[dict[str, Any]], bool] | None,
    now: datetime,
    *,
    legacy: bool,
) -> StatusOutcome:
    label = STATUS_LIST_2021_ENTRY if legacy else BITSTRING_ENTRY
    purpose = entry.get("statusPurpose")
    purposes = _LEGACY_PURPOSES if legacy else _PURPOSES
    if not isinstance(purpose, str) or purpose not in purposes:
        return _entry_invalid(f"{label}.statusPurpose must be one of {', '.join(purposes)}; got {purpose!r}.")
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        return _entry_invalid(f"{label}.statusListCredential must be the URL of the status list credential.")
    if "statusListIndex" not in entry:
        return _entry_invalid(f"{label}.statusListIndex is missing.")
    index = _parse_index(entry.get("statusListIndex"))
    size = entry.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 8:
        return _entry_invalid(f"{label}.statusSize must be an integer from 1 to 8; got {size!r}.")

    fetched = _fetch(source, url)
    if isinstance(fetched, StatusOutcome):
        return fetched
    if isinstance(fetched, TrustedStatusList):
        return _read_trusted(credential, fetched, purpose, index, size)
    list_credential = fetched

    list_types = list_credential.get("type")
    list_types = list_types if isinstance(list_types, list) else [list_types]
    expected_type = "StatusList2021Credential" if legacy else "BitstringStatusListCredential"
    if expected_type not in list_types:
        raise StatusListError(f"The document at {url} is not a {expected_type} (type {list_types!r}).")
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise StatusListError(f"The status list credential at {url} has no credentialSubject object.")
    list_purpose = subject.get("statusPurpose")
    list_purposes = list_purpose if isinstance(list_purpose, list) else [list_purpose]
    if purpose not in list_purposes:
        raise StatusListError(
            f"The status entry's purpose is {purpose!r} but the list at {url} is for {list_purpose!r}; "
            "a list must not be read for another purpose."
        )

    notes: list[str] = []
    if verify_list is None:
        raise StatusListError(f"The status list at {url} was not checked: no signature verifier was given.")
    if not _safe_verify(verify_list, list_credential):
        raise StatusListError(
            f"The status list credential at {url} does not carry a valid signature by a key bound to its issuer."
        )
    credential_issuer, list_issuer = _issuer_id(credential), _issuer_id(list_credential)
    if credential_issuer and list_issuer and credential_issuer != list_issuer:
        notes.append(f"the list is issued by {list_issuer}, not by the credential's issuer")
    list_expiry = _parse_time(list_credential.get("validUntil") or list_credential.get("expirationDate"))
    if list_expiry is not None and list_expiry < now:
        raise StatusListError(
            f"The status list at {url} expired on {list_expiry.isoformat()}, so the credential's current status "
            "is not known."
        )

    bits = decode_bitstring(subject.get("encodedList"))  # type: ignore[arg-type]
    return _answer(bits, url, purpose, index, size, notes)


def _read_trusted(
    credential: dict[str, Any], trusted: TrustedStatusList, purpose: str, index: int, size: int
) -> StatusOutcome:
    if trusted.purpose != purpose:
        raise StatusListError(
            f"The status entry's purpose is {purpose!r} but the list at {trusted.url} is for {trusted.purpose!r}; "
            "a list must not be read for another purpose."
        )
    notes = []
    if _issuer_id(credential) != trusted.issuer:
        notes.append(f"the list is kept by {trusted.issuer}, not by the credential's issuer")
    return _answer(trusted.bits, trusted.url, purpose, index, size, notes)


def _answer(bits: bytes, url: str, purpose: str, index: int, size: int, notes: list[str]) -> StatusOutcome:
    if (index + 1) * size > len(bits) * 8:
        raise StatusListError(f"statusListIndex {index} is outside the status list ({len(bits) * 8 // size} entries).")
    value = _read_value(bits, index, size)

    suffix = f" ({'; '.join(notes)})" if notes else ""
    # A caveat (a list another issuer signed, as the credential's issuer chose) turns a clean answer into a
    # warning; it is shown, and the answer still comes from a list bound to its signer.
    clean = WARNING if notes else PASSED
    if purpose == "message":
        return StatusOutcome(
            CHECK_ID,
            WARNING,
            "status_message",
            f"The credential carries a status message: value {value:#x} at index {index} of {url}{suffix}.",
        )
    if purpose == "refresh":
        if value:
            return StatusOutcome(
                CHECK_ID, WARNING, "refresh_available", f"The issuer signals that a newer credential exists{suffix}."
            )
        return StatusOutcome(CHECK_ID, clean, "no_refresh", f"No refresh is signalled{suffix}.")
    if value:
        code = "revoked" if purpose == "revocation" else "suspended"
        return StatusOutcome(CHECK_ID, FAILED, code, f"The credential is {code} (index {index} of {url}){suffix}.")
    code = "not_revoked" if purpose == "revocation" else "not_suspended"
    what = "revoked" if purpose == "revocation" else "suspended"
    return StatusOutcome(CHECK_ID, clean, code, f"The credential is not {what} (index {index} of {url}){suffix}.")


def _safe_verify(verify_list: Callable[[dict[str, Any]], bool], list_credential: dict[str, Any]) -> bool:
    try:
        return bool(verify_list(list_credential))
    except Indeterminate:
        raise
    except VerificationError:
        return False
    except PlatformUnavailable:
        raise
    except Exception:
        logger.warning("status list signature check failed unexpectedly", exc_info=True)
        return False


def _check_revocation_list(
    credential: dict[str, Any], entry: dict[str, Any], source: StatusListSource
) -> StatusOutcome:
    """1EdTech Revocation List 1.0: GET the entry's id; the credential is revoked when its id is listed in
    `revokedCredential` with `revoked` true or omitted."""
    url = entry.get("id")
    if not isinstance(url, str) or not url:
        return _entry_invalid(f"{REVOCATION_LIST}.id must be the URL of the revocation list.")
    credential_id = credential.get("id")
    if not isinstance(credential_id, str) or not credential_id:
        return StatusOutcome(
            CHECK_ID,
            INDETERMINATE,
            "status_unavailable",
            "The status could not be checked: the credential has no id to look up in the revocation list.",
        )
    fetched = _fetch(source, url)
    if isinstance(fetched, StatusOutcome):
        return fetched
    if isinstance(fetched, TrustedStatusList):
        raise StatusListError(f"The list at {url} is a bitstring status list, not a 1EdTech revocation list.")
    revoked_list = fetched.get("revokedCredential")
    if revoked_list is None and isinstance(fetched.get("credentialSubject"), dict):
        revoked_list = fetched["credentialSubject"].get("revokedCredential")
    if revoked_list is None:
        revoked_list = []
    if not isinstance(revoked_list, list):
        raise StatusListError(f"The revocation list at {url} has a revokedCredential that is not an array.")
    for item in revoked_list:
        if not isinstance(item, dict) or item.get("id") != credential_id:
            continue
        revoked = item.get("revoked", True)
        if revoked is True:
            reason = item.get("revocationReason")
            because = f": {reason}" if isinstance(reason, str) and reason else ""
            return StatusOutcome(CHECK_ID, FAILED, "revoked", f"The issuer has revoked this credential{because}.")
        if revoked is False:
            break
        raise StatusListError(f"The revocation list at {url} lists this credential with revoked={revoked!r}.")
    return StatusOutcome(CHECK_ID, PASSED, "not_revoked", f"The credential is not revoked ({url}).")
