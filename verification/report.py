"""The verification report: what an employer (or the API, or the CLI) is shown.

Check ids are a stable, documented vocabulary (docs/verification.md); `to_dict()` is the public JSON shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["passed", "failed", "warning", "skipped"]
PASSED: Status = "passed"
FAILED: Status = "failed"
WARNING: Status = "warning"
SKIPPED: Status = "skipped"
# Worst first: the status of a check that merges several findings is the worst of them.
SEVERITY: dict[str, int] = {FAILED: 3, WARNING: 2, PASSED: 1, SKIPPED: 0}

# Every check id a report can contain, in the order they appear (docs/verification.md describes each).
CHECK_IDS = (
    "format",
    "context",
    "schema",
    "schema_external",
    "proof",
    "issuer_key",
    "valid_from",
    "valid_until",
    "status",
    "refresh",
    "endorsements",
    "recipient",
)


@dataclass(frozen=True)
class Check:
    id: str
    status: str  # passed | failed | warning | skipped
    message: str
    code: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "message": self.message}


@dataclass
class Report:
    """`valid` is true when no check failed (warnings and skipped checks do not invalidate)."""

    valid: bool
    format: str  # "ldp" | "jwt"
    checks: list[Check]
    credential: dict[str, Any] | None
    summary: dict[str, Any]
    # Reports of embedded endorsements (not part of to_dict; the `endorsements` check summarizes them).
    endorsements: list[Report] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
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
