"""Ed25519Signature2020 (W3C CCG, superseded by eddsa-rdfc-2022): verification only.

Same computation as eddsa-rdfc-2022 — RDFC-1.0 of the proof options (without proofValue, with the
document's @context) and of the document, SHA-256 of each, proof hash first, Ed25519 signature as
`z` + base58btc — with `type: "Ed25519Signature2020"` and no cryptosuite. The proof options keep
their own @context if they carry one, as jsonld-signatures does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verification import canon
from verification.suites.base import (
    Ed25519ProofSuite,
    ProofHashCache,
    decode_proof_value,
    sha256,
    unsecured_document,
)

PROOF_TYPE = "Ed25519Signature2020"

_PROOF_HASHES = ProofHashCache()


def legacy_proof_configuration(
    document: Mapping[str, Any], proof: Mapping[str, Any], *value_keys: str
) -> dict[str, Any]:
    """Proof options for the pre-Data-Integrity suites: document @context first, proof's own wins."""
    config: dict[str, Any] = {}
    if "@context" in document:
        config["@context"] = document["@context"]
    config.update((key, value) for key, value in proof.items() if key not in value_keys)
    return config


class Ed25519Signature2020Suite(Ed25519ProofSuite):
    name = PROOF_TYPE

    def matches(self, proof: dict[str, Any]) -> bool:
        return isinstance(proof, dict) and proof.get("type") == PROOF_TYPE

    def signature(self, proof: Mapping[str, Any]) -> bytes:
        return decode_proof_value(proof.get("proofValue"))

    def hash_data(self, document: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
        unsecured = unsecured_document(document, proof)
        config = legacy_proof_configuration(unsecured, proof, "proofValue")
        document_hash = sha256(canon.canonicalize(unsecured))
        return _PROOF_HASHES.digest(config, canon.canonicalize) + document_hash
