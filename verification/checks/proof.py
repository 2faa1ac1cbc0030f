"""The `proof` and `issuer_key` checks: every proof of the set verifies, its chain holds, and a key that signed is
bound to the issuer (verification.binding), for embedded proofs and for VC-JWT alike."""

from __future__ import annotations

from typing import Any

from verification.binding import bind
from verification.checks.common import VerificationContext, sentence
from verification.jwt import JwtVerification
from verification.report import FAILED, INDETERMINATE, PASSED, SKIPPED, WARNING, Check, worst
from verification.suites import proof_set_problem, verify_proofs
from verification.suites.base import ProofResult

__all__ = ["PROOF_SET_INVALID", "issuer_id", "jwt_checks", "ldp_checks"]

# Some proofs of a set verify and some do not (VC Data Integrity: a set holds only when every proof does).
PROOF_SET_INVALID = "proof_set_invalid"

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
    """`proof` and `issuer_key` for embedded proofs (VC Data Integrity 1.0, "Verify Proof Sets and Chains").

    The set's structure first: previousProof references that do not resolve inside the set, resolve twice, or loop
    make the credential invalid before any signature is checked (verification.suites.proof_sets). Then every proof
    of the set must verify — one that does not makes the set fail, whatever the others show — and at least one must
    be made with a key bound to the issuer (verification.binding). A proof by a key of another controller (an
    endorser's additional proof) counts for the set once its key is confirmed by its own controller's document, as
    every key is (verification.resolvers), but never stands in for the issuer's. A proof that could not be checked
    (an unsupported suite, a key out of reach) leaves the set indeterminate, never valid.
    """
    if not credential.get("proof"):
        return [
            Check("proof", FAILED, "The credential carries no proof, so nothing shows who issued it.", "no_proof"),
            Check("issuer_key", SKIPPED, "No proof, so no key to attribute.", "not_attributed"),
        ]
    problem = proof_set_problem(credential)
    if problem is not None:
        return [
            Check("proof", FAILED, problem.message, problem.code),
            Check(
                "issuer_key",
                SKIPPED,
                "The proofs do not form a set that can be verified, so no key was attributed.",
                "not_attributed",
            ),
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
    broken = [result for result in results if _is_broken(result)]
    unchecked = [result for result in results if result.indeterminate]
    attribution = _attribution(signed, unchecked, credential, ctx)
    if broken:
        if signed or unchecked:
            # Some proofs hold and some do not: the set fails as a set, and the message says which proof broke.
            numbers = [str(number) for number, result in enumerate(results, start=1) if _is_broken(result)]
            which = f"Proof {numbers[0]} does" if len(numbers) == 1 else f"Proofs {', '.join(numbers)} do"
            text = (
                f"{which} not verify, of the {len(results)} in the credential's proof set, and a proof set holds only "
                f"when every proof does. {message}"
            )
            return [Check("proof", FAILED, text, PROOF_SET_INVALID), attribution]
        return [Check("proof", FAILED, message, broken[0].code), attribution]
    if unchecked:
        return [Check("proof", INDETERMINATE, message, unchecked[0].code), attribution]
    chosen = signed[0]
    deprecated = _deprecated(chosen.proof)
    status = WARNING if deprecated else PASSED
    if deprecated:
        message += f" Note: {deprecated}."
    return [Check("proof", status, message, chosen.code), attribution]


def _is_broken(result: ProofResult) -> bool:
    """Refuted: neither verified, nor signed correctly by another controller's key, nor left unchecked."""
    return not (result.verified or result.code == "controller_mismatch" or result.indeterminate)


def _attribution(
    signed: list[ProofResult], unchecked: list[ProofResult], credential: dict[str, Any], ctx: VerificationContext
) -> Check:
    """issuer_key: at least one correctly signed proof's key is bound to the issuer. When none is and a proof could not
    be checked, that proof might have been the issuer's: indeterminate, not failed."""
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
    if unchecked:
        return Check(
            "issuer_key",
            INDETERMINATE,
            f"{sentence(bindings[0].message)} Whether a proof that could not be checked was made with the issuer's "
            "key is not known.",
            unchecked[0].code,
        )
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
