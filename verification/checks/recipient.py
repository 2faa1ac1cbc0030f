"""The `recipient` check: was the credential issued to the given recipient (OB 3.0 §9.3)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from verification.report import FAILED, PASSED, SKIPPED, Check

__all__ = ["identity_matches", "recipient_check"]


def identity_matches(identity: dict[str, Any], candidate: str) -> bool:
    """OB 3.0 §9.3: hashed → `<alg>$<hex>` of UTF-8(candidate ‖ salt), hex compared case-insensitively;
    not hashed → plaintext comparison."""
    value = identity.get("identityHash")
    if not isinstance(value, str):
        return False
    if identity.get("hashed") is False:
        return hmac.compare_digest(value.encode("utf-8"), candidate.encode("utf-8"))
    algorithm, sep, expected = value.partition("$")
    algorithm = algorithm.lower()
    if not sep or algorithm not in ("sha256", "md5"):
        return False
    salt = identity.get("salt")
    salt = salt if isinstance(salt, str) else ""
    digest = hashlib.new(algorithm, (candidate + salt).encode("utf-8"), usedforsecurity=False).hexdigest()
    return hmac.compare_digest(digest, expected.strip().lower())


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
            if isinstance(identity, dict) and identity_matches(identity, candidate):
                kind = identity.get("identityType", "identifier")
                how = "hashed" if identity.get("hashed") is not False else "plain"
                return Check(
                    "recipient",
                    PASSED,
                    f"The credential was issued to the given recipient ({kind}, {how} identifier).",
                    "match",
                )
    return Check("recipient", FAILED, "The credential was not issued to the given recipient.", "no_match")
