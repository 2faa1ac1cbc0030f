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
from typing import Any

from django.db import connection, transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CredentialEvent:
    kind: str  # "issued", "revoked", "suspended", "unsuspended"
    credential_id: int
    issuer_id: int
    achievement_id: int
    recipient_identity: str  # normalized email: the key stacking evaluates by


Listener = Callable[[Sequence[CredentialEvent]], None]
# What a listener would act on, as a SELECT (SQL and its parameters): the listener is called only when it finds a row.
# The interests of all listeners are asked in one statement, `SELECT EXISTS(…), EXISTS(…)` (D38), so an award that
# concerns no rule and no webhook costs one query and no savepoint instead of a savepoint, a query and a release per
# listener. SQL rather than querysets: compiling two subqueries with their joins cost the ORM more than the award's
# signature.
Interest = Callable[[Sequence[CredentialEvent]], tuple[str, list[Any]]]


@dataclass(frozen=True)
class _Subscription:
    listener: Listener
    interest: Interest | None


_subscriptions: list[_Subscription] = []


def subscribe(listener: Listener, *, interest: Interest | None = None) -> None:
    """Call `listener` with every batch of events, or, with `interest`, with the batches for which it finds a row."""
    if all(subscription.listener != listener for subscription in _subscriptions):
        _subscriptions.append(_Subscription(listener, interest))


def unsubscribe(listener: Listener) -> None:
    _subscriptions[:] = [subscription for subscription in _subscriptions if subscription.listener != listener]


def publish_on_commit(events: Sequence[CredentialEvent]) -> None:
    """Give `events` to every listener now, in the current transaction, to record what follows once it commits."""
    batch = tuple(events)
    if not batch:
        return
    subscriptions = list(_subscriptions)
    for subscription in _interested(subscriptions, batch):
        try:
            with transaction.atomic():
                subscription.listener(batch)
        except Exception:  # a listener's failure must not break the award it was told about
            logger.exception("Credential event listener %r failed for %d events", subscription.listener, len(batch))


def _interested(subscriptions: list[_Subscription], batch: tuple[CredentialEvent, ...]) -> list[_Subscription]:
    """The subscriptions to call: those without an interest query, and those whose query finds a row.

    The query runs without a savepoint: it is an indexed read, and what could make it fail (the connection lost, a
    statement timeout) would fail the award's own next statement as well.
    """
    asked = [(n, s.interest(batch)) for n, s in enumerate(subscriptions) if s.interest is not None]
    if not asked:
        return subscriptions
    sql = "SELECT " + ", ".join(f"EXISTS({select})" for _, (select, _) in asked)
    params = [param for _, (_, selected) in asked for param in selected]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    wanted = {n for (n, _), answer in zip(asked, row, strict=True) if answer}
    return [s for n, s in enumerate(subscriptions) if s.interest is None or n in wanted]


def placeholders(values: Sequence[Any]) -> str:
    """`%s, %s, …`, one for each value: for an interest's `IN (…)`."""
    return ", ".join(["%s"] * len(values))
