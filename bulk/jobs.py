"""Bulk jobs: every row of an uploaded file stored once, the valid ones issued in chunks by background tasks.

A chunk is one transaction: its rows are claimed under row locks (rows another chunk holds are skipped), their
credentials are signed and bulk-inserted, and the rows, the job's counters and the audit rows are written with
them. A chunk that crashes leaves nothing behind and its rows are claimed again; a chunk delivered twice finds
its rows done. The idempotency key of every row is unique per issuer in the database, so no row can be issued
twice whatever happens to the workers (see docs/decisions.md, D19).

Creating, starting, pausing, cancelling and undoing a job need Action.AWARD in its issuer (D34). The chunks and the
undo then run in workers as a system actor naming the job, on behalf of its uploader: the job was authorized when
it was started, and the worker has no one else to ask.
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from badges.bulk_insert import insert_many
from badges.exports import (
    CREDENTIAL_COLUMNS,
    EXPORT_BATCH,
    CredentialLinks,
    status_and_reason,
    timestamp,
    write_csv,
)
from badges.models import Achievement, Credential, CredentialStatus
from badges.services import AwardRequest, CredentialError, IssueOutcome, credential_issue_many, credential_revoke_many
from bulk.background import background
from bulk.events import JobEvent, publish_job_on_commit
from bulk.models import BulkJob, BulkJobStatus, BulkRow, BulkRowStatus, BulkUpload
from bulk.parsing import BulkFileError, ParsedFile, parse_upload
from bulk.validation import Preview, validate_rows
from issuer.models import Issuer
from issuer.permissions import Action, Actor, SystemActor, audit_user, authorize, ensure_of_issuer
from issuer.services import audit_record

logger = logging.getLogger(__name__)

RESULT_COLUMNS = ["line", *CREDENTIAL_COLUMNS]
# What the result CSV reads of each row and of its credential (_result_cells).
RESULT_FIELDS = (
    "line",
    "status",
    "error",
    "email",
    "name",
    "external_id",
    "achievement__name",
    "credential__status",
    "credential__status_reason",
    "credential__valid_from",
    "credential__valid_until",
    "credential__created_at",
    "credential__uuid",
)
ACTIVE_STATUSES = (BulkJobStatus.QUEUED, BulkJobStatus.RUNNING)
ENDED_STATUSES = (BulkJobStatus.CANCELLED, BulkJobStatus.FINISHED, BulkJobStatus.FAILED)
UNDO_BATCH = 1_000
# A kept upload whose job was never started is forgotten after this (it holds learners' addresses).
UPLOAD_KEPT_FOR = timedelta(days=1)
# Each kept file may be 20 MB (bulk.parsing.MAX_BYTES): an issuer keeps at most this many, the newest, so that
# uploads without end (a script, a stolen session) cannot fill the disk within the day.
UPLOADS_KEPT_PER_ISSUER = 20
EMAIL_FIELD_LENGTH = BulkRow._meta.get_field("email").max_length


class BulkJobError(Exception):
    """The job is not in a state that allows the change; the message says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _status_word(job: BulkJob) -> str:
    """The job's status as a word inside a sentence ("a paused job"), in the active language."""
    return job.get_status_display().lower()


def _audit(job: BulkJob, action: str, *, actor: Actor | None = None, **data: Any) -> None:
    audit_record(issuer=job.issuer, action=action, obj=job, actor=actor, data=data)


def _locked(job_id: int) -> BulkJob:
    return BulkJob.objects.select_for_update(of=("self",)).select_related("issuer", "created_by").get(pk=job_id)


def _authorized(job: BulkJob, actor: Actor) -> BulkJob:
    """The job, locked, once `actor` is found allowed to award in its issuer."""
    job = _locked(job.pk)
    authorize(actor, job.issuer, Action.AWARD)
    return job


@transaction.atomic
def bulk_job_create(
    *,
    issuer: Issuer,
    data: bytes,
    filename: str,
    actor: Actor,
    achievement: Achievement | None = None,
) -> tuple[BulkJob, Preview]:
    """Read and check the upload; store its rows (valid ones pending, invalid ones with their reasons) as a job
    waiting to be confirmed. Raises BulkFileError when the file as a whole cannot be used."""
    authorize(actor, issuer, Action.AWARD)
    return _job_create(
        issuer=issuer,
        parsed=parse_upload(data, filename=filename),
        filename=filename,
        achievement=achievement,
        actor=actor,
    )


def _job_create(
    *,
    issuer: Issuer,
    parsed: ParsedFile,
    filename: str,
    actor: Actor,
    achievement: Achievement | None,
    upload: BulkUpload | None = None,
) -> tuple[BulkJob, Preview]:
    ensure_of_issuer(issuer, [achievement] if achievement is not None else [])
    try:
        preview = validate_rows(issuer=issuer, parsed=parsed, achievement=achievement)
    except ValueError as exc:  # about the file as a whole and the achievement chosen for it
        raise BulkFileError(str(exc), field="achievement") from exc
    job = BulkJob.objects.create(
        issuer=issuer,
        achievement=achievement,
        created_by=audit_user(actor),
        source_name=filename[:255],
        total_rows=preview.total,
        valid_rows=len(preview.valid),
        upload=upload,
    )
    raw_emails = {row.line: row.values.get("email", "") for row in parsed.rows}
    rows = [
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
            language=row.language,
            results=row.results,
            awarded_date=row.awarded_date,
            activity_start_date=row.activity_start_date,
            activity_end_date=row.activity_end_date,
            narrative=row.narrative,
        )
        for row in preview.valid
    ]
    rows += [
        BulkRow(
            job=job,
            line=row.line,
            email=raw_emails.get(row.line, "")[:EMAIL_FIELD_LENGTH],
            status=BulkRowStatus.INVALID,
            error="; ".join(row.reasons),
        )
        for row in preview.invalid
    ]
    rows.sort(key=lambda row: row.line)
    # COPY on PostgreSQL: for 100,000 rows bulk_create's quoting in Python was more than half of the upload's time.
    insert_many(rows)
    _audit(
        job,
        "bulk.created",
        actor=actor,
        file=job.source_name,
        total=preview.total,
        valid=len(preview.valid),
    )
    return job, preview


@transaction.atomic
def bulk_upload_keep(*, issuer: Issuer, data: bytes, filename: str, actor: Actor) -> tuple[BulkUpload, ParsedFile]:
    """Keep a file uploaded on the issuer's pages, once it reads as a file of awards (BulkFileError otherwise, and
    nothing is kept), whatever else its form got wrong: the page that comes back shows it instead of asking for it
    again. Returns it with its parsed rows, so that the job made from it does not read it twice."""
    authorize(actor, issuer, Action.AWARD)
    parsed = parse_upload(data, filename=filename)
    _forget_uploads(issuer=issuer)
    upload = BulkUpload(issuer=issuer, uploaded_by=audit_user(actor), name=filename[:255], rows=len(parsed.rows))
    # Stored under its own UUID: the uploader's file name is shown, never used as a path.
    upload.file.save(f"{upload.uuid}.upload", ContentFile(data), save=False)
    upload.save()
    return upload, parsed


def bulk_job_create_from_upload(
    *, upload: BulkUpload, actor: Actor, achievement: Achievement | None = None, parsed: ParsedFile | None = None
) -> tuple[BulkJob, Preview]:
    """bulk_job_create for a kept upload. The previews made from the same file that still wait for confirmation
    are discarded: checking a file again (with another achievement) replaces its earlier preview."""
    authorize(actor, upload.issuer, Action.AWARD)
    if parsed is None:
        with upload.file.open("rb") as file:
            parsed = parse_upload(file.read(), filename=upload.name)
    with transaction.atomic():
        job, preview = _job_create(
            issuer=upload.issuer,
            parsed=parsed,
            filename=upload.name,
            achievement=achievement,
            actor=actor,
            upload=upload,
        )
        for earlier in upload.jobs.filter(status=BulkJobStatus.VALIDATED).exclude(pk=job.pk):
            bulk_job_cancel(job=earlier, actor=actor)
    return job, preview


def _forget_uploads(*, issuer: Issuer, uploads: QuerySet[BulkUpload] | None = None) -> int:
    """Delete kept uploads: `uploads`, or the issuer's older than UPLOAD_KEPT_FOR; part of an authorized write
    (a new upload, a start). Their files go once this commits (a rolled-back deletion keeps them)."""
    if uploads is None:
        kept = BulkUpload.objects.filter(issuer=issuer)
        # Room for the one about to be kept: the newest UPLOADS_KEPT_PER_ISSUER - 1 stay, if younger than a day.
        newest = kept.order_by("-created_at", "-pk").values_list("pk", flat=True)[: UPLOADS_KEPT_PER_ISSUER - 1]
        uploads = kept.exclude(pk__in=list(newest)) | kept.filter(created_at__lt=timezone.now() - UPLOAD_KEPT_FOR)
    forgotten = list(uploads.filter(issuer=issuer))
    for upload in forgotten:
        transaction.on_commit(partial(upload.file.storage.delete, upload.file.name))
    BulkUpload.objects.filter(pk__in=[upload.pk for upload in forgotten]).delete()
    return len(forgotten)


@transaction.atomic
def bulk_job_start(*, job: BulkJob, actor: Actor) -> BulkJob:
    """Confirm a validated job or resume a paused one; its chunk tasks are enqueued once this commits."""
    job = _authorized(job, actor)
    if job.status not in (BulkJobStatus.VALIDATED, BulkJobStatus.PAUSED):
        raise BulkJobError(gettext("A %(status)s job cannot be started.") % {"status": _status_word(job)})
    if job.valid_rows == 0:
        raise BulkJobError(gettext("The job has no valid rows to issue."))
    resumed = job.status == BulkJobStatus.PAUSED
    now = timezone.now()
    job.status = BulkJobStatus.QUEUED
    job.started_at = job.started_at or now
    job.run_started_at = now
    job.run_started_rows = job.done_rows + job.failed_rows
    job.save(update_fields=["status", "started_at", "run_started_at", "run_started_rows"])
    _audit(job, "bulk.resumed" if resumed else "bulk.started", actor=actor)
    if job.upload_id is not None:  # its rows are stored: the file is not needed any more
        _forget_uploads(issuer=job.issuer, uploads=BulkUpload.objects.filter(pk=job.upload_id))
        job.upload = None
    _enqueue_chains(job.pk)  # recorded with the job's new status; the chains start once it commits
    return job


def _enqueue_chains(job_id: int) -> None:
    process = background().process
    # In-process a single call runs the whole job; with a broker, chains run side by side on the workers.
    chains = 1 if settings.CELERY_TASK_ALWAYS_EAGER else max(1, settings.BULK_PARALLEL_CHUNKS)
    for _ in range(chains):
        process(job_id)


@transaction.atomic
def bulk_job_pause(*, job: BulkJob, actor: Actor) -> BulkJob:
    """Stop after the chunks in progress; `bulk_job_start` resumes."""
    job = _authorized(job, actor)
    if job.status not in ACTIVE_STATUSES:
        raise BulkJobError(gettext("A %(status)s job cannot be paused.") % {"status": _status_word(job)})
    job.status = BulkJobStatus.PAUSED
    job.save(update_fields=["status"])
    _audit(job, "bulk.paused", actor=actor)
    return job


@transaction.atomic
def bulk_job_cancel(*, job: BulkJob, actor: Actor) -> BulkJob:
    """End the job for good: rows not yet issued stay pending and are never issued by it."""
    job = _authorized(job, actor)
    if job.status in ENDED_STATUSES:
        raise BulkJobError(gettext("A %(status)s job cannot be cancelled.") % {"status": _status_word(job)})
    job.status = BulkJobStatus.CANCELLED
    job.finished_at = timezone.now()
    fields = ["status", "finished_at"]
    if job.done_rows or job.failed_rows:  # something was issued: the issuer needs the list
        _save_results(job)
        fields.append("result_file")
    job.save(update_fields=fields)
    _audit(job, "bulk.cancelled", actor=actor, done=job.done_rows, failed=job.failed_rows)
    return job


def bulk_job_running(job_id: int) -> bool:
    return BulkJob.objects.filter(pk=job_id, status__in=ACTIVE_STATUSES).exists()


def bulk_job_process_chunk(*, job_id: int, size: int | None = None) -> int:
    """Issue up to `size` pending rows of a queued or running job in one transaction; returns how many rows it
    handled (0: nothing left that another chunk is not already holding)."""
    size = size or settings.BULK_CHUNK_SIZE
    try:
        return _process_chunk(job_id=job_id, size=size)
    except _JobStopped:
        return 0  # paused or cancelled while the chunk was signing: rolled back, its rows stay pending


class _JobStopped(Exception):
    pass


def _process_chunk(*, job_id: int, size: int) -> int:
    job = BulkJob.objects.select_related("issuer", "created_by").get(pk=job_id)
    if job.status == BulkJobStatus.QUEUED:
        # Compare-and-set, not a lock: a transaction of its own per chunk cost a commit (a WAL flush) each time.
        BulkJob.objects.filter(pk=job_id, status=BulkJobStatus.QUEUED).update(status=BulkJobStatus.RUNNING)
        job.refresh_from_db(fields=["status"])
    if job.status != BulkJobStatus.RUNNING:
        return 0
    with transaction.atomic():
        claim = BulkRow.objects.filter(job_id=job_id, status=BulkRowStatus.PENDING).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            # Rows another chunk holds are being issued by it: take the next ones instead of waiting.
            claim = claim.select_for_update(skip_locked=True, of=("self",))
        rows = list(claim[:size])
        if not rows:
            return 0
        achievements = Achievement.objects.select_related("issuer").in_bulk({row.achievement_id for row in rows})
        requests = [
            AwardRequest(
                achievement=achievements[row.achievement_id],
                email=row.email,
                name=row.name,
                evidence=row.evidence,
                valid_until=row.valid_until,
                idempotency_key=row.idempotency_key,
                language=row.language,
                results=row.results,
                awarded_date=row.awarded_date,
                activity_start_date=row.activity_start_date,
                activity_end_date=row.activity_end_date,
                narrative=row.narrative,
            )
            for row in rows
        ]
        try:
            outcomes = credential_issue_many(
                issuer=job.issuer,
                requests=requests,
                source="bulk",
                # Authorized when the job was started; the worker acts for the job, recorded under its uploader.
                actor=SystemActor(f"bulk job {job.uuid}", on_behalf_of=job.created_by),
                notify=True,
                bake=False,  # baked on first download: most of a cohort's images are never fetched (D16)
            )
        except CredentialError as exc:
            outcomes = [IssueOutcome(error=exc) for _ in rows]
        done = failed = 0
        for row, outcome in zip(rows, outcomes, strict=True):
            if outcome.error is not None:
                row.status, row.credential, row.error = BulkRowStatus.FAILED, None, outcome.error.message
                failed += 1
            elif outcome.existed:
                row.status, row.credential, row.error = BulkRowStatus.SKIPPED, outcome.credential, "already issued"
                done += 1
            else:
                row.status, row.credential, row.error = BulkRowStatus.ISSUED, outcome.credential, ""
                done += 1
        _store_outcomes(rows)
        # Last statement before commit: concurrent chunks queue on the job row only for the commit itself. A job
        # paused or cancelled meanwhile gets nothing from this chunk (the result CSV of a cancel stays exact).
        running = BulkJob.objects.filter(pk=job_id, status=BulkJobStatus.RUNNING).update(
            done_rows=F("done_rows") + done, failed_rows=F("failed_rows") + failed, heartbeat_at=timezone.now()
        )
        if not running:
            raise _JobStopped
    return len(rows)


def _store_outcomes(rows: list[BulkRow]) -> None:
    """Write each row's status, credential and error in one statement.

    Django's bulk_update builds a CASE per column and row, which costs more than signing the chunk did on
    PostgreSQL; an UPDATE ... FROM (VALUES ...) is what it means. Other databases keep bulk_update."""
    if connection.vendor != "postgresql":
        BulkRow.objects.bulk_update(rows, ["status", "credential", "error"])
        return
    table = BulkRow._meta.db_table
    cast = "::bigint"
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for row in rows:
        params += [row.pk, row.status, row.credential.pk if row.credential is not None else None, row.error]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = v.status, credential_id = v.credential_id{cast}, error = v.error "  # noqa: S608 - table name from the model, values as parameters
            f"FROM (VALUES {values}) AS v(id, status, credential_id, error) WHERE {table}.id = v.id{cast}",
            params,
        )


@transaction.atomic
def bulk_job_finish(*, job_id: int) -> BulkJob:
    """Close a running job with no pending rows: write the result CSV, mark it finished and e-mail the uploader.
    Otherwise (rows still pending, or held by another chunk) a no-op: the chunk holding them finishes it."""
    job = _locked(job_id)
    if job.status != BulkJobStatus.RUNNING or job.rows.filter(status=BulkRowStatus.PENDING).exists():
        return job
    _save_results(job)
    job.status = BulkJobStatus.FINISHED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "result_file"])
    _audit(job, "bulk.finished", done=job.done_rows, failed=job.failed_rows, valid=job.valid_rows)
    publish_job_on_commit(JobEvent(kind="bulk.finished", job_id=job.pk, issuer_id=job.issuer_id))
    if job.created_by_id is not None:
        background().report(job_id)  # recorded with the job's end, sent once it commits
    return job


def _save_results(job: BulkJob) -> None:
    """The result CSV: one line per row of the file, in file order, with the columns of the credentials export
    (badges.exports) after the line number: what became of the row and, when it has a credential, that credential's
    state, links and issue date. Written through a temporary file, never whole in memory (100,000 rows)."""
    rows = job.rows.order_by("line", "pk").values_list(*RESULT_FIELDS).iterator(chunk_size=EXPORT_BATCH)
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        write_csv(text, RESULT_COLUMNS, _result_cells(rows, now=timezone.now()))
        text.flush()
        text.detach()  # the storage reads the bytes; closing the wrapper would close them too
        raw.seek(0)
        job.result_file.save(f"{job.uuid}.csv", File(raw), save=False)


# Why a row without a credential has none, when the row itself does not say (its error does for invalid and failed).
UNISSUED_REASONS = {BulkRowStatus.PENDING: "not issued: the job was cancelled first"}


def _result_cells(rows: Iterable[Sequence[Any]], *, now: datetime) -> Iterator[list[Any]]:
    links = CredentialLinks()
    for line, status, error, email, name, external_id, achievement, *credential in rows:
        state, reason, valid_from, valid_until, issued_at, credential_uuid = credential
        if credential_uuid is None:
            outcome = [
                status if status != BulkRowStatus.PENDING else "not issued",
                error or UNISSUED_REASONS.get(status, ""),
            ]
        else:
            outcome = status_and_reason(state, reason, valid_from, valid_until, now=now)
            if status == BulkRowStatus.SKIPPED:  # issued before, by another upload or award: this row added nothing
                outcome[1] = "; ".join(part for part in ("already issued", outcome[1]) if part)
        yield [line, email, name, external_id, achievement, *outcome, timestamp(issued_at), *links(credential_uuid)]


@dataclass
class BulkProgress:
    """A job's figures as the progress bar and the API show them."""

    status: str
    status_label: str
    total: int
    valid: int
    invalid: int
    done: int
    failed: int
    pending: int
    handled: int
    percent: float
    rate: float | None  # rows per second since the last start or resume
    eta_seconds: int | None
    started_at: str | None
    finished_at: str | None
    result_ready: bool
    undo: str  # "none", "requested" or "done"
    revoked: int
    can_start: bool
    can_pause: bool
    can_resume: bool
    can_cancel: bool
    can_undo: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def bulk_job_progress(job: BulkJob, *, now: datetime | None = None) -> BulkProgress:
    now = now or timezone.now()
    handled = job.done_rows + job.failed_rows
    pending = max(job.valid_rows - handled, 0)
    rate = eta = None
    if job.run_started_at is not None and handled > job.run_started_rows:
        until = job.finished_at if job.status in ENDED_STATUSES and job.finished_at else now
        elapsed = max((until - job.run_started_at).total_seconds(), 1e-3)
        rate = round((handled - job.run_started_rows) / elapsed, 1)
        if job.status in ACTIVE_STATUSES and rate > 0:
            eta = round(pending / rate)
    undo = "done" if job.undone_at else ("requested" if job.undo_requested_at else "none")
    return BulkProgress(
        status=job.status,
        status_label=job.get_status_display(),
        total=job.total_rows,
        valid=job.valid_rows,
        invalid=job.total_rows - job.valid_rows,
        done=job.done_rows,
        failed=job.failed_rows,
        pending=pending,
        handled=handled,
        percent=round(100 * handled / job.valid_rows, 1) if job.valid_rows else (100.0 if job.finished_at else 0.0),
        rate=rate,
        eta_seconds=eta,
        started_at=_iso(job.started_at),
        finished_at=_iso(job.finished_at),
        result_ready=bool(job.result_file),
        undo=undo,
        revoked=job.revoked_rows,
        can_start=job.status == BulkJobStatus.VALIDATED and job.valid_rows > 0,
        can_pause=job.status in ACTIVE_STATUSES,
        can_resume=job.status == BulkJobStatus.PAUSED,
        can_cancel=job.status not in ENDED_STATUSES,
        can_undo=_undo_refusal(job) is None,
    )


def _undo_refusal(job: BulkJob) -> str | None:
    if job.status not in (BulkJobStatus.FINISHED, BulkJobStatus.CANCELLED):
        return gettext("A %(status)s job cannot be undone; pause and cancel it first.") % {"status": _status_word(job)}
    if job.undo_requested_at is not None:
        return gettext("This job has already been undone.")
    if not job.rows.filter(status=BulkRowStatus.ISSUED).exists():
        return gettext("This job issued no credential; there is nothing to undo.")
    return None


@transaction.atomic
def bulk_job_undo(*, job: BulkJob, reason: str, actor: Actor) -> BulkJob:
    """Revoke everything the job issued (rows found already issued elsewhere are left alone), in the background."""
    job = _authorized(job, actor)
    reason = reason.strip()
    if not reason:
        raise BulkJobError(gettext("A reason is required to undo a bulk job; it is shown on every revoked credential."))
    refusal = _undo_refusal(job)
    if refusal is not None:
        raise BulkJobError(refusal)
    job.undo_requested_at = timezone.now()
    job.undo_reason = reason[:500]
    job.save(update_fields=["undo_requested_at", "undo_reason"])
    _audit(job, "bulk.undo_requested", actor=actor, reason=job.undo_reason)
    background().undo(job.pk)  # recorded with the request, run once it commits
    return job


def bulk_job_undo_run(*, job_id: int, batch: int = UNDO_BATCH) -> BulkJob:
    """Revoke the job's issued credentials, `batch` per transaction; safe to run again after a crash."""
    job = BulkJob.objects.select_related("issuer", "created_by").get(pk=job_id)
    if job.undo_requested_at is None or job.undone_at is not None:
        return job
    # Authorized when the undo was asked for; the worker acts for the job, recorded under its uploader.
    actor = SystemActor(f"undo of bulk job {job.uuid}", on_behalf_of=job.created_by)
    last_pk = 0
    while True:
        ids = list(
            BulkRow.objects.filter(job=job, status=BulkRowStatus.ISSUED, credential__isnull=False, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "credential_id")[:batch]
        )
        if not ids:
            break
        last_pk = ids[-1][0]
        with transaction.atomic():
            credentials = list(
                Credential.objects.filter(pk__in=[cid for _, cid in ids]).exclude(status=CredentialStatus.REVOKED)
            )
            revoked, _ = credential_revoke_many(
                issuer=job.issuer,
                credentials=credentials,
                reason=job.undo_reason,
                actor=actor,
            )
            BulkJob.objects.filter(pk=job.pk).update(revoked_rows=F("revoked_rows") + len(revoked))
    with transaction.atomic():
        job = _locked(job_id)
        job.undone_at = timezone.now()
        job.save(update_fields=["undone_at"])
        _audit(job, "bulk.undone", actor=SystemActor(actor.cause), revoked=job.revoked_rows)
    return job


def bulk_job_report_send(*, job_id: int) -> None:
    """E-mail the uploader the job's totals and where to find the results; once per job."""
    with transaction.atomic():
        job = _locked(job_id)
        user = job.created_by
        if job.uploader_notified_at is not None or user is None or not user.email:
            return
        job.uploader_notified_at = timezone.now()
        job.save(update_fields=["uploader_notified_at"])
    page = reverse("bulk:bulk-detail", args=[job.issuer.slug, job.uuid])
    context = {"job": job, "progress": bulk_job_progress(job), "page_url": f"{settings.SITE_URL}{page}"}
    # Sent by a task: in the issuer's language (D52).
    with translation.override(job.issuer.language or settings.LANGUAGE_CODE):
        subject = gettext("Bulk awards finished: %(file)s") % {"file": job.source_name or job.uuid}
        body = render_to_string("emails/bulk_finished.txt", context)
    try:
        EmailMessage(
            subject=" ".join(subject.split()),
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers={"Auto-Submitted": "auto-generated"},
        ).send()
    except Exception:
        # Let the task retry a transient failure: the mark is cleared so that the retry sends.
        BulkJob.objects.filter(pk=job_id).update(uploader_notified_at=None)
        raise


def bulk_jobs_resume(*, stale_after: timedelta | None = None) -> int:
    """Enqueue chunk chains again for queued or running jobs; returns how many jobs.

    With `stale_after`, only jobs whose last chunk committed longer ago than that (or never) — the periodic check.
    Without, every active job (a worker just started: the one it replaces may have died mid-chunk). An extra chain
    on a healthy job costs nothing but a query: chunks never share rows."""
    jobs = BulkJob.objects.filter(status__in=ACTIVE_STATUSES)
    if stale_after is not None:
        cutoff = timezone.now() - stale_after
        jobs = jobs.filter(heartbeat_at__lt=cutoff) | jobs.filter(heartbeat_at__isnull=True, started_at__lt=cutoff)
    job_ids = list(jobs.values_list("pk", flat=True))
    for job_id in job_ids:
        logger.info("Resuming bulk job %s", job_id)
        _enqueue_chains(job_id)
    return len(job_ids)
