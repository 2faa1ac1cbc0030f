"""The Celery application. Without CELERY_BROKER_URL tasks run in-process (see settings)."""

import os
from typing import Any

from celery import Celery, Task

from config.queues import TASK_QUEUE_KIND

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class LongRunningTask(Task):
    """The base of tasks that may run for minutes (a bulk job's chain of chunks, its undo). With a broker nothing
    changes; without one the outbox runs them in a thread of their own instead of in the request that started them
    (outbox.services.run_apart, docs/decisions.md D48)."""

    long_running = True


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> dict[str, str] | None:
    """`<default queue>.<kind>` for the tasks listed in config.queues; read at send time, so a process that changes
    its default queue (the worker tests do) routes with it."""
    kind = TASK_QUEUE_KIND.get(name)
    if kind is None:
        return None
    return {"queue": f"{app.conf.task_default_queue}.{kind}"}
