"""Where each kind's daily counts come from. Three kinds are read from rows their apps keep for their own sake:
`issued` from the credentials (badges, below), `wallet` and `backpack` from the take-ups and sends the wallets and
backpack apps record, which register their source here when they start (they stand above analytics, which never
imports them). The others are the rows analytics counts itself (DailyCount).

Reading rather than counting twice means the figures start with the platform's history, not with this app, and can
never drift from the records they describe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from analytics.models import COUNTED_KINDS, DailyCount, Kind
from badges.models import Credential
from issuer.models import Issuer

# (day, achievement id, count) rows of one issuer, from `since` on (None: all of them).
Source = Callable[[Issuer, date | None], Iterable[tuple[date, int, int]]]

_sources: dict[str, Source] = {}


def register_source(kind: str, source: Source) -> None:
    """Read `kind` from `source` (a second registration replaces the first)."""
    _sources[kind] = source


def per_day(rows: QuerySet, *, when: str, achievement: str, since: date | None) -> QuerySet:
    """For a Source: `rows` counted per day of the `when` timestamp and per `achievement` (a field path to the
    achievement's id), as (day, achievement id, count)."""
    counted = rows.annotate(day=TruncDate(when))
    if since is not None:
        counted = counted.filter(day__gte=since)
    return counted.values_list("day", achievement).annotate(n=Count("pk")).order_by()


def _issued(issuer: Issuer, since: date | None) -> QuerySet:
    return per_day(
        Credential.objects.filter(issuer=issuer), when="created_at", achievement="achievement_id", since=since
    )


def _counted(kind: str) -> Source:
    def source(issuer: Issuer, since: date | None) -> QuerySet:
        rows = DailyCount.objects.filter(issuer=issuer, kind=kind)
        if since is not None:
            rows = rows.filter(day__gte=since)
        return rows.values_list("day", "achievement_id").annotate(n=Sum("count")).order_by()

    return source


register_source(Kind.ISSUED, _issued)
for _kind in COUNTED_KINDS:
    register_source(_kind, _counted(_kind))


def daily_counts(issuer: Issuer, since: date | None = None) -> Iterable[tuple[date, int, str, int]]:
    """Every kind's (day, achievement id, kind, count) of `issuer` from `since` on, kind by kind in Kind's order;
    a kind whose app is not installed is left out."""
    for kind in Kind:
        source = _sources.get(kind)
        if source is None:
            continue
        for day, achievement_id, count in source(issuer, since):
            if count:
                yield day, achievement_id, kind.value, count
