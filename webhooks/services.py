"""Webhooks: endpoints (create, edit, rotate the secret, delete, re-enable, ping), the deliveries an event makes,
and one delivery attempt.

Deliveries are rows first, requests second: the listeners (webhooks.listeners) insert one row per subscribed
endpoint for a whole batch of events in one statement, inside the event's own transaction (so a committed award
always has its deliveries), and a task per row, started through the outbox once that commits, POSTs it through
the hardened client (verification.http). An attempt claims its row with a
compare-and-set on `next_attempt_at` (the row is leased for the length of a request), so a task delivered twice
(Redis redelivers a task whose countdown outlives its visibility timeout) sends once. A failed attempt is
retried after 1 min, 5 min, 30 min, 2 h and 12 h; the sixth failure is final. After DISABLE_AFTER deliveries
in a row failed for good, the endpoint is disabled; a success resets the count.

Every change to an endpoint needs Action.MANAGE_KEYS in its issuer (a webhook secret is a key, D34); disabling an
endpoint after failures is the platform's own doing (a system actor).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from badges.events import CredentialEvent
from badges.models import Credential, CredentialSource
from bulk.events import JobEvent
from bulk.models import BulkJob
from config.tasks import enqueue
from issuer.keystore import decrypt_text, encrypt_text
from issuer.models import Issuer
from issuer.permissions import Action, Actor, SystemActor, audit_user, authorize
from issuer.services import audit_record
from verification.errors import FetchError
from verification.http import HardenedClient
from webhooks import signing
from webhooks.models import PING, DeliveryState, EventType, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# The wait after failed attempt n (1..5); the sixth failure is final, so a delivery is given up after ~15 hours.
BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600)
DISABLE_AFTER = 10
RESPONSE_EXCERPT_BYTES = 2048
USER_AGENT = "openbadges-platform/0.1 (webhooks)"

CREDENTIAL_EVENT_TYPES = {
    "issued": EventType.CREDENTIAL_ISSUED,
    "revoked": EventType.CREDENTIAL_REVOKED,
    "suspended": EventType.CREDENTIAL_SUSPENDED,
    "unsuspended": EventType.CREDENTIAL_UNSUSPENDED,
}


class WebhookError(Exception):
    pass


# --- endpoints -----------------------------------------------------------------------------------------------


def validate_endpoint_url(url: str) -> str:
    """The URL as it will be requested, or a ValidationError: https outside DEBUG, no credentials, and no
    address that cannot be public (loopback, private, link-local…) unless OUTBOUND_HTTP_ALLOW_PRIVATE. Host names
    are resolved at each delivery, where the hardened client refuses non-public addresses again."""
    client = HardenedClient(allow_http=bool(settings.DEBUG))
    try:
        checked = client.check_url(url)
    except FetchError as exc:
        raise ValidationError(str(exc)) from exc
    if not settings.OUTBOUND_HTTP_ALLOW_PRIVATE and not _may_be_public(urlsplit(checked).hostname or ""):
        raise ValidationError("The URL points to a local or private address; webhooks go to public addresses only.")
    return checked


def _may_be_public(host: str) -> bool:
    import ipaddress

    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: checked on the address it resolves to, at every delivery
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (address.is_multicast or address.is_reserved)


def _validate_events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [event for event in chosen if event not in EventType.values]
    if unknown:
        raise ValidationError(f"Unknown event types: {', '.join(unknown)}.")
    if not chosen:
        raise ValidationError("Choose at least one event.")
    return chosen


@transaction.atomic
def endpoint_create(*, issuer: Issuer, url: str, events: Iterable[str], actor: Actor) -> tuple[WebhookEndpoint, str]:
    """A new active endpoint and its secret, returned in clear this once (only its encryption is stored)."""
    authorize(actor, issuer, Action.MANAGE_KEYS)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        issuer=issuer,
        url=validate_endpoint_url(url),
        events=_validate_events(events),
        secret_encrypted=encrypt_text(secret),
        created_by=audit_user(actor),
    )
    _audit(endpoint, "webhook.created", actor, url=endpoint.url, events=endpoint.events)
    return endpoint, secret


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, url: str, events: Iterable[str], actor: Actor) -> WebhookEndpoint:
    authorize(actor, endpoint.issuer, Action.MANAGE_KEYS)
    endpoint.url = validate_endpoint_url(url)
    endpoint.events = _validate_events(events)
    endpoint.save(update_fields=["url", "events", "updated_at"])
    _audit(endpoint, "webhook.updated", actor, url=endpoint.url, events=endpoint.events)
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: Actor) -> str:
    """A new secret, effective for every attempt from now on (pending retries included)."""
    authorize(actor, endpoint.issuer, Action.MANAGE_KEYS)
    secret = signing.new_secret()
    endpoint.secret_encrypted = encrypt_text(secret)
    endpoint.save(update_fields=["secret_encrypted", "updated_at"])
    _audit(endpoint, "webhook.secret_rotated", actor)
    return secret


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    authorize(actor, endpoint.issuer, Action.MANAGE_KEYS)
    _audit(endpoint, "webhook.deleted", actor, url=endpoint.url)
    endpoint.delete()


@transaction.atomic
def endpoint_enable(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().select_related("issuer").get(pk=endpoint.pk)
    authorize(actor, endpoint.issuer, Action.MANAGE_KEYS)
    if endpoint.active:
        return endpoint
    endpoint.active = True
    endpoint.consecutive_failures = 0
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.save(update_fields=["active", "consecutive_failures", "disabled_at", "disabled_reason", "updated_at"])
    _audit(endpoint, "webhook.enabled", actor)
    return endpoint


def endpoint_send_ping(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookDelivery:
    """A `ping` event to this endpoint alone, whatever it subscribes to; tried once, never retried."""
    authorize(actor, endpoint.issuer, Action.MANAGE_KEYS)
    now = timezone.now()
    event_id = uuid.uuid4()
    data = {"endpoint": str(endpoint.uuid), "events": endpoint.events, "message": "Test event sent from the issuer UI."}
    delivery = WebhookDelivery(
        endpoint=endpoint,
        event_type=PING,
        event_id=event_id,
        payload=_envelope(event_id, PING, endpoint.issuer.slug, now, data),
        next_attempt_at=now,
    )
    with transaction.atomic():
        delivery.save()
        _enqueue([delivery.pk])
    return delivery


def _audit(endpoint: WebhookEndpoint, action: str, actor: Actor, **data: Any) -> None:
    audit_record(
        issuer=endpoint.issuer, action=action, obj=endpoint, actor=actor, data={"endpoint": str(endpoint.uuid), **data}
    )


# --- events → deliveries -------------------------------------------------------------------------------------


def _envelope(event_id: uuid.UUID, event_type: str, issuer_slug: str, now: datetime, data: dict[str, Any]) -> dict:
    return {
        "id": str(event_id),
        "type": event_type,
        "created": now.isoformat().replace("+00:00", "Z"),
        "issuer": issuer_slug,
        "data": data,
    }


def _active_endpoints(issuer_ids: set[int]) -> dict[int, list[WebhookEndpoint]]:
    """The active endpoints of these issuers, by issuer: one query. (Their `events` lists are filtered in Python:
    JSON containment is not portable, and an issuer has a handful of endpoints.)"""
    found: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    endpoints = WebhookEndpoint.objects.filter(issuer_id__in=issuer_ids, active=True).select_related("issuer")
    for endpoint in endpoints.only("pk", "uuid", "issuer__slug", "events", "issuer_id"):
        found[endpoint.issuer_id].append(endpoint)
    return found


def credential_data(credential: Credential) -> dict[str, Any]:
    """What a credential event says: the public credential and its achievement. Never the learner's e-mail or
    name: those are private (the receiver who needs them has them, or can follow the credential's URL)."""
    achievement = credential.achievement
    return {
        "credential": {
            "id": credential.public_id,
            "uuid": str(credential.uuid),
            "status": credential.status,
            "source": credential.source,
            "valid_from": credential.valid_from.isoformat(),
            "valid_until": credential.valid_until.isoformat() if credential.valid_until else None,
        },
        "achievement": {
            "id": achievement.public_id,
            "uuid": str(achievement.uuid),
            "slug": achievement.slug,
            "name": achievement.name,
        },
    }


def deliveries_for_credential_events(
    events: Sequence[CredentialEvent], *, now: datetime | None = None
) -> list[WebhookDelivery]:
    """One delivery per (event, subscribed active endpoint); an award by a stacking rule is also
    `stacking.completed`. At most three queries for a batch of any size (plus the insert's batches), none
    when no issuer of the batch has an active endpoint beyond the first."""
    endpoints = _active_endpoints({event.issuer_id for event in events})
    if not endpoints:
        return []
    now = now or timezone.now()
    wanted = [event for event in events if event.issuer_id in endpoints]
    credentials = {
        credential.pk: credential
        for credential in Credential.objects.filter(pk__in={event.credential_id for event in wanted})
        .select_related("achievement")
        .only(
            "pk", "uuid", "status", "source", "valid_from", "valid_until",
            "achievement__uuid", "achievement__slug", "achievement__name",
        )
    }  # fmt: skip
    rows: list[WebhookDelivery] = []
    for event in wanted:
        credential = credentials.get(event.credential_id)
        event_type = CREDENTIAL_EVENT_TYPES.get(event.kind)
        if credential is None or event_type is None:
            continue
        types = [event_type]
        if event.kind == "issued" and credential.source == CredentialSource.STACKING:
            types.append(EventType.STACKING_COMPLETED)
        data = credential_data(credential)
        for kind in types:
            rows.extend(_rows_for(endpoints[event.issuer_id], kind, now, data))
    return _store_and_enqueue(rows)


def deliveries_for_job_event(event: JobEvent, *, now: datetime | None = None) -> list[WebhookDelivery]:
    if event.kind != EventType.BULK_FINISHED:
        return []
    endpoints = [
        e for e in _active_endpoints({event.issuer_id}).get(event.issuer_id, []) if e.subscribes_to(event.kind)
    ]
    if not endpoints:
        return []
    job = BulkJob.objects.select_related("issuer").get(pk=event.job_id)
    api = {"slug": job.issuer.slug, "uuid": job.uuid}
    data = {
        "job": {
            "id": str(job.uuid),
            "url": settings.SITE_URL + reverse("api:bulk-job-detail", kwargs=api),
            "status": job.status,
            "source_name": job.source_name,
            "total_rows": job.total_rows,
            "valid_rows": job.valid_rows,
            "done_rows": job.done_rows,
            "failed_rows": job.failed_rows,
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        },
        "results_url": settings.SITE_URL + reverse("api:bulk-job-results", kwargs=api),
    }
    return _store_and_enqueue(_rows_for(endpoints, event.kind, now or timezone.now(), data))


def _rows_for(
    endpoints: Sequence[WebhookEndpoint], event_type: str, now: datetime, data: dict[str, Any]
) -> list[WebhookDelivery]:
    targets = [endpoint for endpoint in endpoints if endpoint.subscribes_to(event_type)]
    if not targets:
        return []
    event_id = uuid.uuid4()
    payload = _envelope(event_id, event_type, targets[0].issuer.slug, now, data)
    return [
        WebhookDelivery(endpoint=e, event_type=event_type, event_id=event_id, payload=payload, next_attempt_at=now)
        for e in targets
    ]


def _store_and_enqueue(rows: list[WebhookDelivery]) -> list[WebhookDelivery]:
    if not rows:
        return []
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(rows, batch_size=500)
        _enqueue([row.pk for row in rows])
    return rows


def _enqueue(delivery_ids: list[int]) -> None:
    # Recorded with the rows (the outbox), started once they commit; a lost task is also caught by the due sweep.
    enqueue("webhooks.tasks.deliver_webhooks", delivery_ids)


# --- one attempt ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptOutcome:
    state: str  # the delivery's state after the attempt, or "skipped" (not due, taken, or gone)
    retry_in: int | None = None  # seconds until the next attempt, when one is scheduled


SKIPPED = AttemptOutcome(state="skipped")


def _client() -> HardenedClient:
    return HardenedClient(
        timeout=settings.OUTBOUND_HTTP_TIMEOUT,
        max_bytes=RESPONSE_EXCERPT_BYTES,
        allow_http=bool(settings.DEBUG),
        allow_private=settings.OUTBOUND_HTTP_ALLOW_PRIVATE,
        user_agent=USER_AGENT,
    )


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> AttemptOutcome:
    """POST the delivery once, if it is pending and due, and record the answer. Safe to run twice."""
    now = now or timezone.now()
    lease_until = now + timedelta(seconds=settings.OUTBOUND_HTTP_TIMEOUT + 60)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=lease_until)
    if not claimed:
        return SKIPPED
    delivery = WebhookDelivery.objects.select_related("endpoint__issuer").filter(pk=delivery_id).first()
    if delivery is None:
        return SKIPPED
    endpoint = delivery.endpoint
    if not endpoint.active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, next_attempt_at=None, last_error="Not sent: the endpoint is disabled."
        )
        return AttemptOutcome(state=DeliveryState.FAILED)

    body = signing.encode_body(delivery.payload)
    timestamp = int(now.timestamp())
    headers = {
        signing.SIGNATURE_HEADER: signing.signature_header(decrypt_text(endpoint.secret_encrypted), timestamp, body),
        signing.ID_HEADER: str(delivery.event_id),
        signing.EVENT_HEADER: delivery.event_type,
    }
    status: int | None = None
    excerpt = error = ""
    try:
        response = _client().post(endpoint.url, body=body, headers=headers, content_type="application/json")
    except FetchError as exc:
        error = str(exc)
    else:
        status = response.status
        excerpt = response.body.decode("utf-8", errors="replace").replace("\x00", "")
        if 300 <= status < 400:
            error = f"HTTP {status}: redirects are not followed ({response.url})."
        elif not 200 <= status < 300:
            error = f"HTTP {status}."
    return _record(delivery.pk, now=now, status=status, excerpt=excerpt, error=error)


@transaction.atomic
def _record(delivery_id: int, *, now: datetime, status: int | None, excerpt: str, error: str) -> AttemptOutcome:
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return SKIPPED  # the endpoint was deleted meanwhile
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    delivery.attempts += 1
    delivery.last_status_code = status
    delivery.last_response = excerpt
    delivery.last_error = error
    retry_in: int | None = None
    if not error:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        if endpoint.consecutive_failures:
            endpoint.consecutive_failures = 0
            endpoint.save(update_fields=["consecutive_failures"])
    elif delivery.event_type != PING and delivery.attempts < MAX_ATTEMPTS:
        retry_in = BACKOFF_SECONDS[delivery.attempts - 1]
        delivery.next_attempt_at = now + timedelta(seconds=retry_in)
    else:
        delivery.state = DeliveryState.FAILED
        delivery.next_attempt_at = None
        if delivery.event_type != PING:  # a test event the owner sends by hand does not count against the endpoint
            _count_failure(endpoint, delivery, now)
    delivery.save(
        update_fields=[
            "attempts", "last_status_code", "last_response", "last_error", "state", "delivered_at", "next_attempt_at",
        ]
    )  # fmt: skip
    return AttemptOutcome(state=delivery.state, retry_in=retry_in)


def _count_failure(endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> None:
    endpoint.consecutive_failures += 1
    fields = ["consecutive_failures"]
    if endpoint.active and endpoint.consecutive_failures >= DISABLE_AFTER:
        endpoint.active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            f"{endpoint.consecutive_failures} deliveries in a row failed after {MAX_ATTEMPTS} attempts each; "
            f"the last: {delivery.last_error}"
        )
        fields += ["active", "disabled_at", "disabled_reason"]
        _audit(
            endpoint,
            "webhook.disabled",
            SystemActor("webhooks"),
            reason=endpoint.disabled_reason,
            failures=endpoint.consecutive_failures,
        )
        logger.warning("Webhook endpoint %s of issuer %s disabled", endpoint.uuid, endpoint.issuer_id)
    endpoint.save(update_fields=fields)


def due_delivery_ids(*, now: datetime | None = None, grace: timedelta = timedelta(minutes=2)) -> list[int]:
    """Pending deliveries whose attempt is overdue (their task was lost with a broker): for a periodic sweep."""
    cutoff = (now or timezone.now()) - grace
    pending = WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=cutoff)
    return list(pending.order_by("next_attempt_at").values_list("pk", flat=True)[:1000])
