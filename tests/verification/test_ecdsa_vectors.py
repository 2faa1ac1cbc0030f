"""The W3C vc-di-ecdsa test vectors (ecdsa-rdfc-2019, ecdsa-jcs-2019; P-256 and P-384), reproduced step by step.

Every intermediate the vectors publish is recomputed from their inputs with hashlib and the canonicalizers, the
signature is made again with the vectors' key (RFC 6979 nonces reproduce it byte for byte), and the published
credential verifies. Provenance: tests/data/PROVENANCE.md.
"""

from __future__ import annotations

import hashlib
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.verification.ecdsa_signing import p1363
from tests.verification.helpers import ECDSA, ControlledBy, load_json, read_text
from verification.canon import canonicalize
from verification.keys import DidKeyResolver, ec_public_to_multibase, public_key_from_multibase
from verification.suites import verify_proofs
from verification.suites.ecdsa import rdfc
from verification.suites.eddsa_jcs import jcs

HASHES = {"P-256": hashlib.sha256, "P-384": hashlib.sha384}
CURVES = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}


def key_pair(curve: str) -> tuple[ec.EllipticCurvePrivateKey, str]:
    pair = load_json(ECDSA / f"{curve.replace('-', '').lower()}KeyPair.json")
    secret = base58.b58decode(pair["secretKeyMultibase"][1:])
    # p256-priv (0x1306) / p384-priv (0x1307) varint headers, then the scalar.
    assert secret[:2] == {"P-256": b"\x86\x26", "P-384": b"\x87\x26"}[curve]
    private = ec.derive_private_key(int.from_bytes(secret[2:], "big"), CURVES[curve])
    return private, pair["publicKeyMultibase"]


# (folder, file suffix, curve, expected unsigned document)
RDFC = [
    ("ecdsa-rdfc-2019-p256", "ECDSAP256", "P-256", "unsigned.json"),
    ("ecdsa-rdfc-2019-p384", "ECDSAP384", "P-384", "unsigned.json"),
    ("ecdsa-rdfc-2019-p256/employ", "ECDSAP256", "P-256", "employmentAuth.json"),
    ("ecdsa-rdfc-2019-p384/employ", "ECDSAP384", "P-384", "employmentAuth.json"),
]
JCS = [
    ("ecdsa-jcs-2019-p256", "JCSECDSAP256", "P-256", "unsigned.json"),
    ("ecdsa-jcs-2019-p384", "JCSECDSAP384", "P-384", "unsigned.json"),
]


def issuer_of(document: dict[str, Any]) -> str:
    issuer = document["issuer"]
    return issuer["id"] if isinstance(issuer, dict) else issuer


@pytest.mark.parametrize(
    ("folder", "suffix", "curve", "unsigned_name", "cryptosuite"),
    [(*row, "ecdsa-rdfc-2019") for row in RDFC] + [(*row, "ecdsa-jcs-2019") for row in JCS],
    ids=[row[0] for row in RDFC + JCS],
)
def test_w3c_ecdsa_vector(
    folder: str, suffix: str, curve: str, unsigned_name: str, cryptosuite: str, request: pytest.FixtureRequest
) -> None:
    if "employ" in folder:
        request.getfixturevalue("citizenship_context")
    base = ECDSA / folder
    signed = load_json(base / f"signed{suffix}.json")
    proof_config = load_json(base / f"proofConfig{suffix}.json")
    unsigned = {key: value for key, value in signed.items() if key != "proof"}
    assert unsigned == load_json(ECDSA / unsigned_name)
    assert signed["proof"]["cryptosuite"] == cryptosuite

    if cryptosuite == "ecdsa-rdfc-2019":
        canon_doc, canon_proof = rdfc(unsigned, curve), rdfc(proof_config, curve)
    else:
        canon_doc, canon_proof = jcs(unsigned).decode(), jcs(proof_config).decode()
    assert canon_doc == read_text(base / f"canonDoc{suffix}.txt")
    assert canon_proof == read_text(base / f"proofCanon{suffix}.txt")
    digest = HASHES[curve]
    assert digest(canon_doc.encode()).hexdigest() == read_text(base / f"docHash{suffix}.txt").strip()
    assert digest(canon_proof.encode()).hexdigest() == read_text(base / f"proofHash{suffix}.txt").strip()
    combined = digest(canon_proof.encode()).digest() + digest(canon_doc.encode()).digest()
    assert combined.hex() == read_text(base / f"combinedHash{suffix}.txt").strip()

    private, public_multibase = key_pair(curve)
    assert ec_public_to_multibase(private.public_key()) == public_multibase
    signature = p1363(private, combined)
    assert signature.hex() == read_text(base / f"sigHex{suffix}.txt").strip()
    proof_value = "z" + base58.b58encode(signature).decode()
    assert proof_value == read_text(base / f"sigBTC58{suffix}.txt").strip() == signed["proof"]["proofValue"]

    # The issuer is not the did:key that signed: a correct signature, not provably the issuer's.
    [result] = verify_proofs(signed, DidKeyResolver())
    assert (result.verified, result.code) == (False, "controller_mismatch")
    [result] = verify_proofs(signed, ControlledBy(DidKeyResolver(), issuer_of(signed)))
    assert (result.verified, result.code, result.suite) == (True, "proof_valid", cryptosuite)
    assert f"{cryptosuite} (curve {curve})" in result.message


def test_p384_canonical_form_differs_from_the_sha256_one(citizenship_context: None) -> None:
    """The employ/ document has three blank nodes: RDFC-1.0 with SHA-384 labels them in another order than with
    SHA-256, so the P-384 vector's canonical document is not the P-256 one."""
    unsigned = load_json(ECDSA / "employmentAuth.json")
    assert canonicalize(unsigned) == read_text(ECDSA / "ecdsa-rdfc-2019-p256/employ/canonDocECDSAP256.txt")
    assert rdfc(unsigned, "P-384") == read_text(ECDSA / "ecdsa-rdfc-2019-p384/employ/canonDocECDSAP384.txt")
    assert canonicalize(unsigned) != rdfc(unsigned, "P-384")


def test_vector_keys_are_did_keys() -> None:
    for curve in CURVES:
        _, public_multibase = key_pair(curve)
        method = DidKeyResolver().resolve(f"did:key:{public_multibase}#{public_multibase}")
        assert method.public_key.public_numbers() == public_key_from_multibase(public_multibase).public_numbers()  # type: ignore[union-attr]
        assert method.type == "Multikey" and method.provenance == "did:key"
