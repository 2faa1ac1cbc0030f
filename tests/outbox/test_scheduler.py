"""The periodic tasks on the embedded default (D56): the development server without a broker runs the beat
schedule itself, in a thread, every task on its interval; a failing task is logged and the others still run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from badges.models import ExpiryReminder
from badges.services import AwardRequest, credential_issue
from outbox.scheduler import FIRST_RUN_DELAY, Schedule, run_tasks, should_start
from tests.actors import owner

ENTRIES = {
    "often": {"task": "app.tasks.often", "schedule": 30.0},
    "hourly": {"task": "app.tasks.hourly", "schedule": 3600.0},
}


def test_every_task_first_runs_shortly_after_start_then_on_its_interval():
    schedule = Schedule(entries=ENTRIES, start=1000.0)

    assert schedule.take_due(1000.0 + FIRST_RUN_DELAY - 1) == []
    assert schedule.take_due(1000.0 + FIRST_RUN_DELAY) == ["app.tasks.often", "app.tasks.hourly"]
    assert schedule.next_due() == 1000.0 + FIRST_RUN_DELAY + 30
    assert schedule.take_due(1000.0 + FIRST_RUN_DELAY + 30) == ["app.tasks.often"]
    assert schedule.take_due(1000.0 + FIRST_RUN_DELAY + 3600) == ["app.tasks.often", "app.tasks.hourly"]


def test_a_failing_task_is_logged_and_the_others_still_run(db, caplog):
    ran = []

    def run(name: str) -> None:
        ran.append(name)
        if name == "first":
            raise RuntimeError("the database is locked")

    assert run_tasks(["first", "second"], run=run) == ["first"]
    assert ran == ["first", "second"]
    assert "Periodic task first failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_schedule_runs_the_real_tasks_in_process(achievement, tasks_in_process, settings):
    """The expiry reminders, by the name beat would send, from the settings' own schedule."""
    request = AwardRequest(
        achievement=achievement, email="lea@example.com", valid_until=timezone.now() + timedelta(days=60)
    )
    credential = credential_issue(request=request, source="ui", notify=False, actor=owner(achievement.issuer))
    type(credential).objects.filter(pk=credential.pk).update(
        created_at=timezone.now() - timedelta(days=30), valid_until=timezone.now() + timedelta(days=3)
    )
    schedule = Schedule(entries=settings.CELERY_BEAT_SCHEDULE, start=0.0)

    names = schedule.take_due(FIRST_RUN_DELAY)

    assert "badges.tasks.send_expiry_reminders" in names
    assert run_tasks(names) == []
    assert ExpiryReminder.objects.filter(credential=credential, days=7).exists()


@pytest.mark.parametrize(
    ("argv", "environ", "eager", "enabled", "expected"),
    [
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, True, True, True),
        (["manage.py", "runserver", "--noreload"], {}, True, True, True),
        (["manage.py", "runserver"], {}, True, True, False),  # the autoreloader's watcher, not the server
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, False, True, False),  # a broker: beat's job
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, True, False, False),  # turned off
        (["manage.py", "migrate"], {"RUN_MAIN": "true"}, True, True, False),
        (["gunicorn", "config.wsgi"], {}, True, True, False),
    ],
)
def test_it_starts_only_in_the_development_servers_serving_process(argv, environ, eager, enabled, expected):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=eager, EMBEDDED_SCHEDULER=enabled):
        assert should_start(argv, environ) is expected
