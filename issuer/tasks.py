"""Background work of the issuer app: the staff e-mails, sent after the change that needs them has committed."""

from __future__ import annotations

import smtplib

from celery import shared_task

from issuer.services import invitation_email_send, staff_added_email_send

# Failures worth another attempt later: the mail server was unreachable, slow or refused for now.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=30)
def send_invitation(invitation_id: int) -> bool:
    """E-mail an invitation's link. Safe to run twice: the link is the same, and nothing is sent for an invitation
    accepted, withdrawn or expired meanwhile."""
    return invitation_email_send(invitation_id=invitation_id)


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=30)
def send_staff_added(membership_id: int) -> bool:
    """Tell someone they were added to an issuer's staff (a second run sends the same notice again)."""
    return staff_added_email_send(membership_id=membership_id)
