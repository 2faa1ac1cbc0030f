"""Verifiable presentations (VC Data Model 2.0 §4.13, VC Data Integrity 1.0 "authentication" proofs): the
presentation's own rules and proof, then every credential it holds, each by the caller's credential verifier.

    verify_presentation(presentation, resolver=..., challenge=..., domain=..., verify_credential=...)

The presentation's proofs are checked by the credential suites (verification.suites) with the purpose
`authentication`: the key must be listed under `authentication` by its controller, and when the presentation names
a `holder`, that controller must be the holder. A `challenge` or `domain` the verifier asked for must be the
proof's own, exactly (a replayed presentation carries another). Each held credential is judged by
`verify_credential` (the platform's verifier, or any other), and the presentation holds only when it and every
credential hold. A credential about someone other than the holder is a warning, not a failure: the data model
lets a holder present credentials about others (a parent for a child), and only the verifier's use decides
whether that matters (docs/decisions.md D61).

Reported with the credential report's check ids: `data_model` (the presentation's rules), `proof` (its proofs),
`embedded` (the credentials it holds), `recipient` (holder binding).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from verification.datamodel import presentation_problems
from verification.keys import KeyResolver
from verification.report import FAILED, INDETERMINATE, PASSED, SKIPPED, WARNING, Check, Report, verdict_of
from verification.suites import find_suite, proof_set_problem
from verification.suites.base import AUTHENTICATION, CONTROLLER_MISMATCH, PROOF_VALID, proof_purpose

CHALLENGE_MISMATCH = "challenge_mismatch"
DOMAIN_MISMATCH = "domain_mismatch"
HOLDER_MISMATCH = "holder_mismatch"
HOLDER_NOT_SUBJECT = "holder_not_subject"
MAX_CREDENTIALS = 100


@dataclass
class PresentationReport:
    """The presentation's checks and one report per credential it holds, in order."""

    checks: list[Check]
    credentials: list[Report] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return verdict_of(self.checks)

    def as_report(self) -> Report:
        return Report(verdict=verdict_of(self.checks), format="ldp", checks=self.checks, credential=None, summary={})

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.verdict == "valid",
            "verdict": self.verdict,
            "checks": [check.to_dict() for check in self.checks],
            "credentials": [report.to_dict() for report in self.credentials],
        }


def _id_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _proof_check(
    presentation: dict[str, Any], resolver: KeyResolver, challenge: str | None, domain: str | None
) -> Check:
    proofs = _items(presentation.get("proof"))
    if not proofs:
        return Check(
            "proof", FAILED, "The presentation carries no proof, so nothing shows who presents it.", "no_proof"
        )
    problem = proof_set_problem(presentation)
    if problem is not None:
        return Check("proof", FAILED, problem.message, problem.code)
    holder = _id_of(presentation.get("holder"))
    verified: list[str] = []
    for index, proof in enumerate(proofs):
        label = f"The presentation's proof {index + 1}" if len(proofs) > 1 else "The presentation's proof"
        if not isinstance(proof, dict):
            return Check("proof", FAILED, f"{label} is not a JSON object.", "proof_malformed")
        if challenge is not None and proof.get("challenge") != challenge:
            return Check(
                "proof",
                FAILED,
                f"{label} carries the challenge {str(proof.get('challenge'))[:100]!r}, not the one asked for.",
                CHALLENGE_MISMATCH,
            )
        if domain is not None and _items(proof.get("domain")) != [domain] and proof.get("domain") != domain:
            return Check(
                "proof",
                FAILED,
                f"{label} is for the domain {str(proof.get('domain'))[:100]!r}, not {domain[:100]!r}.",
                DOMAIN_MISMATCH,
            )
        suite = find_suite(proof)
        if suite is None:
            return Check(
                "proof", INDETERMINATE, f"{label} is of a kind this verifier does not check.", "unsupported_proof"
            )
        with proof_purpose(AUTHENTICATION):
            result = suite.verify_proof(presentation, proof, resolver)
        # A presentation names no issuer, so a signature that verifies reports the key's controller as not the
        # issuer's: here it is compared with the holder instead.
        if result.code not in (PROOF_VALID, CONTROLLER_MISMATCH) or result.verification_method is None:
            status = INDETERMINATE if result.indeterminate else FAILED
            return Check("proof", status, f"{label}: {result.message}", result.code)
        controller = result.verification_method.controller
        if holder is not None and controller != holder:
            return Check(
                "proof",
                FAILED,
                f"{label} is signed with a key of {controller[:200]!r}, not of the holder {holder[:200]!r}.",
                HOLDER_MISMATCH,
            )
        verified.append(result.verification_method.id)
    return Check("proof", PASSED, f"The presentation's proof by {', '.join(verified)} verifies.", PROOF_VALID)


def _holder_check(presentation: dict[str, Any], credentials: list[Report]) -> Check:
    holder = _id_of(presentation.get("holder"))
    if holder is None or not credentials:
        return Check("recipient", SKIPPED, "The presentation names no holder to compare with.", "not_requested")
    others = []
    for index, report in enumerate(credentials):
        subjects = _items((report.credential or {}).get("credentialSubject"))
        if holder not in {_id_of(subject) for subject in subjects}:
            others.append(str(index + 1))
    if others:
        return Check(
            "recipient",
            WARNING,
            f"Credential {', '.join(others)} of the presentation is about someone other than its holder {holder[:200]!r}.",
            HOLDER_NOT_SUBJECT,
        )
    return Check("recipient", PASSED, "Every credential of the presentation is about its holder.", "match")


def _credentials_check(credentials: list[Report]) -> Check:
    if not credentials:
        return Check("embedded", SKIPPED, "The presentation holds no credential.", "none")
    bad = [str(index + 1) for index, report in enumerate(credentials) if report.verdict == "invalid"]
    if bad:
        return Check(
            "embedded", FAILED, f"Credential {', '.join(bad)} of the presentation is not valid.", "embedded_invalid"
        )
    unsure = [str(index + 1) for index, report in enumerate(credentials) if report.verdict != "valid"]
    if unsure:
        return Check(
            "embedded",
            INDETERMINATE,
            f"Credential {', '.join(unsure)} of the presentation could not be fully checked.",
            "embedded_indeterminate",
        )
    return Check(
        "embedded", PASSED, f"All {len(credentials)} credentials of the presentation are valid.", "embedded_valid"
    )


def verify_presentation(
    presentation: Any,
    *,
    resolver: KeyResolver,
    challenge: str | None = None,
    domain: str | None = None,
    verify_credential: Callable[[Any], Report],
) -> PresentationReport:
    """Judge `presentation`; `verify_credential` judges each held credential (and may raise for one that is no
    credential at all, which the caller answers as unusable input)."""
    if not isinstance(presentation, dict):
        return PresentationReport([Check("data_model", FAILED, "A presentation must be a JSON object.", "data_model")])
    problems = presentation_problems(presentation)
    if problems:
        listed = "; ".join(str(problem) for problem in problems[:5])
        model = Check("data_model", FAILED, f"The presentation breaks the data model: {listed}.", "data_model")
    else:
        model = Check("data_model", PASSED, "The presentation follows the data model's rules.", "data_model_valid")
    held = _items(presentation.get("verifiableCredential"))
    if len(held) > MAX_CREDENTIALS:
        message = f"The presentation holds {len(held)} credentials; at most {MAX_CREDENTIALS} are verified."
        return PresentationReport([Check("data_model", FAILED, message, "data_model")])
    credentials = [verify_credential(item) for item in held]
    checks = [
        model,
        _proof_check(presentation, resolver, challenge, domain),
        _credentials_check(credentials),
        _holder_check(presentation, credentials),
    ]
    return PresentationReport(checks, credentials)
