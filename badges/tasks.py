"""Background work of the credential lifecycle: thin tasks that take ids and call a service."""

from __future__ import annotations

from celery import Task, shared_task

from badges.models import Credential
from badges.notifications import TRANSIENT_ERRORS, award_email_send


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=3,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
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
    will_retry = not self.request.is_eager and self.request.retries < self.max_retries
    award_email_send(credential=credential, raise_transient=will_retry)


@shared_task(acks_late=True)
def bake_credential(credential_id: int) -> None:
    """Bake the credential's PNG and SVG badge once (see badges.baking). Safe to run twice: the service
    skips a credential already baked."""
    from badges.baking import credential_bake

    credential = Credential.objects.select_related("achievement").filter(pk=credential_id).first()
    if credential is None:
        return
    credential_bake(credential=credential)


@shared_task(bind=True, acks_late=True)
def process_bulk_job(self: Task, job_id: int) -> None:
    """Issue one chunk of a bulk job, then enqueue the next, so no task runs long and a pause takes effect
    between chunks. Safe to run twice: each row is claimed and committed with its award (badges.bulk.jobs).
    In-process (no broker) it loops here instead, since a nested `.delay()` would recurse once per chunk."""
    from badges.bulk.jobs import bulk_job_finish, bulk_job_process_chunk
    from badges.models import BulkJob, BulkJobStatus

    while True:
        status = BulkJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status not in (BulkJobStatus.QUEUED, BulkJobStatus.RUNNING):
            return
        if bulk_job_process_chunk(job_id=job_id) == 0:
            bulk_job_finish(job_id=job_id)
            return
        if not self.request.is_eager:
            process_bulk_job.delay(job_id)
            return
