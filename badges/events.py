"""A small explicit hook through which other apps learn about awards and status changes.

`badges` must not import `stacking`; stacking registers a listener in its AppConfig.ready().
Listeners are called inside the transaction that made the change, and only record what is to happen (webhook
delivery rows, tasks through the outbox, docs/decisions.md D37): the work starts once the change commits, so it is
never lost to a crash or a broker outage after the commit, and a rolled-back change leaves nothing behind. Each
listener runs in a savepoint: its failure is logged and rolled back alone, and never undoes the change. They receive
a list: one event for a single award, one per award for a bulk chunk — each event exactly as if its award had been
issued alone — so a listener can hand a whole chunk to one task instead of one task per award.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CredentialEvent:
    kind: str  # "issued", "revoked", "suspended", "unsuspended"
    credential_id: int
    issuer_id: int
    achievement_id: int
    recipient_identity: str  # normalized email: the key stacking evaluates by


Listener = Callable[[Sequence[CredentialEvent]], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def publish_on_commit(events: Sequence[CredentialEvent]) -> None:
    """Give `events` to every listener now, in the current transaction, to record what follows once it commits."""
    batch = tuple(events)
    if not batch:
        return
    for listener in list(_listeners):
        try:
            with transaction.atomic():
                listener(batch)
        except Exception:  # a listener's failure must not break the award it was told about
            logger.exception("Credential event listener %r failed for %d events", listener, len(batch))
