"""Background work of the credential lifecycle: thin tasks that take ids and call a service.

Queues (config.celery.route_task): award e-mails on `<default>.email` (rate-limited, so an SMTP relay's limit is
respected however large a bulk job), baking on `<default>.baking`, bulk chunks on `<default>.bulk`, so a cohort
of 100,000 never delays a single award's e-mail behind it and each kind can get its own workers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

from badges.follow_ups import FollowUps
from badges.models import Credential
from badges.notifications import TRANSIENT_ERRORS, award_email_resend, award_email_send
from badges.reminders import expiry_digest_send, expiry_reminder_send, expiry_reminders_run
from config.tasks import enqueue_many

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Every e-mail to a learner (award, resend, expiry reminder): retried 3 times with backoff on transient mail failures,
# and rate-limited per worker so that a relay's limit holds however many are queued.
LEARNER_EMAIL_TASK: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "max_retries": 3,
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "rate_limit": settings.AWARD_EMAIL_RATE_LIMIT,
}


@shared_task(**LEARNER_EMAIL_TASK)
def send_award_email(self: Task, credential_id: int) -> None:
    """E-mail the learner about an award. Safe to run twice: the service skips a notified credential.

    Transient mail failures are retried with backoff up to 3 times; the service records every failure
    on the credential. Run in-process (no broker), a failure is recorded without retrying, so the
    request that made the award is never held up or broken by the mail server.
    """
    credential = Credential.objects.select_related("issuer", "achievement").filter(pk=credential_id).first()
    if credential is None:
        return
    will_retry = not self.request.is_eager and self.request.retries < cast(int, self.max_retries)  # 3, set above
    award_email_send(credential=credential, raise_transient=will_retry)


@shared_task(**LEARNER_EMAIL_TASK)
def resend_award_email(self: Task, credential_id: int, requested_at: str) -> None:
    """E-mail the learner about an award again, as an issuer asked (badges.lifecycle.credential_resend). Safe to run
    twice: the service sends nothing when an award e-mail went out since `requested_at` (ISO 8601)."""
    credential = Credential.objects.select_related("issuer", "achievement").filter(pk=credential_id).first()
    if credential is None:
        return
    will_retry = not self.request.is_eager and self.request.retries < cast(int, self.max_retries)  # 3, set above
    award_email_resend(
        credential=credential, requested_at=datetime.fromisoformat(requested_at), raise_transient=will_retry
    )


@shared_task(acks_late=True)
def send_award_emails(credential_ids: list[int]) -> None:
    """One message per award batch on the e-mail queue, fanned out there into one rate-limited, retried task per
    learner, so the bulk path pays for one enqueue per chunk. The fan-out goes through the outbox in one
    transaction: a broker lost halfway loses none of the e-mails. Safe to run twice (each e-mail is sent once)."""
    with transaction.atomic():
        enqueue_many("badges.tasks.send_award_email", [[credential_id] for credential_id in credential_ids])


@shared_task(acks_late=True)
def send_expiry_reminders() -> int:
    """The periodic reminder run (badges.reminders): writes the due reminders and queues their e-mails. Safe to
    run twice, or twice at once."""
    return expiry_reminders_run().total


@shared_task(**LEARNER_EMAIL_TASK)
def send_expiry_reminder(self: Task, reminder_id: int) -> None:
    """E-mail one expiry reminder; it is claimed first, so a reminder queued twice is sent once."""
    will_retry = not self.request.is_eager and self.request.retries < cast(int, self.max_retries)  # 3, set above
    expiry_reminder_send(reminder_id=reminder_id, raise_transient=will_retry)


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60)
def send_expiry_digest(issuer_id: int, reminder_ids: list[int], total: int | None = None) -> None:
    """The issuer's copy of a reminder run."""
    expiry_digest_send(issuer_id=issuer_id, reminder_ids=reminder_ids, total=total)


@shared_task(acks_late=True)
def bake_credential(credential_id: int) -> None:
    """Bake the credential's PNG and SVG badge once (see badges.baking). Safe to run twice: the service
    skips a credential already baked."""
    bake_credentials([credential_id])


@shared_task(acks_late=True)
def bake_credentials(credential_ids: list[int]) -> None:
    """Bake a batch of credentials (a bulk chunk, or one award). Safe to run twice, like `bake_credential`."""
    from badges.baking import credential_bake

    credentials = Credential.objects.select_related("achievement").filter(pk__in=credential_ids).order_by("pk")
    for credential in credentials.iterator(chunk_size=100):
        credential_bake(credential=credential)


def _bake_after_award(credential_ids: list[int]) -> list[tuple[str, list[Any]]]:
    return [("badges.tasks.bake_credentials", [credential_ids])]


def _notify_after_award(credential_ids: list[int]) -> list[tuple[str, list[Any]]]:
    # One award: its own e-mail task at once; a batch: one message that fans out on the e-mail queue.
    if len(credential_ids) == 1:
        return [("badges.tasks.send_award_email", [credential_ids[0]])]
    return [("badges.tasks.send_award_emails", [credential_ids])]


# Registered by badges.apps: how the services' awards are followed up (badges.follow_ups).
AWARD_FOLLOW_UPS = FollowUps(bake=_bake_after_award, notify=_notify_after_award)
