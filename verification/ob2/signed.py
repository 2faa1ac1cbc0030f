"""Signed Open Badges 2.0 assertions: the JWS, the issuer's CryptographicKey, the issuer's RevocationList.

OB 2.0 "SignedBadge Verification": the JWS payload is the assertion; the key is the issuer's — named by the
assertion's `verification.creator`, or else one the issuer profile lists under `publicKey` — and a key counts
only when its document's `owner` is the issuer's `id` and the issuer profile (fetched from that id, never the
copy a badge embeds) lists it: the two-way link the specification asks for. Otherwise anyone could publish a
key naming any issuer. The issuer's `revocationList` lists revoked assertions by `id` (or, for 1.x, `uid`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from verification.errors import FetchError, Indeterminate, KeyUnavailable, TooComplex, VerificationError
from verification.jwt import key_fits_alg, verify_jws_signature
from verification.keys import PublicKey
from verification.ob2.documents import Documents
from verification.ob2.model import as_list, http_url, node_id
from verification.report import FAILED, INDETERMINATE, PASSED, SKIPPED, Check

__all__ = [
    "ALGORITHMS",
    "MAX_KEYS",
    "SignedKey",
    "candidate_keys",
    "header_problem",
    "key_binding_check",
    "revocation_check",
    "signature_check",
]

# OB 2.0 recommends RS256; ES256 is the other JWS algorithm issuers use. Nothing else is accepted.
ALGORITHMS = ("RS256", "ES256")
# Keys tried when the assertion names no creator: an issuer lists one or two.
MAX_KEYS = 4


@dataclass(frozen=True)
class SignedKey:
    """The key a signature verified with: its URL and its CryptographicKey document."""

    url: str
    document: dict[str, Any]


def header_problem(header: dict[str, Any]) -> str | None:
    """Why the JOSE header is refused, or None: RS256 or ES256 only, no critical extensions."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        return (
            f"The JWS algorithm {alg!r} is refused: an Open Badges 2.0 signed assertion is verified with RS256 or "
            "ES256 only (never 'none' or a shared-secret HMAC)."
        )
    if "crit" in header:
        return f"The JOSE header lists critical extensions {header['crit']!r}; refused."
    return None


def _public_key(url: str, document: dict[str, Any]) -> PublicKey:
    pem = document.get("publicKeyPem")
    if not isinstance(pem, str) or "BEGIN PUBLIC KEY" not in pem:
        raise VerificationError(f"The key document {url} has no publicKeyPem.", code="key_unresolved")
    try:
        key = load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError) as exc:
        raise VerificationError(
            f"The publicKeyPem of {url} is not a usable public key.", code="key_unresolved"
        ) from exc
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise VerificationError(f"The key {url} is neither an RSA nor an EC key.", code="key_type_mismatch")
    return key


def _key_document(documents: Documents, url: str) -> dict[str, Any]:
    try:
        document = documents.get(url)
    except TooComplex:
        raise
    except FetchError as exc:
        raise KeyUnavailable(f"The key {url} could not be retrieved: {exc.message}") from exc
    if document.get("id") != url:
        raise VerificationError(
            f"The key document at {url} carries the id {document.get('id')!r}; a key must be published at its id.",
            code="key_unresolved",
        )
    return document


def candidate_keys(creator: str | None, issuer: dict[str, Any] | None) -> list[str]:
    """The key URLs to try: the assertion's creator, else the keys the issuer profile lists."""
    if creator is not None:
        return [creator]
    if issuer is None:
        return []
    listed = [node_id(item) for item in as_list(issuer.get("publicKey"))]
    return [url for url in listed if url is not None and http_url(url)][:MAX_KEYS]


def signature_check(
    *,
    alg: str,
    signing_input: bytes,
    signature: bytes,
    keys: list[str],
    documents: Documents,
) -> tuple[Check, SignedKey | None]:
    """The `proof` check of a signed assertion and the key it verified with.

    A signature that does not verify with a usable key fails (the JWS was altered or signed by someone else);
    a key that could not be retrieved leaves it indeterminate; a key of the wrong type for `alg` fails."""
    if not keys:
        return (
            Check(
                "proof",
                FAILED,
                "The assertion names no key (verification.creator) and the issuer profile lists none (publicKey), "
                "so the signature cannot be checked.",
                "key_unresolved",
            ),
            None,
        )
    outcomes: list[tuple[str, str, str]] = []  # (status, code, message)
    for url in keys:
        try:
            document = _key_document(documents, url)
            key = _public_key(url, document)
        except Indeterminate as exc:
            outcomes.append((INDETERMINATE, exc.code, exc.message))
            continue
        except VerificationError as exc:
            outcomes.append((FAILED, exc.code, exc.message))
            continue
        mismatch = key_fits_alg(alg, key)
        if mismatch:
            outcomes.append((FAILED, "key_type_mismatch", f"The key {url} cannot verify this signature: {mismatch}"))
            continue
        _, status, message = verify_jws_signature(alg, key, signing_input, signature)
        if status == PASSED:
            text = f"The {alg} signature verifies with the key {url}."
            return Check("proof", PASSED, text, "proof_valid"), SignedKey(url, document)
        outcomes.append((FAILED, "proof_invalid", message))
    # A signature a usable key refutes is a finding, whatever else could not be fetched.
    refuted = [outcome for outcome in outcomes if outcome[1] in ("proof_invalid", "key_type_mismatch")]
    unfinished = [outcome for outcome in outcomes if outcome[0] == INDETERMINATE]
    chosen = refuted[0] if refuted else unfinished[0] if unfinished else outcomes[0]
    message = " ".join(text if text.endswith(".") else text + "." for _, _, text in outcomes)
    return Check("proof", chosen[0], message, chosen[1]), None


def key_binding_check(key: SignedKey | None, issuer_id: str | None, issuer: dict[str, Any] | None) -> Check:
    """`issuer_key`: the key's `owner` is the issuer and the issuer profile lists the key (two-way link)."""
    if key is None:
        return Check("issuer_key", SKIPPED, "No signature verified, so no key was attributed.", "not_attributed")
    owner = node_id(key.document.get("owner"))
    if owner is None:
        return Check(
            "issuer_key",
            FAILED,
            f"The key {key.url} names no owner, so nothing binds it to the issuer.",
            "key_not_bound",
        )
    if issuer_id is not None and owner != issuer_id:
        return Check(
            "issuer_key",
            FAILED,
            f"The key {key.url} belongs to {owner}, not to the badge's issuer {issuer_id}: a signature with "
            "another issuer's key proves nothing about this one.",
            "key_not_bound",
        )
    if issuer is None or issuer_id is None:
        return Check(
            "issuer_key",
            INDETERMINATE,
            f"The issuer profile could not be retrieved, so whether it lists the key {key.url} is unknown.",
            "key_unavailable",
        )
    listed = {node_id(item) for item in as_list(issuer.get("publicKey"))}
    if key.url not in listed:
        return Check(
            "issuer_key",
            FAILED,
            f"The issuer profile {issuer_id} does not list the key {key.url} (publicKey), although the key names it "
            "as owner: the link must go both ways.",
            "key_not_bound",
        )
    return Check(
        "issuer_key",
        PASSED,
        f"The key {key.url} is owned by the issuer {issuer_id}, whose profile lists it.",
        "key_bound",
    )


def revocation_check(
    assertion: dict[str, Any], issuer_id: str | None, issuer: dict[str, Any] | None, documents: Documents
) -> Check:
    """`status` of a signed assertion: its own `revoked`, then the issuer's RevocationList."""
    if assertion.get("revoked") is True:
        return _revoked(assertion.get("revocationReason"), "the assertion itself says so")
    if issuer is None:
        return Check(
            "status",
            INDETERMINATE,
            "The status could not be checked: the issuer profile, which names the revocation list, could not be "
            "retrieved.",
            "status_unavailable",
        )
    url = node_id(issuer.get("revocationList"))
    if url is None:
        return Check(
            "status",
            SKIPPED,
            "The issuer publishes no revocation list (revocationList), so none was read.",
            "no_status",
        )
    if not http_url(url):
        return Check(
            "status", INDETERMINATE, f"The revocation list {url!r} is not an HTTP(S) URL.", "status_list_invalid"
        )
    try:
        revocations = documents.get(url)
    except TooComplex:
        raise
    except FetchError as exc:
        return Check(
            "status",
            INDETERMINATE,
            f"The status could not be checked: the revocation list {url} could not be retrieved. {exc.message}",
            "status_unavailable",
        )
    list_issuer = node_id(revocations.get("issuer"))
    if list_issuer is not None and list_issuer != issuer_id:
        return Check(
            "status",
            INDETERMINATE,
            f"The revocation list {url} is issued by {list_issuer}, not by the badge's issuer {issuer_id}.",
            "status_list_invalid",
        )
    revoked = revocations.get("revokedAssertions", [])
    if not isinstance(revoked, list):
        return Check(
            "status", INDETERMINATE, f"The revocation list {url} has no revokedAssertions array.", "status_list_invalid"
        )
    assertion_id, uid = assertion.get("id"), assertion.get("uid")
    for entry in revoked:
        if isinstance(entry, str) and entry == assertion_id:
            return _revoked(None, f"listed in {url}")
        if isinstance(entry, dict) and (
            (assertion_id is not None and entry.get("id") == assertion_id)
            or (uid is not None and entry.get("uid") == uid)
        ):
            return _revoked(entry.get("revocationReason"), f"listed in {url}")
    return Check("status", PASSED, f"The assertion is not revoked (revocation list {url}).", "not_revoked")


def _revoked(reason: object, where: str) -> Check:
    because = f" Reason: {reason}" if isinstance(reason, str) and reason.strip() else ""
    text = f"The issuer has revoked this badge ({where}).{because}"
    return Check("status", FAILED, text if text.endswith(".") else text + ".", "revoked")
