"""Background work of the credential lifecycle: thin tasks that take ids and call a service.

Queues (config.celery.route_task): award e-mails on `<default>.email` (rate-limited, so an SMTP relay's limit is
respected however large a bulk job), baking on `<default>.baking`, bulk chunks on `<default>.bulk`, so a cohort
of 100,000 never delays a single award's e-mail behind it and each kind can get its own workers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from celery import Task, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError

from badges.follow_ups import FollowUps
from badges.models import Credential
from badges.notifications import TRANSIENT_ERRORS, award_email_send

DATABASE_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=3,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    rate_limit=settings.AWARD_EMAIL_RATE_LIMIT,
)
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


@shared_task(acks_late=True)
def send_award_emails(credential_ids: list[int]) -> None:
    """One message per award batch on the e-mail queue, fanned out there into one rate-limited, retried task per
    learner, so the bulk path pays for one enqueue per chunk."""
    for credential_id in credential_ids:
        send_award_email.delay(credential_id)


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


def _bake_after_award(credential_ids: list[int]) -> None:
    bake_credentials.delay(credential_ids)


def _notify_after_award(credential_ids: list[int]) -> None:
    # One award: its own e-mail task at once; a batch: one message that fans out on the e-mail queue.
    if len(credential_ids) == 1:
        send_award_email.delay(credential_ids[0])
    else:
        send_award_emails.delay(credential_ids)


# Registered by badges.apps: how the services' awards are followed up (badges.follow_ups).
AWARD_FOLLOW_UPS = FollowUps(bake=_bake_after_award, notify=_notify_after_award)


@shared_task(bind=True, acks_late=True, autoretry_for=DATABASE_ERRORS, max_retries=5, retry_backoff=5)
def process_bulk_job(self: Task, job_id: int) -> None:
    """Issue one chunk of a bulk job, then enqueue the next, so no task runs long and a pause takes effect
    between chunks. Several of these chains run side by side on one job (settings.BULK_PARALLEL_CHUNKS); each
    claims its own rows. Safe to run twice: a chunk commits its rows with their credentials (badges.bulk.jobs).
    In-process (no broker) it loops here instead, since a nested `.delay()` would recurse once per chunk."""
    from badges.bulk.jobs import bulk_job_finish, bulk_job_process_chunk, bulk_job_running

    while bulk_job_running(job_id):
        if bulk_job_process_chunk(job_id=job_id) == 0:
            bulk_job_finish(job_id=job_id)
            return
        if not self.request.is_eager:
            process_bulk_job.delay(job_id)
            return


@shared_task(acks_late=True, autoretry_for=DATABASE_ERRORS, max_retries=5, retry_backoff=5)
def undo_bulk_job(job_id: int) -> None:
    """Revoke what a bulk job issued, a batch per transaction; safe to run twice (revoked ones are skipped)."""
    from badges.bulk.jobs import bulk_job_undo_run

    bulk_job_undo_run(job_id=job_id)


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=30)
def send_bulk_job_report(job_id: int) -> None:
    """E-mail the uploader the totals of a finished job. Safe to run twice: sent once per job."""
    from badges.bulk.jobs import bulk_job_report_send

    bulk_job_report_send(job_id=job_id)


@shared_task
def resume_bulk_jobs(only_stale: bool = True) -> int:
    """Restart the chains of jobs left running by a worker that died (its unacknowledged message comes back only
    after the broker's visibility timeout). Beat runs it every minute for jobs without a chunk for
    BULK_STALE_SECONDS; a starting worker runs it for every active job."""
    from badges.bulk.jobs import bulk_jobs_resume

    return bulk_jobs_resume(stale_after=timedelta(seconds=settings.BULK_STALE_SECONDS) if only_stale else None)


@worker_ready.connect
def _resume_on_worker_start(sender: object = None, **kwargs: object) -> None:
    resume_bulk_jobs.delay(only_stale=False)
