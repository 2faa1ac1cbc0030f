"""ecdsa-rdfc-2019 and ecdsa-jcs-2019 on P-256 and P-384: keys from did:key, did:web (Multikey and JsonWebKey), the
report's wording, and every way a proof, its key or its curve can be wrong — each refused with its own reason."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from tests.verification.credentials import open_badge_credential
from tests.verification.ecdsa_signing import p1363, sign_ecdsa
from verification.errors import KeyResolutionError
from verification.keys import (
    DidKeyResolver,
    did_key_from_public,
    ec_public_to_multibase,
    ed25519_public_to_multibase,
    multibase_b58_encode,
    public_jwk,
    public_key_from_jwk,
    public_key_from_multibase,
)
from verification.report import Report
from verification.resolvers import CompositeResolver
from verification.service import verify
from verification.status import MappingStatusListSource
from verification.suites import create_proof, verify_proofs
from verification.suites.base import ProofResult
from verification.suites.ecdsa import CURVES

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SUITES = ("ecdsa-rdfc-2019", "ecdsa-jcs-2019")
KEYS = {
    "P-256": ec.derive_private_key(0x5EED256, ec.SECP256R1()),
    "P-384": ec.derive_private_key(0x5EED384, ec.SECP384R1()),
}
OTHER_P256 = ec.derive_private_key(0x0DD256, ec.SECP256R1())
ED_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DID_WEB = "did:web:badges.example.test:issuers:acme"


def did_key(key: ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    """(issuer DID, verification method) of a did:key."""
    did = did_key_from_public(key.public_key())
    return did, f"{did}#{did.removeprefix('did:key:')}"


def badge(issuer: str) -> dict[str, Any]:
    document = open_badge_credential()
    document["issuer"]["id"] = issuer
    del document["credentialStatus"]  # status lists are not this file's concern
    return document


def signed(curve: str = "P-256", suite: str = "ecdsa-rdfc-2019") -> dict[str, Any]:
    did, vm = did_key(KEYS[curve])
    return sign_ecdsa(badge(did), KEYS[curve], vm, cryptosuite=suite)


def only(results: list[ProofResult]) -> ProofResult:
    assert len(results) == 1
    return results[0]


def check(document: dict[str, Any], resolver: Any = None) -> ProofResult:
    return only(verify_proofs(document, resolver or DidKeyResolver()))


def report(document: dict[str, Any], resolver: Any = None) -> Report:
    return verify(
        document,
        resolver=resolver or CompositeResolver.default(None),
        status_source=MappingStatusListSource({}),
        now=NOW,
    )


def with_proof_value(document: dict[str, Any], signature: bytes) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["proof"]["proofValue"] = multibase_b58_encode(signature)
    return changed


def signature_of(document: dict[str, Any]) -> bytes:
    return base58.b58decode(document["proof"]["proofValue"][1:])


# ------------------------------------------------------------------------------------------------
# Valid proofs, and what the report says about them


@pytest.mark.parametrize("curve", CURVES)
@pytest.mark.parametrize("suite", SUITES)
def test_did_key_issuer_verifies_and_the_report_names_suite_and_curve(suite: str, curve: str) -> None:
    document = signed(curve, suite)
    result = check(document)
    assert (result.verified, result.code, result.suite) == (True, "proof_valid", suite)
    full = report(document)
    assert full.verdict == "valid", full.to_dict()
    proof_check = full.check("proof")
    assert proof_check is not None and proof_check.code == "proof_valid"
    assert proof_check.message.startswith(f"The {suite} (curve {curve}) proof by did:key:")
    issuer_key = full.check("issuer_key")
    assert issuer_key is not None and (issuer_key.status, issuer_key.code) == ("passed", "key_bound")


@pytest.mark.parametrize("curve", CURVES)
@pytest.mark.parametrize("method_type", ["Multikey", "JsonWebKey"])
def test_did_web_issuer_with_multikey_or_jwk(method_type: str, curve: str) -> None:
    key = KEYS[curve].public_key()
    material = (
        {"publicKeyMultibase": ec_public_to_multibase(key)}
        if method_type == "Multikey"
        else {"publicKeyJwk": public_jwk(key)}
    )
    documents = {
        DID_WEB: {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": DID_WEB,
            "verificationMethod": [{"id": "#key-1", "type": method_type, "controller": DID_WEB, **material}],
            "assertionMethod": ["#key-1"],
        }
    }
    resolver = CompositeResolver.default(None, local_documents=documents.get)
    for suite in SUITES:
        document = sign_ecdsa(badge(DID_WEB), KEYS[curve], f"{DID_WEB}#key-1", cryptosuite=suite)
        full = report(document, resolver)
        assert full.verdict == "valid", full.to_dict()
        assert f"{suite} (curve {curve})" in full.check("proof").message  # type: ignore[union-attr]


def test_jcs_contexts_appended_after_signing_keep_the_proof_valid() -> None:
    document = signed("P-384", "ecdsa-jcs-2019")
    document["@context"] = [*document["@context"], "https://w3id.org/security/data-integrity/v2"]
    assert check(document).verified
    document["@context"] = document["@context"][1:]
    result = check(document)
    assert (result.verified, result.code) == (False, "proof_invalid")
    assert "does not start with the proof's @context" in result.message


def test_high_s_twin_is_accepted_out_of_range_values_are_not() -> None:
    """(r, n - s) verifies like (r, s): ECDSA has no low-S rule and the W3C vectors use both forms. It proves the
    same signed content; r or s of 0 or >= n is not a signature at all."""
    document = signed("P-256")
    _, size, order = CURVES["P-256"]
    signature = signature_of(document)
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    twin = r.to_bytes(size, "big") + (order - s).to_bytes(size, "big")
    assert check(with_proof_value(document, twin)).verified
    for bad_r, bad_s in [(0, s), (r, 0), (r, order), (order + r, s)]:
        mangled = bad_r.to_bytes(size + 1, "big")[-size:] + bad_s.to_bytes(size + 1, "big")[-size:]
        result = check(with_proof_value(document, mangled))
        assert (result.verified, result.code) == (False, "proof_invalid" if bad_r == order + r else "proof_malformed")


# ------------------------------------------------------------------------------------------------
# Tampering, keys and curves


@pytest.mark.parametrize("suite", SUITES)
def test_tampered_copies_are_invalid(suite: str) -> None:
    document = signed("P-256", suite)
    name = copy.deepcopy(document)
    name["credentialSubject"]["achievement"]["name"] += "!"
    created = copy.deepcopy(document)
    created["proof"]["created"] = "2025-03-01T09:30:01Z"
    for changed in (name, created):
        result = check(changed)
        assert (result.verified, result.code) == (False, "proof_invalid")
        assert f"The {suite} (curve P-256) signature does not match the credential" in result.message


def test_swapped_key_of_the_same_curve_fails_the_signature() -> None:
    document = signed("P-256")
    did, vm = did_key(OTHER_P256)
    document["proof"]["verificationMethod"] = vm
    document["issuer"]["id"] = did
    result = check(document)
    assert (result.verified, result.code) == (False, "proof_invalid")


def test_proof_of_the_other_curve_is_refused_before_hashing() -> None:
    p384 = signed("P-384")
    did, vm = did_key(KEYS["P-256"])
    document = copy.deepcopy(p384)
    document["proof"]["verificationMethod"] = vm
    document["issuer"]["id"] = did
    result = check(document)
    assert (result.verified, result.code) == (False, "proof_malformed")
    assert "holds 96 bytes, the size of a P-384 signature, but the key is P-256" in result.message


def test_der_and_odd_sizes_are_refused() -> None:
    document = signed("P-256")
    size = CURVES["P-256"][1]
    signature = signature_of(document)
    der = encode_dss_signature(int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big"))
    assert decode_dss_signature(der)  # a valid DER encoding of the very same signature
    result = check(with_proof_value(document, der))
    assert (result.verified, result.code) == (False, "proof_malformed")
    assert "looks DER-encoded" in result.message
    for length in (63, 65, 95, 0):
        result = check(with_proof_value(document, bytes(range(1, length + 1))))
        assert (result.verified, result.code) == (False, "proof_malformed")
    huge = copy.deepcopy(document)
    huge["proof"]["proofValue"] = "z" + "2" * 100_000  # never decoded: base58 costs quadratic time
    assert "too long for an ECDSA signature" in check(huge).message


def test_suite_and_key_type_must_agree() -> None:
    # An Ed25519 key under an ECDSA suite.
    ed_did = "did:key:" + ed25519_public_to_multibase(ED_KEY.public_key())
    document = signed("P-256")
    document["proof"]["verificationMethod"] = f"{ed_did}#{ed_did.removeprefix('did:key:')}"
    result = check(document)
    assert (result.verified, result.code) == (False, "key_type_mismatch")
    assert "is Ed25519; ecdsa-rdfc-2019 needs a P-256 or P-384 key" in result.message
    # A P-256 key under an EdDSA suite.
    did, vm = did_key(KEYS["P-256"])
    eddsa = create_proof(badge(did), ED_KEY, vm, created="2025-03-01T09:30:00Z")
    result = check(eddsa)
    assert (result.verified, result.code) == (False, "key_type_mismatch")
    assert "is EC P-256; this proof needs an Ed25519 key" in result.message


def test_keys_of_other_curves_or_sizes_are_refused() -> None:
    k1 = ec.generate_private_key(ec.SECP256K1()).public_key().public_numbers()
    secp256k1 = {
        "kty": "EC",
        "crv": "secp256k1",
        "x": base64.urlsafe_b64encode(k1.x.to_bytes(32, "big")).rstrip(b"=").decode(),
        "y": base64.urlsafe_b64encode(k1.y.to_bytes(32, "big")).rstrip(b"=").decode(),
    }
    with pytest.raises(KeyResolutionError, match="Unsupported JWK"):
        public_key_from_jwk(secp256k1)
    # A P-256 point labelled P-384, and a P-384 JWK with a short coordinate.
    with pytest.raises(KeyResolutionError, match="P-384 JWK has 48-byte coordinates; this one has 32 and 32"):
        public_key_from_jwk({**public_jwk(KEYS["P-256"].public_key()), "crv": "P-384"})
    short = public_jwk(KEYS["P-384"].public_key())
    short["x"] = short["x"][:-2]
    with pytest.raises(KeyResolutionError, match="48-byte coordinates"):
        public_key_from_jwk(short)
    # A point that is not on the curve.
    off_curve = {**public_jwk(KEYS["P-256"].public_key())}
    off_curve["y"] = base64.urlsafe_b64encode(bytes(31) + b"\x07").rstrip(b"=").decode()
    with pytest.raises(KeyResolutionError, match="does not describe a valid key"):
        public_key_from_jwk(off_curve)
    # A P-256 compressed point under the P-384 Multikey header.
    p256_point = ec_public_to_multibase(KEYS["P-256"].public_key())
    relabelled = multibase_b58_encode(b"\x81\x24" + base58.b58decode(p256_point[1:])[2:])
    with pytest.raises(KeyResolutionError, match="P-384 Multikey holds a 49-byte compressed point"):
        public_key_from_multibase(relabelled)
    result = check(
        signed("P-256") | {"proof": {**signed("P-256")["proof"], "verificationMethod": f"did:key:{relabelled}"}}
    )
    assert (result.verified, result.code) == (False, "key_unresolved")


@pytest.mark.parametrize("curve", CURVES)
def test_jwk_and_multikey_round_trip(curve: str) -> None:
    key = KEYS[curve].public_key()
    assert public_key_from_jwk(public_jwk(key)).public_numbers() == key.public_numbers()  # type: ignore[union-attr]
    assert public_key_from_multibase(ec_public_to_multibase(key)).public_numbers() == key.public_numbers()  # type: ignore[union-attr]
    assert ec_public_to_multibase(key).startswith({"P-256": "zDn", "P-384": "z82"}[curve])


def test_other_ecdsa_suites_stay_unsupported() -> None:
    document = signed("P-256")
    document["proof"]["cryptosuite"] = "ecdsa-2019"
    result = check(document)
    assert (result.verified, result.code, result.indeterminate) == (False, "unsupported_proof", True)
    assert report(document).verdict == "indeterminate"


def test_an_rdfc_proof_relabelled_ecdsa_sd_2023_is_malformed() -> None:
    """ecdsa-sd-2023 is verified (test_ecdsa_sd.py): a base58 r || s under its name is not one of its proofs."""
    document = signed("P-256")
    document["proof"]["cryptosuite"] = "ecdsa-sd-2023"
    result = check(document)
    assert (result.verified, result.code, result.indeterminate) == (False, "proof_malformed", False)
    assert "multibase base64url without padding (starting with 'u'), not 'z'" in result.message


def test_hostile_proofs_give_results() -> None:
    base = signed("P-384")
    for changes in (
        {"proofValue": None},
        {"proofValue": 7},
        {"proofValue": "u" + "A" * 80},
        {"proofValue": "z0OIl"},
        {"verificationMethod": ["x"]},
        {"created": "yesterday"},
        {"proofPurpose": "authentication"},
    ):
        document = copy.deepcopy(base)
        document["proof"].update(changes)
        result = check(document)
        assert result.verified is False and result.code in {
            "proof_malformed",
            "purpose_mismatch",
            "proof_invalid",
            "key_unresolved",
        }, (changes, result)


def test_the_time_budget_leaves_the_proof_unchecked() -> None:
    full = verify(
        signed("P-384"),
        resolver=CompositeResolver.default(None),
        status_source=MappingStatusListSource({}),
        now=NOW,
        time_budget=0,
    )
    assert full.verdict == "indeterminate"


def test_signature_helper_is_deterministic() -> None:
    assert p1363(KEYS["P-256"], b"data") == p1363(KEYS["P-256"], b"data")
    assert signed("P-384", "ecdsa-jcs-2019") == signed("P-384", "ecdsa-jcs-2019")
