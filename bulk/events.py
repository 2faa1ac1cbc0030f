"""Events of whole bulk jobs ("bulk.finished"), for the apps that act on them (webhooks subscribes in its
AppConfig.ready()). The same rules as badges.events: listeners are called in the job's transaction and only record
what follows its commit, each in a savepoint, so a listener's failure never undoes the job; one event per job
rather than a list.
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
    """Give `event` to every job listener now, in the current transaction, to record what follows its commit."""
    for listener in list(_job_listeners):
        try:
            with transaction.atomic():
                listener(event)
        except Exception:  # the job's change stands whatever a listener does
            logger.exception("Job event listener %r failed for %s", listener, event)
