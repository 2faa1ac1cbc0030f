"""A small explicit hook through which other apps learn about awards and status changes.

`badges` must not import `stacking`; stacking registers a listener in its AppConfig.ready().
Listeners run after the transaction commits, with ids only, so they never see uncommitted
state and a failing listener cannot undo an award. They receive a list: one event for a single
award, one per award for a bulk chunk — each event exactly as if its award had been issued alone —
so a listener can hand a whole chunk to one task instead of one task per award.
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
    """Deliver `events` to every listener once the current transaction commits (at once outside one)."""
    batch = tuple(events)
    if not batch:
        return

    def deliver() -> None:
        for listener in list(_listeners):
            try:
                listener(batch)
            except Exception:  # a listener's failure must not break the award that already committed
                logger.exception("Credential event listener %r failed for %d events", listener, len(batch))

    transaction.on_commit(deliver)
