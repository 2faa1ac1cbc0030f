"""Stacking's sections of the public credential page, and the words of the stacking pages' states. badges knows
nothing of stacking (badges/events.py): its template loads this library, and the queries stay in
stacking.selectors."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from badges.models import Credential
from stacking.models import PartnershipStatus
from stacking.selectors import (
    counts_towards_any,
    is_stacked,
    qualifications_counting,
    rule_summaries,
    stacked_components,
)

register = template.Library()


@register.inclusion_tag("stacking/public/counts_towards.html")
def counts_towards(credential: Credential) -> dict[str, Any]:
    """The active qualifications whose rule mentions this credential's achievement: public rules, no progress."""
    if not counts_towards_any(credential.achievement):  # most badges: a lean query instead of three tables' rows
        return {"qualifications": []}
    qualifications = list(qualifications_counting(credential.achievement))
    summaries = rule_summaries(qualifications)
    return {"qualifications": [(q, summaries[q.pk]) for q in qualifications]}


@register.inclusion_tag("stacking/public/stacked_from.html")
def stacked_from(credential: Credential) -> dict[str, Any]:
    """For a stacked credential: the components it was awarded for, and its CLR 2.0 download while it is valid."""
    if not is_stacked(credential):
        return {"stacked": False}
    return {
        "stacked": True,
        "credential": credential,
        "components": stacked_components(credential),
        "active": credential.state() == "active",
    }


# A partnership's status as the pages say it, in the reader's language.
PARTNERSHIP_STATES: dict[str, Promise] = {
    PartnershipStatus.PENDING: pgettext_lazy("partnership state", "Pending"),
    PartnershipStatus.ACCEPTED: pgettext_lazy("partnership state", "Accepted"),
    PartnershipStatus.ENDED: pgettext_lazy("partnership state", "Ended"),
}


@register.filter
def partnership_state(status: str) -> str:
    """A partnership's status in the reader's language: "Pending", "Accepted", "Ended"."""
    return str(PARTNERSHIP_STATES.get(status, status))
