"""Bulk jobs: an uploaded file's valid rows stored once, then issued in chunks by a background task.

Each award is its own transaction, together with its row's new status and the job's counters, so a chunk that is
retried or delivered twice finds the row done; a row left pending by a crash is issued under the same idempotency
key, which hands back the credential issued first instead of a second one.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from badges.bulk.parsing import BulkFileError, parse_upload
from badges.bulk.validation import Preview, validate_rows
from badges.models import Achievement, BulkJob, BulkJobStatus, BulkRow, BulkRowStatus, Credential
from badges.services import AwardRequest, CredentialError, credential_issue
from issuer.models import Issuer
from issuer.services import audit_record

CHUNK_SIZE = 200
RESULT_COLUMNS = ["line", "status", "credential", "error"]
ACTIVE_STATUSES = (BulkJobStatus.QUEUED, BulkJobStatus.RUNNING)
ENDED_STATUSES = (BulkJobStatus.CANCELLED, BulkJobStatus.FINISHED, BulkJobStatus.FAILED)


class BulkJobError(Exception):
    """The job is not in a state that allows the change; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _audit(
    job: BulkJob, action: str, *, actor: AbstractBaseUser | None = None, actor_label: str = "", **data: Any
) -> None:
    audit_record(issuer=job.issuer, action=action, obj=job, actor=actor, actor_label=actor_label, data=data)


def _locked(job_id: int) -> BulkJob:
    return BulkJob.objects.select_for_update(of=("self",)).select_related("issuer", "created_by").get(pk=job_id)


@transaction.atomic
def bulk_job_create(
    *,
    issuer: Issuer,
    data: bytes,
    filename: str,
    achievement: Achievement | None = None,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
) -> tuple[BulkJob, Preview]:
    """Read and check the upload; store its valid rows as a job waiting to be started.

    Raises BulkFileError when the file as a whole cannot be used."""
    parsed = parse_upload(data, filename=filename)
    try:
        preview = validate_rows(issuer=issuer, parsed=parsed, achievement=achievement)
    except ValueError as exc:
        raise BulkFileError(str(exc)) from exc
    job = BulkJob.objects.create(
        issuer=issuer,
        achievement=achievement,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        source_name=filename[:255],
        total_rows=preview.total,
        valid_rows=len(preview.valid),
    )
    BulkRow.objects.bulk_create(
        [
            BulkRow(
                job=job,
                line=row.line,
                email=row.email,
                name=row.name,
                achievement=row.achievement,
                evidence=row.evidence,
                valid_until=row.valid_until,
                external_id=row.external_id,
                idempotency_key=row.idempotency_key,
            )
            for row in preview.valid
        ],
        batch_size=1_000,
    )
    _audit(
        job,
        "bulk.created",
        actor=actor,
        actor_label=actor_label,
        file=job.source_name,
        total=preview.total,
        valid=len(preview.valid),
    )
    return job, preview


@transaction.atomic
def bulk_job_start(*, job: BulkJob, actor: AbstractBaseUser | None = None, actor_label: str = "") -> BulkJob:
    """Queue a validated or paused job; the task is enqueued once this commits."""
    from badges.tasks import process_bulk_job  # tasks import services, never the other way at module level

    job = _locked(job.pk)
    if job.status not in (BulkJobStatus.VALIDATED, BulkJobStatus.PAUSED):
        raise BulkJobError(f"A {job.status} job cannot be started.")
    if job.valid_rows == 0:
        raise BulkJobError("The job has no valid rows to issue.")
    resumed = job.status == BulkJobStatus.PAUSED
    job.status = BulkJobStatus.QUEUED
    job.started_at = job.started_at or timezone.now()
    job.save(update_fields=["status", "started_at"])
    _audit(job, "bulk.resumed" if resumed else "bulk.started", actor=actor, actor_label=actor_label)
    job_id = job.pk
    transaction.on_commit(lambda: process_bulk_job.delay(job_id))
    return job


@transaction.atomic
def bulk_job_pause(*, job: BulkJob, actor: AbstractBaseUser | None = None, actor_label: str = "") -> BulkJob:
    """Stop after the current chunk; `bulk_job_start` resumes."""
    job = _locked(job.pk)
    if job.status not in ACTIVE_STATUSES:
        raise BulkJobError(f"A {job.status} job cannot be paused.")
    job.status = BulkJobStatus.PAUSED
    job.save(update_fields=["status"])
    _audit(job, "bulk.paused", actor=actor, actor_label=actor_label)
    return job


@transaction.atomic
def bulk_job_cancel(*, job: BulkJob, actor: AbstractBaseUser | None = None, actor_label: str = "") -> BulkJob:
    """End the job for good: rows not yet issued stay pending and are never issued by it."""
    job = _locked(job.pk)
    if job.status in ENDED_STATUSES:
        raise BulkJobError(f"A {job.status} job cannot be cancelled.")
    job.status = BulkJobStatus.CANCELLED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    _audit(job, "bulk.cancelled", actor=actor, actor_label=actor_label, done=job.done_rows, failed=job.failed_rows)
    return job


def bulk_job_process_chunk(*, job_id: int, size: int = CHUNK_SIZE) -> int:
    """Issue up to `size` pending rows of a queued or running job, in line order; returns how many were handled.

    Not one transaction on purpose: every row commits with its award, so work done survives a crash mid-chunk."""
    with transaction.atomic():
        job = _locked(job_id)
        if job.status == BulkJobStatus.QUEUED:
            job.status = BulkJobStatus.RUNNING
            job.save(update_fields=["status"])
        if job.status != BulkJobStatus.RUNNING:
            return 0
    # Read the chunk once (achievements shared between rows); each row is then claimed again under lock.
    candidates = list(
        BulkRow.objects.filter(job_id=job_id, status=BulkRowStatus.PENDING)
        .select_related("achievement__issuer")
        .order_by("pk")[:size]
    )
    achievements: dict[int, Achievement] = {}
    processed = 0
    for row in candidates:
        row.achievement = achievements.setdefault(row.achievement_id, row.achievement)
        if _process_row(job=job, row=row):
            processed += 1
    return processed


def _process_row(*, job: BulkJob, row: BulkRow) -> bool:
    with transaction.atomic():
        claim = BulkRow.objects.filter(pk=row.pk, status=BulkRowStatus.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            # Another worker holding this row is issuing it: leave it to that worker.
            claim = claim.select_for_update(skip_locked=True)
        if not claim.values_list("pk", flat=True):
            return False
        existed = Credential.objects.filter(issuer_id=job.issuer_id, idempotency_key=row.idempotency_key).exists()
        try:
            credential = credential_issue(
                request=AwardRequest(
                    achievement=row.achievement,
                    email=row.email,
                    name=row.name,
                    evidence=row.evidence,
                    valid_until=row.valid_until,
                    idempotency_key=row.idempotency_key,
                ),
                source="bulk",
                actor=job.created_by,
                actor_label=f"bulk job {job.uuid}",
                notify=True,
            )
        except CredentialError as exc:
            row.status = BulkRowStatus.FAILED
            row.error = exc.message
            counter = "failed_rows"
        else:
            row.status = BulkRowStatus.SKIPPED if existed else BulkRowStatus.ISSUED
            row.credential = credential
            row.error = "already issued" if existed else ""
            counter = "done_rows"
        row.save(update_fields=["status", "credential", "error"])
        BulkJob.objects.filter(pk=job.pk).update(**{counter: F(counter) + 1})
    return True


@transaction.atomic
def bulk_job_finish(*, job_id: int) -> BulkJob:
    """Close a running job with no pending rows: write the result CSV and mark it finished. Otherwise a no-op."""
    job = _locked(job_id)
    if job.status != BulkJobStatus.RUNNING or job.rows.filter(status=BulkRowStatus.PENDING).exists():
        return job
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    rows = job.rows.select_related("credential").order_by("line", "pk")
    for row in rows.iterator(chunk_size=1_000):
        public_id = row.credential.public_id if row.credential is not None else ""
        writer.writerow([row.line, row.status, public_id, row.error])
    job.result_file.save(f"{job.uuid}.csv", ContentFile(buffer.getvalue().encode("utf-8")), save=False)
    job.status = BulkJobStatus.FINISHED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "result_file"])
    _audit(job, "bulk.finished", done=job.done_rows, failed=job.failed_rows, valid=job.valid_rows)
    return job
