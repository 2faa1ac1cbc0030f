"""Bulk jobs beyond issuing: progress figures, undo, the uploader's e-mail, events, resuming, chunk guards."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from badges import events
from badges.models import Credential, CredentialStatus, StatusList, StatusPurpose
from badges.services import AwardRequest, credential_issue
from bulk.jobs import (
    BulkJobError,
    bulk_job_cancel,
    bulk_job_create,
    bulk_job_process_chunk,
    bulk_job_progress,
    bulk_job_report_send,
    bulk_job_start,
    bulk_job_undo,
    bulk_jobs_resume,
)
from bulk.models import BulkJob, BulkJobStatus
from bulk.tasks import process_bulk_job, undo_bulk_job
from issuer.models import AuditEvent
from tests.actors import owner
from tests.bulk.cohort import cohort_job
from verification.status import bit_is_set

pytestmark = pytest.mark.django_db


def _job(issuer, achievement, count, *, actor=None, extra=()):  # actor: the issuer's owner unless given
    lines = ["email,name,external_id", *(f"l{n}@example.org,Learner {n},S-{n}" for n in range(count)), *extra]
    job, _ = bulk_job_create(
        issuer=issuer,
        data=("\n".join(lines) + "\n").encode(),
        filename="cohort.csv",
        achievement=achievement,
        actor=actor or owner(issuer),
    )
    return job


def _run(job):
    process_bulk_job.apply(args=(job.pk,))
    job.refresh_from_db()
    return job


def test_progress_of_a_validated_job(issuer, achievement):
    job = _job(issuer, achievement, 3, extra=["bad-address,X,S-9"])

    progress = bulk_job_progress(job).as_dict()

    assert {k: progress[k] for k in ("status", "total", "valid", "invalid", "done", "failed", "pending")} == {
        "status": "validated",
        "total": 4,
        "valid": 3,
        "invalid": 1,
        "done": 0,
        "failed": 0,
        "pending": 3,
    }
    assert (progress["percent"], progress["rate"], progress["eta_seconds"]) == (0.0, None, None)
    assert (progress["can_start"], progress["can_pause"], progress["can_cancel"], progress["can_undo"]) == (
        True,
        False,
        True,
        False,
    )


def test_rate_and_time_left_count_from_the_last_start(issuer, achievement):
    # given: a resumed job that handled 100 rows before the pause and 50 in the 10 s since it resumed
    job = _job(issuer, achievement, 300)
    now = timezone.now()
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJobStatus.RUNNING,
        done_rows=140,
        failed_rows=10,
        run_started_at=now - timedelta(seconds=10),
        run_started_rows=100,
    )
    job.refresh_from_db()

    progress = bulk_job_progress(job, now=now)

    assert (progress.handled, progress.pending, progress.percent) == (150, 150, 50.0)
    assert (progress.rate, progress.eta_seconds) == (5.0, 30)
    assert (progress.can_pause, progress.can_resume, progress.can_undo) == (True, False, False)


def test_undo_revokes_what_the_job_issued_and_nothing_else(issuer, achievement, user):
    # given: a finished job, one of whose rows was awarded by someone else between its upload and its start
    job = _job(issuer, achievement, 4, actor=user)
    credential_issue(
        request=AwardRequest(achievement=achievement, email="l0@example.org", idempotency_key="bulk:ext:S-0"),
        source="api",
        actor=owner(issuer),
    )
    bulk_job_start(job=job, actor=owner(issuer))
    job = _run(job)
    assert list(job.rows.order_by("line").values_list("status", flat=True)) == [
        "skipped",
        "issued",
        "issued",
        "issued",
    ]

    # when
    bulk_job_undo(job=job, reason="Wrong cohort uploaded", actor=user)
    undo_bulk_job.apply(args=(job.pk,))  # the task the undo enqueues, run here as a worker runs it
    job.refresh_from_db()

    # then: the three credentials it issued are revoked with the reason and their bits set; the earlier one stays
    issued = Credential.objects.filter(pk__in=job.rows.filter(status="issued").values("credential"))
    assert sorted(issued.values_list("status", "status_reason")) == [("revoked", "Wrong cohort uploaded")] * 3
    assert Credential.objects.get(idempotency_key="bulk:ext:S-0").status == CredentialStatus.ACTIVE
    lists = {s.sequence: s for s in StatusList.objects.filter(issuer=issuer, purpose="revocation")}
    assert all(bit_is_set(lists[c.status_sequence].bits, c.status_index) for c in issued)
    assert (job.revoked_rows, job.undone_at is not None) == (3, True)
    assert AuditEvent.objects.filter(action="credential.revoked").count() == 3
    assert AuditEvent.objects.filter(action="bulk.undone", object_id=str(job.pk)).count() == 1
    assert bulk_job_progress(job).undo == "done"
    with pytest.raises(BulkJobError, match="already been undone"):
        bulk_job_undo(job=job, reason="again", actor=owner(issuer))


def test_undo_needs_a_reason_and_an_ended_job(issuer, achievement):
    job = _job(issuer, achievement, 2)
    with pytest.raises(BulkJobError, match="cannot be undone"):
        bulk_job_undo(job=job, reason="too early", actor=owner(issuer))
    bulk_job_start(job=job, actor=owner(issuer))
    job = _run(job)

    with pytest.raises(BulkJobError, match="A reason is required"):
        bulk_job_undo(job=job, reason="   ", actor=owner(issuer))

    job.refresh_from_db()
    assert job.undo_requested_at is None
    assert Credential.objects.filter(status=CredentialStatus.REVOKED).count() == 0


def test_a_cancelled_job_can_be_undone(issuer, achievement):
    job = _job(issuer, achievement, 3)
    bulk_job_start(job=job, actor=owner(issuer))
    bulk_job_process_chunk(job_id=job.pk, size=2)
    job = bulk_job_cancel(job=job, actor=owner(issuer))

    bulk_job_undo(job=job, reason="Stopped halfway", actor=owner(issuer))
    undo_bulk_job.apply(args=(job.pk,))

    assert Credential.objects.filter(status=CredentialStatus.REVOKED).count() == 2


def test_the_uploader_gets_one_email_when_the_job_finishes(issuer, achievement, user):
    job = _job(issuer, achievement, 2, actor=user, extra=["nope,X,S-9"])
    bulk_job_start(job=job, actor=owner(issuer))

    job = _run(job)
    bulk_job_report_send(job_id=job.pk)
    bulk_job_report_send(job_id=job.pk)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Bulk awards finished: cohort.csv"
    assert "Issued: 2" in message.body and "Invalid rows (not issued): 1" in message.body
    assert f"/manage/uni/bulk/{job.uuid}/" in message.body


def test_a_chunk_gives_listeners_one_event_per_award(issuer, achievement, django_capture_on_commit_callbacks):
    received = []
    events.subscribe(received.append)
    try:
        job = _job(issuer, achievement, 3)
        bulk_job_start(job=job, actor=owner(issuer))
        with django_capture_on_commit_callbacks(execute=True):
            bulk_job_process_chunk(job_id=job.pk, size=3)
    finally:
        events.unsubscribe(received.append)

    assert len(received) == 1  # one delivery for the chunk ...
    credentials = {c.pk: c for c in Credential.objects.all()}
    assert [(e.kind, e.issuer_id, e.achievement_id, e.recipient_identity) for e in received[0]] == [
        ("issued", issuer.pk, achievement.pk, credentials[e.credential_id].recipient_email) for e in received[0]
    ]
    assert sorted(e.credential_id for e in received[0]) == sorted(credentials)  # ... with every award in it


def test_a_chunk_whose_job_stopped_meanwhile_commits_nothing(issuer, achievement, monkeypatch):
    # given: the job is paused while the chunk is signing
    job = _job(issuer, achievement, 3)
    bulk_job_start(job=job, actor=owner(issuer))
    from bulk import jobs

    real = jobs.credential_issue_many

    def pausing(**kwargs):
        outcomes = real(**kwargs)
        BulkJob.objects.filter(pk=job.pk).update(status=BulkJobStatus.PAUSED)
        return outcomes

    monkeypatch.setattr(jobs, "credential_issue_many", pausing)

    # when
    handled = bulk_job_process_chunk(job_id=job.pk)

    # then: the chunk rolled back (here with the pause itself, both being on one connection)
    assert handled == 0
    assert Credential.objects.count() == 0
    assert set(job.rows.values_list("status", flat=True)) == {"pending"}


class _Killed(BaseException):
    """What a worker's death is to the chunk's transaction: it ends without a commit."""


def test_a_chunk_dying_after_its_slots_were_allocated_gives_no_status_slot_twice(issuer, achievement, monkeypatch):
    # given: a chunk that dies once its credentials are signed, copied and their status slots allocated
    from bulk import jobs

    job = cohort_job(issuer, achievement, 30, status="running")
    real = jobs.credential_issue_many

    def dying(**kwargs):
        real(**kwargs)
        raise _Killed

    monkeypatch.setattr(jobs, "credential_issue_many", dying)
    with pytest.raises(_Killed):
        bulk_job_process_chunk(job_id=job.pk, size=20)
    assert Credential.objects.count() == 0
    assert set(StatusList.objects.values_list("allocated", flat=True)) <= {0}

    # when: its rows are claimed again and the job completes
    monkeypatch.undo()
    while bulk_job_process_chunk(job_id=job.pk, size=20):
        pass

    # then: every row one credential, every slot handed out once, each list counting exactly what it holds
    credentials = Credential.objects.filter(issuer=issuer)
    assert credentials.count() == 30 == credentials.values("idempotency_key").distinct().count()
    assert credentials.values("status_sequence", "status_index").distinct().count() == 30
    per_list = Counter(credentials.values_list("status_sequence", flat=True))
    lists = StatusList.objects.filter(issuer=issuer, purpose=StatusPurpose.REVOCATION, allocated__gt=0)
    assert dict(lists.values_list("sequence", "allocated")) == per_list
    assert not job.rows.filter(status="pending").exists()


def test_resume_restarts_the_stalled_jobs(issuer, achievement, monkeypatch):
    started = []
    monkeypatch.setattr("bulk.jobs._enqueue_chains", started.append)
    quiet, stalled, paused = (_job(issuer, achievement, 1) for _ in range(3))
    now = timezone.now()
    BulkJob.objects.filter(pk=quiet.pk).update(status="running", started_at=now, heartbeat_at=now)
    BulkJob.objects.filter(pk=stalled.pk).update(
        status="running", started_at=now - timedelta(hours=1), heartbeat_at=now - timedelta(minutes=10)
    )
    BulkJob.objects.filter(pk=paused.pk).update(status="paused", heartbeat_at=now - timedelta(hours=1))

    assert bulk_jobs_resume(stale_after=timedelta(minutes=5)) == 1
    assert started == [stalled.pk]
    assert bulk_jobs_resume() == 2  # a worker starting: every active job
    assert sorted(started[1:]) == sorted([quiet.pk, stalled.pk])


def test_a_chunk_costs_the_same_queries_whatever_its_size(issuer, achievement, django_assert_max_num_queries):
    job = _job(issuer, achievement, 260)
    bulk_job_start(job=job, actor=owner(issuer))
    bulk_job_process_chunk(job_id=job.pk, size=10)  # the first chunk opens the status lists

    # Within the chunk's transaction, the event listeners (stacking, webhooks) and the e-mail's outbox row add a
    # fixed handful of statements.
    with django_assert_max_num_queries(36) as small:
        bulk_job_process_chunk(job_id=job.pk, size=10)
    with django_assert_max_num_queries(45) as large:
        bulk_job_process_chunk(job_id=job.pk, size=240)

    # Batched, not per row (230 more rows): SQLite's bound-parameter limit splits the big inserts in a few more.
    assert len(large.captured_queries) < len(small.captured_queries) + 20
