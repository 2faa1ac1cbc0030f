"""Events of whole bulk jobs ("bulk.finished"), for the apps that act on them (webhooks subscribes in its
AppConfig.ready()). The same rules as badges.events: delivered after the transaction commits, with ids only, and a
listener's failure never undoes the job; one event per job rather than a list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobEvent:
    kind: str  # "bulk.finished"
    job_id: int
    issuer_id: int


JobListener = Callable[[JobEvent], None]
_job_listeners: list[JobListener] = []


def subscribe_jobs(listener: JobListener) -> None:
    if listener not in _job_listeners:
        _job_listeners.append(listener)


def unsubscribe_jobs(listener: JobListener) -> None:
    if listener in _job_listeners:
        _job_listeners.remove(listener)


def publish_job_on_commit(event: JobEvent) -> None:
    """Deliver `event` to every job listener once the current transaction commits (at once outside one)."""

    def deliver() -> None:
        for listener in list(_job_listeners):
            try:
                listener(event)
            except Exception:  # the job has finished and committed whatever a listener does
                logger.exception("Job event listener %r failed for %s", listener, event)

    transaction.on_commit(deliver)
