"""The bridge from badges' credential events to stacking: one task per batch, only when a rule can be affected,
recorded in the event's transaction (the outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from badges.events import CredentialEvent, placeholders
from config.tasks import enqueue


def rules_mentioning(events: Sequence[CredentialEvent]) -> QuerySet[Any]:
    """The components of active rules that name an achievement of these events."""
    from stacking.models import QualificationComponent

    return QualificationComponent.objects.filter(
        achievement_id__in={event.achievement_id for event in events}, qualification__active=True
    )


def interest(events: Sequence[CredentialEvent]) -> tuple[str, list[Any]]:
    """`rules_mentioning` as the listener's interest (D38): the same rows, in SQL the event hook combines."""
    from stacking.models import Qualification, QualificationComponent

    ids = sorted({event.achievement_id for event in events})
    quote = connection.ops.quote_name
    component, qualification = QualificationComponent._meta, Qualification._meta
    return (  # names from the models, values as parameters
        f"SELECT 1 FROM {quote(component.db_table)} c JOIN {quote(qualification.db_table)} q"  # noqa: S608
        f" ON q.{quote(qualification.pk.column)} = c.{quote(component.get_field('qualification').column)}"
        f" WHERE c.{quote(component.get_field('achievement').column)} IN ({placeholders(ids)})"
        f" AND q.{quote(qualification.get_field('active').column)} = %s",
        [*ids, True],
    )


def on_credential_events(events: Sequence[CredentialEvent]) -> None:
    """Runs in the award's (or status change's) transaction; the evaluation starts once that commits. One indexed
    query decides whether any active rule mentions the achievements; a bulk chunk of 200 awards becomes one task,
    not 200."""
    mentioned = set(rules_mentioning(events).values_list("achievement_id", flat=True))
    relevant = [asdict(event) for event in events if event.achievement_id in mentioned]
    if relevant:
        enqueue("stacking.tasks.evaluate_credential_events", relevant)
