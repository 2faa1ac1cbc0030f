"""Stacking's sections of the public credential page. badges knows nothing of stacking (badges/events.py): its
template loads this library, and the queries stay in stacking.selectors."""

from __future__ import annotations

from typing import Any

from django import template

from badges.models import Credential
from stacking.selectors import counts_towards_any, is_stacked, qualifications_counting, stacked_components

register = template.Library()


@register.inclusion_tag("stacking/public/counts_towards.html")
def counts_towards(credential: Credential) -> dict[str, Any]:
    """The active qualifications whose rule mentions this credential's achievement: public rules, no progress."""
    if not counts_towards_any(credential.achievement):  # most badges: a lean query instead of three tables' rows
        return {"qualifications": []}
    return {"qualifications": list(qualifications_counting(credential.achievement))}


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
