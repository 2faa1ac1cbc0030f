"""Qualifications (stacking rule sets), the achievements their rules mention, partnerships between issuers, and
each learner's stacked award."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from badges.models import Achievement, Credential
from issuer.models import Issuer


class PartnershipStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    ENDED = "ended", "Ended"


class Partnership(models.Model):
    """`issuer` may use `partner`'s achievements in its rules once the partner has accepted."""

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="partnerships_requested")
    partner = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="partnerships_received")
    status = models.CharField(max_length=10, choices=PartnershipStatus.choices, default=PartnershipStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "partner"], name="partnership_unique_pair"),
            models.CheckConstraint(condition=~Q(issuer=models.F("partner")), name="partnership_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer.slug} uses {self.partner.slug} ({self.status})"


class OnComponentLoss(models.TextChoices):
    REVOKE = "revoke", "Revoke the stacked credential"
    SUSPEND = "suspend", "Suspend it until the rule holds again"


class Qualification(models.Model):
    """A rule set: the learner who satisfies `rule` is awarded `achievement` (the stacked credential)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="qualifications")
    achievement = models.OneToOneField(Achievement, on_delete=models.PROTECT, related_name="qualification")
    rule = models.JSONField(help_text="The rule tree (stacking.rules).")
    summary = models.TextField(blank=True, help_text="The rule in words, kept with the rule.")
    window_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Every component used must be earned within this many days."
    )
    require_valid = models.BooleanField(
        default=False, help_text="Components count only while valid: not expired, not suspended."
    )
    on_component_loss = models.CharField(max_length=10, choices=OnComponentLoss.choices, default=OnComponentLoss.REVOKE)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    applied_at = models.DateTimeField(
        null=True, blank=True, help_text="Last time the rule was applied to the learners who already held badges."
    )

    class Meta:
        ordering = ["achievement__name", "pk"]

    def __str__(self) -> str:
        return f"{self.achievement.name}: {self.summary}"


class QualificationComponent(models.Model):
    """An achievement a qualification's rule mentions: the index that finds the rules an award can affect."""

    qualification = models.ForeignKey(Qualification, on_delete=models.CASCADE, related_name="components")
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="component_of")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["qualification", "achievement"], name="component_unique_per_rule")
        ]
        indexes = [models.Index(fields=["achievement", "qualification"])]


class StackedAward(models.Model):
    """One learner's standing with one qualification: the row evaluations lock, and the credential it gave.

    `generation` counts stacked credentials issued to this learner for this rule: a credential revoked because a
    component was lost is never reinstated (revocation is final), so qualifying again issues a new one."""

    qualification = models.ForeignKey(Qualification, on_delete=models.CASCADE, related_name="awards")
    recipient_email = models.EmailField()
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    generation = models.PositiveIntegerField(default=0)
    components = models.JSONField(default=list, blank=True, help_text="Credential ids used as evidence.")
    lost_reason = models.TextField(blank=True, help_text="Why the stacked credential was revoked or suspended.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["qualification", "recipient_email"], name="stackedaward_unique_learner")
        ]

    def __str__(self) -> str:
        return f"{self.qualification.achievement.name} → {self.recipient_email}"
