"""Counts of what happens to an issuer's credentials, per achievement and day: never who did it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from badges.models import Achievement
from issuer.models import Issuer


class Kind(models.TextChoices):
    """What the analytics count. `issued`, `wallet` and `backpack` are read from the rows their apps keep anyway
    (credentials, wallet take-ups, backpack sends: analytics.sources); the others are counted here."""

    ISSUED = "issued"
    WALLET = "wallet"
    BACKPACK = "backpack"
    VIEW = "view"
    VERIFICATION = "verification"
    SHARE = "share"


# The kinds DailyCount holds: what no other table records (badges.activity tells of them as they happen).
COUNTED_KINDS = (Kind.VIEW, Kind.VERIFICATION, Kind.SHARE)


class DailyCount(models.Model):
    """How often `kind` happened to the issuer's credentials of one achievement on one day (the platform's time
    zone). Deliberately nothing else: no credential, no address, no user agent, no time of day — a row cannot be
    traced to a learner or a reader (tests/analytics/test_counting.py checks the columns)."""

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="+")
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=16, choices=[(kind.value, kind.label) for kind in COUNTED_KINDS])
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # The row the counting UPSERT adds to (analytics.services.count_activity): one per day and kind.
            models.UniqueConstraint(fields=["issuer", "achievement", "day", "kind"], name="analytics_daily_count_key"),
            models.CheckConstraint(condition=Q(kind__in=[kind.value for kind in COUNTED_KINDS]), name="analytics_kind"),
        ]
        indexes = [models.Index(fields=["issuer", "day"], name="analytics_issuer_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}: {self.count}"
