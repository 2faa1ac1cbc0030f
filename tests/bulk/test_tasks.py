"""bulk.tasks keep the names they had in badges.tasks, so the routes, beat's schedule and messages queued before
the move all still find them; each goes to its queue (docs/decisions.md, D21)."""

from __future__ import annotations

import pytest
from django.conf import settings

from bulk.tasks import process_bulk_job, resume_bulk_jobs, send_bulk_job_report, undo_bulk_job
from config.celery import app, route_task
from config.queues import TASK_QUEUE_KIND


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
