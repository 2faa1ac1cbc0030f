"""Issuers, their staff, their signing keys and the append-only audit log."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from issuer.branding import brand_color_validator
from issuer.dids import did_for_slug
from verification.text import clean_text

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$", "Use 1–50 lowercase letters, digits and hyphens."
)


class NormalizedTextMixin:
    """Text is normalized when it enters (docs/decisions.md D7): no C0 controls or DEL are stored.

    Runs before field validation, so a value of only spaces or control characters counts as blank.
    """

    SINGLE_LINE_FIELDS: tuple[str, ...] = ()
    MULTI_LINE_FIELDS: tuple[str, ...] = ()

    def clean_fields(self, exclude: object = None) -> None:
        for name in self.SINGLE_LINE_FIELDS:
            setattr(self, name, clean_text(getattr(self, name), multiline=False).strip())
        for name in self.MULTI_LINE_FIELDS:
            setattr(self, name, clean_text(getattr(self, name), multiline=True).strip())
        super().clean_fields(exclude=exclude)  # type: ignore[misc]


def default_expiry_reminder_days() -> list[int]:
    return [30, 7]


MAX_REMINDER_DAYS = 365
MAX_REMINDERS = 5


def clean_reminder_days(value: object) -> list[int]:
    """Thresholds as an issuer types them ("30, 7" or [30, 7]), nearest last; raises ValueError saying what is wrong
    (D58)."""
    wrong_form = gettext("Enter whole numbers of days separated by commas, for example 30, 7.")
    if isinstance(value, str):
        parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise ValueError(wrong_form)
        numbers = [int(part) for part in parts]
    elif isinstance(value, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in value):
        numbers = list(value)
    else:
        raise ValueError(wrong_form)
    if any(not 1 <= d <= MAX_REMINDER_DAYS for d in numbers):
        raise ValueError(gettext("Each number of days must be between 1 and %(most)d.") % {"most": MAX_REMINDER_DAYS})
    if len(set(numbers)) > MAX_REMINDERS:
        raise ValueError(gettext("At most %(count)d reminders per credential.") % {"count": MAX_REMINDERS})
    return sorted(set(numbers), reverse=True)


class Issuer(NormalizedTextMixin, models.Model):
    """An organisation that awards badges: the OB 3.0 Profile a credential names as its issuer."""

    slug = models.SlugField(max_length=50, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True, help_text="The issuer's public website.")
    email = models.EmailField(blank=True, help_text="Public contact address shown in credentials.")
    phone = models.CharField(max_length=40, blank=True)
    image = models.FileField(upload_to="issuers/", blank=True)
    official = models.CharField(max_length=200, blank=True, help_text="Name of the authorising official, if any.")
    # Address (OB 3.0 Address class)
    street_address = models.CharField(max_length=200, blank=True)
    address_locality = models.CharField(max_length=100, blank=True)
    address_region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    address_country = models.CharField(max_length=100, blank=True)
    address_country_code = models.CharField(max_length=2, blank=True)
    # OB 3.0 IdentifierEntry list: [{"identifier": "...", "identifierType": "..."}]
    other_identifiers = models.JSONField(default=list, blank=True)
    issue_jwt_by_default = models.BooleanField(
        default=False, help_text="Also produce a VC-JWT for every award unless the award says otherwise."
    )
    embed_images = models.BooleanField(
        default=False,
        help_text="Put the logo and badge images into new credentials as data: URIs instead of links "
        "(images up to 256 KB; larger ones stay links).",
    )
    # Only the public pages show it (issuer.branding); credentials never carry it.
    brand_color = models.CharField(
        max_length=7,
        blank=True,
        default="",
        validators=[brand_color_validator],
        help_text="The colour of the issuer's public pages, as #rrggbb; empty for the platform's own.",
    )
    # E-mails (D52): the language of those to a learner who chose none and to the issuer's own address; empty for
    # the site's default. Never in a credential: the issuer's texts are signed as they were written.
    language = models.CharField(max_length=16, blank=True, default="")
    # Days before a credential's validUntil that its learner is reminded, once per credential and number (D58).
    expiry_reminder_days = models.JSONField(default=default_expiry_reminder_days, blank=True)
    expiry_reminder_copy = models.BooleanField(
        default=False, help_text="Also e-mail the issuer's address the list of learners each reminder run wrote to."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude: object = None) -> None:
        # One spelling stored (and in the stylesheet's URL): "#0B57D0 " is "#0b57d0".
        self.brand_color = self.brand_color.strip().lower()
        super().clean_fields(exclude=exclude)

    @property
    def did(self) -> str:
        return did_for_slug(self.slug)

    SINGLE_LINE_FIELDS = (
        "name",
        "phone",
        "official",
        "street_address",
        "address_locality",
        "address_region",
        "postal_code",
        "address_country",
    )
    MULTI_LINE_FIELDS = ("description",)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    AWARDER = "awarder", _("Awarder")
    VIEWER = "viewer", _("Viewer")


# A role named inside a sentence ("bob is now awarder"): English writes it in lower case, German keeps its nouns
# capitalised, so lowering the label would be wrong in one of them; each language words it here.
ROLE_IN_SENTENCE = {
    Role.OWNER: pgettext_lazy("role, inside a sentence", "owner"),
    Role.EDITOR: pgettext_lazy("role, inside a sentence", "editor"),
    Role.AWARDER: pgettext_lazy("role, inside a sentence", "awarder"),
    Role.VIEWER: pgettext_lazy("role, inside a sentence", "viewer"),
}


def role_in_sentence(value: str) -> str:
    """The role `value` as a sentence names it (lower case in English); an unknown value as it is."""
    return str(ROLE_IN_SENTENCE[Role(value)]) if value in Role.values else value


class IssuerMembership(models.Model):
    """A user's role in one issuer. A user may belong to several issuers."""

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="issuer_memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "user"], name="membership_one_role_per_issuer")]

    def __str__(self) -> str:
        return f"{self.user} · {self.issuer} · {self.role}"


class KeyPurpose(models.TextChoices):
    DATA_INTEGRITY = "data_integrity", "Data Integrity (eddsa-rdfc-2022)"
    JWT = "jwt", "VC-JWT"


class KeyAlgorithm(models.TextChoices):
    ED25519 = "Ed25519", "Ed25519"
    P256 = "P-256", "ECDSA P-256 (ES256)"
    RSA = "RSA", "RSA 2048 (RS256)"


class KeyState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("key state", "Active")
    RETIRED = "retired", pgettext_lazy("key state", "Retired")
    COMPROMISED = "compromised", pgettext_lazy("key state", "Compromised")


class SigningKey(models.Model):
    """An issuer's key pair. The private half is stored only encrypted with KEY_ENCRYPTION_KEY.

    Retired keys stay in the DID document so that what they signed keeps verifying; compromised
    keys are removed from it, so what they signed stops verifying everywhere.
    """

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="signing_keys")
    key_id = models.CharField(max_length=64, help_text="Fragment of the verification method id in the DID document.")
    purpose = models.CharField(max_length=20, choices=KeyPurpose.choices)
    algorithm = models.CharField(max_length=10, choices=KeyAlgorithm.choices)
    public_jwk = models.JSONField()
    public_key_multibase = models.CharField(max_length=100, blank=True)
    encrypted_private_key = models.BinaryField()
    state = models.CharField(max_length=12, choices=KeyState.choices, default=KeyState.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    compromised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "key_id"], name="signingkey_unique_key_id"),
            # The database, not only the service, guarantees a single active key per issuer and purpose.
            models.UniqueConstraint(
                fields=["issuer", "purpose"], condition=Q(state="active"), name="signingkey_one_active_per_purpose"
            ),
            models.CheckConstraint(
                condition=~Q(purpose="data_integrity") | Q(algorithm="Ed25519"),
                name="signingkey_data_integrity_is_ed25519",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer.slug}#{self.key_id} ({self.algorithm}, {self.state})"

    @property
    def verification_method_id(self) -> str:
        return f"{self.issuer.did}#{self.key_id}"

    def clean(self) -> None:
        if self.purpose == KeyPurpose.DATA_INTEGRITY and self.algorithm != KeyAlgorithm.ED25519:
            raise ValidationError({"algorithm": "Data Integrity keys must be Ed25519 (eddsa-rdfc-2022)."})


class AuditEvent(models.Model):
    """One row per state change, written in the same transaction as the change. Never updated or deleted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="audit_events", null=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField(
        max_length=200, blank=True, help_text="Who acted when not a user: a command, a task."
    )
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # An object's history: when a credential was revoked (its public page, D47), an award's events, the audit
        # log's search by recipient or achievement. Without it each is a scan of every row the platform wrote.
        indexes = [models.Index(fields=["issuer", "object_type", "object_id"], name="audit_issuer_object")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValidationError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValidationError("Audit events are append-only.")


# OB 3.0 IdentifierTypeEnum. The enumeration is extensible: other types are written `ext:<name>`.
IDENTIFIER_TYPES = (
    "name",
    "sourcedId",
    "systemId",
    "productId",
    "userName",
    "accountId",
    "emailAddress",
    "nationalIdentityNumber",
    "isbn",
    "issn",
    "lisSourcedId",
    "oneRosterSourcedId",
    "sisSourcedId",
    "ltiContextId",
    "ltiDeploymentId",
    "ltiToolId",
    "ltiPlatformId",
    "ltiUserId",
    "identifier",
)
IDENTIFIER_EXTENSION = RegexValidator(
    r"^ext:[A-Za-z0-9._-]+$", "Write a custom identifier type as ext: followed by letters, digits, dots, - or _."
)


class Invitation(models.Model):
    """An e-mailed offer to join an issuer's staff with a role.

    Only a SHA-256 of the token is stored: the link in the e-mail is the one place the token exists,
    so a copy of the database cannot be used to accept pending invitations.
    """

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address and issuer; the service closes an expired one before inviting again.
            models.UniqueConstraint(
                fields=["issuer", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.issuer} ({self.role})"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None
