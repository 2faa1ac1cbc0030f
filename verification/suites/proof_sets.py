"""Whether a credential's proofs form a well-made proof set or proof chain, decided before any signature is checked
(W3C VC Data Integrity 1.0, "Proof Sets", "Proof Chains", "Verify Proof Sets and Chains").

    proof_set_problem(document) -> ProofSetProblem | None

A proof's `previousProof` is a proof id or a list of them; each names another proof of the same set by its `id`,
"all of which MUST also verify for the current proof to be considered verified". So:

* every id named must be carried by a proof of the set (`previous_proof_missing`: the proof it builds on was
  removed, or never there; the specification's verifier raises an error here, it does not skip the proof);
* by exactly one (`previous_proof_ambiguous`: two proofs with the same id, and which one was signed over cannot be
  told);
* following the references never leads back to where it started (`previous_proof_cycle`: a proof that depends on
  itself, directly or through others, can never be "considered verified" first);
* `previousProof` is a string or a list of strings (`proof_malformed`).

Each proof's own signature — over the document carrying exactly the proofs it names, as "Add Proof Set/Chain"
secures them — is checked by its suite (verification.suites.base.unsecured_document). That every proof of the set
verifies, and that one of them is bound to the issuer, is the proof check's rule (verification.checks.proof).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from verification.suites.base import (
    PREVIOUS_PROOF_AMBIGUOUS,
    PREVIOUS_PROOF_CYCLE,
    PREVIOUS_PROOF_MISSING,
    PROOF_MALFORMED,
)

__all__ = ["ProofSetProblem", "find_loop", "previous_proof_ids", "proof_set_problem"]


@dataclass(frozen=True)
class ProofSetProblem:
    """Why a credential's proofs do not form a proof set or chain that can be verified."""

    code: str  # previous_proof_missing | previous_proof_ambiguous | previous_proof_cycle | proof_malformed
    message: str  # a sentence a person understands


def previous_proof_ids(proof: Mapping[str, Any]) -> list[str] | None:
    """The proof ids a proof's `previousProof` names ([] without one), or None when it is neither a string nor a
    list of strings."""
    previous = proof.get("previousProof")
    if previous is None:
        return []
    named = [previous] if isinstance(previous, str) else previous
    if not isinstance(named, list) or not all(isinstance(item, str) for item in named):
        return None
    return named


def _shown(value: str) -> str:
    return repr(value if len(value) <= 80 else value[:77] + "...")


def proof_set_problem(document: Mapping[str, Any]) -> ProofSetProblem | None:
    """The first thing wrong with how the document's proofs refer to one another, or None.

    Proofs are numbered from 1 in the order of the `proof` array, as the proof check lists them. Entries that are not
    objects are left to the suites (each is its own `proof_malformed` result).
    """
    if not isinstance(document, Mapping):
        return None  # not a document at all: verify_proofs says so
    proofs = document.get("proof")
    entries = proofs if isinstance(proofs, list) else [proofs]
    carriers: dict[str, list[int]] = {}
    for number, proof in enumerate(entries, start=1):
        if isinstance(proof, Mapping) and isinstance(proof.get("id"), str):
            carriers.setdefault(proof["id"], []).append(number)
    follows: dict[int, list[int]] = {}
    for number, proof in enumerate(entries, start=1):
        if not isinstance(proof, Mapping):
            continue
        named = previous_proof_ids(proof)
        if named is None:
            return ProofSetProblem(
                PROOF_MALFORMED, f"Proof {number}'s previousProof must be a proof id or a list of proof ids."
            )
        for name in named:
            holders = carriers.get(name, [])
            if not holders:
                return ProofSetProblem(
                    PREVIOUS_PROOF_MISSING,
                    f"Proof {number} builds on the proof {_shown(name)} (previousProof), but no proof of the "
                    "credential carries that id: the proof it was made over has been removed, or was never there.",
                )
            if len(holders) > 1:
                listed = " and ".join(str(holder) for holder in holders[:2])
                return ProofSetProblem(
                    PREVIOUS_PROOF_AMBIGUOUS,
                    f"Proof {number} builds on the proof {_shown(name)} (previousProof), but proofs {listed} both "
                    "carry that id, so which one it was made over cannot be told.",
                )
        follows[number] = [carriers[name][0] for name in named]
    loop = find_loop(follows)
    if loop is not None:
        path = " → ".join(f"proof {number}" for number in loop)
        return ProofSetProblem(
            PREVIOUS_PROOF_CYCLE,
            f"The proofs' previousProof references form a loop ({path}): a proof that builds on itself can never "
            "be verified.",
        )
    return None


def find_loop(follows: Mapping[int, list[int]]) -> list[int] | None:
    """A loop of the graph as [a, b, ..., a], or None.

    Depth-first search with an explicit stack: a hostile chain of thousands of proofs must not exhaust the
    interpreter's recursion limit.
    """
    state: dict[int, int] = {}  # 1: on the current path, 2: finished
    for start in follows:
        if start in state:
            continue
        state[start] = 1
        path = [start]
        stack = [iter(follows.get(start, []))]
        while stack:
            target = next(stack[-1], None)
            if target is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(target) == 1:
                return path[path.index(target) :] + [target]
            elif target not in state:
                state[target] = 1
                path.append(target)
                stack.append(iter(follows.get(target, [])))
    return None
