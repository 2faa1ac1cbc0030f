"""The verification report: what an employer (or the API, or the CLI) is shown.

Check ids are a stable, documented vocabulary (docs/verification.md); `to_dict()` is the public JSON shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["passed", "failed", "indeterminate", "warning", "skipped"]
PASSED: Status = "passed"
FAILED: Status = "failed"
# A required check that could not be completed (unreachable document, work budget spent): never a pass.
INDETERMINATE: Status = "indeterminate"
WARNING: Status = "warning"
SKIPPED: Status = "skipped"
# Worst first: the status of a check that merges several findings is the worst of them.
SEVERITY: dict[str, int] = {FAILED: 4, INDETERMINATE: 3, WARNING: 2, PASSED: 1, SKIPPED: 0}

Verdict = Literal["valid", "invalid", "indeterminate"]
VALID: Verdict = "valid"
INVALID: Verdict = "invalid"

# Every check id a report can contain, in the order they appear (docs/verification.md describes each).
CHECK_IDS = (
    "format",
    "context",
    "data_model",
    "schema",
    "schema_external",
    "proof",
    "issuer_key",
    "valid_from",
    "valid_until",
    "status",
    "refresh",
    "embedded",
    "endorsements",
    "recipient",
)


@dataclass(frozen=True)
class Check:
    id: str
    status: str  # passed | failed | indeterminate | warning | skipped
    message: str
    code: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"id": self.id, "status": self.status, "code": self.code, "message": self.message}


def verdict_of(checks: list[Check]) -> Verdict:
    """invalid when a check failed; indeterminate when none failed but one could not be completed; else valid."""
    statuses = {check.status for check in checks}
    if FAILED in statuses:
        return INVALID
    if INDETERMINATE in statuses:
        return "indeterminate"
    return VALID


@dataclass
class Report:
    """`verdict` is valid only when every required check passed; `valid` is `verdict == "valid"`.

    Warnings and skipped checks do not change the verdict; a failed check makes it invalid, a check that could
    not be completed (and none failed) makes it indeterminate.
    """

    verdict: Verdict
    format: str  # "ldp" | "jwt"
    checks: list[Check]
    credential: dict[str, Any] | None
    summary: dict[str, Any]
    # Reports of embedded endorsements (not part of to_dict; the `endorsements` check summarizes them).
    endorsements: list[Report] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.verdict == VALID

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "verdict": self.verdict,
            "format": self.format,
            "checks": [check.to_dict() for check in self.checks],
            "credential": self.summary,
        }

    def check(self, check_id: str) -> Check | None:
        return next((check for check in self.checks if check.id == check_id), None)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if check.status == FAILED]

    @property
    def unfinished(self) -> list[Check]:
        """The required checks that could not be completed."""
        return [check for check in self.checks if check.status == INDETERMINATE]

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.status == WARNING]


def worst(statuses: list[str]) -> str:
    return max(statuses, key=lambda status: SEVERITY.get(status, 0)) if statuses else SKIPPED


def summarize(credential: dict[str, Any] | None) -> dict[str, Any]:
    """The few facts a reader needs first: who issued what to whom, and when it is valid."""
    credential = credential if isinstance(credential, dict) else {}
    issuer = credential.get("issuer")
    issuer_summary = (
        {"id": _str(issuer.get("id")), "name": _str(issuer.get("name"))}
        if isinstance(issuer, dict)
        else {"id": _str(issuer), "name": None}
    )
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and subject:
        subject = subject[0]
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    return {
        "issuer": issuer_summary,
        "achievement": {"id": _str(achievement.get("id")), "name": _str(achievement.get("name"))},
        "subject": {"id": _str(subject.get("id")) or _identifier_summary(subject), "name": _str(subject.get("name"))},
        "validFrom": _str(credential.get("validFrom") or credential.get("issuanceDate")),
        "validUntil": _str(credential.get("validUntil") or credential.get("expirationDate")),
    }


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _identifier_summary(subject: dict[str, Any]) -> str | None:
    """A subject without `id` is identified by IdentityObjects; hashed values are not shown, only their kind."""
    identifiers = subject.get("identifier")
    identifiers = identifiers if isinstance(identifiers, list) else [identifiers]
    parts = []
    for identity in identifiers:
        if not isinstance(identity, dict):
            continue
        kind = _str(identity.get("identityType")) or "identifier"
        if identity.get("hashed") is False and isinstance(identity.get("identityHash"), str):
            parts.append(f"{kind}: {identity['identityHash']}")
        else:
            parts.append(f"{kind} (hashed)")
    return ", ".join(parts) or None
