"""Reads of the analytics: the dashboard's section and the CSV export."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from analytics.models import Kind
from analytics.sources import daily_counts
from badges.models import Achievement
from issuer.models import Issuer
from issuer.permissions import Action, Actor, authorize

# Each kind as the dashboard names it, in Kind's order.
KIND_LABELS = {
    Kind.ISSUED: pgettext_lazy("analytics", "Issued"),
    Kind.WALLET: pgettext_lazy("analytics", "Added to a wallet"),
    Kind.BACKPACK: pgettext_lazy("analytics", "Sent to a backpack"),
    Kind.VIEW: pgettext_lazy("analytics", "Page views"),
    Kind.VERIFICATION: pgettext_lazy("analytics", "Verifications"),
    Kind.SHARE: pgettext_lazy("analytics", "Shares"),
}
KIND_HELP = {
    Kind.ISSUED: _("Credentials awarded."),
    Kind.WALLET: _("Credentials a learner took into a digital wallet."),
    Kind.BACKPACK: _("Credentials a learner sent to their Open Badges host."),
    Kind.VIEW: _("Visits to a credential's public page."),
    Kind.VERIFICATION: _("Checks of a credential with this platform's verifier, by page or API."),
    Kind.SHARE: _("LinkedIn and e-mail share links followed from a credential's page."),
}
EXPORT_COLUMNS = ["day", "achievement", "achievement_name", "kind", "count"]


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the last `months` months, this one included, oldest first."""
    starts = [today.replace(day=1)]
    while len(starts) < months:
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts[::-1]


def analytics_figures(issuer: Issuer, *, months: int = 12, today: date | None = None) -> dict[str, Any]:
    """The issuer dashboard's analytics section (issuer.extensions): for each kind, its count per month over the
    last `months` months (with the bars' geometry, as badges' awards chart draws them), and per achievement, each
    kind's total over the same months. The dashboard's view has checked that the reader may see the issuer."""
    starts = month_starts(today or timezone.localdate(), months)
    per_month: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    per_achievement: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, achievement_id, kind, count in daily_counts(issuer, starts[0]):
        per_month[kind][day.replace(day=1)] += count
        per_achievement[achievement_id][kind] += count
    charts: list[dict[str, Any]] = []
    for kind in Kind:
        points: list[dict[str, Any]] = [{"month": start, "count": per_month[kind][start]} for start in starts]
        peak = max(point["count"] for point in points) or 1
        for index, point in enumerate(points):  # a 100-unit-wide slot per month, 110 high (as badges' chart)
            point["height"] = round(100 * point["count"] / peak)
            point["x"] = index * 100 + 5
            point["y"] = 110 - point["height"]
        charts.append(
            {
                "kind": kind.value,
                "label": KIND_LABELS[kind],
                "help": KIND_HELP[kind],
                "points": points,
                "total": sum(point["count"] for point in points),
            }
        )
    names = dict(Achievement.objects.filter(issuer=issuer, pk__in=list(per_achievement)).values_list("pk", "name"))
    achievements: list[dict[str, Any]] = sorted(
        (
            {"name": names.get(achievement_id, ""), "counts": [counts[kind] for kind in Kind]}
            for achievement_id, counts in per_achievement.items()
        ),
        key=lambda row: row["name"].casefold(),
    )
    months_table = [
        {"month": start, "counts": [chart["points"][index]["count"] for chart in charts]}
        for index, start in enumerate(starts)
    ]
    return {
        "analytics_months": months_table,
        "analytics_charts": charts,
        "analytics_kinds": [KIND_LABELS[kind] for kind in Kind],
        "analytics_achievements": achievements,
    }


def analytics_export(*, issuer: Issuer, actor: Actor) -> Iterator[list[Any]]:
    """Every count of the issuer as EXPORT_COLUMNS rows, by day, then achievement, then kind. Anyone who may see the
    issuer may export them. Checked here, before the first row is asked for: a refusal must come before a streamed
    response has started. The rows are aggregates (a few per achievement and day), so they are sorted in memory."""
    authorize(actor, issuer, Action.VIEW)
    achievements = {
        pk: (slug, name)
        for pk, slug, name in Achievement.objects.filter(issuer=issuer).values_list("pk", "slug", "name")
    }
    order = {kind.value: index for index, kind in enumerate(Kind)}
    rows = sorted(daily_counts(issuer), key=lambda row: (row[0], achievements.get(row[1], ("", ""))[0], order[row[2]]))
    return _export_rows(rows, achievements)


def _export_rows(
    rows: list[tuple[date, int, str, int]], achievements: dict[int, tuple[str, str]]
) -> Iterator[list[Any]]:
    for day, achievement_id, kind, count in rows:
        slug, name = achievements.get(achievement_id, ("", ""))
        yield [day.isoformat(), slug, name, kind, count]
