"""The `proof` and `issuer_key` checks: every proof verifies, and the key that signed is bound to the issuer
(verification.binding), for embedded proofs and for VC-JWT alike."""

from __future__ import annotations

from typing import Any

from verification.binding import bind
from verification.checks.common import VerificationContext, sentence
from verification.jwt import JwtVerification
from verification.report import FAILED, INDETERMINATE, PASSED, SKIPPED, WARNING, Check, worst
from verification.suites import verify_proofs
from verification.suites.base import ProofResult

__all__ = ["issuer_id", "jwt_checks", "ldp_checks"]

# Proof suites that still verify but that a certified issuer would no longer produce.
DEPRECATED_SUITES = {
    "eddsa-2022": "eddsa-2022 is the deprecated name of eddsa-rdfc-2022",
    "Ed25519Signature2018": "Ed25519Signature2018 is a superseded suite",
}


def issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def ldp_checks(credential: dict[str, Any], ctx: VerificationContext) -> list[Check]:
    """Every proof in the set must verify (VC Data Integrity: a proof set holds only if each proof does), and at
    least one must be made with a key bound to the issuer; the others are bound to their own controllers by
    resolution (an endorser's additional proof)."""
    if not credential.get("proof"):
        return [
            Check("proof", FAILED, "The credential carries no proof, so nothing shows who issued it.", "no_proof"),
            Check("issuer_key", SKIPPED, "No proof, so no key to attribute.", "not_attributed"),
        ]
    results = verify_proofs(credential, ctx.resolver)
    if not results:
        return [
            Check("proof", FAILED, "No proof in the credential could be read.", "no_proof"),
            Check("issuer_key", SKIPPED, "No proof, so no key to attribute.", "not_attributed"),
        ]
    lines = []
    for number, result in enumerate(results, start=1):
        label = result.suite or "unknown suite"
        lines.append(f"proof {number} ({label}): {result.message}" if len(results) > 1 else result.message)
    message = " ".join(sentence(line) for line in lines)
    # A controller mismatch means the signature itself is correct; whether the key may speak for the issuer
    # is the issuer_key check's question, so the two findings are reported separately.
    signed = [result for result in results if result.verified or result.code == "controller_mismatch"]
    broken = [r for r in results if not (r.verified or r.code == "controller_mismatch" or r.indeterminate)]
    unchecked = [result for result in results if result.indeterminate]
    chain = _chain_problem(results)
    if broken or chain:
        first = broken[0].code if broken else "proof_chain_invalid"
        text = message if not chain else f"{message} {chain}"
        return [Check("proof", FAILED, text, first), _attribution(signed, credential, ctx)]
    if unchecked:
        return [Check("proof", INDETERMINATE, message, unchecked[0].code), _attribution(signed, credential, ctx)]
    chosen = signed[0]
    deprecated = _deprecated(chosen.proof)
    status = WARNING if deprecated else PASSED
    if deprecated:
        message += f" Note: {deprecated}."
    return [Check("proof", status, message, chosen.code), _attribution(signed, credential, ctx)]


def _chain_problem(results: list[ProofResult]) -> str | None:
    """A `previousProof` must name proofs of the same set and the chain must not loop (VC Data Integrity §4)."""
    proofs = [result.proof for result in results if isinstance(result.proof, dict)]
    ids = {proof.get("id") for proof in proofs if isinstance(proof.get("id"), str)}
    follows: dict[str, list[str]] = {}
    for proof in proofs:
        previous = proof.get("previousProof")
        if previous is None:
            continue
        named: list[object] = (
            [previous] if isinstance(previous, str) else list(previous) if isinstance(previous, list) else [None]
        )
        if any(not isinstance(item, str) or item not in ids for item in named):
            return "A previousProof names a proof that is not in the credential's proof set."
        if isinstance(proof.get("id"), str):
            follows[proof["id"]] = [item for item in named if isinstance(item, str)]
    if _has_loop(follows):
        return "The proofs' previousProof references form a loop."
    return None


def _has_loop(follows: dict[str, list[str]]) -> bool:
    """Depth-first search with an explicit stack: a hostile chain of thousands of proofs must not exhaust the
    interpreter's recursion limit."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in follows:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(follows.get(start, [])))]
        while stack:
            node, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                state[node] = 2
                stack.pop()
            elif state.get(target) == 1:
                return True
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(follows.get(target, []))))
    return False


def _attribution(signed: list[ProofResult], credential: dict[str, Any], ctx: VerificationContext) -> Check:
    """issuer_key: at least one correctly signed proof's key is bound to the issuer."""
    if not signed:
        return Check(
            "issuer_key", SKIPPED, "No proof verified, so the key was not attributed to the issuer.", "not_attributed"
        )
    issuer = issuer_id(credential)
    bindings = []
    for result in signed:
        if result.verification_method is None:
            continue
        binding = bind(result.verification_method, issuer, ctx.issuer_profiles)
        if binding.bound:
            return Check("issuer_key", PASSED, binding.message, binding.code)
        bindings.append(binding)
    if not bindings:
        return Check("issuer_key", FAILED, "The proof verified but its key was not reported.", "key_not_bound")
    pending = [binding for binding in bindings if binding.status == INDETERMINATE]
    if pending:
        return Check("issuer_key", INDETERMINATE, pending[0].message, pending[0].code)
    return Check("issuer_key", FAILED, bindings[0].message, bindings[0].code)


def _deprecated(proof: dict[str, Any] | None) -> str | None:
    if not isinstance(proof, dict):
        return None
    return DEPRECATED_SUITES.get(str(proof.get("cryptosuite"))) or DEPRECATED_SUITES.get(str(proof.get("type")))


def jwt_checks(jwt: JwtVerification, credential: dict[str, Any], ctx: VerificationContext) -> list[Check]:
    """Fold the VC-JWT checks into `proof` (header, signature, claims) and `issuer_key` (key found, bound)."""
    proof_parts = [check for check in jwt.checks if check[0] in ("jwt_header", "jwt_signature", "jwt_claims")]
    key_parts = [check for check in jwt.checks if check[0] not in ("jwt_header", "jwt_signature", "jwt_claims")]
    proof_status = worst([status for _, status, _ in proof_parts]) if proof_parts else FAILED
    if not jwt.signature_valid and proof_status != INDETERMINATE:
        proof_status = FAILED
    proof_message = " ".join(sentence(message) for _, _, message in proof_parts)
    checks = [Check("proof", proof_status, proof_message or "The token could not be checked.", "jwt")]
    key_status = worst([status for _, status, _ in key_parts]) if key_parts else SKIPPED
    if key_status in (FAILED, INDETERMINATE):
        culprit = next(part for part in key_parts if part[1] == key_status)
        checks.append(Check("issuer_key", key_status, sentence(culprit[2]), culprit[0]))
    elif jwt.verification_method is None:
        checks.append(Check("issuer_key", SKIPPED, "The token names no key.", "not_attributed"))
    elif not jwt.signature_valid:
        checks.append(
            Check(
                "issuer_key", SKIPPED, "The signature did not verify, so the key was not attributed.", "not_attributed"
            )
        )
    else:
        binding = bind(jwt.verification_method, issuer_id(credential), ctx.issuer_profiles)
        checks.append(Check("issuer_key", binding.status, binding.message, binding.code))
    return checks
