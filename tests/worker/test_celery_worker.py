"""A real Celery worker, started as a process, takes the award e-mail from the real broker.

Runs in CI's service pass (REQUIRE_SERVICES=1, PostgreSQL + Redis), where a missing broker is a failure.
Without a broker configured (the embedded default) tasks run in-process and this test does not apply.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL and not REQUIRED, reason="no broker configured: tasks run in-process"
    ),
]


@pytest.fixture
def worker(tmp_path, transactional_db):
    """A `celery worker` process on its own queue, reading the test database, writing e-mails to files."""
    from config.celery import app

    if not settings.CELERY_BROKER_URL:
        pytest.fail("CI asked for the services (REQUIRE_SERVICES=1) but no CELERY_BROKER_URL is configured")
    if connection.vendor != "postgresql":
        pytest.fail("a worker process needs a database it can share with the test: run with PostgreSQL")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    hostname = f"{queue}@localhost"
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
            f"/{database['NAME']}"
        ),
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",  # a path after the scheme's //
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    process = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "-n",
            hostname,
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                pytest.fail(f"the Celery worker did not start:\n{output[-3000:]}")
        yield tmp_path / "mail"
    finally:
        app.conf.task_default_queue = previous_queue
        os.killpg(process.pid, signal.SIGTERM)  # by PID (its own process group), never by name
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_worker_sends_the_award_email(worker, achievement):
    from badges.models import Credential
    from badges.services import AwardRequest, credential_issue

    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="learner@example.com", name="Lea"), source="ui"
    )
    deadline = time.monotonic() + 30
    while Credential.objects.get(pk=credential.pk).notified_at is None:
        assert time.monotonic() < deadline, "the worker did not send the award e-mail within 30 s"
        time.sleep(0.2)
    credential.refresh_from_db()
    assert credential.notification_error == ""
    mails = [path.read_text() for path in worker.iterdir()]
    assert len(mails) == 1
    assert "learner@example.com" in mails[0]
    assert credential.public_id in mails[0]
