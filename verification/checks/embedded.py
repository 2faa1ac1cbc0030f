"""The `endorsements` and `embedded` (CLR 2.0) checks: credentials carried inside the credential, each verified
with every check.

Verifying one is the verification itself, so verification.service passes the function that does it
(`VerifyEmbedded`) rather than this module importing the service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verification.checks.common import sentence
from verification.errors import VerificationError
from verification.report import FAILED, INDETERMINATE, PASSED, SKIPPED, WARNING, Check, Report

__all__ = ["MAX_EMBEDDED", "MAX_ENDORSEMENTS", "VerifyEmbedded", "embedded_check", "endorsement_check"]

# A credential carried inside another (a JSON object or a compact JWS) -> its report, with the outer
# verification's context and budget; VerificationError when it cannot be read at all.
VerifyEmbedded = Callable[[Any], Report]

# A CLR bundles credentials that are each verified in full; a document cannot make us do unbounded work.
MAX_EMBEDDED = 100
# Each endorsement costs a full proof verification; a credential cannot make us do unbounded work.
MAX_ENDORSEMENTS = 20


def _embedded_endorsements(credential: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, endorsement) for the credential's, the issuer's and the achievement's endorsements."""
    holders: list[tuple[str, Any]] = [("credential", credential)]
    issuer = credential.get("issuer")
    holders.append(("issuer", issuer))
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    holders.append(("achievement", achievement))
    if isinstance(achievement, dict):
        holders.append(("achievement creator", achievement.get("creator")))
    found: list[tuple[str, Any]] = []
    for where, holder in holders:
        if not isinstance(holder, dict):
            continue
        for key in ("endorsement", "endorsementJwt"):
            items = holder.get(key)
            items = items if isinstance(items, list) else ([] if items is None else [items])
            found.extend((where, item) for item in items)
    return found


def endorsement_check(credential: dict[str, Any], verify_endorsement: VerifyEmbedded, reports: list[Report]) -> Check:
    """Each endorsement the credential, its issuer, its achievement or the achievement's creator carries,
    verified with every check; a failed one is a warning on the badge. Their reports are appended to `reports`."""
    endorsements = _embedded_endorsements(credential)
    if not endorsements:
        return Check("endorsements", SKIPPED, "The credential carries no endorsements.", "none")
    problems: list[str] = []
    for number, (where, item) in enumerate(endorsements[:MAX_ENDORSEMENTS], start=1):
        label = f"endorsement {number} (of the {where})"
        try:
            report = verify_endorsement(item)
        except VerificationError as exc:
            problems.append(f"{label} cannot be read: {exc.message}")
            continue
        reports.append(report)
        if not report.valid:
            endorser = report.summary["issuer"]["name"] or report.summary["issuer"]["id"] or "unknown endorser"
            if report.verdict == "invalid":
                problems.append(f"{label} by {endorser} failed ({', '.join(c.id for c in report.failures)})")
            else:
                unfinished = ", ".join(check.id for check in report.unfinished)
                problems.append(f"{label} by {endorser} could not be fully checked ({unfinished})")
    if len(endorsements) > MAX_ENDORSEMENTS:
        problems.append(f"only the first {MAX_ENDORSEMENTS} of {len(endorsements)} endorsements were checked")
    checked = min(len(endorsements), MAX_ENDORSEMENTS)
    if problems:
        # An endorsement is a third party's statement about the badge; a bad one does not make the badge
        # itself invalid, so it is a warning.
        text = "; ".join(problems)
        return Check("endorsements", WARNING, sentence(text[:1].upper() + text[1:]), "endorsement_invalid")
    plural = "s" if checked != 1 else ""
    return Check("endorsements", PASSED, f"{checked} endorsement{plural} verified.", "endorsements_valid")


def embedded_check(credential: dict[str, Any], verify_bundled: VerifyEmbedded) -> Check:
    """Each credential a CLR bundles, verified on its own in full: the CLR is valid only if every one is."""
    subject = credential.get("credentialSubject")
    items = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    if items is None:
        return Check("embedded", SKIPPED, "The CLR bundles no credentials.", "none")
    items = items if isinstance(items, list) else [items]
    problems: list[str] = []
    unfinished: list[str] = []
    for number, item in enumerate(items[:MAX_EMBEDDED], start=1):
        label = f"credential {number}"
        try:
            report = verify_bundled(item)
        except VerificationError as exc:
            problems.append(f"{label} cannot be read: {exc.message}")
            continue
        name = report.summary.get("achievement", {}).get("name") or "unnamed"
        if report.verdict == "invalid":
            problems.append(f"{label} ({name}) failed ({', '.join(check.id for check in report.failures)})")
        elif report.verdict == "indeterminate":
            checks = ", ".join(check.id for check in report.unfinished)
            unfinished.append(f"{label} ({name}) could not be fully checked ({checks})")
    if len(items) > MAX_EMBEDDED:
        problems.append(f"only the first {MAX_EMBEDDED} of {len(items)} credentials can be checked")
    if problems or unfinished:
        text = "; ".join(problems + unfinished)
        status, code = (FAILED, "embedded_invalid") if problems else (INDETERMINATE, "embedded_indeterminate")
        return Check("embedded", status, sentence(text[:1].upper() + text[1:]), code)
    plural = "s" if len(items) != 1 else ""
    return Check("embedded", PASSED, f"All {len(items)} bundled credential{plural} verify.", "embedded_valid")
