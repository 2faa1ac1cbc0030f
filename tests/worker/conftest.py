"""Real `celery worker` processes for the tests that need one (CI's service pass: PostgreSQL + Redis).

Each test gets queues of its own (`test-<hex>` and its `.email`, `.baking`, `.bulk` companions), so workers of
parallel tests never take each other's tasks. In CI (REQUIRE_SERVICES=1) a missing broker or database fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.queues import QUEUE_KINDS

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Workers:
    """Starts workers on the test's queues; `kill` sends SIGKILL to one worker's whole process group."""

    queue: str
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, *, kinds: tuple[str, ...] = QUEUE_KINDS, **env: str) -> subprocess.Popen[bytes]:
        from config.celery import app

        hostname = f"{self.queue}-{len(self.processes)}@localhost"
        queues = ",".join([self.queue, *(f"{self.queue}.{kind}" for kind in kinds)])
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
                queues,
                "-n",
                hostname,
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**self.env, **env},
            start_new_session=True,  # its own process group: killed by PID, never by name
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                pytest.fail(f"the Celery worker did not start:\n{output[-3000:]}")
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def workers(tmp_path, transactional_db) -> Iterator[Workers]:
    """Workers reading the test database and writing e-mails to files under tmp_path/mail."""
    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:  # no broker configured
        pytest.fail("CI asked for the services (REQUIRE_SERVICES=1) but no CELERY_BROKER_URL is configured")
    if connection.vendor != "postgresql":
        pytest.fail("a worker process needs a database it can share with the test: run with PostgreSQL")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
            f"/{database['NAME']}"
        ),
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",  # a path after the scheme's //
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # config.celery.route_task derives the other queues from it
    pool = Workers(queue=queue, env=env)
    try:
        yield pool
    finally:
        app.conf.task_default_queue = previous_queue
        pool.stop_all()
        with app.connection_for_write() as conn:
            for name in (queue, *(f"{queue}.{kind}" for kind in QUEUE_KINDS)):
                conn.default_channel.queue_delete(name)  # type: ignore[attr-defined]  # kombu's Channel, not in the stubs' StdChannel


@pytest.fixture
def worker(workers) -> Path:
    """One worker on every queue; the directory its e-mails are written to."""
    workers.start()
    return Path(workers.env["EMAIL_URL"].removeprefix("filemail:///"))


def wait_until_notified(credential_id: int, *, timeout: float = 30) -> None:
    """Until the worker has recorded the award e-mail as sent (`notified_at`); fails after `timeout` seconds."""
    from badges.models import Credential

    deadline = time.monotonic() + timeout
    while Credential.objects.get(pk=credential_id).notified_at is None:
        assert time.monotonic() < deadline, f"the worker did not send the award e-mail within {timeout:.0f} s"
        time.sleep(0.2)
