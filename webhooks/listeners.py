"""The bridge from badges' and bulk's events to webhook deliveries: rows for a batch in one insert, in the event's
transaction; their tasks start after it commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from badges.events import CredentialEvent
from bulk.events import JobEvent


def active_endpoints(events: Sequence[CredentialEvent]) -> QuerySet[Any]:
    """The active endpoints of the events' issuers: a listener's interest (D38); which events each endpoint takes
    is decided when the deliveries are made."""
    from webhooks.models import WebhookEndpoint

    return WebhookEndpoint.objects.filter(issuer_id__in={event.issuer_id for event in events}, active=True)


def on_credential_events(events: Sequence[CredentialEvent]) -> None:
    from webhooks.services import deliveries_for_credential_events

    deliveries_for_credential_events(events)


def on_job_event(event: JobEvent) -> None:
    from webhooks.services import deliveries_for_job_event

    deliveries_for_job_event(event)
