"""Two sweeps at once, on PostgreSQL, through the real broker: every task is handed over exactly once.

Runs in CI's service pass (PostgreSQL + Redis); there a missing service is a failure, elsewhere a skip.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from outbox.models import PendingTask
from outbox.services import HandOver, sweep
from tests.concurrency import in_thread

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        not REQUIRED and (connection.vendor != "postgresql" or settings.CELERY_TASK_ALWAYS_EAGER),
        reason="row locks and a broker: PostgreSQL and Redis (CI's service pass)",
    ),
]

ROWS = 250  # more than two batches (outbox.services.BATCH), so that both sweeps find work


@pytest.fixture
def queue():
    """A queue name of this test's own; award e-mails go to `<queue>.email` (config.celery.route_task)."""
    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("CI asked for the services (REQUIRE_SERVICES=1) but no CELERY_BROKER_URL is configured")
    if connection.vendor != "postgresql":
        pytest.fail("row locks need PostgreSQL: run with DATABASE_URL=postgres://…")
    name = f"test-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = name
    try:
        yield name
    finally:
        app.conf.task_default_queue = previous
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(f"{name}.email")


def _messages(queue_name: str) -> int:
    from config.celery import app

    with app.connection_for_write() as conn:
        return conn.default_channel.queue_declare(queue=queue_name, passive=True).message_count  # type: ignore[attr-defined]


def test_two_sweeps_at_once_hand_each_task_over_once(transactional_db, queue):
    # given: award e-mails left in the outbox while the broker was down
    now = timezone.now()
    PendingTask.objects.bulk_create(
        [PendingTask(task="badges.tasks.send_award_email", args=[n], available_at=now) for n in range(ROWS)]
    )

    # when: two sweeps start together, each in its own connection
    start = threading.Barrier(2)
    outcomes: list[HandOver] = []

    def sweeper() -> None:
        start.wait(timeout=30)
        outcomes.append(sweep())

    runs = [in_thread(sweeper) for _ in range(2)]
    for thread, _ in runs:
        thread.join(timeout=120)

    # then: every task reached the broker once, and the outbox is empty
    assert [error for _, errors in runs for error in errors] == []
    assert sum(outcome.handed for outcome in outcomes) == ROWS
    assert sum(outcome.failed for outcome in outcomes) == 0
    assert _messages(f"{queue}.email") == ROWS
    assert PendingTask.objects.count() == 0
