"""Embedded proofs (Data Integrity and legacy Linked Data Signatures) for credentials.

    verify_proofs(document, resolver) -> list[ProofResult]   one result per proof entry
    proof_set_problem(document) -> ProofSetProblem | None     previousProof references that do not hold
    DataIntegritySigner(private_key, verification_method, created=None).sign(document)
    create_proof(document, private_key, verification_method, created=None)       eddsa-rdfc-2022
    create_jcs_proof(document, private_key, verification_method, created=None)   eddsa-jcs-2022

Verified: eddsa-rdfc-2022 (and its old name eddsa-2022), eddsa-jcs-2022, ecdsa-rdfc-2019 and ecdsa-jcs-2019
(P-256, P-384), ecdsa-sd-2023 derived proofs (P-256; the selectively disclosed credential a holder presents — a
base proof, meant for the holder only, is refused), Ed25519Signature2020, Ed25519Signature2018. The platform signs
with the EdDSA suites only.

A proof set holds only when every one of its proofs verifies, and a proof chain only when its previousProof
references resolve inside the set without a loop (VC Data Integrity 1.0; `verification.suites.proof_sets`, checked
before any signature). Applying that rule, and deciding what `controller_mismatch` or a legacy suite means for the
credential, is the caller's business (verification.checks.proof). The contract of a suite is in
`verification.suites.base`.
"""

from __future__ import annotations

from typing import Any

from verification import budget
from verification.keys import KeyResolver
from verification.suites.base import (
    INVALID_INPUT,
    PROOF_MALFORMED,
    UNSUPPORTED_PROOF,
    ProofResult,
    ProofSuite,
)
from verification.suites.ecdsa import EcdsaJcs2019Suite, EcdsaRdfc2019Suite
from verification.suites.ecdsa_sd import EcdsaSd2023Suite
from verification.suites.ed25519_2018 import Ed25519Signature2018Suite
from verification.suites.ed25519_2020 import Ed25519Signature2020Suite
from verification.suites.eddsa_jcs import EddsaJcs2022Suite, create_jcs_proof
from verification.suites.eddsa_rdfc import DataIntegritySigner, EddsaRdfc2022Suite, create_proof
from verification.suites.proof_sets import ProofSetProblem, proof_set_problem

__all__ = [
    "SUITES",
    "DataIntegritySigner",
    "ProofResult",
    "ProofSetProblem",
    "ProofSuite",
    "create_jcs_proof",
    "create_proof",
    "find_suite",
    "proof_set_problem",
    "verify_proofs",
]

SUITES: tuple[ProofSuite, ...] = (
    EddsaRdfc2022Suite(),
    EddsaJcs2022Suite(),
    EcdsaRdfc2019Suite(),
    EcdsaJcs2019Suite(),
    EcdsaSd2023Suite(),
    Ed25519Signature2020Suite(),
    Ed25519Signature2018Suite(),
)


def find_suite(proof: Any) -> ProofSuite | None:
    """The suite that implements `proof`, or None."""
    for suite in SUITES:
        if suite.matches(proof):
            return suite
    return None


def _describe(proof: dict[str, Any]) -> str:
    kind = proof.get("type")
    cryptosuite = proof.get("cryptosuite")
    label = f"{kind}/{cryptosuite}" if cryptosuite is not None else f"{kind}"
    return label if len(label) <= 80 else label[:77] + "..."


def verify_proofs(document: dict[str, Any], resolver: KeyResolver) -> list[ProofResult]:
    """One ProofResult per entry of `document["proof"]` (an object or an array), in order.

    No proof gives an empty list. Never raises for any input; only TooComplex when the verification's time
    budget (verification.budget) runs out, which makes the proof check indeterminate rather than failed.
    """
    if not isinstance(document, dict):
        return [ProofResult(False, "unknown", INVALID_INPUT, "The credential is not a JSON object.")]
    proofs = document.get("proof")
    if proofs is None:
        return []
    entries = proofs if isinstance(proofs, list) else [proofs]
    results: list[ProofResult] = []
    for entry in entries:
        budget.check()  # each proof canonicalizes the document again: a credential may carry many
        if not isinstance(entry, dict):
            results.append(
                ProofResult(False, "unknown", PROOF_MALFORMED, "A proof entry is not a JSON object.", proof=None)
            )
            continue
        suite = find_suite(entry)
        if suite is None:
            results.append(
                ProofResult(
                    False,
                    str(entry.get("cryptosuite") or entry.get("type") or "unknown")[:80],
                    UNSUPPORTED_PROOF,
                    f"The proof type {_describe(entry)} is not supported; supported are eddsa-rdfc-2022 "
                    "(and eddsa-2022), eddsa-jcs-2022, ecdsa-rdfc-2019 and ecdsa-jcs-2019 (P-256, P-384), "
                    "ecdsa-sd-2023 derived proofs (P-256), Ed25519Signature2020 and Ed25519Signature2018.",
                    proof=entry,
                    indeterminate=True,
                )
            )
            continue
        results.append(suite.verify_proof(document, entry, resolver))
    return results
