"""API tokens of an issuer, and the stored responses that make a create idempotent."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from issuer.models import Issuer

RESOURCES = ("issuer", "achievements", "credentials", "bulk", "stacking")
SCOPES = tuple(f"{resource}:{access}" for resource in RESOURCES for access in ("read", "write"))
TOKEN_PREFIX = "obp_"  # noqa: S105 - the fixed start of every token string, not a secret


class ApiToken(models.Model):
    """A per-issuer credential for programs: `obp_<prefix>_<secret>`. Only a SHA-256 of the secret is stored: the
    secret is 32 random bytes, so a slow password hash would add latency to every request and no safety."""

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8, unique=True, help_text="Shown to tell tokens apart; not secret.")
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list, help_text="Like bulk:read, bulk:write; write implies read.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Updated at most once a minute.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How the token appears as the actor of what it does (audit rows, jobs)."""
        return f"API token {self.prefix} ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        """`scope` is granted, or it is a read whose write is granted."""
        if scope in self.scopes:
            return True
        resource, _, access = scope.partition(":")
        return access == "read" and f"{resource}:write" in self.scopes


class IdempotencyRecord(models.Model):
    """The response to a create sent with an `Idempotency-Key`, stored in the transaction of the create itself: the
    unique constraint on (scope, key) lets only one of two concurrent duplicates commit (api.idempotency)."""

    scope = models.CharField(max_length=64, help_text="token:<id> or user:<id>: keys are per client.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and request content.")
    status_code = models.PositiveSmallIntegerField()
    body = models.TextField(help_text="The response body as sent (JSON).")
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="api_idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
