"""The `recipient` check: was the credential issued to the given recipient (OB 3.0 §9.3, OB 2.0 IdentityObject).

Both versions hash the same way: `<alg>$<hex>` of UTF-8(identifier ‖ salt), `alg` being `sha256` or `md5`, the
hex compared case-insensitively; plaintext when `hashed` is false. E-mail addresses are compared without regard
to case: an employer types the address as the candidate wrote it, while issuers commonly hash the address as it
was stored, lower-cased — so a hashed e-mail is tried as typed and lower-cased, and a plaintext one compared
case-insensitively. MD5 is accepted only because both specifications allow it; the check says so.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from verification.report import FAILED, PASSED, SKIPPED, Check

__all__ = ["identity_matches", "ob2_recipient_check", "recipient_check", "recipient_summary"]

EMAIL_TYPES = ("emailAddress", "email")
MD5_NOTE = " MD5 is accepted only because the specification allows it; it is a weak hash, not a proof on its own."


def match_identity(value: object, candidate: str, *, hashed: bool, salt: object, email: bool) -> str | None:
    """How `candidate` matches the stored identity `value` — "sha256", "md5" or "plain" — or None."""
    if not isinstance(value, str):
        return None
    candidates = [candidate]
    if email and candidate.lower() != candidate:
        candidates.append(candidate.lower())
    if not hashed:
        if email:
            return "plain" if value.strip().lower() == candidate.lower() else None
        return "plain" if hmac.compare_digest(value.encode("utf-8"), candidate.encode("utf-8")) else None
    algorithm, sep, expected = value.partition("$")
    algorithm = algorithm.strip().lower()
    if not sep or algorithm not in ("sha256", "md5"):
        return None
    suffix = salt if isinstance(salt, str) else ""
    expected = expected.strip().lower()
    for text in candidates:
        digest = hashlib.new(algorithm, (text + suffix).encode("utf-8"), usedforsecurity=False).hexdigest()
        if hmac.compare_digest(digest, expected):
            return algorithm
    return None


def identity_matches(identity: dict[str, Any], candidate: str) -> bool:
    """OB 3.0 §9.3 IdentityObject: hashed → `<alg>$<hex>` of UTF-8(candidate ‖ salt); not hashed → plaintext;
    e-mail addresses compared without regard to case."""
    return _ob3_match(identity, candidate) is not None


def _ob3_match(identity: dict[str, Any], candidate: str) -> str | None:
    return match_identity(
        identity.get("identityHash"),
        candidate,
        hashed=identity.get("hashed") is not False,
        salt=identity.get("salt"),
        email=identity.get("identityType") in EMAIL_TYPES,
    )


def _matched(what: str, how: str) -> Check:
    if how == "plain":
        text = f"The credential was issued to the given recipient ({what}, plain identifier)."
    else:
        text = f"The credential was issued to the given recipient ({what}, {how.upper()}-hashed identifier)."
        if how == "md5":
            text += MD5_NOTE
    return Check("recipient", PASSED, text, "match")


def recipient_check(credential: dict[str, Any], recipient: str | None) -> Check:
    if recipient is None:
        return Check("recipient", SKIPPED, "No recipient was given to compare with.", "not_requested")
    candidate = recipient.strip()
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    for item in subjects:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("id"), str) and item["id"] == candidate:
            return Check("recipient", PASSED, "The credential was issued to the given recipient (subject id).", "match")
        identifiers = item.get("identifier")
        identifiers = identifiers if isinstance(identifiers, list) else [identifiers]
        for identity in identifiers:
            if not isinstance(identity, dict):
                continue
            how = _ob3_match(identity, candidate)
            if how is not None:
                return _matched(str(identity.get("identityType", "identifier")), how)
    return Check("recipient", FAILED, "The credential was not issued to the given recipient.", "no_match")


def ob2_recipient_check(assertion: dict[str, Any] | None, recipient: str | None) -> Check:
    """OB 2.0 IdentityObject: {type, identity, hashed, salt}; `hashed` defaults to false."""
    if recipient is None:
        return Check("recipient", SKIPPED, "No recipient was given to compare with.", "not_requested")
    identity = (assertion or {}).get("recipient")
    if not isinstance(identity, dict):
        return Check("recipient", FAILED, "The assertion has no recipient IdentityObject to compare with.", "no_match")
    kind = str(identity["type"]) if isinstance(identity.get("type"), str) else "identity"
    how = match_identity(
        identity.get("identity"),
        recipient.strip(),
        hashed=identity.get("hashed") is True,
        salt=identity.get("salt"),
        email=kind in EMAIL_TYPES,
    )
    if how is None:
        return Check("recipient", FAILED, "The badge was not awarded to the given recipient.", "no_match")
    return _matched(kind, how)


def recipient_summary(identity: object) -> str | None:
    """How a report names an OB 2.0 recipient: the plaintext identity, or its kind and "(hashed)"."""
    if not isinstance(identity, dict):
        return None
    kind = identity.get("type") if isinstance(identity.get("type"), str) else "identity"
    value = identity.get("identity")
    if identity.get("hashed") is True:
        return f"{kind} (hashed)"
    return value if isinstance(value, str) else None
