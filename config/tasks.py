"""Starting a task by its registered name. A services module never imports its own app's tasks module (the tasks
import the services), so the dependency runs one way, tasks → services, without import cycles
(docs/architecture.md). Each app's ready() imports its tasks module, so every name is registered.

Every task goes through the outbox (docs/decisions.md D37): recorded in the caller's transaction, handed to the
broker once it commits, swept later if the broker was down."""

from __future__ import annotations

from typing import Any

from outbox.services import record, record_many, record_tasks


def enqueue(name: str, *args: Any) -> None:
    """Start the task registered as `name` once the current transaction commits (at once outside one); nothing is
    lost when the broker is down, and without a broker it runs in-process after commit."""
    record(name, *args)


def enqueue_many(name: str, calls: list[list[Any]]) -> None:
    """`enqueue(name, *args)` for each `args` of `calls`, recorded with one insert (a fan-out of a batch)."""
    record_many(name, calls)


def enqueue_tasks(tasks: list[tuple[str, list[Any]]]) -> None:
    """`enqueue(name, *args)` for each (name, args) of `tasks`, recorded with one insert."""
    record_tasks(tasks)
