"""Key encodings shared by every proof suite: Multikey, did:key and JWK.

Multikey public keys (Controlled Identifiers §2.2.2) are `z` + base58btc(multicodec header || key):
- Ed25519: header 0xed 0x01, 32 bytes (`z6Mk…`; EdDSA cryptosuites §2.1.1);
- P-256: header 0x80 0x24 (varint of p256-pub 0x1200), a 33-byte compressed point (`zDn…`);
- P-384: header 0x81 0x24 (varint of p384-pub 0x1201), a 49-byte compressed point (`z82…`)
  (ECDSA cryptosuites §2.1.1). Any other header is refused, secret-key headers with their own message.
JWKs: OKP/Ed25519, EC/P-256 and EC/P-384 (coordinates at their full size, RFC 7518 §6.2.1.2), RSA.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Protocol

import base58
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from verification.errors import KeyResolutionError

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"
P256_PUB_PREFIX = b"\x80\x24"
P384_PUB_PREFIX = b"\x81\x24"
# Multicodec headers of secret keys (ed25519-priv, p256-priv, p384-priv): never a verification key.
SECRET_KEY_PREFIXES = (ED25519_PRIV_PREFIX, b"\x86\x26", b"\x87\x26")

# The NIST curves the ECDSA suites and ES256/ES384 accept: JOSE name, curve, coordinate size, Multikey header.
EC_CURVES: dict[str, tuple[type[ec.EllipticCurve], int, bytes]] = {
    "P-256": (ec.SECP256R1, 32, P256_PUB_PREFIX),
    "P-384": (ec.SECP384R1, 48, P384_PUB_PREFIX),
}


@dataclass(frozen=True)
class VerificationMethod:
    """A public key and who controls it, as a DID document or controller document states it."""

    id: str
    controller: str
    type: str
    public_key: PublicKey
    # Verification relationships the controller document lists this method under.
    relationships: frozenset[str] = field(default_factory=lambda: frozenset({"assertionMethod"}))
    # How the key was obtained: "document" (the controller's DID or controller document listed it), "did:key" /
    # "did:jwk" (the identifier is the key), or "embedded-jwk" (a VC-JWT header carried it: bound to nobody
    # unless the issuer is the did:key/did:jwk of exactly that key). docs/verification.md has the trust model.
    provenance: str = "document"


class KeyResolver(Protocol):
    """Turns a verification method id (DID URL, https URL) into a VerificationMethod.

    MUST raise KeyResolutionError with a precise message when it cannot; MUST NOT fetch anything
    except through verification.http.
    """

    def resolve(self, verification_method_id: str) -> VerificationMethod: ...


# Base58 decoding takes time quadratic in the length (about 28 s for 200,000 characters), and nothing this verifier
# reads in base58 is long: a key is under 70 characters, a signature under 140. Longer values are refused before
# they are decoded, so a hostile proofValue or key cannot hold a worker.
MAX_BASE58_CHARS = 256


def base58_decode(value: str, *, what: str = "The value") -> bytes:
    """Plain base58btc (no multibase prefix), at most MAX_BASE58_CHARS characters."""
    if len(value) > MAX_BASE58_CHARS:
        raise KeyResolutionError(
            f"{what} is {len(value)} characters long; base58 values here are at most {MAX_BASE58_CHARS}."
        )
    try:
        return base58.b58decode(value)
    except ValueError as exc:
        raise KeyResolutionError(f"{what} is not valid base58btc.") from exc


def multibase_b58_decode(value: str) -> bytes:
    if not value.startswith("z"):
        raise KeyResolutionError(f"Expected a base58btc multibase value starting with 'z', got {value[:12]!r}.")
    return base58_decode(value[1:], what="The multibase value")


def multibase_b58_encode(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def ed25519_public_to_multibase(key: ed25519.Ed25519PublicKey) -> str:
    return multibase_b58_encode(ED25519_PUB_PREFIX + key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def ed25519_public_from_multibase(value: str) -> ed25519.Ed25519PublicKey:
    raw = multibase_b58_decode(value)
    if raw[:2] != ED25519_PUB_PREFIX:
        raise KeyResolutionError(
            f"The key {value[:16]}… is not an Ed25519 Multikey (multicodec prefix {raw[:2].hex() or 'empty'}, expected ed01)."
        )
    if len(raw) != 34:
        raise KeyResolutionError(f"An Ed25519 Multikey holds 32 key bytes, this one holds {len(raw) - 2}.")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])


def curve_name(key: object) -> str | None:
    """ "P-256" or "P-384" for a key on one of those curves, else None (another curve, or not an EC key)."""
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        for name, (curve, _, _) in EC_CURVES.items():
            if isinstance(key.curve, curve):
                return name
    return None


def describe_key(key: object) -> str:
    """A key's type in a few words, for messages: "Ed25519", "EC P-256", "RSA 2048-bit"."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {curve_name(key) or key.curve.name}"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}-bit"
    return type(key).__name__


def ec_public_to_multibase(key: ec.EllipticCurvePublicKey) -> str:
    """The Multikey of a P-256 or P-384 public key: its header and the compressed point."""
    crv = curve_name(key)
    if crv is None:
        raise KeyResolutionError(f"Only P-256 and P-384 keys have an ECDSA Multikey, not {key.curve.name}.")
    return multibase_b58_encode(EC_CURVES[crv][2] + key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint))


def ec_public_from_multibase(value: str) -> ec.EllipticCurvePublicKey:
    """A P-256 or P-384 public key from its Multikey (compressed point only, the length its curve has)."""
    return ec_public_from_multikey_bytes(multibase_b58_decode(value), shown=value[:16])


def ec_public_from_multikey_bytes(raw: bytes, *, shown: str | None = None) -> ec.EllipticCurvePublicKey:
    """A P-256 or P-384 public key from the bytes of its Multikey (multicodec header || compressed point), as
    ecdsa-sd-2023 carries its proof-scoped key; `shown` is how a message names the key (default: its hex)."""
    for name, (curve, size, prefix) in EC_CURVES.items():
        if raw[:2] != prefix:
            continue
        point = raw[2:]
        # A compressed point is 0x02 or 0x03 and one coordinate; uncompressed (0x04) and other lengths are not
        # the Multikey encoding, and accepting them would give one key two spellings.
        if len(point) != size + 1 or point[0] not in (2, 3):
            raise KeyResolutionError(
                f"A {name} Multikey holds a {size + 1}-byte compressed point; this one holds {len(point)} bytes"
                f"{' starting with ' + hex(point[0]) if point else ''}."
            )
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(curve(), point)
        except ValueError as exc:
            raise KeyResolutionError(f"The {name} Multikey is not a point on the curve.") from exc
    raise KeyResolutionError(
        f"The key {shown or raw[:8].hex()}… is not a P-256 or P-384 Multikey (multicodec prefix "
        f"{raw[:2].hex() or 'empty'}, expected 8024 or 8124)."
    )


def public_key_from_multibase(value: str) -> PublicKey:
    """An Ed25519, P-256 or P-384 public key from its Multikey, chosen by the multicodec header."""
    raw = multibase_b58_decode(value)
    if raw[:2] in SECRET_KEY_PREFIXES:
        raise KeyResolutionError("The Multikey value is a secret key, not a public key; refusing it.")
    if raw[:2] == ED25519_PUB_PREFIX:
        return ed25519_public_from_multibase(value)
    if raw[:2] in (P256_PUB_PREFIX, P384_PUB_PREFIX):
        return ec_public_from_multibase(value)
    raise KeyResolutionError(
        f"The Multikey {value[:16]}… has the multicodec prefix {raw[:2].hex() or 'empty'}; supported are "
        "Ed25519 (ed01), P-256 (8024) and P-384 (8124)."
    )


def public_key_to_multibase(key: PublicKey) -> str:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return ed25519_public_to_multibase(key)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ec_public_to_multibase(key)
    raise KeyResolutionError(f"A {type(key).__name__} has no Multikey encoding here.")


def ed25519_private_from_multibase(value: str) -> ed25519.Ed25519PrivateKey:
    """Accepts the 32-byte seed form (W3C vectors) and the 64-byte seed||public form (1EdTech vector)."""
    raw = multibase_b58_decode(value)
    if raw[:2] != ED25519_PRIV_PREFIX or len(raw) not in (34, 66):
        raise KeyResolutionError("Not an Ed25519 secret Multikey.")
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:34])


def did_key_from_ed25519(key: ed25519.Ed25519PublicKey) -> str:
    return "did:key:" + ed25519_public_to_multibase(key)


def did_key_from_public(key: PublicKey) -> str:
    """The did:key of an Ed25519, P-256 or P-384 public key."""
    return "did:key:" + public_key_to_multibase(key)


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64u_decode(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (ValueError, TypeError) as exc:
        raise KeyResolutionError("A JWK member is not valid base64url.") from exc


def public_jwk(key: PublicKey) -> dict[str, str]:
    """The public JWK of a key (never any private member)."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64u(key.public_bytes(Encoding.Raw, PublicFormat.Raw))}
    if isinstance(key, ec.EllipticCurvePublicKey):
        crv = curve_name(key)
        if crv is None:
            raise KeyResolutionError(f"Only P-256 and P-384 EC keys are supported, not {key.curve.name}.")
        size = EC_CURVES[crv][1]
        numbers = key.public_numbers()
        return {
            "kty": "EC",
            "crv": crv,
            "x": _b64u(numbers.x.to_bytes(size, "big")),
            "y": _b64u(numbers.y.to_bytes(size, "big")),
        }
    if isinstance(key, rsa.RSAPublicKey):
        rsa_numbers = key.public_numbers()
        return {
            "kty": "RSA",
            "n": _b64u(rsa_numbers.n.to_bytes((rsa_numbers.n.bit_length() + 7) // 8, "big")),
            "e": _b64u(rsa_numbers.e.to_bytes((rsa_numbers.e.bit_length() + 7) // 8, "big")),
        }
    raise KeyResolutionError(f"Unsupported key type {type(key).__name__}.")


def _ec_public_from_jwk(jwk: dict[str, object]) -> ec.EllipticCurvePublicKey:
    crv = str(jwk["crv"])
    curve, size, _ = EC_CURVES[crv]
    x, y = _b64u_decode(str(jwk["x"])), _b64u_decode(str(jwk["y"]))
    # RFC 7518 §6.2.1.2-3: each coordinate is exactly the curve's size; anything else is not this curve's key.
    if len(x) != size or len(y) != size:
        raise KeyResolutionError(f"A {crv} JWK has {size}-byte coordinates; this one has {len(x)} and {len(y)} bytes.")
    # public_key() checks that the point is on the curve (ValueError otherwise).
    return ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve()).public_key()


def public_key_from_jwk(jwk: object) -> PublicKey:
    """A public key from a JWK; refuses JWKs that carry private members."""
    if not isinstance(jwk, dict):
        raise KeyResolutionError("A JWK must be a JSON object.")
    if "d" in jwk:
        raise KeyResolutionError("The JWK contains a private key member ('d'); refusing it.")
    kty = jwk.get("kty")
    try:
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(_b64u_decode(str(jwk["x"])))
        if kty == "EC" and jwk.get("crv") in EC_CURVES:
            return _ec_public_from_jwk(jwk)
        if kty == "RSA":
            n = int.from_bytes(_b64u_decode(str(jwk["n"])), "big")
            e = int.from_bytes(_b64u_decode(str(jwk["e"])), "big")
            if n.bit_length() < 2048:
                raise KeyResolutionError(
                    f"RSA keys shorter than 2048 bits are refused (this one has {n.bit_length()})."
                )
            return rsa.RSAPublicNumbers(e, n).public_key()
    except KeyError as exc:
        raise KeyResolutionError(f"The {kty} JWK is missing the member {exc.args[0]!r}.") from exc
    except ValueError as exc:
        raise KeyResolutionError(f"The {kty} JWK does not describe a valid key: {exc}.") from exc
    raise KeyResolutionError(
        f"Unsupported JWK (kty={kty!r}, crv={jwk.get('crv')!r}); expected OKP/Ed25519, EC/P-256, EC/P-384 or RSA."
    )


class DidKeyResolver:
    """did:key for Ed25519, P-256 and P-384: the identifier is the key, so resolution needs no network."""

    def resolve(self, verification_method_id: str) -> VerificationMethod:
        if not verification_method_id.startswith("did:key:"):
            raise KeyResolutionError(f"{verification_method_id!r} is not a did:key URL.")
        did, _, fragment = verification_method_id.partition("#")
        multibase = did[len("did:key:") :]
        if fragment and fragment != multibase:
            raise KeyResolutionError("A did:key verification method fragment must repeat the key itself.")
        key = public_key_from_multibase(multibase)
        return VerificationMethod(
            id=f"{did}#{multibase}",
            controller=did,
            type="Multikey",
            public_key=key,
            relationships=frozenset(
                {"assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"}
            ),
            provenance="did:key",
        )


class DidJwkResolver:
    """did:jwk: the identifier is a base64url JWK, so resolution needs no network. The only method is `#0`."""

    def resolve(self, verification_method_id: str) -> VerificationMethod:
        if not verification_method_id.startswith("did:jwk:"):
            raise KeyResolutionError(f"{verification_method_id!r} is not a did:jwk URL.")
        did, _, fragment = verification_method_id.partition("#")
        if fragment not in ("", "0"):
            raise KeyResolutionError("A did:jwk has one verification method, #0.")
        encoded = did[len("did:jwk:") :]
        try:
            jwk = json.loads(_b64u_decode(encoded))
        except ValueError as exc:
            raise KeyResolutionError(f"{did[:40]}… does not encode a JSON Web Key.") from exc
        if isinstance(jwk, dict) and jwk.get("use") == "enc":
            raise KeyResolutionError("The did:jwk key is marked for encryption only (use: enc).")
        return VerificationMethod(
            id=f"{did}#0",
            controller=did,
            type="JsonWebKey",
            public_key=public_key_from_jwk(jwk),
            relationships=frozenset(
                {"assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"}
            ),
            provenance="did:jwk",
        )
