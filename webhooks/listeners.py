"""The bridge from badges' and bulk's events to webhook deliveries: rows for a batch in one insert, in the event's
transaction; their tasks start after it commits."""

from __future__ import annotations

from collections.abc import Sequence

from badges.events import CredentialEvent
from bulk.events import JobEvent


def on_credential_events(events: Sequence[CredentialEvent]) -> None:
    from webhooks.services import deliveries_for_credential_events

    deliveries_for_credential_events(events)


def on_job_event(event: JobEvent) -> None:
    from webhooks.services import deliveries_for_job_event

    deliveries_for_job_event(event)
