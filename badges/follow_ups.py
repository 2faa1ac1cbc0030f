"""What follows an award once it has committed: its badge images baked and its learner told by e-mail.

Services decide which awards get which (a bulk chunk leaves baking to the first download, an award from the UI
may skip the e-mail); `badges.tasks` supplies how, on its queues, and is registered here when the app is ready
(badges.apps). So services never import tasks and tasks may import services: the dependency runs one way.
The follow-ups are recorded in the award's own transaction (the outbox, docs/decisions.md D37) and start once it
commits, so an award never commits without them and a rolled-back one has none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.tasks import enqueue_tasks

# The tasks (registered name, arguments) that follow up a list of credential ids.
TaskCalls = Callable[[list[int]], list[tuple[str, list[Any]]]]


@dataclass(frozen=True)
class FollowUps:
    """The tasks of each follow-up for a list of credential ids; recorded in the award's transaction (one insert
    for all of them), each starts once that commits."""

    bake: TaskCalls
    notify: TaskCalls


_registered: list[FollowUps] = []


def register(follow_ups: FollowUps) -> None:
    """Make `follow_ups` the one way awards are followed up (a second call replaces the first)."""
    _registered[:] = [follow_ups]


def follow_up_on_commit(credential_ids: Sequence[int], *, notify: bool, bake: bool = True) -> None:
    """Once the awards are durable: bake their images (with `bake`) and e-mail the learners (with `notify`).

    Recorded now, in the awards' transaction; run after it commits, however the broker is doing at that moment.
    """
    if not (notify or bake):
        return
    if not _registered:
        # Going on would issue every award without its e-mail, silently: refuse, and the award rolls back.
        raise ImproperlyConfigured("No award follow-ups are registered: is 'badges' in INSTALLED_APPS?")
    follow_ups, ids = _registered[0], list(credential_ids)
    tasks = [*(follow_ups.bake(ids) if bake else []), *(follow_ups.notify(ids) if notify else [])]
    enqueue_tasks(tasks)
