"""What the Open Badges API keeps: registered wallets, learners' OAuth identities, and what learners stored.

The learner is always identified by their normalized e-mail address (the /me/ identity, D18); the Django
user behind an OAuth grant exists only because django-oauth-toolkit needs one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from oauth2_provider.models import Application


class ClientRegistration(models.Model):
    """The RFC 7591 metadata of a dynamically registered wallet, beside its OAuth application."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="ob_registration")
    client_uri = models.URLField(max_length=500)
    logo_uri = models.URLField(max_length=500)
    tos_uri = models.URLField(max_length=500)
    policy_uri = models.URLField(max_length=500)
    software_id = models.CharField(max_length=200)
    software_version = models.CharField(max_length=100)
    scope = models.TextField(help_text="The scopes the client may ask for, space-separated.")
    contacts = models.JSONField(default=list, blank=True)
    registered_ip_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.application.name} ({self.software_id} {self.software_version})"

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()


class LearnerAccount(models.Model):
    """The Django user standing for one learner address in OAuth grants and tokens.

    The address lives here, not on the user, so the user can never sign in, reset a password or be
    found by the staff sign-in: it has an unusable password and is never staff.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ob_learner")
    email = models.EmailField(unique=True, help_text="Normalized (lower-case). Private.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"learner account {self.user_id}"


class StoredCredential(models.Model):
    """A credential a learner stored through upsertCredential: verified before it was stored, kept as received."""

    class Format(models.TextChoices):
        JSON = "json", "JSON (Data Integrity)"
        JWS = "jws", "Compact JWS (VC-JWT)"

    learner_email = models.EmailField()
    credential_id = models.CharField(max_length=1000, help_text="The `id` of the credential document.")
    format = models.CharField(max_length=4, choices=Format.choices)
    raw = models.TextField(help_text="The JSON document or the compact JWS exactly as received.")
    issuer_id = models.CharField(max_length=1000, blank=True)
    achievement_name = models.CharField(max_length=500, blank=True)
    issued_at = models.DateTimeField(help_text="validFrom (or issuanceDate) of the credential; else when stored.")
    stored_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Upsert equality (OB 3.0 §6.2.2): one entry per credential id in a learner's list.
            models.UniqueConstraint(fields=["learner_email", "credential_id"], name="ob_stored_unique_per_learner")
        ]
        indexes = [models.Index(fields=["learner_email", "issued_at"])]

    def __str__(self) -> str:
        return self.credential_id


class LearnerApiProfile(models.Model):
    """The Profile a learner's wallet put with putProfile (OB 3.0 Profile JSON), one per learner."""

    learner_email = models.EmailField(unique=True)
    document = models.JSONField()
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"API profile {self.pk}"
