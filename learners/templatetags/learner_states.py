"""A credential's state in words of the reader's language, for sentences on the learner pages (D51)."""

from __future__ import annotations

from django import template
from django.utils.functional import Promise

from learners.selectors import ROW_STATE_LABELS

register = template.Library()


@register.filter
def state_label(state: str) -> str | Promise:
    """ "revoked" → "Revoked" (German "Widerrufen"); a state without a label as it is."""
    return ROW_STATE_LABELS.get(state, state)
