"""DataIntegrityProof with cryptosuites ecdsa-rdfc-2019 and ecdsa-jcs-2019 (W3C VC-DI-ECDSA §3.2, §3.3): verify.

Both sign hashData = H(proof configuration) || H(transformed document) with ECDSA on P-256 (H = SHA-256) or
P-384 (H = SHA-384); the key's curve chooses the hash. ecdsa-rdfc-2019 canonicalizes both with RDFC-1.0, whose own
hash function is SHA-384 for P-384 keys too (VC-DI-ECDSA §3: it changes the blank node labels); ecdsa-jcs-2019
with JCS (RFC 8785), the proof configuration being exactly the proof options. The proofValue is `z` +
base58btc of the IEEE P1363 signature r || s (RFC 4754 §7): 64 bytes for P-256, 96 for P-384. A DER signature,
a signature of the other curve's size, r or s outside [1, n-1], an Ed25519, RSA or other-curve key are refused
with their own message.

High-S signatures (s > n/2) are accepted: ECDSA as FIPS 186-5 defines it has no low-S rule, WebCrypto (which
most JavaScript implementations sign with) does not normalize s, and half of the W3C vectors have a high s.
Accepting (r, n - s) as well as (r, s) lets anyone make a second proofValue for the same signed content, never
a proof for other content (docs/decisions.md D41).
"""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from verification import canon, jsonld
from verification.errors import ProofError
from verification.keys import KeyResolver, VerificationMethod, curve_name, describe_key
from verification.rdfc import Rdfc10
from verification.suites.base import (
    KEY_TYPE_MISMATCH,
    SignatureProofSuite,
    SignatureT,
    malformed,
    proof_value_bytes,
    resolve_assertion_method,
    unsecured_document,
)
from verification.suites.eddsa_jcs import jcs, jcs_inputs
from verification.suites.eddsa_rdfc import PROOF_TYPE, proof_configuration

RDFC_CRYPTOSUITE = "ecdsa-rdfc-2019"
JCS_CRYPTOSUITE = "ecdsa-jcs-2019"

# Per curve: the signature's hash (also the hash data's), the size of r and of s, the group order n.
CURVES: dict[str, tuple[Callable[[], hashes.HashAlgorithm], int, int]] = {
    "P-256": (hashes.SHA256, 32, 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551),
    "P-384": (
        hashes.SHA384,
        48,
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
    ),
}
_DIGESTS: dict[str, Callable[[bytes], Any]] = {"P-256": hashlib.sha256, "P-384": hashlib.sha384}
# The longest base58btc text of a 96-byte value is 132 characters; anything much longer is refused before
# decoding it (base58 decoding costs quadratic time in the length).
_MAX_PROOF_VALUE_CHARS = 140


def digest(curve: str, data: str | bytes) -> bytes:
    """SHA-256 (P-256) or SHA-384 (P-384) of UTF-8 text or bytes."""
    return bytes(_DIGESTS[curve](data.encode("utf-8") if isinstance(data, str) else data).digest())


class _Rdfc10Sha384(Rdfc10):
    hash_algorithm = staticmethod(hashlib.sha384)


def rdfc(document: Mapping[str, Any], curve: str) -> str:
    """RDFC-1.0 with the hash the curve requires: the platform's canonicalizer (fast path included) for SHA-256,
    the reference path with SHA-384 for P-384 (the fast path's labelling is SHA-256 only)."""
    if curve == "P-256":
        return canon.canonicalize(document)
    return _Rdfc10Sha384(max_work_factor=1).canonicalize(jsonld.to_rdf(document))


def ecdsa_key(resolver: KeyResolver, proof: Mapping[str, Any], suite: str) -> tuple[VerificationMethod, str]:
    """The proof's assertion key and its curve; key_type_mismatch unless it is a P-256 or P-384 key."""
    method = resolve_assertion_method(resolver, proof)
    curve = curve_name(method.public_key)
    if curve is None:
        raise ProofError(
            f"The key {method.id} is {describe_key(method.public_key)}; {suite} needs a P-256 or P-384 key.",
            code=KEY_TYPE_MISMATCH,
        )
    return method, curve


def ecdsa_proof_value(value: Any) -> bytes:
    """The signature bytes of a multibase proofValue, refused unless it has the size of a P-256 or P-384 r || s."""
    if isinstance(value, str) and len(value) > _MAX_PROOF_VALUE_CHARS:
        raise malformed(f"The proofValue is {len(value)} characters long, too long for an ECDSA signature.")
    signature = proof_value_bytes(value)
    if len(signature) not in (64, 96):
        hint = (
            " (it looks DER-encoded; these suites use the IEEE P1363 form r || s)" if signature[:1] == b"\x30" else ""
        )
        raise malformed(
            f"The proofValue holds {len(signature)} bytes; an ECDSA signature r || s has 64 (P-256) or 96 (P-384)"
            f"{hint}."
        )
    return signature


def check_p1363_size(curve: str, signature: bytes, *, what: str) -> None:
    """ProofError(proof_malformed) unless `signature` has the size of an r || s signature on `curve`."""
    size = CURVES[curve][1]
    if len(signature) != 2 * size:
        other = [name for name, (_, other_size, _) in CURVES.items() if 2 * other_size == len(signature)]
        kind = f"the size of a {other[0]} signature" if other else "not the size of an ECDSA signature"
        raise malformed(
            f"The {what} holds {len(signature)} bytes, {kind}, but the key is {curve}: a {curve} signature "
            f"r || s has {2 * size} bytes."
        )


def verify_p1363(key: ec.EllipticCurvePublicKey, curve: str, signature: bytes, data: bytes, *, what: str) -> None:
    """Verify an r || s signature of `data` (hashed by ECDSA with the curve's hash); InvalidSignature when it does
    not match, ProofError(proof_malformed) when its size is not the curve's or r or s is out of range."""
    check_p1363_size(curve, signature, what=what)
    hash_algorithm, size, order = CURVES[curve]
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    if not (0 < r < order and 0 < s < order):
        raise malformed(f"The {what} is not an ECDSA signature: r and s must lie between 1 and the curve order.")
    key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hash_algorithm()))


class EcdsaProofSuite(SignatureProofSuite[SignatureT]):
    """What every ECDSA DataIntegrityProof suite shares: matched by its cryptosuite name, labelled with the curve."""

    def matches(self, proof: dict[str, Any]) -> bool:
        return isinstance(proof, dict) and proof.get("type") == PROOF_TYPE and proof.get("cryptosuite") == self.name

    def label(self, suite: str, method: VerificationMethod) -> str:
        return f"{suite} (curve {curve_name(method.public_key)})"


class _EcdsaSuite(EcdsaProofSuite[bytes]):
    """What ecdsa-rdfc-2019 and ecdsa-jcs-2019 share: the key, the signature."""

    def signature(self, proof: Mapping[str, Any]) -> bytes:
        return ecdsa_proof_value(proof.get("proofValue"))

    def assertion_key(self, resolver: KeyResolver, proof: Mapping[str, Any]) -> VerificationMethod:
        return ecdsa_key(resolver, proof, self.name)[0]

    @abstractmethod
    def hash_data(self, document: Mapping[str, Any], proof: Mapping[str, Any], curve: str) -> bytes: ...

    def verify_signature(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], method: VerificationMethod, signature: bytes
    ) -> None:
        key = method.public_key
        curve = curve_name(key)
        assert isinstance(key, ec.EllipticCurvePublicKey) and curve is not None  # ecdsa_key checked it
        # The size check comes before any canonicalization: a proof of the other curve costs nothing more.
        check_p1363_size(curve, signature, what="proofValue")
        verify_p1363(key, curve, signature, self.hash_data(document, proof, curve), what="proofValue")


class EcdsaRdfc2019Suite(_EcdsaSuite):
    name = RDFC_CRYPTOSUITE

    def hash_data(self, document: Mapping[str, Any], proof: Mapping[str, Any], curve: str) -> bytes:
        unsecured = unsecured_document(document, proof)
        # The document first: when both fail, its error is the one that explains the failure.
        document_hash = digest(curve, rdfc(unsecured, curve))
        return digest(curve, rdfc(proof_configuration(unsecured, proof), curve)) + document_hash


class EcdsaJcs2019Suite(_EcdsaSuite):
    name = JCS_CRYPTOSUITE

    def hash_data(self, document: Mapping[str, Any], proof: Mapping[str, Any], curve: str) -> bytes:
        unsecured, options = jcs_inputs(document, proof)
        # The proof configuration is the proof options as they are (VC-DI-ECDSA §3.3.5), @context included
        # only when the proof carries one.
        return digest(curve, jcs(options)) + digest(curve, jcs(unsecured))
