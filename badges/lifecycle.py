"""An award's later life: renew it, correct it, send its e-mail again (docs/decisions.md D64).

Renewing and correcting never touch what was signed: each issues a new credential through `credential_issue` (the
same recipient, evidence, e-mail language and formats), linked to the one it replaces (`Credential.replaces`). A
renewal carries a later `validUntil` and leaves its predecessor valid until that expires; a correction carries the
corrected name or achievement (in its current version) and revokes its predecessor with the reason
"Superseded by <the new credential's id>". Resending queues the award e-mail again for the same credential.

Each checks, first, that its actor may award in the credential's issuer (Action.AWARD, D34), locks the credential's
row, and runs in one transaction with its audit row: a failure leaves nothing behind. The predecessor's row lock
and an idempotency key derived from it (`renew:<uuid>`, `correct:<uuid>`) make a repeated request — a double click,
a retried call, a bulk file run twice — answer with the credential made the first time.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from badges import documents
from badges.models import Achievement, Credential, CredentialStatus, Replacement
from badges.services import AwardRequest, CredentialError, credential_issue, credential_revoke
from config.tasks import enqueue
from issuer.models import AuditEvent
from issuer.permissions import Action, Actor, authorize, ensure_of_issuer
from issuer.services import audit_record

# A learner gets the award e-mail again at most this often per credential, whoever presses the button.
RESEND_LIMIT = 3
RESEND_WINDOW = timedelta(hours=24)
# The reason a corrected credential is revoked with, in English whatever the reader's language: it is stored once
# and shown as written; the pages and the verify API link the successor in the reader's language (D64).
SUPERSEDED_REASON = "Superseded by {id}"


class ResendLimited(CredentialError):
    """The credential's award e-mail was resent as often as the window allows; `retry_after` seconds until another."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def award_format(credential: Credential) -> str:
    """The formats the credential was issued in, as an award asks for them: "ldp", "jwt" or "both"."""
    signed = "Data Integrity" in credential.formats
    if signed and credential.jws:
        return "both"
    return "ldp" if signed else "jwt"


def _locked(credential: Credential, actor: Actor) -> Credential:
    credential = (
        Credential.objects.select_for_update()
        .select_related("issuer", "achievement", "achievement__issuer")
        .get(pk=credential.pk)
    )
    authorize(actor, credential.issuer, Action.AWARD)
    return credential


def _successor(credential: Credential) -> Credential | None:
    return Credential.objects.select_related("issuer", "achievement").filter(replaces=credential).first()


def _already_replaced(successor: Credential) -> CredentialError:
    if successor.replacement == Replacement.RENEWAL:
        text = gettext("This credential was already renewed as %(id)s: renew or correct that one instead.")
    else:
        text = gettext("This credential was already corrected as %(id)s: renew or correct that one instead.")
    return CredentialError(text % {"id": successor.public_id})


def _refuse_unless_active(credential: Credential, *, renew: bool) -> None:
    if credential.status == CredentialStatus.REVOKED:
        text = (
            gettext("A revoked credential cannot be renewed; award it again instead.")
            if renew
            else gettext("A revoked credential cannot be corrected; award it again instead.")
        )
        raise CredentialError(text)
    if credential.status == CredentialStatus.SUSPENDED:
        text = (
            gettext("A suspended credential cannot be renewed; reinstate it first.")
            if renew
            else gettext("A suspended credential cannot be corrected; reinstate it first.")
        )
        raise CredentialError(text)


def renewal_default_until(credential: Credential, *, now: datetime | None = None) -> datetime | None:
    """Where a renewal without a date ends: one more validity period (the achievement's, else the credential's own
    length) counted from the later of now and the credential's end; None for a credential that does not end."""
    if credential.valid_until is None:
        return None
    now = now or timezone.now()
    period = (
        timedelta(days=credential.achievement.validity_days)
        if credential.achievement.validity_days
        else credential.valid_until - credential.valid_from
    )
    return (max(now, credential.valid_until) + period).replace(microsecond=0)


def _link(successor: Credential, predecessor: Credential, kind: str) -> Credential:
    if successor.replaces_id is None:
        successor.replaces, successor.replacement = predecessor, kind
        successor.save(update_fields=["replaces", "replacement", "updated_at"])
    return successor


@transaction.atomic
def credential_renew(
    *, credential: Credential, valid_until: datetime | None = None, actor: Actor, source: str
) -> Credential:
    """Issue the credential again with a later `validUntil` (default: `renewal_default_until`), linked to it.

    The predecessor stays valid until it ends: what it said was true for its period, and learners may have shared
    it. Refused for a revoked or suspended credential, one without an end date, and one already renewed or corrected
    (renew its successor); the same request again answers with the renewal made the first time.
    """
    old = _locked(credential, actor)
    successor = _successor(old)
    if successor is not None:
        if successor.replacement == Replacement.RENEWAL and valid_until in (None, successor.valid_until):
            return successor
        raise _already_replaced(successor)
    _refuse_unless_active(old, renew=True)
    if old.valid_until is None:
        raise CredentialError(
            gettext("This credential does not expire, so there is nothing to renew."), field="valid_until"
        )
    valid_until = valid_until or renewal_default_until(old)
    assert valid_until is not None  # the credential ends, so a renewal does
    if valid_until <= old.valid_until:
        raise CredentialError(
            gettext("valid_until must be later than the credential's current end, %(until)s.")
            % {"until": old.valid_until.isoformat()},
            field="valid_until",
        )
    new = credential_issue(
        request=AwardRequest(
            achievement=old.achievement,
            email=old.recipient_email,
            name=old.recipient_name,
            evidence=old.evidence,
            valid_until=valid_until,
            format=award_format(old),
            idempotency_key=f"renew:{old.uuid}",
            language=old.language,
        ),
        source=source,
        actor=actor,
    )
    _link(new, old, Replacement.RENEWAL)
    audit_record(
        issuer=old.issuer,
        action="credential.renewed",
        obj=old,
        actor=actor,
        data={
            "successor": new.public_id,
            "valid_until": new.valid_until.isoformat() if new.valid_until else None,
            "previous_until": old.valid_until.isoformat(),
        },
    )
    return new


@transaction.atomic
def credential_correct(
    *,
    credential: Credential,
    actor: Actor,
    source: str,
    name: str | None = None,
    achievement: Achievement | None = None,
) -> Credential:
    """Issue a corrected credential — the recipient's `name`, or `achievement` (another of the issuer's, or the same
    one in its current version) — and revoke this one as "Superseded by <new id>".

    The replacement keeps the original's validity period, evidence and e-mail language. Refused when nothing would
    change, for a revoked or suspended credential, and for one already renewed or corrected; the same request again
    answers with the correction made the first time.
    """
    old = _locked(credential, actor)
    target = achievement or old.achievement
    ensure_of_issuer(old.issuer, [target])
    new_name = documents.clean_name(name) if name is not None else old.recipient_name
    successor = _successor(old)
    if successor is not None:
        same = successor.achievement_id == target.pk and successor.recipient_name == new_name
        if successor.replacement == Replacement.CORRECTION and same:
            return successor
        raise _already_replaced(successor)
    _refuse_unless_active(old, renew=False)
    if new_name == old.recipient_name and target.pk == old.achievement_id and embedded_version(old) == target.version:
        raise CredentialError(
            gettext("Nothing to correct: the name and the achievement's version are those already issued."),
            field="name",
        )
    new = credential_issue(
        request=AwardRequest(
            achievement=target,
            email=old.recipient_email,
            name=new_name,
            evidence=old.evidence,
            valid_from=old.valid_from,
            valid_until=old.valid_until if target.pk == old.achievement_id else None,
            format=award_format(old),
            idempotency_key=f"correct:{old.uuid}",
            language=old.language,
        ),
        source=source,
        actor=actor,
    )
    _link(new, old, Replacement.CORRECTION)
    changes = {
        "name": [old.recipient_name, new.recipient_name] if old.recipient_name != new.recipient_name else None,
        "achievement": [old.achievement.slug, target.slug] if target.pk != old.achievement_id else None,
        "version": [embedded_version(old), target.version]
        if target.pk == old.achievement_id and embedded_version(old) != target.version
        else None,
    }
    audit_record(
        issuer=old.issuer,
        action="credential.corrected",
        obj=old,
        actor=actor,
        data={"successor": new.public_id, **{key: value for key, value in changes.items() if value}},
    )
    credential_revoke(credential=old, reason=SUPERSEDED_REASON.format(id=new.public_id), actor=actor)
    return new


def embedded_version(credential: Credential) -> str:
    """The achievement version the credential was signed with ("" when it named none)."""
    document = json.loads(credential.document)
    achievement = (document.get("credentialSubject") or {}).get("achievement") or {}
    version = achievement.get("version", "")
    return version if isinstance(version, str) else ""


@transaction.atomic
def credential_resend(*, credential: Credential, actor: Actor) -> Credential:
    """Queue the award e-mail to the learner again, for the same credential (nothing new is issued).

    Refused for a revoked or suspended credential, and beyond `RESEND_LIMIT` resends within `RESEND_WINDOW`
    (`ResendLimited`, with the seconds until the next may go): counted from the audit log under the row's lock, so
    two clicks at once count as two and the limit holds however many servers there are.
    """
    current = _locked(credential, actor)
    if current.status == CredentialStatus.REVOKED:
        raise CredentialError(gettext("This credential is revoked: its award e-mail is not sent again."))
    if current.status == CredentialStatus.SUSPENDED:
        raise CredentialError(gettext("This credential is suspended: reinstate it before sending its e-mail again."))
    now = timezone.now()
    recent = list(
        AuditEvent.objects.filter(
            issuer=current.issuer,
            object_type="credential",
            object_id=str(current.pk),
            action="credential.resent",
            created_at__gt=now - RESEND_WINDOW,
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) >= RESEND_LIMIT:
        wait = math.ceil((recent[0] + RESEND_WINDOW - now).total_seconds())
        raise ResendLimited(
            gettext(
                "The award e-mail was already sent again %(count)s times in the last 24 hours; "
                "try again in %(hours)s hours at the earliest."
            )
            % {"count": len(recent), "hours": max(1, math.ceil(wait / 3600))},
            retry_after=max(1, wait),
        )
    audit_record(
        issuer=current.issuer,
        action="credential.resent",
        obj=current,
        actor=actor,
        data={"to": current.recipient_email},
    )
    enqueue("badges.tasks.resend_award_email", current.pk, now.isoformat())
    return current
