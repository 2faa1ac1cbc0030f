"""Proof sets and chains signed for the tests (no tests here), by W3C VC Data Integrity 1.0 "Add Proof Set/Chain"
written out step by step, for eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019 and ecdsa-jcs-2019 (P-256).

The platform signs single eddsa-rdfc-2022 proofs and never chains, so these proofs are made here, by the
specification's steps rather than the verifier's code: the previous proofs the options name are looked up in the
set and put whole under `proof` in the input document, the proof options (with `id` and `previousProof`) and that
document are canonicalized (RDFC-1.0, or JCS with the document's `@context` copied into a JCS proof), each hashed with
SHA-256, and the concatenation signed. tests/verification/test_proof_sets.py reproduces the W3C vc-di-eddsa chain
vector byte for byte with `add_proof`, which is what shows these steps are the specification's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import base58
import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tests.verification.credentials import open_badge_credential
from tests.verification.ecdsa_signing import p1363
from verification import canon
from verification.keys import did_key_from_public, public_key_to_multibase

CREATED = "2026-01-05T10:00:00Z"
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "ecdsa-jcs-2019")

SigningKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def _ed25519(seed: str) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())


def _p256(seed: str) -> ec.EllipticCurvePrivateKey:
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big") % (2**255)
    return ec.derive_private_key(number, ec.SECP256R1())


# The credential's issuer and a second signer of another controller (a notary, an endorser), per key type.
KEYS: dict[str, tuple[SigningKey, SigningKey]] = {
    "ed25519": (_ed25519("proof chains: issuer"), _ed25519("proof chains: notary")),
    "p256": (_p256("proof chains: issuer"), _p256("proof chains: notary")),
}


def key_type(cryptosuite: str) -> str:
    return "ed25519" if cryptosuite.startswith("eddsa") else "p256"


def did_of(key: SigningKey) -> str:
    return did_key_from_public(key.public_key())


def verification_method(key: SigningKey) -> str:
    return f"{did_of(key)}#{public_key_to_multibase(key.public_key())}"


def credential(issuer: SigningKey) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential of `issuer`'s did:key, without a status entry (nothing to fetch)."""
    document = open_badge_credential()
    document.pop("credentialStatus")
    document["issuer"]["id"] = did_of(issuer)
    return document


def _proofs(document: dict[str, Any]) -> list[dict[str, Any]]:
    proofs = document.get("proof")
    return [] if proofs is None else list(proofs) if isinstance(proofs, list) else [proofs]


def add_proof(
    document: dict[str, Any],
    key: SigningKey,
    *,
    cryptosuite: str,
    proof_id: str | None = None,
    previous: str | list[str] | None = None,
    created: str = CREATED,
    signed_over: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    verification_method_id: str | None = None,
) -> dict[str, Any]:
    """`document` with one more proof, appended to its set.

    `previous` becomes the proof's `previousProof` and the proofs with those ids are signed with the document;
    `signed_over` changes the input document just before it is hashed (a signature that does not match).
    """
    all_proofs = _proofs(document)
    # Step 2: the input document is the secured document without its proofs...
    input_document = {name: value for name, value in document.items() if name != "proof"}
    # Steps 3-6: ...carrying, whole, the proofs previousProof names, found by id among all the proofs.
    if previous is not None:
        wanted = [previous] if isinstance(previous, str) else previous
        input_document["proof"] = [next(proof for proof in all_proofs if proof.get("id") == name) for name in wanted]
    if signed_over is not None:
        input_document = signed_over(input_document)
    options: dict[str, Any] = {"type": "DataIntegrityProof", "cryptosuite": cryptosuite, "created": created}
    options["verificationMethod"] = verification_method_id or verification_method(key)
    options["proofPurpose"] = "assertionMethod"
    if proof_id is not None:
        options["id"] = proof_id
    if previous is not None:
        options["previousProof"] = previous
    jcs = cryptosuite.endswith(("jcs-2022", "jcs-2019"))
    if jcs:
        options["@context"] = input_document["@context"]  # a JCS proof carries the context it was made with
    configuration = {**options, "@context": input_document["@context"]}

    def canonical(value: dict[str, Any]) -> bytes:
        return rfc8785.dumps(value) if jcs else canon.canonicalize(value).encode("utf-8")

    hash_data = hashlib.sha256(canonical(configuration)).digest() + hashlib.sha256(canonical(input_document)).digest()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        signature = key.sign(hash_data)
    else:
        signature = p1363(key, hash_data)  # ECDSA with SHA-256 over hashData, r || s
    proof = {**options, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}
    # Steps 7-8: the new proof joins all the others.
    return {**{name: value for name, value in document.items() if name != "proof"}, "proof": [*all_proofs, proof]}
