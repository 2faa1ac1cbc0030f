"""Webhook endpoints an issuer registered, and every delivery made to them (with the last answer received)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from issuer.models import Issuer


class EventType(models.TextChoices):
    CREDENTIAL_ISSUED = "credential.issued", "A credential was issued"
    CREDENTIAL_REVOKED = "credential.revoked", "A credential was revoked"
    CREDENTIAL_SUSPENDED = "credential.suspended", "A credential was suspended"
    CREDENTIAL_UNSUSPENDED = "credential.unsuspended", "A suspended credential was reinstated"
    BULK_FINISHED = "bulk.finished", "A bulk job finished"
    STACKING_COMPLETED = "stacking.completed", "A stacking rule awarded its credential"


# Sent by "send test event" only; an endpoint never subscribes to it.
PING = "ping"


class WebhookEndpoint(models.Model):
    """A URL of the issuer's that receives the events it subscribed to, signed with its own secret."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2048)
    events = models.JSONField(default=list, help_text="The event types sent (a subset of EventType).")
    # Fernet token (issuer.keystore.encrypt_text) of the HMAC secret: never stored or logged in clear.
    secret_encrypted = models.BinaryField()
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Deliveries that failed after their last attempt since the last success."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["issuer", "active"], name="webhookendpoint_active")]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.events


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact payload, its attempts and the last answer (or error)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=40)
    # The event's id, the same for every endpoint it goes to and for every attempt: receivers deduplicate by it.
    event_id = models.UUIDField(default=uuid.uuid4)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True, help_text="The first 2 KB of the last answer's body, as text.")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When the next attempt is due (pending only); also the lease of an attempt in progress (webhooks.services).
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # An event is delivered once per endpoint, however often its listener runs.
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhookdelivery_unique_event"),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(next_attempt_at__isnull=True),
                name="webhookdelivery_only_pending_is_scheduled",
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhookdelivery_recent"),
            models.Index(fields=["state", "next_attempt_at"], name="webhookdelivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.state})"
