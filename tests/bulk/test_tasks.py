"""bulk.tasks keep the names they had in badges.tasks, so the routes, beat's schedule and messages queued before
the move all still find them; each goes to its queue (docs/decisions.md, D21)."""

from __future__ import annotations

import pytest
from django.conf import settings

from bulk import tasks
from bulk.tasks import process_bulk_job, resume_bulk_jobs, send_bulk_job_report, undo_bulk_job
from config.celery import app, route_task
from config.queues import TASK_QUEUE_KIND
from outbox.models import PendingTask
from tests.bulk.cohort import cohort_job


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


def _continuations() -> list[list[int]]:
    return list(PendingTask.objects.filter(task="badges.tasks.process_bulk_job").values_list("args", flat=True))


@pytest.mark.parametrize(
    ("_case", "seconds", "status", "done", "next_task"),
    [
        ("time enough: every chunk, the job finished, nothing enqueued", 600.0, "finished", 35, False),
        ("time up after the first chunk: the rest to the next task", 0.0, "running", 10, True),
    ],
)
def test_a_chain_task_issues_chunks_until_its_time_is_up(
    issuer, achievement, settings, monkeypatch, _case, seconds, status, done, next_task
):
    # given: 35 rows in chunks of 10
    settings.BULK_CHUNK_SIZE = 10
    monkeypatch.setattr(tasks, "CHAIN_TASK_SECONDS", seconds)
    job = cohort_job(issuer, achievement, 35, status="queued")

    # when: one task of the chain runs as a worker runs it (called, not applied: not eager)
    process_bulk_job(job.pk)

    # then: its chunks committed, the rest still pending, and the next task recorded (in the outbox) when needed
    job.refresh_from_db()
    assert (job.status, job.done_rows) == (status, done)
    assert job.rows.filter(status="pending").count() == 35 - done
    assert _continuations() == ([[job.pk]] if next_task else [])


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_job_runs_in_a_thread_of_its_own(settings, issuer, achievement, tasks_in_process):
    """The embedded default (D48): starting a job returns at once, its chunks run in another thread of the process,
    with a database connection of their own, and the job finishes there."""
    import threading

    from bulk.jobs import bulk_job_start
    from bulk.models import BulkJobStatus
    from tests.actors import owner

    settings.LONG_TASKS_IN_THREADS = True
    settings.CELERY_TASK_ALWAYS_EAGER = True  # as without a broker: one chain per job (CI's service pass has one)
    job = cohort_job(issuer, achievement, 300)

    bulk_job_start(job=job, actor=owner(issuer))  # commits: its chain is handed over at once

    # Found while it works; this thread does nothing with the database meanwhile (an in-memory SQLite is shared),
    # and waits for them before anything else (the test's database is emptied once it ends).
    name = "task badges.tasks.process_bulk_job"
    workers = [thread for thread in threading.enumerate() if thread.name.startswith(name)]
    for worker in workers:
        worker.join(timeout=120)
    assert len(workers) == 1
    assert workers[0] is not threading.current_thread() and not workers[0].daemon and not workers[0].is_alive()
    job.refresh_from_db()
    assert (job.status, job.done_rows, job.failed_rows) == (BulkJobStatus.FINISHED, 300, 0)
    assert job.result_file
