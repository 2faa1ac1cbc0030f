"""Input and output shapes of the management endpoints: the issuer profile, achievements, credentials and
qualifications (the bulk jobs' shapes are in api.serializers)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import AchievementRefSerializer, StrictSerializer, absolute
from badges.models import Achievement, Credential, CredentialStatus
from badges.results import RESULT_STATUSES
from issuer.images import image_url
from issuer.models import Issuer
from stacking.models import OnComponentLoss

# Dates a credential may carry: a year 10,000 or a validity added to year 9,999 cannot be represented.
EARLIEST = 1900
LATEST = 9000
MAX_VALIDITY_DAYS = 36_500


def _file_url(field: Any) -> str | None:
    return image_url(field) if field else None


# ----- issuer


class IdentifierSerializer(StrictSerializer):
    identifier = serializers.CharField(max_length=500)
    identifierType = serializers.CharField(max_length=100)  # noqa: N815 - the OB 3.0 name


class IssuerSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    url = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    official = serializers.CharField()
    street_address = serializers.CharField()
    address_locality = serializers.CharField()
    address_region = serializers.CharField()
    postal_code = serializers.CharField()
    address_country = serializers.CharField()
    address_country_code = serializers.CharField()
    other_identifiers = IdentifierSerializer(many=True)
    issue_jwt_by_default = serializers.BooleanField()
    embed_images = serializers.BooleanField(
        help_text="New credentials carry the logo and badge image as data: URIs (up to 256 KB each) instead of links."
    )
    brand_color = serializers.CharField(
        help_text="The colour of the issuer's public pages, #rrggbb; empty for the platform's own."
    )
    language = serializers.CharField(
        help_text="The language of e-mails to learners who chose none, and of the issuer's copies; empty: the site's."
    )
    expiry_reminder_days = serializers.ListField(
        child=serializers.IntegerField(), help_text="Days before expiry that learners are reminded, nearest last."
    )
    expiry_reminder_copy = serializers.BooleanField(help_text="The contact address gets a list of each reminder run.")
    image = serializers.SerializerMethodField()
    did = serializers.CharField(help_text="The issuer's did:web identifier: credentials name it as their issuer.")
    did_document = serializers.SerializerMethodField()
    public_page = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="The logo, if any."))
    def get_image(self, issuer: Issuer) -> str | None:
        return _file_url(issuer.image)

    @extend_schema_field(serializers.URLField(help_text="The DID document (did.json) with the public keys."))
    def get_did_document(self, issuer: Issuer) -> str:
        return absolute(reverse("issuer:did-json", args=[issuer.slug]))

    @extend_schema_field(serializers.URLField())
    def get_public_page(self, issuer: Issuer) -> str:
        return absolute(f"/issuers/{issuer.slug}/")


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length, **kwargs)


class IssuerUpdateSerializer(StrictSerializer):
    """Every member optional: what is absent stays as it is. The logo is changed on the profile page."""

    name = serializers.CharField(required=False, max_length=200)
    description = _text(10_000)
    url = _text(200, help_text="The issuer's public website (http or https).")
    email = _text(254, help_text="Public contact address shown in credentials.")
    phone = _text(40)
    official = _text(200)
    street_address = _text(200)
    address_locality = _text(100)
    address_region = _text(100)
    postal_code = _text(20)
    address_country = _text(100)
    address_country_code = _text(2)
    other_identifiers = IdentifierSerializer(many=True, required=False)
    issue_jwt_by_default = serializers.BooleanField(required=False)
    embed_images = serializers.BooleanField(required=False)
    brand_color = _text(7, help_text="The colour of the public pages, as #rrggbb (for example #7a1f5c); empty: none.")
    language = _text(16, help_text="The language of e-mails (en, de); empty: the site's default.")
    expiry_reminder_days = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=5,
        help_text="Days before expiry (1-365) that learners are reminded, once per number; [] for none.",
    )
    expiry_reminder_copy = serializers.BooleanField(required=False)


# ----- achievements


class AlignmentSerializer(StrictSerializer):
    target_name = serializers.CharField(max_length=200)
    target_url = serializers.CharField(max_length=200)
    target_framework = _text(200)
    target_code = _text(100)
    target_type = _text(60, help_text="An OB 3.0 alignment target type or ext:YourType.")
    target_description = _text(10_000)


class ResultDescriptionSerializer(StrictSerializer):
    id = serializers.CharField(required=False, max_length=500, help_text="An absolute URI, when given.")
    name = serializers.CharField(max_length=200)
    resultType = serializers.CharField(max_length=60)  # noqa: N815 - the OB 3.0 name
    allowedValue = serializers.ListField(  # noqa: N815
        child=serializers.CharField(max_length=200), required=False, max_length=100
    )
    requiredValue = _text(200)  # noqa: N815
    requiredLevel = _text(500)  # noqa: N815
    valueMin = _text(100)  # noqa: N815
    valueMax = _text(100)  # noqa: N815


class AchievementInputSerializer(StrictSerializer):
    """Create: `name`, `description` and criteria (narrative, URL or both) are needed; an empty `slug` is derived
    from the name. Update (PATCH): every member optional; `alignments` and `result_descriptions`, when given,
    replace the lists."""

    slug = _text(50, help_text="Unique in the issuer; derived from the name when empty.")
    name = serializers.CharField(max_length=200, required=False)
    description = _text(20_000)
    criteria_narrative = _text(20_000, help_text="Markdown: what a learner must do to earn it.")
    criteria_url = _text(200)
    image_caption = _text(200)
    achievement_type = serializers.CharField(
        required=False, max_length=60, help_text="An OB 3.0 achievement type (Badge, Course, ...) or ext:YourType."
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=100)
    credits_available = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    field_of_study = _text(200)
    human_code = _text(60)
    specialization = _text(200)
    in_language = _text(35, help_text="A BCP 47 language tag: en, fr-CA.")
    version = _text(20, help_text="At creation only; afterwards it counts up when the content changes.")
    validity_days = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_VALIDITY_DAYS, help_text="Default validity."
    )
    # many=True passes max_length on to the ListSerializer (DRF's many_init); the stubs do not list it.
    alignments = AlignmentSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]
    result_descriptions = ResultDescriptionSerializer(many=True, required=False, max_length=50)  # type: ignore[call-arg]


class AchievementSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    criteria_narrative = serializers.CharField()
    criteria_url = serializers.CharField()
    image = serializers.SerializerMethodField()
    image_caption = serializers.CharField()
    achievement_type = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    credits_available = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    field_of_study = serializers.CharField()
    human_code = serializers.CharField()
    specialization = serializers.CharField()
    in_language = serializers.CharField()
    version = serializers.CharField()
    validity_days = serializers.IntegerField(allow_null=True)
    alignments = serializers.SerializerMethodField()
    result_descriptions = serializers.ListField(child=serializers.DictField())
    archived = serializers.BooleanField()
    credential_count = serializers.SerializerMethodField()
    public_id = serializers.URLField(help_text="The achievement's id in credentials, and its public page.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image(self, achievement: Achievement) -> str | None:
        return _file_url(achievement.image)

    @extend_schema_field(AlignmentSerializer(many=True))
    def get_alignments(self, achievement: Achievement) -> list[dict[str, str]]:
        fields = AlignmentSerializer().fields
        return [{name: getattr(a, name) for name in fields.keys()} for a in achievement.alignments.all()]

    @extend_schema_field(serializers.IntegerField(help_text="Credentials issued (any status)."))
    def get_credential_count(self, achievement: Achievement) -> int:
        counted = getattr(achievement, "credential_count", None)
        return counted if counted is not None else achievement.credentials.count()


# ----- credentials


class EvidenceSerializer(StrictSerializer):
    id = serializers.CharField(required=False, max_length=2000, help_text="A URL of the work.")
    narrative = _text(10_000, help_text="How the work shows the achievement (Markdown).")
    name = _text(200, help_text="The work's title.")
    description = _text(2000, help_text="What the work is.")
    genre = _text(200, help_text="Its kind, such as Project, Essay or Portfolio.")


class ResultInputSerializer(StrictSerializer):
    """One OB 3.0 Result, checked against the achievement's result description it names (D65)."""

    result_description = serializers.CharField(
        max_length=2000,
        help_text="The achievement's result description: its `id`, its `name` or its position (0-based).",
    )
    value = _text(
        200,
        help_text="The score or grade: one of the description's `allowedValue`, or a number between "
        "its `valueMin` and `valueMax`.",
    )
    achieved_level = _text(2000, help_text="The `id` of one of the description's `rubricCriterionLevel` entries.")
    status = _text(
        40,
        help_text="One of " + ", ".join(RESULT_STATUSES) + "; required when the description's `resultType` is Status.",
    )


def _check_date(value: datetime | None) -> datetime | None:
    if value is not None and not EARLIEST <= value.year <= LATEST:
        raise serializers.ValidationError(f"The year must be between {EARLIEST} and {LATEST}.")
    return value


class AwardInputSerializer(StrictSerializer):
    achievement = serializers.CharField(max_length=100, help_text="Id, UUID or slug of the issuer's achievement.")
    email = serializers.CharField(max_length=254, help_text="The learner's e-mail address (never published).")
    name = _text(200, help_text="The learner's name, shown in the credential.")
    evidence = EvidenceSerializer(many=True, required=False, max_length=20)  # type: ignore[call-arg]  # as above
    valid_from = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now.")
    valid_until = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Default: the achievement's validity, if any."
    )
    format = serializers.ChoiceField(
        choices=["ldp", "jwt", "both"],
        required=False,
        allow_null=True,
        help_text="Data Integrity proof (ldp), VC-JWT (jwt) or both; default: the issuer's setting.",
    )
    notify = serializers.BooleanField(default=True, help_text="E-mail the learner once the award is stored.")
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        allow_blank=True,
        help_text="The language of the award's e-mails; default: the issuer's. A language the learner chose on "
        "this platform comes first. Never changes the credential.",
    )
    results = ResultInputSerializer(many=True, required=False, max_length=20)  # type: ignore[call-arg]  # as above
    awarded_date = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it was awarded (`awardedDate`); not in the future."
    )
    activity_start_date = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When the learner's activity began (`activityStartDate`)."
    )
    activity_end_date = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When it ended (`activityEndDate`); not before `activity_start_date`.",
    )
    narrative = _text(10_000, help_text="What this learner did to earn it (Markdown), signed into the credential.")

    def validate_valid_from(self, value: datetime | None) -> datetime | None:
        return _check_date(value)

    def validate_valid_until(self, value: datetime | None) -> datetime | None:
        return _check_date(value)

    def validate_awarded_date(self, value: datetime | None) -> datetime | None:
        return _check_date(value)

    def validate_activity_start_date(self, value: datetime | None) -> datetime | None:
        return _check_date(value)

    def validate_activity_end_date(self, value: datetime | None) -> datetime | None:
        return _check_date(value)


def canonical_json(data: Any) -> bytes:
    """What identifies a create request for its idempotency key (api.idempotency.fingerprint): the validated
    members in a fixed form, so that key order and spacing do not make two requests different."""
    return json.dumps(data, sort_keys=True, default=_plain).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):  # OrderedDict and ReturnDict are dicts; anything else becomes its text
        return dict(value)
    return str(value)


class StatusChangeInputSerializer(StrictSerializer):
    reason = _text(1000, help_text="Why: kept with the credential and in the audit trail.")


class CredentialLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    public = serializers.URLField(help_text="The learner's page; also the credential's id.")


class CredentialSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    public_id = serializers.URLField(help_text="The credential's id (its `id` in the document).")
    achievement = AchievementRefSerializer()
    recipient_email = serializers.CharField()
    recipient_name = serializers.CharField()
    status = serializers.ChoiceField(choices=CredentialStatus.choices, help_text="What the status lists say.")
    status_reason = serializers.CharField()
    state = serializers.SerializerMethodField()
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField(allow_null=True)
    formats = serializers.ListField(child=serializers.CharField(), help_text="Data Integrity and/or VC-JWT.")
    # A field named like Field.source: DRF's metaclass moves declared fields off the class, so it does not replace
    # that attribute at run time; the type checker sees only the class attribute.
    source = serializers.CharField(help_text="ui, api, bulk, stacking or command.")  # type: ignore[assignment]
    issued_at = serializers.DateTimeField(source="created_at")
    language = serializers.CharField(help_text="The e-mail language chosen for the award; empty: the issuer's.")
    links = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ChoiceField(
            choices=["active", "suspended", "revoked", "expired", "pending"],
            help_text="The status and the dates together: pending is not yet valid.",
        )
    )
    def get_state(self, credential: Credential) -> str:
        return credential.state()

    @extend_schema_field(CredentialLinksSerializer)
    def get_links(self, credential: Credential) -> dict[str, str]:
        return {
            "self": absolute(reverse("api:credential-detail", args=[credential.issuer.slug, credential.uuid])),
            "public": credential.public_id,
        }


class ReplacementLinkSerializer(serializers.Serializer):
    id = serializers.URLField(help_text="The other credential's id (its public page).")
    kind = serializers.ChoiceField(choices=["renewal", "correction"], help_text="How the newer replaces the older.")


class CredentialSerializer(CredentialSummarySerializer):
    evidence = serializers.ListField(child=serializers.DictField())
    document = serializers.SerializerMethodField()
    jws = serializers.SerializerMethodField()
    replaces = serializers.SerializerMethodField()
    replaced_by = serializers.SerializerMethodField()

    @extend_schema_field(ReplacementLinkSerializer(allow_null=True))
    def get_replaces(self, credential: Credential) -> dict[str, str] | None:
        """The credential this one renews or corrects (D64)."""
        older = credential.replaces
        return {"id": older.public_id, "kind": credential.replacement} if older is not None else None

    @extend_schema_field(ReplacementLinkSerializer(allow_null=True))
    def get_replaced_by(self, credential: Credential) -> dict[str, str] | None:
        """The credential that renewed or corrected this one (D64)."""
        newer = Credential.objects.filter(replaces=credential).only("uuid", "replacement").first()
        return {"id": newer.public_id, "kind": newer.replacement} if newer is not None else None

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_document(self, credential: Credential) -> dict[str, Any]:
        """The signed OpenBadgeCredential as stored (parsed; its exact bytes are at the public id)."""
        return json.loads(credential.document)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="The VC-JWT (compact JWS), if issued."))
    def get_jws(self, credential: Credential) -> str | None:
        return credential.jws or None


# ----- qualifications (stacking rules)


class QualificationInputSerializer(StrictSerializer):
    """Create: `achievement` and `rule` are needed. PATCH: every member optional, the rest stays."""

    achievement = serializers.CharField(
        max_length=100, required=False, help_text="Id, UUID or slug of the issuer's achievement it awards."
    )
    rule = serializers.JSONField(
        required=False,
        help_text=(
            'A tree: {"kind": "all"|"any"|"at_least"|"credits", "children": [...], "n": 2, "credits": "6"}, leaves '
            '{"kind": "achievement", "achievement": "<uuid, or id or slug of the issuer\'s own>"} (stacking.rules).'
        ),
    )
    window_days = serializers.IntegerField(
        required=False, allow_null=True, help_text="Every component used earned within this many days (1-36500)."
    )
    require_valid = serializers.BooleanField(required=False, help_text="Components count only while valid.")
    on_component_loss = serializers.ChoiceField(choices=OnComponentLoss.choices, required=False)


class QualificationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    achievement = AchievementRefSerializer()
    rule = serializers.JSONField()
    summary = serializers.CharField(help_text="The rule in words.")
    window_days = serializers.IntegerField(allow_null=True)
    require_valid = serializers.BooleanField()
    on_component_loss = serializers.ChoiceField(choices=OnComponentLoss.choices)
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProgressSerializer(serializers.Serializer):
    email = serializers.CharField()
    satisfied = serializers.BooleanField()
    lines = serializers.ListField(child=serializers.CharField(), help_text="The rule explained, line by line.")
    evidence = serializers.ListField(
        child=serializers.URLField(), help_text="The credentials that satisfy the rule (their public ids)."
    )
    window_start = serializers.DateTimeField(allow_null=True)
