"""The `status` and `refresh` checks: the credential's status entries read from their lists (verification.status),
each list trusted only when signed by a key bound to its own issuer; a refresh service is named, never followed."""

from __future__ import annotations

from typing import Any

from verification.binding import bind
from verification.checks.common import VerificationContext, sentence
from verification.checks.proof import issuer_id
from verification.errors import Indeterminate
from verification.report import INDETERMINATE, SKIPPED, Check, worst
from verification.status import check_status
from verification.suites import proof_set_problem, verify_proofs

__all__ = ["refresh_check", "status_check"]


def _list_signature_ok(list_credential: dict[str, Any], ctx: VerificationContext) -> bool:
    """A status list counts only when its proofs verify with a key bound to the list's own issuer.

    False when a proof fails or no key is bound; Indeterminate when that could not be established.
    """
    list_issuer = issuer_id(list_credential)
    if proof_set_problem(list_credential) is not None:  # the same proof set and chain rules as a credential's
        return False
    results = verify_proofs(list_credential, ctx.resolver)
    if not results or any(not r.verified and r.code != "controller_mismatch" and not r.indeterminate for r in results):
        return False
    pending = next((result for result in results if result.indeterminate), None)
    if pending is not None:
        raise Indeterminate(f"The status list's signature could not be checked: {pending.message}", code=pending.code)
    outcomes = [bind(r.verification_method, list_issuer, ctx.issuer_profiles) for r in results if r.verification_method]
    if any(outcome.bound for outcome in outcomes):
        return True
    pending_binding = next((outcome for outcome in outcomes if outcome.status == INDETERMINATE), None)
    if pending_binding is not None:
        raise Indeterminate(pending_binding.message, code=pending_binding.code)
    return False


def status_check(credential: dict[str, Any], ctx: VerificationContext) -> Check:
    extra = ctx.companion_status(credential) if ctx.companion_status else []
    if extra:
        declared = credential.get("credentialStatus")
        declared = declared if isinstance(declared, list) else [declared] if declared is not None else []
        credential = {**credential, "credentialStatus": [*declared, *extra]}
    outcomes = check_status(
        credential,
        ctx.status_source,
        verify_list=lambda document: _list_signature_ok(document, ctx),
        now=ctx.now,
    )
    status = worst([outcome.status for outcome in outcomes])
    chosen = next(outcome for outcome in outcomes if outcome.status == status)
    message = " ".join(sentence(outcome.message) for outcome in outcomes)
    return Check("status", status, message, chosen.code)


def refresh_check(refresh: Any) -> Check:
    service = refresh if isinstance(refresh, dict) else {}
    where = service.get("id") if isinstance(service.get("id"), str) else "an unnamed service"
    kind = service.get("type") if isinstance(service.get("type"), str) else "unknown type"
    return Check(
        "refresh",
        SKIPPED,
        f"The credential names a refresh service ({kind}, {where}); refreshed credentials are not fetched, "
        "so the credential was verified as presented.",
        "refresh_not_followed",
    )
