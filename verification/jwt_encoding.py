"""VC-JWT encoding (OB 3.0 §8.2): a VCDM 2.0 credential signed as a compact JWS, RS256 / ES256 / EdDSA, and
what decoding (verification.jwt) shares with it: which algorithm a key takes, the claims a credential implies.

Written directly on `cryptography`, like decoding, so that every choice (which algorithm, which header members,
which key) is visible here. EdDSA is RFC 8037 (Ed25519 over the JWS signing input); ES256 signatures are the
64-byte r||s form of RFC 7518 §3.4, not DER.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from verification.datamodel import require_conformance
from verification.keys import PrivateKey, PublicKey, public_jwk, public_key_from_jwk

__all__ = [
    "PRIVATE_JWK_MEMBERS",
    "algorithm_for_key",
    "b64url",
    "credential_issuer_id",
    "credential_subject_id",
    "encode_vc_jwt",
    "json_bytes",
    "parse_datetime",
    "vc_jwt_claims",
]

# Members that only a private JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def json_bytes(value: object) -> bytes:
    """Compact UTF-8 JSON, as the header and payload are signed."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def algorithm_for_key(key: PrivateKey | PublicKey) -> str:
    """EdDSA for Ed25519, ES256 for P-256, RS256 for RSA (≥ 2048 bits)."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError(f"Only P-256 EC keys are used for VC-JWT (ES256), not {key.curve.name}.")
        return "ES256"
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise ValueError(f"RSA keys shorter than 2048 bits are refused (this one has {key.key_size}).")
        return "RS256"
    raise ValueError(f"Unsupported key type {type(key).__name__} for VC-JWT.")


def _numeric_date(value: object, name: str) -> int:
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError(f"The credential's {name} {value!r} is not an XML Schema dateTime.")
    return math.floor(moment.timestamp())


def vc_jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The JWT claims OB 3.0 §8.2.4 derives from a VCDM 2.0 credential."""
    issuer_id = credential_issuer_id(credential)
    if issuer_id is None:
        raise ValueError("The credential has no issuer id, so the JWT would have no 'iss'.")
    if "validFrom" not in credential:
        raise ValueError("The credential has no validFrom; VC-JWT encoding here produces VCDM 2.0 tokens only.")
    claims: dict[str, Any] = {"iss": issuer_id, "nbf": _numeric_date(credential["validFrom"], "validFrom")}
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    subject_id = credential_subject_id(credential)
    if subject_id is not None:
        claims["sub"] = subject_id
    if "validUntil" in credential:
        claims["exp"] = _numeric_date(credential["validUntil"], "validUntil")
    return claims


def encode_vc_jwt(
    credential: dict[str, Any],
    private_key: PrivateKey,
    *,
    kid: str | None = None,
    jwk: dict[str, Any] | None = None,
    alg: str | None = None,
) -> str:
    """Sign a VCDM 2.0 credential as a compact JWS (header alg/typ + exactly one of kid/jwk; payload = the
    credential plus iss, jti, nbf, sub, exp). Raises ValueError for a key/alg mismatch or a private `jwk`."""
    # Only what conforms is signed (verification.datamodel), in this format as in Data Integrity.
    require_conformance(credential)
    key_alg = algorithm_for_key(private_key)
    if alg is not None and alg != key_alg:
        raise ValueError(f"alg {alg!r} does not fit the signing key, which needs {key_alg!r}.")
    if (kid is None) == (jwk is None):
        raise ValueError("Give exactly one of kid or jwk.")
    header: dict[str, Any] = {"alg": key_alg, "typ": "JWT"}
    if kid is not None:
        if not isinstance(kid, str) or not kid:
            raise ValueError("kid must be a non-empty string (a URL or DID URL).")
        header["kid"] = kid
    else:
        assert jwk is not None
        leaked = [member for member in PRIVATE_JWK_MEMBERS if member in jwk]
        if leaked:
            raise ValueError(f"The jwk header would expose private key members {leaked}; pass the public JWK.")
        if public_jwk(public_key_from_jwk(jwk)) != public_jwk(private_key.public_key()):
            raise ValueError("The jwk does not describe the public half of the signing key.")
        header["jwk"] = dict(jwk)
    payload = {**credential, **vc_jwt_claims(credential)}
    signing_input = f"{b64url(json_bytes(header))}.{b64url(json_bytes(payload))}".encode("ascii")
    return f"{signing_input.decode('ascii')}.{b64url(_sign(private_key, signing_input))}"


def _sign(private_key: PrivateKey, data: bytes) -> bytes:
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(data)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


# --------------------------------------------------------------------------------------------------------------
# Credential helpers shared with the claim checks


def parse_datetime(value: object) -> datetime | None:
    """An XML Schema dateTime as an aware datetime (no zone read as UTC), or None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def credential_issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def credential_subject_id(credential: dict[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        return str(subject["id"])
    return None
