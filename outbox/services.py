"""The transactional outbox (docs/decisions.md D37).

`record(name, *args)` writes a task into the caller's transaction, so the task exists exactly when the write that
needs it commits: a rolled-back award owes no e-mail, and a committed one cannot lose its e-mail to a broker that
was down at that moment. Once the transaction commits, `hand_over` gives the rows to the broker — one short attempt,
bounded by the broker timeouts in settings (about a second when the broker is down or hangs), that never raises into
the request — and deletes them. What could not be handed over stays, and `sweep` hands it over later (beat every
30 s, `manage.py outbox_sweep` for an operator).

A row is handed over while its row lock is held (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite writers
take turns), and deleted in the same transaction, so the committing process and any number of sweeps never hand one
row over twice. Only a crash between the broker accepting a task and the deletion committing sends it again: the
tasks are idempotent (an award e-mail checks `notified_at`, a webhook delivery claims its row).

Without a broker (the embedded default: tasks run in-process) the rows are deleted and their tasks then run here,
after commit, as `delay` did before the outbox. A task based on LongRunningTask (a bulk job's chain of chunks, its
undo) runs in a thread of its own instead, so that the request that started it answers at once and its page can
follow the progress (docs/decisions.md D48).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from celery.exceptions import NotRegistered
from django.conf import settings
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from kombu import pools
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from config.celery import LongRunningTask, app
from outbox.models import PendingTask

logger = logging.getLogger(__name__)

# The committing process hands its rows over within milliseconds of the commit; the sweep leaves them to it for
# this long (a sweep taking one early would still not send it twice: the row lock decides).
HAND_OVER_GRACE = timedelta(seconds=30)
# A row whose hand-over failed waits 30 s, 60 s, 120 s… up to 5 min: after an outage everything left goes within
# minutes, and a row that cannot be sent at all (its task was removed) does not spin.
RETRY_FIRST_SECONDS = 30
RETRY_MAX_SECONDS = 300
BATCH = 100
# One publish and one retry on a fresh connection (a pooled connection may have died with a restarted broker);
# each attempt is bounded by the broker timeouts (settings.CELERY_BROKER_CONNECTION_TIMEOUT, _TRANSPORT_OPTIONS).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# What an unreachable or refusing broker raises through kombu: its OperationalError (a KombuError) for connection
# failures, redis-py's and the socket's own errors for the rest.
BROKER_ERRORS: tuple[type[Exception], ...] = (KombuError, RedisError, OSError)


@dataclass
class HandOver:
    """What one hand-over or sweep did: tasks given to the broker (or run in-process), and tasks kept for later."""

    handed: int = 0
    failed: int = 0
    broker_down: bool = False  # the broker could not be reached: the rows not tried yet were left as they were
    last_id: int = 0  # the highest row id taken, so that a sweep goes on after it

    def __iadd__(self, other: HandOver) -> HandOver:
        self.handed += other.handed
        self.failed += other.failed
        self.broker_down = self.broker_down or other.broker_down
        self.last_id = max(self.last_id, other.last_id)
        return self


def record(name: str, *args: Any) -> None:
    """Record the task registered as `name`, with JSON arguments `args`, in the current transaction (at once outside
    one); it is handed to the broker once that commits. An unknown name raises here, failing the write."""
    record_many(name, [args])


def record_many(name: str, calls: Sequence[Sequence[Any]]) -> None:
    """`record(name, *args)` for each `args` of `calls`: one insert, and one hand-over after commit."""
    record_tasks([(name, args) for args in calls])


def record_tasks(tasks: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Record each (name, args) of `tasks`, whatever their names: one insert, and one hand-over after commit (an
    award's e-mail and baking together)."""
    if not tasks:
        return
    for name in {name for name, _ in tasks}:
        app.tasks[name]  # noqa: B018 - raises NotRegistered for a misspelt or removed task, before anything is written
    now = timezone.now()
    rows = PendingTask.objects.bulk_create(
        [
            PendingTask(task=name, args=list(args), created_at=now, available_at=now + HAND_OVER_GRACE)
            for name, args in tasks
        ]
    )
    # `robust`: the write has committed by then; a failure here is logged and the rows wait for the sweep.
    transaction.on_commit(partial(hand_over, [row.pk for row in rows]), robust=True)


def hand_over(ids: Sequence[int]) -> HandOver:
    """Give these rows' tasks to the broker (or run them here without one); called after their commit."""
    outcome = _hand_over(PendingTask.objects.filter(pk__in=list(ids)))
    if outcome.failed:
        logger.warning(
            "%d task(s) could not be handed to the broker; the outbox sweep will retry them.", outcome.failed
        )
    return outcome


def sweep(*, limit: int = 10_000, everything: bool = False) -> HandOver:
    """Hand over up to `limit` rows that are due, oldest first, in batches; `everything` takes the rows still in
    their grace or waiting after a failure too (for an operator, once an outage is over). Each row is tried at most
    once per sweep, and the sweep stops at the first sign that the broker is down."""
    total = HandOver()
    while total.handed + total.failed < limit:
        rows = PendingTask.objects.filter(pk__gt=total.last_id)
        if not everything:
            rows = rows.filter(available_at__lte=timezone.now())
        outcome = _hand_over(rows, limit=min(BATCH, limit - total.handed - total.failed))
        total += outcome
        if outcome.broker_down or outcome.last_id == 0:  # down, or nothing (more) to take
            break
    return total


def pending_count() -> int:
    return PendingTask.objects.count()


def _hand_over(rows: QuerySet[PendingTask], *, limit: int | None = None) -> HandOver:
    """Lock up to `limit` of `rows`, oldest first, skipping rows another process holds (it is handing them over),
    and hand each over; the ones given to the broker are deleted in the same transaction."""
    if app.conf.task_always_eager:
        return _run_here(rows, limit=limit)
    outcome = HandOver()
    handed: list[int] = []
    with transaction.atomic():
        for row in _locked(rows, limit=limit):
            outcome.last_id = row.pk
            try:
                _publish(row)
            except BROKER_ERRORS as exc:
                _postpone(row, exc)
                outcome.failed += 1
                outcome.broker_down = True
                break  # the next rows would wait for the same timeout: the sweep takes them once it is back
            except Exception as exc:  # noqa: BLE001 - this row alone cannot be sent (its task was removed, its
                # arguments no longer fit): it is kept with the error for an operator, and must not block the others
                _postpone(row, exc)
                outcome.failed += 1
                continue
            handed.append(row.pk)
        PendingTask.objects.filter(pk__in=handed).delete()
    outcome.handed = len(handed)
    return outcome


def _locked(rows: QuerySet[PendingTask], *, limit: int | None) -> list[PendingTask]:
    locked = rows.select_for_update(skip_locked=True).order_by("pk")
    return list(locked[:limit] if limit else locked)


def _publish(row: PendingTask) -> None:
    task = app.tasks[row.task]
    # A producer pool per broker URL, read at each call (kombu's pools key on the connection's address).
    with pools.producers[app.connection_for_write()].acquire(block=True, timeout=1) as producer:
        task.apply_async(row.args, producer=producer, retry=True, retry_policy=PUBLISH_RETRY_POLICY)


def _postpone(row: PendingTask, exc: Exception) -> None:
    attempts = row.attempts + 1
    wait = min(RETRY_FIRST_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS)
    PendingTask.objects.filter(pk=row.pk).update(
        attempts=attempts,
        available_at=timezone.now() + timedelta(seconds=wait),
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )


def _run_here(rows: QuerySet[PendingTask], *, limit: int | None) -> HandOver:
    """No broker: take the rows (deleted first, so that a second sweep cannot run them too), then run each task in
    this process, outside any transaction — a bulk job's chunks must commit one by one. A task that fails is logged,
    as its worker would log it; it does not fail the write that recorded it. A row naming no registered task is
    kept with the error, as with a broker."""
    outcome = HandOver()
    with transaction.atomic():
        taken = _locked(rows, limit=limit)
        outcome.last_id = max((row.pk for row in taken), default=0)
        unknown = [row for row in taken if row.task not in app.tasks]
        for row in unknown:
            _postpone(row, NotRegistered(row.task))
        runnable = [row for row in taken if row.task in app.tasks]
        PendingTask.objects.filter(pk__in=[row.pk for row in runnable]).delete()
    for row in runnable:
        if settings.LONG_TASKS_IN_THREADS and isinstance(app.tasks[row.task], LongRunningTask):
            run_apart(row.task, row.args)
        else:
            _run(row.task, row.args)
    outcome.handed, outcome.failed = len(runnable), len(unknown)
    return outcome


def _run(name: str, args: list[Any]) -> None:
    try:
        app.tasks[name].apply(args=tuple(args), throw=True)
    except Exception:
        logger.exception("Task %s%r failed in-process.", name, tuple(args))


def run_apart(name: str, args: list[Any]) -> threading.Thread:
    """Run the task in a thread of its own, with its own database connection (closed when it ends). Not a daemon: a
    process that exits — a management command, a dev server reloading — waits for the task to end rather than
    leaving a job half done (each chunk is a transaction, so a killed one would only be redone, but without a
    broker nothing would resume it)."""

    def work() -> None:
        try:
            _run(name, args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, name=f"task {name}{tuple(args)!r}")
    thread.start()
    return thread
