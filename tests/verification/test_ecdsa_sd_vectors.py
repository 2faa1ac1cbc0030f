"""The W3C vc-di-ecdsa ecdsa-sd-2023 vectors (employ/ and prc/), reproduced step by step on the verifier's side.

Every intermediate the vectors publish for verification is recomputed from the derived credential: the parsed proof
value, the relabelled and sorted N-Quads, the mandatory / non-mandatory split, proofHash and mandatoryHash. The
vectors were made with deterministic ECDSA (RFC 6979), so the base signature and every statement signature are made
again, byte for byte, from the vectors' keys over the data computed here: proof that it is exactly the data the
issuer signed. The derived credentials verify; the base credentials are refused as base proofs.
Provenance: tests/data/PROVENANCE.md.
"""

from __future__ import annotations

from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.verification.ecdsa_signing import p1363
from tests.verification.helpers import ECDSA, ControlledBy, load_json
from verification.keys import DidKeyResolver, ec_public_to_multibase
from verification.suites import verify_proofs
from verification.suites.ecdsa_sd import create_verify_data, parse_derived_proof_value

SD = ECDSA / "ecdsa-sd-2023"
VECTORS = ["employ", "prc"]


def vector(name: str, file: str) -> Any:
    return load_json(SD / name / file)


def secret_key(pair: str) -> tuple[ec.EllipticCurvePrivateKey, str]:
    """The private key and public Multikey of SDKeyMaterial's `baseKeyPair` or `proofKeyPair`."""
    keys = load_json(SD / "SDKeyMaterial.json")[pair]
    secret = base58.b58decode(keys["secretKeyMultibase"][1:])
    assert secret[:2] == b"\x86\x26"  # p256-priv
    return ec.derive_private_key(int.from_bytes(secret[2:], "big"), ec.SECP256R1()), keys["publicKeyMultibase"]


def issuer_of(document: dict[str, Any]) -> str:
    issuer = document["issuer"]
    return issuer["id"] if isinstance(issuer, dict) else issuer


@pytest.mark.parametrize("name", VECTORS)
def test_parsed_proof_value(name: str) -> None:
    derived = parse_derived_proof_value(vector(name, "derivedRevealDocument.json")["proof"]["proofValue"])
    expected = vector(name, "verifyDerivedProofValue.json")
    assert derived.base_signature.hex() == expected["baseSignature"]
    assert "z" + base58.b58encode(derived.public_key).decode() == expected["publicKey"]
    assert [signature.hex() for signature in derived.signatures] == expected["signatures"]
    assert derived.label_map == dict(expected["labelMap"])
    assert list(derived.mandatory_indexes) == expected["mandatoryIndexes"]


@pytest.mark.parametrize("name", VECTORS)
def test_verify_data(name: str, citizenship_context: None) -> None:
    document = vector(name, "derivedRevealDocument.json")
    data = create_verify_data(document, document["proof"], parse_derived_proof_value(document["proof"]["proofValue"]))
    expected = vector(name, "verifyCreateVerifyData.json")
    assert data.nquads == vector(name, "verifyNQuads.json")
    mandatory_indexes = vector(name, "verifyDerivedProofValue.json")["mandatoryIndexes"]
    assert data.mandatory == [data.nquads[index] for index in mandatory_indexes]
    assert data.non_mandatory == expected["nonMandatory"]
    assert len(data.mandatory) + len(data.non_mandatory) == len(data.nquads)
    assert data.proof_hash.hex() == expected["proofHash"]
    assert data.mandatory_hash.hex() == expected["mandatoryHash"]


@pytest.mark.parametrize("name", VECTORS)
def test_signatures_are_reproduced_over_the_computed_data(name: str, citizenship_context: None) -> None:
    document = vector(name, "derivedRevealDocument.json")
    derived = parse_derived_proof_value(document["proof"]["proofValue"])
    data = create_verify_data(document, document["proof"], derived)
    base_key, base_public = secret_key("baseKeyPair")
    proof_key, proof_public = secret_key("proofKeyPair")
    assert ec_public_to_multibase(base_key.public_key()) == base_public
    assert document["proof"]["verificationMethod"] == f"did:key:{base_public}#{base_public}"
    assert (
        ec_public_to_multibase(proof_key.public_key())
        == proof_public
        == "z" + base58.b58encode(derived.public_key).decode("ascii")
    )
    assert p1363(base_key, data.proof_hash + derived.public_key + data.mandatory_hash) == derived.base_signature
    assert [p1363(proof_key, nquad.encode()) for nquad in data.non_mandatory] == list(derived.signatures)


@pytest.mark.parametrize("name", VECTORS)
def test_derived_credential_verifies(name: str, citizenship_context: None) -> None:
    document = vector(name, "derivedRevealDocument.json")
    # The vectors' issuer is not the did:key that signed: a correct signature, not provably the issuer's.
    [result] = verify_proofs(document, DidKeyResolver())
    assert (result.verified, result.code) == (False, "controller_mismatch")
    [result] = verify_proofs(document, ControlledBy(DidKeyResolver(), issuer_of(document)))
    assert (result.verified, result.code, result.suite) == (True, "proof_valid", "ecdsa-sd-2023")
    assert result.message.startswith("The ecdsa-sd-2023 (curve P-256) proof by did:key:zDnaepBuvsQ8")
    assert "selectively disclosed credential" in result.message
    assert "10 in all (4 the issuer made mandatory, 6 chosen by the holder)" in result.message


@pytest.mark.parametrize("name", VECTORS)
def test_base_credential_is_refused_as_a_base_proof(name: str) -> None:
    document = vector(name, "addSignedSDBase.json")
    assert document["proof"]["proofValue"].startswith("u2V0A")  # 0xd9 0x5d 0x00
    [result] = verify_proofs(document, ControlledBy(DidKeyResolver(), issuer_of(document)))
    assert (result.verified, result.code, result.indeterminate) == (False, "proof_malformed", False)
    assert result.message.startswith("This is an ecdsa-sd-2023 base proof, which the issuer gives only to the holder")
    assert "not verifiable as presented" in result.message


def test_the_two_vectors_share_keys_but_not_credentials(citizenship_context: None) -> None:
    """Same issuer key and proof-scoped key (SDKeyMaterial.json), different credentials and base signatures: a
    derived proof of one does not verify the other."""
    employ, prc = vector("employ", "derivedRevealDocument.json"), vector("prc", "derivedRevealDocument.json")
    swapped = {**employ, "proof": prc["proof"]}
    [result] = verify_proofs(swapped, ControlledBy(DidKeyResolver(), issuer_of(swapped)))
    assert (result.verified, result.code) == (False, "proof_invalid")
