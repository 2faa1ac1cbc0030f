"""The periodic tasks on the embedded default, where no Celery beat runs (docs/decisions.md D56).

With a broker, beat sends `CELERY_BEAT_SCHEDULE` to the workers. Without one (`make run`: SQLite, tasks
in-process) nothing would ever resume a bulk job whose process died, sweep the outbox, deliver a webhook retry or
remind a learner before a credential expires. So the development server's serving process starts one daemon
thread that runs the same schedule, in-process, one task at a time. Every periodic task is safe to run twice, so a
run that overlaps a manual one (`manage.py send_expiry_reminders`) does no harm.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

# The first runs wait this long after start-up, so the server answers its first page before any sweep.
FIRST_RUN_DELAY = 10.0


@dataclass
class Schedule:
    """When each task of a beat schedule is next due (seconds on a monotonic clock)."""

    entries: Mapping[str, Mapping[str, Any]]
    start: float
    due: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.entries:
            self.due.setdefault(name, self.start + FIRST_RUN_DELAY)

    def take_due(self, now: float) -> list[str]:
        """The registered task names due at `now`, in the schedule's order; each is moved to its next time."""
        names = []
        for name, entry in self.entries.items():
            if self.due[name] <= now:
                names.append(str(entry["task"]))
                self.due[name] = now + float(entry["schedule"])
        return names

    def next_due(self) -> float:
        return min(self.due.values())


def run_tasks(names: list[str], run: Callable[[str], None] | None = None) -> list[str]:
    """Run each task in this thread; a failure is logged and the others still run. Returns those that failed."""
    run = run or _apply
    failed = []
    for name in names:
        close_old_connections()
        try:
            run(name)
        except Exception:  # a periodic task's failure must not stop the schedule
            logger.exception("Periodic task %s failed", name)
            failed.append(name)
        finally:
            close_old_connections()
    return failed


def _apply(name: str) -> None:
    from config.celery import app

    app.tasks[name].apply(throw=True)


def should_start(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Only in the development server's serving process (its autoreloader's child, or a server run with
    --noreload), only without a broker, and only when the setting allows it."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    if not (settings.CELERY_TASK_ALWAYS_EAGER and settings.EMBEDDED_SCHEDULER):
        return False
    if len(argv) < 2 or argv[1] != "runserver":
        return False
    return environ.get("RUN_MAIN") == "true" or "--noreload" in argv


_started = threading.Event()


def start() -> threading.Thread | None:
    """Start the schedule's thread once per process; None when it runs already."""
    if _started.is_set():
        return None
    _started.set()
    schedule = Schedule(entries=settings.CELERY_BEAT_SCHEDULE, start=time.monotonic())

    def loop() -> None:
        while True:
            time.sleep(max(0.0, schedule.next_due() - time.monotonic()))
            run_tasks(schedule.take_due(time.monotonic()))

    thread = threading.Thread(target=loop, name="embedded-scheduler", daemon=True)
    thread.start()
    logger.info("Periodic tasks run in this process (no broker): %s", ", ".join(settings.CELERY_BEAT_SCHEDULE))
    return thread
