"""Starting a task by its registered name. A services module never imports its own app's tasks module (the tasks
import the services), so the dependency runs one way, tasks → services, without import cycles
(docs/architecture.md). Each app's ready() imports its tasks module, so every name is registered."""

from __future__ import annotations

from typing import Any

from config.celery import app


def enqueue(name: str, *args: Any) -> None:
    """`delay` the task registered as `name` (runs in-process when no broker is configured, as `delay` does)."""
    app.tasks[name].delay(*args)
