"""Learners as the platform knows them: a verified e-mail address, never an account with a password."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import models
from django.utils import timezone

from badges.models import Credential


class LearnerProfile(models.Model):
    """One per address that has signed in at least once; created on the first sign-in.

    `slug` is random (secrets.token_urlsafe), so a public profile cannot be found by guessing or
    counting, and it never contains the address. The profile is off until the learner turns it on.
    """

    email = models.EmailField(unique=True, help_text="Normalized (lower-case). Private: never published.")
    slug = models.SlugField(max_length=40, unique=True)
    is_public = models.BooleanField(default=False)
    # The language e-mails to this address are written in (D52): taken from the page at the first sign-in, changed
    # on the collection page. Blank: never signed in with a language we have.
    language = models.CharField(max_length=16, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.slug


class LearnerCredentialVisibility(models.Model):
    """A credential the learner chose to show on their public profile.

    One row per shown credential; no row means hidden, so every credential is hidden by default and a
    new award never appears publicly on its own. A row instead of a flag on Credential keeps the
    issuer's record untouched by learner choices.
    """

    profile = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="shown")
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "credential"], name="learner_visibility_unique_credential")
        ]

    def __str__(self) -> str:
        return f"{self.profile} shows {self.credential_id}"


class SignInToken(models.Model):
    """A sign-in link. Only the SHA-256 of its token is stored, so a database copy cannot sign anyone in."""

    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="signin_expiry_after_creation"
            )
        ]

    def __str__(self) -> str:
        return f"sign-in link for {self.email}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at
