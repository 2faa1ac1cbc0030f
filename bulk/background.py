"""How a bulk job's background work is started: its chains of chunks, the uploader's report, the undo.

bulk.jobs decides when (after the commit of its own changes); bulk.tasks supplies how, on its queues, and is
registered here when the app is ready (bulk.apps). So jobs never import tasks and tasks import jobs: the
dependency runs one way, as it does between badges' services and tasks (badges.follow_ups).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

Start = Callable[[int], None]


@dataclass(frozen=True)
class Background:
    """Each takes a job's id and records one task in the current transaction (the outbox), started once it
    commits."""

    process: Start  # one chain of chunks
    report: Start  # e-mail the uploader the totals of the finished job
    undo: Start  # revoke what the job issued


_registered: list[Background] = []


def register(background: Background) -> None:
    """Make `background` the one way jobs start their work (a second call replaces the first)."""
    _registered[:] = [background]


def background() -> Background:
    if not _registered:
        raise ImproperlyConfigured("No bulk tasks are registered: is 'bulk' in INSTALLED_APPS?")
    return _registered[0]
