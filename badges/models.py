"""Achievements (badge classes), the credentials awarded for them, and the status lists we publish."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from issuer.models import Issuer, NormalizedTextMixin, SigningKey, slug_validator

# OB 3.0 AchievementType enumeration (spec Appendix B); extensions use the `ext:` prefix.
ACHIEVEMENT_TYPES = [
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
]
ALIGNMENT_TARGET_TYPES = [
    "ceasn:Competency",
    "ceterms:Credential",
    "CFItem",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "CTDL",
]
RESULT_TYPES = [
    "GradePointAverage",
    "LetterGrade",
    "Percent",
    "PerformanceLevel",
    "PredictedScore",
    "RawScore",
    "Result",
    "RubricCriterion",
    "RubricCriterionLevel",
    "RubricScore",
    "ScaledScore",
    "Status",
]


class Achievement(NormalizedTextMixin, models.Model):
    """What a badge certifies. Editing it never changes credentials already issued: they embed a copy."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="achievements")
    slug = models.SlugField(max_length=50, validators=[slug_validator])
    name = models.CharField(max_length=200)
    description = models.TextField()
    criteria_narrative = models.TextField(blank=True, help_text="Markdown: what a learner must do to earn it.")
    criteria_url = models.URLField(blank=True)
    image = models.FileField(upload_to="achievements/", blank=True)
    image_caption = models.CharField(max_length=200, blank=True)
    achievement_type = models.CharField(max_length=60, default="Badge")
    tags = models.JSONField(default=list, blank=True)
    credits_available = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    field_of_study = models.CharField(max_length=200, blank=True)
    human_code = models.CharField(max_length=60, blank=True)
    specialization = models.CharField(max_length=200, blank=True)
    in_language = models.CharField(max_length=35, blank=True, help_text="BCP 47 language tag, e.g. en or fr-CA.")
    version = models.CharField(max_length=20, default="1")
    # OB 3.0 ResultDescription list: [{"id", "name", "resultType", "allowedValue", "requiredValue", ...}]
    result_descriptions = models.JSONField(default=list, blank=True)
    validity_days = models.PositiveIntegerField(null=True, blank=True, help_text="Default validity after award.")
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["issuer", "slug"], name="achievement_unique_slug_per_issuer")]

    def __str__(self) -> str:
        return self.name

    @property
    def public_id(self) -> str:
        return f"{settings.SITE_URL}/achievements/{self.uuid}"

    SINGLE_LINE_FIELDS = ("name", "image_caption", "field_of_study", "human_code", "specialization", "in_language")
    MULTI_LINE_FIELDS = ("description", "criteria_narrative")

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not (self.criteria_narrative.strip() or self.criteria_url.strip()):
            errors["criteria_narrative"] = "Give the criteria as a narrative, a URL, or both."
        if self.achievement_type not in ACHIEVEMENT_TYPES and not _is_extension(self.achievement_type):
            errors["achievement_type"] = (
                f"{self.achievement_type!r} is not an OB 3.0 achievement type; use one of the list or 'ext:YourType'."
            )
        if not isinstance(self.tags, list) or not all(isinstance(t, str) and t.strip() for t in self.tags):
            errors["tags"] = "Tags must be a list of non-empty strings."
        if errors:
            raise ValidationError(errors)


def _is_extension(value: str) -> bool:
    import re

    return bool(re.fullmatch(r"ext:[A-Za-z0-9.\-_]+", value))


class Alignment(NormalizedTextMixin, models.Model):
    """An alignment of an achievement to a competency framework entry (OB 3.0 Alignment)."""

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="alignments")
    target_name = models.CharField(max_length=200)
    target_url = models.URLField()
    target_description = models.TextField(blank=True)
    target_framework = models.CharField(max_length=200, blank=True)
    target_code = models.CharField(max_length=100, blank=True)
    target_type = models.CharField(max_length=60, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.target_name

    SINGLE_LINE_FIELDS = ("target_name", "target_framework", "target_code")
    MULTI_LINE_FIELDS = ("target_description",)

    def clean(self) -> None:
        if self.target_type and self.target_type not in ALIGNMENT_TARGET_TYPES and not _is_extension(self.target_type):
            raise ValidationError({"target_type": f"{self.target_type!r} is not an OB 3.0 alignment target type."})


class CredentialStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("credential state", "Active")
    SUSPENDED = "suspended", pgettext_lazy("credential state", "Suspended")
    REVOKED = "revoked", pgettext_lazy("credential state", "Revoked")


# An award given with the issuer's own id for it (a bulk row's external_id) is issued under this idempotency key
# prefix and that id, so the id can be read back from the credential (exports) without another table.
EXTERNAL_ID_PREFIX = "bulk:ext:"


def external_id_of(idempotency_key: str | None) -> str:
    """The issuer's own id of the award, if it was given one (else "")."""
    if idempotency_key and idempotency_key.startswith(EXTERNAL_ID_PREFIX):
        return idempotency_key[len(EXTERNAL_ID_PREFIX) :]
    return ""


def credential_state(status: str, valid_from: datetime, valid_until: datetime | None, *, now: datetime) -> str:
    """Revoked and suspended first (they are decisions), then the dates (expired, pending = not yet valid), else
    active. On plain values, so that an export of many rows needs no model instance per row."""
    if status == CredentialStatus.REVOKED:
        return "revoked"
    if status == CredentialStatus.SUSPENDED:
        return "suspended"
    if valid_until is not None and valid_until < now:
        return "expired"
    if valid_from > now:
        return "pending"
    return "active"


class CredentialSource(models.TextChoices):
    UI = "ui", pgettext_lazy("credential source", "Issuer UI")
    API = "api", pgettext_lazy("credential source", "API")
    BULK = "bulk", pgettext_lazy("credential source", "Bulk job")
    STACKING = "stacking", pgettext_lazy("credential source", "Stacking rule")
    COMMAND = "command", pgettext_lazy("credential source", "Command line")


class Replacement(models.TextChoices):
    """How a credential came to replace another (D64)."""

    RENEWAL = "renewal", pgettext_lazy("credential replacement", "Renewal")
    CORRECTION = "correction", pgettext_lazy("credential replacement", "Correction")


class Credential(models.Model):
    """An award: the signed OpenBadgeCredential exactly as issued, and what we need to manage it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="credentials")
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="credentials")
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="+")
    jwt_signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    # The exact bytes that were signed and handed out, never re-serialized.
    document = models.TextField()
    jws = models.TextField(blank=True, help_text="The VC-JWT (compact JWS), when one was produced.")
    recipient_identity_hash = models.CharField(max_length=80, help_text="sha256$<hex> of email + salt.")
    recipient_salt = models.CharField(max_length=64)
    recipient_email = models.EmailField(help_text="Private: used for notifications, never published.")
    recipient_name = models.CharField(max_length=200, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=CredentialStatus.choices, default=CredentialStatus.ACTIVE)
    status_reason = models.TextField(blank=True)
    status_sequence = models.PositiveIntegerField(help_text="Which of the issuer's status lists holds this credential.")
    status_index = models.PositiveIntegerField(help_text="The credential's bit in its status lists.")
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    source = models.CharField(max_length=10, choices=CredentialSource.choices)
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    # The credential this one renews or corrects (D64). One-to-one: a credential has one successor at most, so its
    # pages can name it, and a renewal and a correction of the same award cannot both happen.
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by")
    replacement = models.CharField(max_length=10, choices=Replacement.choices, blank=True, default="")
    # Delivery of the award e-mail to the learner: when it went out, or why the last attempt failed.
    # The language the issuer chose for the award's e-mails (D52); a learner's own choice comes first.
    language = models.CharField(max_length=16, blank=True, default="")
    notified_at = models.DateTimeField(null=True, blank=True)
    notification_error = models.TextField(blank=True)
    # The badge image with this credential baked in (OB 3.0 §5.3), made once after issuance (badges.baking).
    baked_png = models.FileField(upload_to="baked/", blank=True)
    baked_svg = models.FileField(upload_to="baked/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Exactly-once awards: a retried request or re-run bulk row carries the same key.
            models.UniqueConstraint(fields=["issuer", "idempotency_key"], name="credential_unique_idempotency_key"),
            models.UniqueConstraint(
                fields=["issuer", "status_sequence", "status_index"], name="credential_unique_status_slot"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="credential_valid_until_after_valid_from",
            ),
        ]
        indexes = [models.Index(fields=["issuer", "status"]), models.Index(fields=["recipient_email"])]

    def __str__(self) -> str:
        return f"{self.achievement} → {self.recipient_email}"

    @property
    def public_id(self) -> str:
        return f"{settings.SITE_URL}/credentials/{self.uuid}"

    def state(self, *, now: datetime | None = None) -> str:
        """What a reader is told, from the database (credential_state)."""
        return credential_state(self.status, self.valid_from, self.valid_until, now=now or timezone.now())

    @property
    def formats(self) -> list[str]:
        """The formats it was issued in: Data Integrity (an embedded proof) and/or VC-JWT."""
        formats = []
        if '"proof":' in self.document and "proof" in json.loads(self.document):
            formats.append("Data Integrity")
        if self.jws:
            formats.append("VC-JWT")
        return formats


class StatusPurpose(models.TextChoices):
    REVOCATION = "revocation", "Revocation"
    SUSPENSION = "suspension", "Suspension"


class StatusList(models.Model):
    """One W3C Bitstring Status List of an issuer (131,072 entries) for one purpose.

    `version` increments with every bit flip; the signed list credential is re-made lazily when
    it is fetched and `signed_version` is behind, so a bulk revocation re-signs once, not per bit.
    """

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="status_lists")
    purpose = models.CharField(max_length=12, choices=StatusPurpose.choices)
    sequence = models.PositiveIntegerField()
    bits = models.BinaryField()
    version = models.PositiveIntegerField(default=0)
    allocated = models.PositiveIntegerField(default=0, help_text="Slots handed out (tracked on the revocation list).")
    # Which slots are handed out, one bit each (tracked on the revocation list, like `allocated`): a slot is taken
    # from the moment it is reserved, before any credential holds it, so a process can keep a block of reserved
    # slots for its next awards (docs/decisions.md D38).
    taken = models.BinaryField(default=b"", editable=False)
    signed_document = models.TextField(blank=True)
    signed_version = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "purpose", "sequence"], name="statuslist_unique_per_purpose")
        ]

    def __str__(self) -> str:
        return f"{self.issuer.slug} {self.purpose} #{self.sequence}"

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}/issuers/{self.issuer.slug}/status/{self.purpose}/{self.sequence}"


class ExpiryReminder(models.Model):
    """A reminder that a credential expires, one per credential and number of days before (D58).

    The row is written before its e-mail is queued, in one transaction, and the pair is unique: a reminder run
    that is repeated, or two that overlap, remind each learner once per threshold.
    """

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="expiry_reminders")
    days = models.PositiveSmallIntegerField(help_text="The issuer's threshold this reminder is for.")
    valid_until = models.DateTimeField(help_text="The expiry the reminder announced.")
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["credential", "days", "valid_until"], name="expiry_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.credential_id} {self.days}d"


class ClientFormat(models.TextChoices):
    EDDSA_RDFC = "eddsa-rdfc-2022", "Data Integrity, eddsa-rdfc-2022"
    EDDSA_JCS = "eddsa-jcs-2022", "Data Integrity, eddsa-jcs-2022"
    VC_JWT = "vc-jwt", "VC-JWT"


class ClientCredential(models.Model):
    """A credential an issuer's program composed and the platform signed with the issuer's key (the VC-API issue
    endpoint, D61). Not an award: no achievement, no learner, no e-mail. The signed document is not kept (the
    program has it; it may name people the platform otherwise knows nothing of): only its id, the status slot the
    platform added, and a digest of what was handed out."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="client_credentials")
    credential_id = models.CharField(max_length=500, db_index=True, help_text="The credential's `id`.")
    format = models.CharField(max_length=20, choices=ClientFormat.choices)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the signed credential as handed out.")
    status = models.CharField(max_length=10, choices=CredentialStatus.choices, default=CredentialStatus.ACTIVE)
    status_reason = models.TextField(blank=True)
    # Null when the program sent a credentialStatus of its own: then the platform keeps no status for it.
    status_sequence = models.PositiveIntegerField(null=True, blank=True)
    status_index = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.issuer.slug} {self.credential_id}"


class EndorsementState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("endorsement state", "Waiting for a decision")
    ACCEPTED = "accepted", pgettext_lazy("endorsement state", "Accepted")
    DECLINED = "declined", pgettext_lazy("endorsement state", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("endorsement state", "Withdrawn")


class Endorsement(models.Model):
    """An OB 3.0 EndorsementCredential about an achievement of this platform or about one of its issuers (D63).

    The endorser is an issuer of this platform (`endorser`, which signed it with its key and can withdraw it through
    its status list), or someone elsewhere with their own key (`endorser` empty: the issuer added the signed
    credential it was given, after the verifier found it valid). The endorsed issuer (`issuer`) decides whether it
    shows: only accepted endorsements are listed on its pages and embedded in what it signs from then on.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="endorsements_received")
    # Empty: the issuer itself is endorsed.
    achievement = models.ForeignKey(
        Achievement, on_delete=models.PROTECT, related_name="endorsements", null=True, blank=True
    )
    endorser = models.ForeignKey(
        Issuer, on_delete=models.PROTECT, related_name="endorsements_given", null=True, blank=True
    )
    endorser_identifier = models.CharField(max_length=500, help_text="The endorsement's issuer id (a DID or URL).")
    endorser_name = models.CharField(max_length=200, blank=True)
    credential_id = models.CharField(max_length=500, help_text="The EndorsementCredential's own id.")
    comment = models.TextField(blank=True, help_text="Its endorsementComment, as signed.")
    # The signed credential exactly as made or given: JSON with an embedded proof, or else a VC-JWT.
    document = models.TextField(blank=True)
    jws = models.TextField(blank=True)
    valid_from = models.DateTimeField()
    state = models.CharField(max_length=10, choices=EndorsementState.choices, default=EndorsementState.PENDING)
    # The endorser's status slot, for an endorsement signed here: withdrawing it sets its revocation bit.
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    status_sequence = models.PositiveIntegerField(null=True, blank=True)
    status_index = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "credential_id"], name="endorsement_unique_per_issuer"),
            models.CheckConstraint(condition=Q(document="") & ~Q(jws="") | ~Q(document=""), name="endorsement_signed"),
        ]
        indexes = [models.Index(fields=["issuer", "state"]), models.Index(fields=["achievement", "state"])]

    def __str__(self) -> str:
        return f"{self.endorser_name or self.endorser_identifier} → {self.achievement or self.issuer}"

    @property
    def subject_name(self) -> str:
        return self.achievement.name if self.achievement is not None else self.issuer.name
