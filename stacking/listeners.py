"""The bridge from badges' credential events to stacking: one task per batch, only when a rule can be affected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from badges.events import CredentialEvent


def on_credential_events(events: Sequence[CredentialEvent]) -> None:
    """Runs after the award (or status change) has committed. One indexed query decides whether any active rule
    mentions the achievements; a bulk chunk of 200 awards becomes one task, not 200."""
    from stacking.models import QualificationComponent
    from stacking.tasks import evaluate_credential_events

    mentioned = set(
        QualificationComponent.objects.filter(
            achievement_id__in={event.achievement_id for event in events}, qualification__active=True
        ).values_list("achievement_id", flat=True)
    )
    relevant = [asdict(event) for event in events if event.achievement_id in mentioned]
    if relevant:
        evaluate_credential_events.delay(relevant)
