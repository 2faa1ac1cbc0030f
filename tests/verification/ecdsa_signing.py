"""ECDSA Data Integrity proofs made for the tests: the platform verifies ECDSA suites but never signs with them.

Signatures are deterministic (RFC 6979), so a test that signs twice gets the same proof; that is also how the W3C
vectors were made (tests/verification/test_ecdsa_vectors.py reproduces them byte for byte).
"""

from __future__ import annotations

from typing import Any

import base58
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from verification.keys import curve_name
from verification.suites.ecdsa import CURVES, EcdsaJcs2019Suite, EcdsaRdfc2019Suite

CREATED = "2025-03-01T09:30:00Z"
_SUITES = {suite.name: suite for suite in (EcdsaRdfc2019Suite(), EcdsaJcs2019Suite())}


def p1363(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """The r || s signature of `data` with the curve's hash (RFC 6979 nonces)."""
    curve = curve_name(key)
    assert curve is not None
    hash_algorithm, size, _ = CURVES[curve]
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hash_algorithm(), deterministic_signing=True)))
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def sign_ecdsa(
    document: dict[str, Any],
    key: ec.EllipticCurvePrivateKey,
    verification_method: str,
    *,
    cryptosuite: str = "ecdsa-rdfc-2019",
    created: str = CREATED,
) -> dict[str, Any]:
    """`document` with an ecdsa-rdfc-2019 or ecdsa-jcs-2019 proof by `key` (replacing any proof it had)."""
    curve = curve_name(key)
    assert curve is not None
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": cryptosuite,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if cryptosuite == "ecdsa-jcs-2019" and "@context" in unsecured:
        proof["@context"] = unsecured["@context"]
    hash_data = _SUITES[cryptosuite].hash_data(unsecured, proof, curve)
    proof["proofValue"] = "z" + base58.b58encode(p1363(key, hash_data)).decode("ascii")
    return {**unsecured, "proof": proof}
