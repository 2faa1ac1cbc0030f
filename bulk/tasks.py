"""Background work of bulk jobs: thin tasks that take a job's id and call bulk.jobs.

Chunks and the undo run on `<default>.bulk`, the uploader's report on `<default>.email` (config.celery.route_task),
so a cohort of 100,000 never delays a single award's e-mail and each kind can get its own workers.

The tasks keep the names they had in `badges.tasks`, as the tables keep theirs: messages already queued when
bulk became an app of its own (a chain's next chunk, an undo) still find their task, and the routes and beat's
schedule name them as before.
"""

from __future__ import annotations

import time
from datetime import timedelta

from celery import Task, shared_task
from celery.signals import worker_ready
from django.conf import settings

from badges.notifications import TRANSIENT_ERRORS
from badges.tasks import DATABASE_ERRORS
from bulk.background import Background
from bulk.jobs import (
    bulk_job_finish,
    bulk_job_process_chunk,
    bulk_job_report_send,
    bulk_job_running,
    bulk_job_undo_run,
    bulk_jobs_resume,
)
from config.celery import LongRunningTask
from config.tasks import enqueue

# A task of a chain goes on with the next chunk while it is younger than this. One chunk per task cost a broker
# round trip, a new database connection (CONN_MAX_AGE 0: Celery closes it after each task) and that connection's
# cold caches per chunk: ~20 ms of a worker's CPU per 200 rows, an eighth of the job (docs/performance.md). Ten
# seconds keeps what a redelivered or resumed chain redoes small, and a pause or cancel is still seen between chunks.
CHAIN_TASK_SECONDS = 10.0


@shared_task(
    name="badges.tasks.process_bulk_job",
    bind=True,
    base=LongRunningTask,  # without a broker, in a thread of its own (outbox.services.run_apart)
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    max_retries=5,
    retry_backoff=5,
)
def process_bulk_job(self: Task, job_id: int) -> None:
    """Issue chunks of a bulk job for up to CHAIN_TASK_SECONDS, then enqueue the next task of the chain, so no task
    runs long; a pause takes effect between chunks. Several of these chains run side by side on one job
    (settings.BULK_PARALLEL_CHUNKS); each claims its own rows. Safe to run twice: a chunk commits its rows with
    their credentials (bulk.jobs). In-process (no broker) it loops until the job is done, since a nested
    `.delay()` would recurse once per chunk."""
    deadline = time.monotonic() + CHAIN_TASK_SECONDS
    while bulk_job_running(job_id):
        if bulk_job_process_chunk(job_id=job_id) == 0:
            bulk_job_finish(job_id=job_id)
            return
        if not self.request.is_eager and time.monotonic() >= deadline:
            _process(job_id)
            return


@shared_task(
    name="badges.tasks.undo_bulk_job",
    base=LongRunningTask,
    acks_late=True,
    autoretry_for=DATABASE_ERRORS,
    max_retries=5,
    retry_backoff=5,
)
def undo_bulk_job(job_id: int) -> None:
    """Revoke what a bulk job issued, a batch per transaction; safe to run twice (revoked ones are skipped)."""
    bulk_job_undo_run(job_id=job_id)


@shared_task(
    name="badges.tasks.send_bulk_job_report",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=3,
    retry_backoff=30,
)
def send_bulk_job_report(job_id: int) -> None:
    """E-mail the uploader the totals of a finished job. Safe to run twice: sent once per job."""
    bulk_job_report_send(job_id=job_id)


@shared_task(name="badges.tasks.resume_bulk_jobs")
def resume_bulk_jobs(only_stale: bool = True) -> int:
    """Restart the chains of jobs left running by a worker that died (its unacknowledged message comes back only
    after the broker's visibility timeout). Beat runs it every minute for jobs without a chunk for
    BULK_STALE_SECONDS; a starting worker runs it for every active job."""
    return bulk_jobs_resume(stale_after=timedelta(seconds=settings.BULK_STALE_SECONDS) if only_stale else None)


@worker_ready.connect
def _resume_on_worker_start(sender: object = None, **kwargs: object) -> None:
    resume_bulk_jobs.delay(only_stale=False)


def _process(job_id: int) -> None:
    enqueue("badges.tasks.process_bulk_job", job_id)


def _report(job_id: int) -> None:
    enqueue("badges.tasks.send_bulk_job_report", job_id)


def _undo(job_id: int) -> None:
    enqueue("badges.tasks.undo_bulk_job", job_id)


# Registered by bulk.apps: how bulk.jobs starts its background work (bulk.background).
BULK_BACKGROUND = Background(process=_process, report=_report, undo=_undo)
