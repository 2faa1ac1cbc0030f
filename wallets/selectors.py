"""Reads for the wallet pages and the issuer's statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from analytics.sources import per_day
from badges.models import Credential
from issuer.models import Issuer
from learners.models import LearnerProfile
from wallets.errors import NotYourAward
from wallets.models import WalletTakeUp


def learner_award(*, profile: LearnerProfile, uuid: str) -> Credential:
    """The award `uuid` for its own learner's pages: 404 when there is none, NotYourAward (403) when it was made to
    someone else. The credential's id is public (its page is), so refusing says nothing a stranger could not know."""
    credential = get_object_or_404(Credential.objects.select_related("issuer", "achievement"), uuid=uuid)
    if credential.recipient_email != profile.email:
        raise NotYourAward("This credential was not awarded to you.")
    return credential


def take_up_counts(*, issuer: Issuer) -> dict[str, int]:
    """How many credentials of the issuer were handed to wallets, by format (ldp_vc, jwt_vc_json)."""
    rows = WalletTakeUp.objects.filter(issuer=issuer).values("format").annotate(count=Count("id")).order_by("format")
    return {row["format"]: row["count"] for row in rows}


def take_ups_per_day(issuer: Issuer, since: date | None) -> QuerySet[Any]:
    """The issuer's wallet take-ups as (day, achievement id, count): the issuer analytics' `wallet` kind
    (analytics.sources, registered in WalletsConfig.ready)."""
    return per_day(
        WalletTakeUp.objects.filter(issuer=issuer),
        when="created_at",
        achievement="credential__achievement_id",
        since=since,
    )
