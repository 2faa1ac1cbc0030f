"""What follows an award once it has committed: its badge images baked and its learner told by e-mail.

Services decide which awards get which (a bulk chunk leaves baking to the first download, an award from the UI
may skip the e-mail); `badges.tasks` supplies how, on its queues, and is registered here when the app is ready
(badges.apps). So services never import tasks and tasks may import services: the dependency runs one way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

Enqueue = Callable[[list[int]], None]


@dataclass(frozen=True)
class FollowUps:
    """How each follow-up is started for a list of credential ids; called after commit, so the rows exist."""

    bake: Enqueue
    notify: Enqueue


_registered: list[FollowUps] = []


def register(follow_ups: FollowUps) -> None:
    """Make `follow_ups` the one way awards are followed up (a second call replaces the first)."""
    _registered[:] = [follow_ups]


def follow_up_on_commit(credential_ids: Sequence[int], *, notify: bool, bake: bool = True) -> None:
    """Once the awards are durable: bake their images (with `bake`) and e-mail the learners (with `notify`).

    `robust`: the awards have committed by then; an unreachable broker is logged, it must not fail the request.
    """
    if not (notify or bake):
        return
    if not _registered:
        # Going on would issue every award without its e-mail, silently: refuse, and the award rolls back.
        raise ImproperlyConfigured("No award follow-ups are registered: is 'badges' in INSTALLED_APPS?")
    follow_ups, ids = _registered[0], list(credential_ids)
    if bake:
        transaction.on_commit(lambda: follow_ups.bake(ids), robust=True)
    if notify:
        transaction.on_commit(lambda: follow_ups.notify(ids), robust=True)
