"""DataIntegrityProof with cryptosuite eddsa-jcs-2022 (W3C VC-DI-EdDSA §3.3): verify and create.

Same hashing, signature and encoding as eddsa-rdfc-2022, but both the document and the proof
configuration are canonicalized with JCS (RFC 8785, the `rfc8785` package) instead of RDFC-1.0.
Creation copies the document's @context into the proof; verification requires the document's
@context to start with the proof's and hashes the document with the proof's @context, so
contexts appended after signing do not break the proof but cannot change what was signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric import ed25519

from verification.errors import InputError, ProofError
from verification.jsonld import check_document
from verification.keys import multibase_b58_encode
from verification.suites.base import (
    PROOF_INVALID,
    Ed25519ProofSuite,
    check_created,
    decode_proof_value,
    malformed,
    sha256,
    unsecured_document,
)
from verification.suites.eddsa_rdfc import PROOF_TYPE, _attach, _now

CRYPTOSUITE = "eddsa-jcs-2022"


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical JSON of plain, bounded JSON (depth-checked before the recursive encoder)."""
    checked = check_document(value) if isinstance(value, dict) else value
    try:
        return rfc8785.dumps(checked)
    except Exception as exc:  # rfc8785 refuses integers outside I-JSON range, non-JSON values
        raise InputError(f"The document cannot be canonicalized with JCS: {exc}") from exc


def _as_list(context: Any) -> list[Any]:
    return context if isinstance(context, list) else [context]


class EddsaJcs2022Suite(Ed25519ProofSuite):
    name = CRYPTOSUITE

    def matches(self, proof: dict[str, Any]) -> bool:
        return isinstance(proof, dict) and proof.get("type") == PROOF_TYPE and proof.get("cryptosuite") == CRYPTOSUITE

    def signature(self, proof: Mapping[str, Any]) -> bytes:
        return decode_proof_value(proof.get("proofValue"))

    def hash_data(self, document: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
        return _hash_data(*jcs_inputs(document, proof))


def jcs_inputs(document: Mapping[str, Any], proof: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(unsecured document, proof options) of a JCS suite's Verify Proof (eddsa-jcs-2022, ecdsa-jcs-2019).

    When the proof carries an @context, the document's must start with it, and the document is hashed with the
    proof's: contexts appended after signing may stay, but cannot change what was signed.
    """
    unsecured = unsecured_document(document, proof)
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in options:
        proof_context = _as_list(options["@context"])
        document_context = _as_list(document.get("@context"))
        if document_context[: len(proof_context)] != proof_context:
            raise ProofError(
                "The credential's @context does not start with the proof's @context; "
                "its meaning changed after signing.",
                code=PROOF_INVALID,
            )
        unsecured["@context"] = options["@context"]
    return unsecured, options


def _hash_data(unsecured: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    config = dict(options)
    if "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    if config.get("type") != PROOF_TYPE or config.get("cryptosuite") != CRYPTOSUITE:
        raise malformed("The proof configuration is not a DataIntegrityProof with cryptosuite eddsa-jcs-2022.")
    return sha256(jcs(config)) + sha256(jcs(dict(unsecured)))


def create_jcs_proof(
    document: Mapping[str, Any],
    private_key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: str | None = None,
) -> dict[str, Any]:
    """A new document with an eddsa-jcs-2022 proof attached (object form, or appended to a set)."""
    if not isinstance(private_key, ed25519.Ed25519PrivateKey):
        raise TypeError("eddsa-jcs-2022 needs an Ed25519 private key.")
    if not isinstance(document, Mapping):
        raise InputError("Only a JSON object can be signed.")
    created = created or _now()
    check_created(created)
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in document:
        proof["@context"] = document["@context"]
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof["proofValue"] = multibase_b58_encode(private_key.sign(_hash_data(unsecured, proof)))
    return _attach(document, proof)
