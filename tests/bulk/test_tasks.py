"""bulk.tasks keep the names they had in badges.tasks, so the routes, beat's schedule and messages queued before
the move all still find them; each goes to its queue (docs/decisions.md, D21)."""

from __future__ import annotations

import pytest
from django.conf import settings

from bulk import tasks
from bulk.jobs import bulk_job_create
from bulk.models import BulkJob
from bulk.tasks import process_bulk_job, resume_bulk_jobs, send_bulk_job_report, undo_bulk_job
from config.celery import app, route_task
from config.queues import TASK_QUEUE_KIND
from outbox.models import PendingTask
from tests.actors import owner


@pytest.mark.parametrize(
    ("_case", "task", "name", "kind"),
    [
        ("a chunk", process_bulk_job, "badges.tasks.process_bulk_job", "bulk"),
        ("the undo", undo_bulk_job, "badges.tasks.undo_bulk_job", "bulk"),
        ("the uploader's report", send_bulk_job_report, "badges.tasks.send_bulk_job_report", "email"),
        ("the periodic resume", resume_bulk_jobs, "badges.tasks.resume_bulk_jobs", None),
    ],
)
def test_each_bulk_task_keeps_its_name_and_its_queue(_case, task, name, kind):
    assert task.name == name
    expected = {"queue": f"{app.conf.task_default_queue}.{kind}"} if kind else None
    assert route_task(name, (), {}, {}) == expected


def test_every_routed_and_scheduled_task_name_is_a_registered_task():
    app.loader.import_default_modules()  # what a worker does when it starts: every app's tasks module
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert (set(TASK_QUEUE_KIND) | scheduled) - set(app.tasks) == set()


def _job_of(issuer, achievement, rows: int):
    lines = ["email,external_id", *(f"l{n}@example.org,S-{n}" for n in range(rows))]
    job, _ = bulk_job_create(
        issuer=issuer,
        data=("\n".join(lines) + "\n").encode(),
        filename="c.csv",
        achievement=achievement,
        actor=owner(issuer),
    )
    BulkJob.objects.filter(pk=job.pk).update(status="queued")
    return job


def _continuations(job) -> list[list[int]]:
    return list(PendingTask.objects.filter(task="badges.tasks.process_bulk_job").values_list("args", flat=True))


def test_a_chain_task_goes_on_with_chunks_until_the_job_is_done(issuer, achievement, settings, monkeypatch):
    # given: 35 rows in chunks of 10, and time enough however loaded the machine
    settings.BULK_CHUNK_SIZE = 10
    monkeypatch.setattr(tasks, "CHAIN_TASK_SECONDS", 600.0)
    job = _job_of(issuer, achievement, 35)

    # when: one task of the chain runs as a worker runs it (called, not applied: not eager)
    process_bulk_job(job.pk)

    # then: its four chunks were issued by that one task, which finished the job and enqueued no next task
    job.refresh_from_db()
    assert (job.status, job.done_rows) == ("finished", 35)
    assert _continuations(job) == []


def test_a_chain_task_past_its_time_hands_the_rest_to_the_next_task(issuer, achievement, settings, monkeypatch):
    # given: a task whose time is up after its first chunk
    settings.BULK_CHUNK_SIZE = 10
    monkeypatch.setattr(tasks, "CHAIN_TASK_SECONDS", 0.0)
    job = _job_of(issuer, achievement, 35)

    # when
    process_bulk_job(job.pk)

    # then: one chunk committed, and the next task of the chain recorded (in the outbox) for the rest
    job.refresh_from_db()
    assert (job.status, job.done_rows) == ("running", 10)
    assert job.rows.filter(status="pending").count() == 25
    assert _continuations(job) == [[job.pk]]
