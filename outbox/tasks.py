"""The outbox's periodic sweep, started by beat (settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from outbox.services import sweep


@shared_task(name="outbox.tasks.sweep")
def sweep_outbox() -> int:
    """Hand over the tasks whose hand-over after commit failed or never happened (the broker was down, the process
    died); returns how many were handed over. Two sweeps at once take different rows."""
    return sweep().handed
