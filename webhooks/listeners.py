"""The bridge from badges' and bulk's events to webhook deliveries: rows for a batch in one insert, in the event's
transaction; their tasks start after it commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from badges.events import CredentialEvent, placeholders
from bulk.events import JobEvent


def interest(events: Sequence[CredentialEvent]) -> tuple[str, list[Any]]:
    """The active endpoints of the events' issuers, as the listener's interest (D38); which events each endpoint
    takes is decided when the deliveries are made."""
    from webhooks.models import WebhookEndpoint

    ids = sorted({event.issuer_id for event in events})
    quote = connection.ops.quote_name
    endpoint = WebhookEndpoint._meta
    return (  # names from the models, values as parameters
        f"SELECT 1 FROM {quote(endpoint.db_table)} WHERE {quote(endpoint.get_field('issuer').column)}"  # noqa: S608
        f" IN ({placeholders(ids)}) AND {quote(endpoint.get_field('active').column)} = %s",
        [*ids, True],
    )


def on_credential_events(events: Sequence[CredentialEvent]) -> None:
    from webhooks.services import deliveries_for_credential_events

    deliveries_for_credential_events(events)


def on_job_event(event: JobEvent) -> None:
    from webhooks.services import deliveries_for_job_event

    deliveries_for_job_event(event)
