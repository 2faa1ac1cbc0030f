"""Background evaluation of stacking rules: thin tasks that call stacking.services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from django.utils import timezone

from badges.tasks import DATABASE_ERRORS

# The expiry sweep runs hourly and looks back two hours: evaluation is idempotent, so the overlap is harmless
# and a sweep that was missed once is caught up by the next.
EXPIRY_LOOKBACK = timedelta(hours=2)


@shared_task(acks_late=True, autoretry_for=DATABASE_ERRORS, max_retries=5, retry_backoff=5)
def evaluate_credential_events(events: list[dict[str, Any]]) -> dict[str, int]:
    """Evaluate the rules the events' achievements appear in, for the events' learners. Safe to run twice."""
    from stacking.services import stacking_handle_events

    return stacking_handle_events(events)


@shared_task(acks_late=True)
def apply_qualification(qualification_id: int, actor_id: int | None = None) -> dict[str, int]:
    """Award a rule's stacked credential to every learner who already qualifies."""
    from django.contrib.auth import get_user_model

    from issuer.permissions import NotAuthorized
    from stacking.models import Qualification
    from stacking.services import qualification_apply

    qualification = Qualification.objects.select_related("issuer", "achievement__issuer").get(pk=qualification_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    if actor is None:
        raise NotAuthorized("A rule is applied for the person who asked; this request names no one who exists.")
    # The person who asked, checked again now (qualification_apply): a role taken away meanwhile no longer applies.
    return qualification_apply(qualification=qualification, actor=actor)


@shared_task
def sweep_expired_components() -> int:
    """Re-evaluate the rules that require valid components for the credentials that expired lately."""
    from stacking.services import expired_events, stacking_handle_events

    now = timezone.now()
    events = expired_events(since=now - EXPIRY_LOOKBACK, until=now)
    if events:
        stacking_handle_events(events, now=now)
    return len(events)
