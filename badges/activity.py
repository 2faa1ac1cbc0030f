"""What readers do with a credential of ours: its public page viewed, the credential verified, a share link
followed. badges sees these happen but keeps no record of them; an app above it (analytics) subscribes in its
AppConfig.ready() and counts them (dependencies point one way: docs/architecture.md).

Only the credential's issuer and achievement travel: nothing about the reader (no address, no user agent) is
handed on, so nothing about them can be stored. A listener that fails is logged and skipped: a reader's page or
verification never breaks, or waits, because it could not be counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

logger = logging.getLogger(__name__)


class Activity(StrEnum):
    VIEW = "view"  # the public credential page, as HTML
    VERIFICATION = "verification"  # the verify page or the verify API, for a credential of ours
    SHARE = "share"  # a share link of the public page followed (LinkedIn, e-mail)


Listener = Callable[[Activity, int, int], None]  # (activity, issuer id, achievement id)

_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Call `listener` with every activity (once, however often `ready()` runs)."""
    if listener not in _listeners:
        _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    _listeners[:] = [known for known in _listeners if known != listener]


def note(activity: Activity, *, issuer_id: int, achievement_id: int) -> None:
    """Tell every listener that `activity` happened to a credential of `issuer_id` for `achievement_id`."""
    for listener in list(_listeners):
        try:
            listener(activity, issuer_id, achievement_id)
        except Exception:  # counting is never worth a reader's page: logged, and the page goes on
            logger.exception("Activity listener %r failed for %s", listener, activity)
