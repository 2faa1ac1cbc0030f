"""Reads for "send to my backpack": the learner's own credential, whether it may be sent, and where it went."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from analytics.sources import per_day
from backpack.models import BackpackSend
from badges.documents import normalize_email
from badges.models import Credential
from issuer.models import Issuer

# A decision of the issuer that the credential does not hold: it is not handed to anyone (D47).
NOT_SENDABLE = frozenset({"revoked", "suspended"})
HISTORY_LENGTH = 20


def credential_for_learner(*, email: str, uuid: UUID | str) -> Credential | None:
    """The credential if it was awarded to `email`; None for another learner's, as for one that does not exist."""
    return (
        Credential.objects.select_related("issuer", "achievement")
        .filter(uuid=uuid, recipient_email=normalize_email(email))
        .first()
    )


def is_sendable(credential: Credential) -> bool:
    return credential.state() not in NOT_SENDABLE


def finished_sends(*, credential: Credential, email: str) -> list[BackpackSend]:
    """Where the learner sent this credential, newest first (the last HISTORY_LENGTH sends that ended)."""
    sends = BackpackSend.objects.filter(
        credential=credential, learner_email=normalize_email(email), finished_at__isnull=False
    ).order_by("-finished_at", "-id")
    return list(sends[:HISTORY_LENGTH])


def sends_per_day(issuer: Issuer, since: date | None) -> QuerySet[Any]:
    """The issuer's credentials stored at a learner's host (a send that ended stored or replaced) as (day,
    achievement id, count), by the day the host accepted them: the issuer analytics' `backpack` kind
    (analytics.sources, registered in BackpackConfig.ready)."""
    sends = BackpackSend.objects.filter(
        credential__issuer=issuer, outcome__in=[BackpackSend.Outcome.STORED, BackpackSend.Outcome.REPLACED]
    )
    return per_day(sends, when="finished_at", achievement="credential__achievement_id", since=since)
