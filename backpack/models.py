"""Our client registrations at other Open Badges 3.0 hosts, and each send of a credential to one of them."""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from badges.models import Credential


class HostRegistration(models.Model):
    """This platform as a registered client (RFC 7591) of one host's authorization server, kept for the next send
    there. One per registration URL and redirect URI: under a new SITE_URL the platform registers again."""

    key = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the registration URL and redirect URI.")
    registration_url = models.URLField(max_length=2048)
    redirect_uri = models.URLField(max_length=2048)
    client_id = models.CharField(max_length=500)
    # Fernet token (issuer.keystore.encrypt_text) of the client secret, never stored in clear; empty when the host
    # issued none.
    client_secret_encrypted = models.BinaryField(blank=True, default=b"")
    secret_expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the secret does not expire.")
    auth_method = models.CharField(max_length=32, default="client_secret_basic")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.client_id} at {self.registration_url}"

    @staticmethod
    def key_for(registration_url: str, redirect_uri: str) -> str:
        return hashlib.sha256(f"{registration_url}\n{redirect_uri}".encode()).hexdigest()


class BackpackSend(models.Model):
    """One "send to my backpack": started on the learner's page (discovery and registration done, the learner on
    their way to the host), then finished by the host's answer at our callback, once.

    While pending it holds what the callback needs: the hash of the OAuth `state` (the state itself only travels
    in URLs), the PKCE verifier encrypted, and the token and credentials URLs read at discovery, so the host cannot
    swap them in between. Tokens are never stored. What stays is the outcome: host, credential, when, result."""

    class Outcome(models.TextChoices):
        PENDING = "pending", pgettext_lazy("backpack send", "Waiting for your host")
        STORED = "stored", pgettext_lazy("backpack send", "Stored")
        REPLACED = "replaced", pgettext_lazy("backpack send", "Replaced")
        REFUSED = "refused", pgettext_lazy("backpack send", "Refused by the host")
        DENIED = "denied", pgettext_lazy("backpack send", "Not allowed at the host")
        TOKEN_REFUSED = "token_refused", pgettext_lazy("backpack send", "No access from the host")
        EXPIRED = "expired", pgettext_lazy("backpack send", "Stopped: too late")
        WITHDRAWN = "withdrawn", pgettext_lazy("backpack send", "Stopped: the credential is no longer valid")
        FAILED = "failed", pgettext_lazy("backpack send", "Failed")

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+")
    learner_email = models.EmailField(help_text="The learner who sent it: the credential's recipient.")
    host = models.CharField(max_length=300, help_text="host[:port] of the discovery URL, as the learner is shown it.")
    discovery_url = models.URLField(max_length=2048)
    registration = models.ForeignKey(
        HostRegistration, on_delete=models.SET_NULL, null=True, blank=True, related_name="sends"
    )
    token_url = models.URLField(max_length=2048)
    credentials_url = models.URLField(max_length=2048)
    state_hash = models.CharField(max_length=64, unique=True)
    # Fernet token of the PKCE code_verifier; emptied when the send ends.
    code_verifier_encrypted = models.BinaryField(blank=True, default=b"")
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When the callback took it: it works once.")
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    detail = models.TextField(blank=True, help_text="The host's own words, or what went wrong, as it was said.")
    host_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="HTTP status of the upsert.")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("started_at")), name="backpack_send_expiry"),
            # Defense in depth: services finish a send and set its outcome together; the database keeps them paired.
            models.CheckConstraint(
                condition=Q(outcome="pending", finished_at__isnull=True)
                | (~Q(outcome="pending") & Q(finished_at__isnull=False)),
                name="backpack_send_finished_with_outcome",
            ),
        ]
        indexes = [models.Index(fields=["credential", "learner_email", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.credential_id} to {self.host}: {self.outcome}"

    @staticmethod
    def hash_state(state: str) -> str:
        return hashlib.sha256(state.encode("utf-8")).hexdigest()

    @property
    def succeeded(self) -> bool:
        return self.outcome in (self.Outcome.STORED, self.Outcome.REPLACED)
