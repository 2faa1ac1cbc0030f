"""Counting, without slowing the pages it counts.

A count is added to a buffer in the process's memory; the buffer is written to the database as one batch of UPSERTs
once ANALYTICS_FLUSH_SECONDS have passed since the last write (by the request that finds it due) and when the
process exits. A database write per view halved the public page's rate on the embedded default (SQLite commits
to disk each time; docs/performance.md, D62), and the public page must stay fast. The cost: a process that dies
without exiting loses at most that many seconds of counts, which is fine for figures nobody bills by.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter
from datetime import date

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from analytics.models import COUNTED_KINDS, DailyCount

logger = logging.getLogger(__name__)

# Distinct (issuer, achievement, day, kind) keys kept while the database refuses the batches: beyond it, the oldest
# are dropped, so an outage cannot grow the process's memory without bound.
MAX_PENDING_KEYS = 10_000

_Key = tuple[int, int, date, str]
_pending: Counter[_Key] = Counter()
_lock = threading.Lock()
_last_flush = time.monotonic()


def _upsert_sql() -> str:
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    # The same statement on PostgreSQL and SQLite (3.24+): the row of the day is created or raised by the batch's
    # count in one step, so two processes writing at once can neither both insert (the unique key) nor lose a count.
    # The table name comes from the model, every value is a parameter.
    insert = f"INSERT INTO {table} (issuer_id, achievement_id, day, kind, count) VALUES (%s, %s, %s, %s, %s) "  # noqa: S608
    return insert + f"ON CONFLICT (issuer_id, achievement_id, day, kind) DO UPDATE SET count = {table}.count + %s"


def count_activity(activity: str, issuer_id: int, achievement_id: int, *, day: date | None = None) -> None:
    """Add one `activity` (a badges.activity kind) to the issuer's count for the achievement and `day` (today).

    Called for readers' requests (badges.activity): no actor and no permission, since nothing is read back and the
    only input is an event of the issuer's own credential. Never raises for the database: see flush_counts."""
    if activity not in COUNTED_KINDS:
        raise ValueError(f"Not a counted kind: {activity!r} (expected one of {', '.join(COUNTED_KINDS)}).")
    key = (issuer_id, achievement_id, day or timezone.localdate(), str(activity))
    with _lock:
        _pending[key] += 1
        due = time.monotonic() - _last_flush >= settings.ANALYTICS_FLUSH_SECONDS
    if due:
        flush_counts()


def flush_counts() -> int:
    """Write the buffered counts in one transaction; the number of rows written. A database that refuses them
    (locked, read-only, down) is logged and the counts go back to the buffer for the next try."""
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if not batch:
        return 0
    field = DailyCount._meta.get_field("day")
    rows = [
        [issuer_id, achievement_id, field.get_db_prep_value(day, connection), kind, count, count]
        for (issuer_id, achievement_id, day, kind), count in batch.items()
    ]
    try:
        # A savepoint when the caller is in a transaction (a failed statement must not poison it); else its own.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(_upsert_sql(), rows)
    except IntegrityError:
        # Not an outage but rows that cannot be (an achievement deleted meanwhile): trying again would not help.
        logger.warning("Dropped %d analytics counts the database refused", len(rows), exc_info=True)
        return 0
    except DatabaseError:
        logger.warning("Could not write %d analytics counts; kept for the next try", len(rows), exc_info=True)
        with _lock:
            _pending.update(batch)
            for key in list(_pending)[: max(0, len(_pending) - MAX_PENDING_KEYS)]:
                del _pending[key]
        return 0
    return len(rows)


def discard_pending() -> None:
    """Forget the buffered counts (the tests start each with none)."""
    with _lock:
        _pending.clear()


def _flush_at_exit() -> None:
    try:
        flush_counts()
    except Exception:  # the interpreter is going away: nothing else can be done with the counts
        logger.exception("Could not write the analytics counts at exit")


atexit.register(_flush_at_exit)
