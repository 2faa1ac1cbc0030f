"""The e-mail that tells a learner about an award.

Sending runs after the award has committed (a task queued by `credential_issue`), so a failed
e-mail can never fail or undo an award: the outcome is recorded on the credential instead
(`notified_at`, or `notification_error`) and in its audit trail.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from badges.languages import recipient_language
from badges.models import Credential, CredentialStatus
from issuer.services import audit_record

logger = logging.getLogger(__name__)

# Failures worth another attempt later: the mail server was unreachable, slow or refused for now.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, ConnectionError, TimeoutError)
# Used when EMAIL_TIMEOUT is not configured, so that an unresponsive server cannot hold a worker.
DEFAULT_TIMEOUT_SECONDS = 30


def award_email_message(*, credential: Credential) -> EmailMultiAlternatives:
    """The award e-mail (plain text with an HTML alternative), addressed but not sent."""
    achievement = credential.achievement
    issuer = credential.issuer
    context = {
        "credential": credential,
        "achievement": achievement,
        "issuer": issuer,
        "recipient_name": credential.recipient_name,
        "public_url": credential.public_id,
        "site_url": settings.SITE_URL,
    }
    # Names are single-line already (cleaned on entry); a header must never carry a line break.
    # In the active language: award_email_send activates the recipient's (D52).
    subject = gettext("You earned %(achievement)s from %(issuer)s") % {
        "achievement": achievement.name,
        "issuer": issuer.name,
    }
    subject = " ".join(subject.split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/award.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[credential.recipient_email],
        reply_to=[issuer.email] if issuer.email else None,
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("emails/award.html", context), "text/html")
    return message


def award_email_send(*, credential: Credential, raise_transient: bool = False) -> None:
    """Send the award e-mail once and record the outcome; never raises into the award.

    A credential already notified is not e-mailed again (a task may be delivered twice), and one
    revoked before the e-mail went out is not announced. Any failure is recorded in
    `notification_error`. `raise_transient` is for the task alone: when another attempt will follow,
    a transient failure is recorded and then re-raised so that the task retries it.
    """
    if credential.notified_at is not None:
        return
    if credential.status == CredentialStatus.REVOKED:
        _record_failure(credential, "Not sent: the credential was revoked before the e-mail went out.")
        return
    _deliver(credential, raise_transient=raise_transient)


def award_email_resend(*, credential: Credential, requested_at: datetime, raise_transient: bool = False) -> None:
    """Send the award e-mail again, as an issuer asked at `requested_at` (badges.lifecycle.credential_resend, D64).

    Sent unless an award e-mail already went out since the request (a task delivered twice sends once), and not for
    a credential revoked or suspended meanwhile. The outcome is recorded as for the first e-mail.
    """
    if credential.notified_at is not None and credential.notified_at >= requested_at:
        return
    if credential.status != CredentialStatus.ACTIVE:
        _record_failure(
            credential, "Not sent again: the credential was revoked or suspended before the e-mail went out."
        )
        return
    _deliver(credential, raise_transient=raise_transient)


def _deliver(credential: Credential, *, raise_transient: bool) -> None:
    language = recipient_language(
        email=credential.recipient_email, chosen=credential.language, issuer_default=credential.issuer.language
    )
    try:
        with translation.override(language):
            message = award_email_message(credential=credential)
        timeout = getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_TIMEOUT_SECONDS
        message.connection = get_connection(timeout=timeout)
        message.send()
    except Exception as exc:  # any failure of the mail path is recorded, never propagated into the award
        logger.warning("Award e-mail for credential %s failed: %r", credential.pk, exc)
        _record_failure(credential, f"{type(exc).__name__}: {exc}".strip())
        if raise_transient and isinstance(exc, TRANSIENT_ERRORS):
            raise
        return
    credential.notified_at = timezone.now()
    credential.notification_error = ""
    with transaction.atomic():
        # Only these columns: the row may have changed (a revocation) since this copy was read.
        Credential.objects.filter(pk=credential.pk).update(notified_at=credential.notified_at, notification_error="")
        audit_record(
            issuer=credential.issuer,
            action="credential.emailed",
            obj=credential,
            actor_label="award e-mail",
            data={"to": credential.recipient_email, "language": language},
        )


def _record_failure(credential: Credential, error: str) -> None:
    credential.notification_error = error[:2000]
    with transaction.atomic():
        Credential.objects.filter(pk=credential.pk).update(notification_error=credential.notification_error)
        audit_record(
            issuer=credential.issuer,
            action="credential.email_failed",
            obj=credential,
            actor_label="award e-mail",
            data={"to": credential.recipient_email, "error": credential.notification_error},
        )
