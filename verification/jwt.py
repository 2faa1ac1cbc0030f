"""VC-JWT for Open Badges 3.0 (OB 3.0 §8.2): compact JWS over the credential, RS256 / ES256 / ES384 / EdDSA.

This module decodes and verifies; signing is verification.jwt_encoding, whose names (`encode_vc_jwt`,
`algorithm_for_key`, `vc_jwt_claims`, the credential helpers) are offered here too. Both are written directly
on `cryptography` so that every decision a verifier has to make (which algorithms, which header members, which
key) is visible rather than inside a library's defaults. EdDSA is RFC 8037 (Ed25519 over the JWS signing
input); ES256 and ES384 signatures are the r||s form of RFC 7518 §3.4 (64 and 96 bytes), not DER. Each
algorithm is bound to one key type (RFC 7518 §3.4: ES256 is P-256 with SHA-256, ES384 P-384 with SHA-384): a
header whose alg does not fit the resolved key is refused before any signature is checked.

Decoding never raises for a token that is a well-formed JWS: a bad signature, a refused algorithm, an
unresolvable key or an embedded key nothing binds is a failed (or, when a document could not be fetched,
indeterminate) check in the returned JwtVerification. Whether a resolved key belongs to the issuer is decided
by verification.binding, like for every other proof. Only input that is not a JWS carrying a credential at all
raises InputError.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from verification.errors import Indeterminate, InputError, KeyResolutionError, VerificationError
from verification.jwt_encoding import (
    PRIVATE_JWK_MEMBERS,
    algorithm_for_key,
    b64url,
    credential_issuer_id,
    credential_subject_id,
    encode_vc_jwt,
    json_bytes,
    parse_datetime,
    vc_jwt_claims,
)
from verification.keys import (
    KeyResolver,
    PublicKey,
    VerificationMethod,
    curve_name,
    describe_key,
    public_jwk,
    public_key_from_jwk,
    public_key_from_multibase,
)

# Signing's names are offered here too: `verification.jwt` is the one module a caller needs for VC-JWT.
__all__ = [
    "ALGORITHMS",
    "MAX_TOKEN_BYTES",
    "PRIVATE_JWK_MEMBERS",
    "JwtVerification",
    "algorithm_for_key",
    "credential_issuer_id",
    "credential_subject_id",
    "decode_vc_jwt",
    "encode_vc_jwt",
    "key_fits_alg",
    "parse_compact_jws",
    "parse_datetime",
    "vc_jwt_claims",
    "verify_jws_signature",
]

MAX_TOKEN_BYTES = 1024 * 1024
ALGORITHMS = ("RS256", "ES256", "ES384", "EdDSA")
JWT_CLAIMS = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")
ALLOWED_HEADER = ("alg", "typ", "kid", "jwk")
PASSED, FAILED, INDETERMINATE, WARNING = "passed", "failed", "indeterminate", "warning"

Check = tuple[str, str, str]

_B64URL = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")


@dataclass(frozen=True)
class JwtVerification:
    """What decoding a VC-JWT found. `checks` are (check_id, status, message), status ∈ passed/failed/
    indeterminate/warning. Key checks use their reason code as id (key_unresolved, key_unavailable, …)."""

    header: dict[str, Any]
    payload: dict[str, Any]
    credential: dict[str, Any]
    verification_method: VerificationMethod | None
    checks: list[Check] = field(default_factory=list)
    # "2.0" (credential is the payload) or "1.1" (credential in the `vc` claim).
    vcdm_version: str = "2.0"

    @property
    def signature_valid(self) -> bool:
        return any(check_id == "jwt_signature" and status == PASSED for check_id, status, _ in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if check[1] == FAILED]

    @property
    def verified(self) -> bool:
        """Signature valid and no failed check (warnings allowed). The key's binding to the issuer is not part
        of this: verification.binding decides it."""
        return self.signature_valid and not self.failures


# --------------------------------------------------------------------------------------------------------------
# Credential helpers of the claim checks


def _format_numeric_date(value: int | float) -> str | None:
    try:
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def _is_numeric_date(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# --------------------------------------------------------------------------------------------------------------
# Decoding


def _decode_part(part: str, name: str) -> bytes:
    if not _B64URL.match(part) or len(part.rstrip("=")) % 4 == 1:
        raise InputError(f"The JWS {name} is not valid base64url (only A-Z, a-z, 0-9, '-' and '_' may appear).")
    stripped = part.rstrip("=")
    return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Two parsers could pick different values for a duplicated member (RFC 7515 §5.2 step 4).
            raise ValueError(f"duplicate member {key!r}")
        result[key] = value
    return result


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _json_object(raw: bytes, name: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"The JWS {name} is not UTF-8 text.") from exc
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise InputError(f"The JWS {name} is not valid JSON: {exc}.") from exc
    except RecursionError as exc:
        raise InputError(f"The JWS {name} is nested too deeply.") from exc
    if not isinstance(value, dict):
        raise InputError(f"The JWS {name} must be a JSON object, not {type(value).__name__}.")
    return value


def parse_compact_jws(token: object) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signing input, signature) of a compact JWS, or InputError saying what is wrong."""
    if isinstance(token, bytes | bytearray):
        if len(token) > MAX_TOKEN_BYTES:
            raise InputError(f"The token is larger than {MAX_TOKEN_BYTES} bytes; refused.")
        try:
            token = bytes(token).decode("ascii")
        except UnicodeDecodeError as exc:
            raise InputError("A compact JWS is ASCII text; this token contains other bytes.") from exc
    if not isinstance(token, str):
        raise InputError(f"A compact JWS is a string, not {type(token).__name__}.")
    if len(token) > MAX_TOKEN_BYTES:
        raise InputError(f"The token is larger than {MAX_TOKEN_BYTES} bytes; refused.")
    # Baked images and pasted text often carry surrounding whitespace; it is not part of the JWS.
    token = token.strip()
    if not token:
        raise InputError("The token is empty.")
    parts = token.split(".")
    if len(parts) == 5:
        raise InputError("The token has five parts: it is an encrypted JWE, not a signed VC-JWT.")
    if len(parts) != 3:
        raise InputError(
            f"A compact JWS has three base64url parts separated by '.', this token has {len(parts)} "
            "(truncated or not a JWS)."
        )
    header_b64, payload_b64, signature_b64 = parts
    if not header_b64:
        raise InputError("The JWS header part is empty.")
    if not payload_b64:
        raise InputError("The JWS payload part is empty (a detached payload is not a VC-JWT).")
    header = _json_object(_decode_part(header_b64, "header"), "header")
    payload = _json_object(_decode_part(payload_b64, "payload"), "payload")
    signature = _decode_part(signature_b64, "signature")
    return header, payload, f"{header_b64}.{payload_b64}".encode("ascii"), signature


def _credential_from_payload(payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if "@context" in payload:
        return {key: value for key, value in payload.items() if key not in JWT_CLAIMS}, "2.0"
    if "vc" in payload:
        vc = payload["vc"]
        if not isinstance(vc, dict):
            raise InputError("The JWT 'vc' claim must be a JSON object holding the credential.")
        return _credential_from_v11(payload, copy.deepcopy(vc)), "1.1"
    raise InputError(
        "The JWT payload is not a verifiable credential: it has neither '@context' (VCDM 2.0) nor a 'vc' claim "
        "(VCDM 1.1)."
    )


def _credential_from_v11(payload: dict[str, Any], credential: dict[str, Any]) -> dict[str, Any]:
    # VCDM 1.1 §6.3.1 JWT decoding: registered claims stand in for credential properties that are absent.
    if "issuer" not in credential and isinstance(payload.get("iss"), str):
        credential["issuer"] = payload["iss"]
    elif isinstance(credential.get("issuer"), dict) and "id" not in credential["issuer"]:
        if isinstance(payload.get("iss"), str):
            credential["issuer"]["id"] = payload["iss"]
    if "id" not in credential and isinstance(payload.get("jti"), str):
        credential["id"] = payload["jti"]
    if "issuanceDate" not in credential and _is_numeric_date(payload.get("nbf")):
        formatted = _format_numeric_date(payload["nbf"])
        if formatted:
            credential["issuanceDate"] = formatted
    if "expirationDate" not in credential and _is_numeric_date(payload.get("exp")):
        formatted = _format_numeric_date(payload["exp"])
        if formatted:
            credential["expirationDate"] = formatted
    subject = credential.get("credentialSubject")
    if isinstance(payload.get("sub"), str):
        if subject is None:
            credential["credentialSubject"] = {"id": payload["sub"]}
        elif isinstance(subject, dict) and "id" not in subject:
            subject["id"] = payload["sub"]
    return credential


def _header_checks(header: dict[str, Any]) -> tuple[list[Check], str | None]:
    """Checks on the JOSE header and the algorithm to verify with (None: refused)."""
    checks: list[Check] = []
    alg = header.get("alg")
    usable_alg: str | None = None
    if not isinstance(alg, str) or not alg:
        checks.append(("jwt_header", FAILED, "The JOSE header has no 'alg'."))
    elif alg.lower() == "none":
        checks.append(("jwt_header", FAILED, "The JOSE header says alg 'none': the token is unsigned; refused."))
    elif alg.upper().startswith("HS"):
        checks.append(
            (
                "jwt_header",
                FAILED,
                f"The JOSE header says alg {alg!r}, a shared-secret HMAC: it cannot prove who issued the token "
                "(anyone holding the issuer's public key could forge it); only RS256, ES256, ES384 and EdDSA are accepted.",
            )
        )
    elif alg not in ALGORITHMS:
        checks.append(
            ("jwt_header", FAILED, f"The algorithm {alg!r} is not supported (accepted: {', '.join(ALGORITHMS)}).")
        )
    else:
        usable_alg = alg
    if "typ" in header and header["typ"] != "JWT":
        checks.append(("jwt_header", FAILED, f"The JOSE header 'typ' is {header['typ']!r}; OB 3.0 requires 'JWT'."))
    if "crit" in header:
        # RFC 7515 §4.1.11: extensions listed as critical and not understood make the JWS invalid.
        checks.append(("jwt_header", FAILED, f"The JOSE header lists critical extensions {header['crit']!r}; refused."))
    extra = sorted(set(header) - set(ALLOWED_HEADER) - {"crit"})
    if extra:
        checks.append(
            (
                "jwt_header",
                WARNING,
                f"The JOSE header has members OB 3.0 §8.2.3 does not allow: {', '.join(extra)} (ignored).",
            )
        )
    if not any(status == FAILED for _, status, _ in checks):
        checks.insert(0, ("jwt_header", PASSED, f"JOSE header accepted (alg {alg})."))
    return checks, usable_alg if not any(c[1] == FAILED for c in checks) else None


def _jwk_thumbprint_urn(jwk: dict[str, str]) -> str:
    # RFC 7638 thumbprint over the required members in lexicographic order, as an RFC 9278 URI.
    required = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}[jwk["kty"]]
    digest = hashlib.sha256(json_bytes({member: jwk[member] for member in required})).digest()
    return f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{b64url(digest)}"


def _key_from_self_certifying_did(did: str) -> PublicKey | None:
    """The key a did:key or did:jwk identifier is made of, or None for any other identifier."""
    try:
        if did.startswith("did:key:"):
            return public_key_from_multibase(did[len("did:key:") :].split("#", 1)[0])
        if did.startswith("did:jwk:"):
            encoded = did[len("did:jwk:") :].split("#", 1)[0]
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            return public_key_from_jwk(json.loads(raw))
    except (VerificationError, ValueError, TypeError):
        return None
    return None


# The key each algorithm verifies with: its description, and whether a key is one.
_KEY_FOR_ALG: dict[str, tuple[str, Callable[[PublicKey], bool]]] = {
    "EdDSA": ("an Ed25519 key", lambda key: isinstance(key, ed25519.Ed25519PublicKey)),
    "ES256": ("a P-256 EC key", lambda key: curve_name(key) == "P-256"),
    "ES384": ("a P-384 EC key", lambda key: curve_name(key) == "P-384"),
    "RS256": (
        "an RSA key of at least 2048 bits",
        lambda key: isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048,
    ),
}


def key_fits_alg(alg: str, key: PublicKey) -> str | None:
    """None when `key` can verify `alg`, else why not (also for Open Badges 2.0 signed assertions)."""
    expected, fits = _KEY_FOR_ALG[alg]
    if fits(key):
        return None
    return f"alg {alg} needs {expected}, but the key is {describe_key(key)}."


def _resolve_key(
    header: dict[str, Any], issuer_id: str | None, resolver: KeyResolver
) -> tuple[VerificationMethod | None, list[Check]]:
    kid = header.get("kid")
    jwk = header.get("jwk")
    if kid is None and jwk is None:
        return None, [
            (
                "jwt_key",
                FAILED,
                "The JOSE header has neither 'kid' nor 'jwk', so the signing key cannot be found "
                "(OB 3.0 §8.2.3 requires one of them); the signature cannot be verified.",
            )
        ]
    embedded: PublicKey | None = None
    if jwk is not None:
        if isinstance(jwk, dict) and any(member in jwk for member in PRIVATE_JWK_MEMBERS):
            leaked = ", ".join(member for member in PRIVATE_JWK_MEMBERS if member in jwk)
            return None, [
                (
                    "jwt_key",
                    FAILED,
                    f"The 'jwk' header contains private key material ({leaked}); a token must never carry a "
                    "private key, so it is refused (and that key must be considered compromised).",
                )
            ]
        try:
            embedded = public_key_from_jwk(jwk)
        except KeyResolutionError as exc:
            return None, [("jwt_key", FAILED, f"The 'jwk' header is not a usable public key: {exc.message}")]

    if kid is not None:
        return _method_from_kid(kid, embedded, issuer_id, resolver)

    assert embedded is not None
    thumbprint = _jwk_thumbprint_urn(public_jwk(embedded))
    own = _key_from_self_certifying_did(issuer_id) if issuer_id else None
    if issuer_id and own is not None and public_jwk(own) == public_jwk(embedded):
        method = VerificationMethod(
            id=thumbprint,
            controller=issuer_id,
            type="JsonWebKey",
            public_key=embedded,
            relationships=frozenset({"assertionMethod"}),
            provenance="embedded-jwk",
        )
        return method, [
            ("jwt_key", PASSED, f"The embedded 'jwk' is the key the issuer identifier {issuer_id} is made of.")
        ]
    method = VerificationMethod(
        id=thumbprint,
        controller=thumbprint,
        type="JsonWebKey",
        public_key=embedded,
        relationships=frozenset(),
        provenance="embedded-jwk",
    )
    return method, [
        (
            "key_not_bound",
            FAILED,
            "The public key is carried in the token itself ('jwk' header) and nothing binds it to the issuer "
            f"{issuer_id or '(unknown)'}: anyone can sign a token that way. An embedded key is accepted only when "
            "the issuer is the did:key or did:jwk made of exactly that key.",
        )
    ]


def _method_from_kid(
    kid: object, embedded: PublicKey | None, issuer_id: str | None, resolver: KeyResolver
) -> tuple[VerificationMethod | None, list[Check]]:
    if not isinstance(kid, str) or not kid.strip():
        return None, [("jwt_key", FAILED, "The 'kid' header is not a non-empty string.")]
    if kid.startswith("#") and issuer_id:
        # A fragment-only kid names a key of the issuer's own document.
        kid = issuer_id.split("#", 1)[0] + kid
    if ":" not in kid:
        return None, [
            ("jwt_key", FAILED, f"The 'kid' {kid!r} is not a URL or DID URL, so it cannot be dereferenced to a key.")
        ]
    try:
        method = resolver.resolve(kid)
    except Indeterminate as exc:
        return None, [(exc.code, INDETERMINATE, f"The key {kid} could not be resolved: {exc.message}")]
    except VerificationError as exc:
        return None, [("key_unresolved", FAILED, f"The key {kid} could not be resolved: {exc.message}")]
    if embedded is not None and public_jwk(embedded) != public_jwk(method.public_key):
        return None, [("jwt_key", FAILED, f"The 'jwk' header and the key {kid} resolves to are different keys.")]
    return method, [("jwt_key", PASSED, f"The key {method.id} is published by its controller {method.controller}.")]


# ES256 / ES384: the size of r and of s, and the hash (RFC 7518 §3.4).
_EC_ALGORITHMS: dict[str, tuple[int, Callable[[], hashes.HashAlgorithm]]] = {
    "ES256": (32, hashes.SHA256),
    "ES384": (48, hashes.SHA384),
}


def verify_jws_signature(alg: str, key: PublicKey, signing_input: bytes, signature: bytes) -> Check:
    """("jwt_signature", passed | failed, message) for a JWS signature made with `alg`; `key` must fit `alg`
    (key_fits_alg) — the caller checks that first."""
    try:
        if alg == "EdDSA":
            assert isinstance(key, ed25519.Ed25519PublicKey)
            key.verify(signature, signing_input)
        elif alg in _EC_ALGORITHMS:
            assert isinstance(key, ec.EllipticCurvePublicKey)
            size, hash_algorithm = _EC_ALGORITHMS[alg]
            if len(signature) != 2 * size:
                return (
                    "jwt_signature",
                    FAILED,
                    f"An {alg} signature is {2 * size} bytes (r||s, RFC 7518 §3.4); this one is {len(signature)} "
                    "bytes.",
                )
            r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hash_algorithm()))
        else:
            assert isinstance(key, rsa.RSAPublicKey)
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return (
            "jwt_signature",
            FAILED,
            f"The {alg} signature does not match the token: it was altered or signed with another key.",
        )
    return ("jwt_signature", PASSED, f"The {alg} signature is valid.")


def _claim_checks(payload: dict[str, Any], credential: dict[str, Any], vcdm_version: str) -> list[Check]:
    checks: list[Check] = []
    issuer_id = credential_issuer_id(credential)
    iss = payload.get("iss")
    if iss is None:
        checks.append(("jwt_claims", FAILED, "The 'iss' claim is missing (OB 3.0 §8.2 requires it)."))
    elif iss != issuer_id:
        checks.append(("jwt_claims", FAILED, f"The 'iss' claim {iss!r} does not equal the issuer id {issuer_id!r}."))

    jti = payload.get("jti")
    if jti is None:
        checks.append(("jwt_claims", WARNING, "The 'jti' claim is missing (OB 3.0 §8.2 requires it)."))
    elif "id" in credential and jti != credential["id"]:
        checks.append(
            ("jwt_claims", FAILED, f"The 'jti' claim {jti!r} does not equal the credential id {credential['id']!r}.")
        )

    subject_id = credential_subject_id(credential)
    sub = payload.get("sub")
    if sub is not None and subject_id is not None and sub != subject_id:
        checks.append(
            ("jwt_claims", FAILED, f"The 'sub' claim {sub!r} does not equal credentialSubject.id {subject_id!r}.")
        )
    elif sub is None and subject_id is not None:
        checks.append(("jwt_claims", WARNING, "The 'sub' claim is missing although credentialSubject has an id."))

    start_name, end_name = ("validFrom", "validUntil") if vcdm_version == "2.0" else ("issuanceDate", "expirationDate")
    checks += _date_claim("nbf", payload, credential, start_name, required=True)
    checks += _date_claim("exp", payload, credential, end_name, required=False)
    if not any(status == FAILED for _, status, _ in checks):
        checks.insert(0, ("jwt_claims", PASSED, "The JWT claims agree with the credential."))
    return checks


def _date_claim(
    claim: str, payload: dict[str, Any], credential: dict[str, Any], name: str, *, required: bool
) -> list[Check]:
    value = payload.get(claim)
    present = name in credential
    if value is None:
        if required:
            return [("jwt_claims", WARNING, f"The '{claim}' claim is missing (OB 3.0 §8.2 requires it).")]
        if present:
            return [("jwt_claims", WARNING, f"The credential has {name} but the token has no '{claim}' claim.")]
        return []
    if not _is_numeric_date(value):
        return [("jwt_claims", FAILED, f"The '{claim}' claim {value!r} is not a NumericDate (seconds since 1970).")]
    if not present:
        return [("jwt_claims", FAILED, f"The token has an '{claim}' claim but the credential has no {name}.")]
    moment = parse_datetime(credential[name])
    if moment is None:
        return [("jwt_claims", FAILED, f"The credential's {name} {credential[name]!r} is not a valid dateTime.")]
    # NumericDate may drop the fractional seconds of the dateTime.
    if abs(moment.timestamp() - value) >= 1:
        shown = _format_numeric_date(value) or value
        return [
            (
                "jwt_claims",
                FAILED,
                f"The '{claim}' claim ({shown}) does not equal the credential's {name} ({credential[name]}).",
            )
        ]
    return []


def decode_vc_jwt(token: str, resolver: KeyResolver) -> JwtVerification:
    """Parse and verify a VC-JWT. Raises InputError only when the token is not a JWS carrying a credential;
    every other problem (refused alg, unknown key, bad signature, inconsistent claims) is a failed check."""
    header, payload, signing_input, signature = parse_compact_jws(token)
    credential, vcdm_version = _credential_from_payload(payload)
    issuer_id = credential_issuer_id(credential)

    checks, alg = _header_checks(header)
    method, key_checks = _resolve_key(header, issuer_id, resolver)
    checks += key_checks
    if method is not None and alg is not None:
        mismatch = key_fits_alg(alg, method.public_key)
        if mismatch:
            checks.append(("jwt_key", FAILED, mismatch))
            checks.append(("jwt_signature", FAILED, "The signature was not checked: the key does not fit the alg."))
        else:
            checks.append(verify_jws_signature(alg, method.public_key, signing_input, signature))
    elif alg is not None and any(status == INDETERMINATE for _, status, _ in key_checks):
        # The key's document could not be obtained: the signature is neither verified nor refuted.
        checks.append(("jwt_signature", INDETERMINATE, "The signature could not be checked without the key."))
    else:
        reason = "the header is refused" if alg is None else "no usable key was found"
        checks.append(("jwt_signature", FAILED, f"The signature was not verified because {reason}."))
    checks += _claim_checks(payload, credential, vcdm_version)
    return JwtVerification(
        header=header,
        payload=payload,
        credential=credential,
        verification_method=method,
        checks=checks,
        vcdm_version=vcdm_version,
    )
