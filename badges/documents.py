"""Builds the OpenBadgeCredential JSON the platform signs (the formats in docs/credential-format.md).

Strings entering a signed document are cleaned of C0 control characters and DEL here, whatever
their source, because some verifiers in the field escape them differently and would reject an
otherwise valid signature (docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db.models.fields.files import FieldFile

from badges.models import Achievement, Alignment, Endorsement, EndorsementState, StatusList
from issuer.images import image_data_uri, image_url
from issuer.models import Issuer
from verification.text import clean_text

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
CREDENTIAL_CONTEXT = [VC_V2, OB_V3, OB_EXTENSIONS]
# Accepted endorsements copied into an achievement or an issuer profile, newest first (D63): each is verified in full
# wherever the credential is, so a few; the verifier checks 20 at most per credential (MAX_ENDORSEMENTS).
MAX_EMBEDDED_ENDORSEMENTS = 5


def _line(value: str) -> str:
    return clean_text(value, multiline=False)


def _text(value: str) -> str:
    return clean_text(value, multiline=True)


def clean_line(value: str) -> str:
    """A one-line string as it may enter a signed document."""
    return _line(value)


def xsd_datetime(value: datetime) -> str:
    """UTC, second precision, `Z` suffix: the DateTimeZ form the OB schema and every verifier accept."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityHash: sha256 over the UTF-8 of identifier + salt, lowercase hex."""
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def new_salt() -> str:
    return secrets.token_hex(16)


def image_reference(image: FieldFile, *, embed: bool) -> str:
    """An Image's `id`: the image itself as a data: URI when the issuer embeds images (and it is small enough),
    else its permanent URL (docs/decisions.md D28)."""
    return (embed and image_data_uri(image)) or image_url(image)


def issuer_profile(issuer: Issuer) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": issuer.did, "type": ["Profile"], "name": _line(issuer.name)}
    if issuer.url:
        profile["url"] = issuer.url
    if issuer.email:
        profile["email"] = issuer.email
    if issuer.phone:
        profile["phone"] = _line(issuer.phone)
    if issuer.description:
        profile["description"] = _text(issuer.description)
    if issuer.image:
        profile["image"] = {"id": image_reference(issuer.image, embed=issuer.embed_images), "type": "Image"}
    if issuer.official:
        profile["official"] = _line(issuer.official)
    address = {
        "streetAddress": issuer.street_address,
        "addressLocality": issuer.address_locality,
        "addressRegion": issuer.address_region,
        "postalCode": issuer.postal_code,
        "addressCountry": issuer.address_country,
        "addressCountryCode": issuer.address_country_code,
    }
    address = {k: _line(v) for k, v in address.items() if v}
    if address:
        profile["address"] = {"type": ["Address"], **address}
    if issuer.other_identifiers:
        profile["otherIdentifier"] = [
            {"type": "IdentifierEntry", "identifier": _line(e["identifier"]), "identifierType": e["identifierType"]}
            for e in issuer.other_identifiers
        ]
    if issuer.pk is not None:
        profile.update(embedded_endorsements(issuer=issuer, achievement=None))
    return profile


def embedded_endorsements(*, issuer: Issuer, achievement: Achievement | None) -> dict[str, list[Any]]:
    """`endorsement` and `endorsementJwt` of an Achievement or a Profile (OB 3.0 §B.1.2, §B.1.14): the accepted
    endorsements as their endorsers signed them, untouched (cleaning a string would break their proofs)."""
    rows = (
        Endorsement.objects.filter(issuer=issuer, achievement=achievement, state=EndorsementState.ACCEPTED)
        .order_by("-decided_at", "-id")
        .values_list("document", "jws")[:MAX_EMBEDDED_ENDORSEMENTS]
    )
    found: dict[str, list[Any]] = {}
    for document, jws in rows:
        if document:
            found.setdefault("endorsement", []).append(json.loads(document))
        else:
            found.setdefault("endorsementJwt", []).append(jws)
    return found


def _alignment(alignment: Alignment) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": _line(alignment.target_name),
        "targetUrl": alignment.target_url,
    }
    if alignment.target_description:
        doc["targetDescription"] = _text(alignment.target_description)
    if alignment.target_framework:
        doc["targetFramework"] = _line(alignment.target_framework)
    if alignment.target_code:
        doc["targetCode"] = _line(alignment.target_code)
    if alignment.target_type:
        doc["targetType"] = alignment.target_type
    return doc


def _number(value: Decimal | int | float) -> float | int:
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def achievement_document(achievement: Achievement, alignments: list[Alignment] | None = None) -> dict[str, Any]:
    """The Achievement as embedded (copied) into every credential awarded for it."""
    criteria: dict[str, Any] = {}
    if achievement.criteria_url:
        criteria["id"] = achievement.criteria_url
    if achievement.criteria_narrative:
        criteria["narrative"] = _text(achievement.criteria_narrative)
    doc: dict[str, Any] = {
        "id": achievement.public_id,
        "type": ["Achievement"],
        "achievementType": achievement.achievement_type,
        "name": _line(achievement.name),
        "description": _text(achievement.description),
        "criteria": criteria,
    }
    if achievement.image:
        image = {"id": image_reference(achievement.image, embed=achievement.issuer.embed_images), "type": "Image"}
        if achievement.image_caption:
            image["caption"] = _line(achievement.image_caption)
        doc["image"] = image
    if alignments is None:
        alignments = list(achievement.alignments.all())
    if alignments:
        doc["alignment"] = [_alignment(a) for a in alignments]
    if achievement.tags:
        doc["tag"] = [_line(t) for t in achievement.tags]
    if achievement.credits_available is not None:
        doc["creditsAvailable"] = _number(achievement.credits_available)
    for field, key in (
        ("field_of_study", "fieldOfStudy"),
        ("human_code", "humanCode"),
        ("specialization", "specialization"),
        ("in_language", "inLanguage"),
        ("version", "version"),
    ):
        value = getattr(achievement, field)
        if value:
            doc[key] = _line(value)
    if achievement.result_descriptions:
        doc["resultDescription"] = [result_description(r, achievement) for r in achievement.result_descriptions]
    if achievement.pk is not None:
        doc.update(embedded_endorsements(issuer=achievement.issuer, achievement=achievement))
    return doc


def result_description(item: dict[str, Any], achievement: Achievement) -> dict[str, Any]:
    """One ResultDescription as signed; without an `id` of its own, one made from the achievement's and its name."""
    doc: dict[str, Any] = {
        "id": item.get("id") or f"{achievement.public_id}#result-{_line(item['name']).lower().replace(' ', '-')}",
        "type": ["ResultDescription"],
        "name": _line(item["name"]),
        "resultType": item["resultType"],
    }
    for key in ("requiredValue", "requiredLevel", "valueMin", "valueMax"):
        if item.get(key):
            doc[key] = _line(str(item[key]))
    if item.get("allowedValue"):
        doc["allowedValue"] = [_line(str(v)) for v in item["allowedValue"]]
    return doc


def evidence_document(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in evidence:
        doc: dict[str, Any] = {"type": ["Evidence"]}
        if item.get("id"):
            doc["id"] = item["id"]
        for key in ("name", "genre", "audience"):
            if item.get(key):
                doc[key] = _line(item[key])
        for key in ("narrative", "description"):
            if item.get(key):
                doc[key] = _text(item[key])
        out.append(doc)
    return out


def status_entry(status_list: StatusList, index: int) -> dict[str, Any]:
    return {
        "id": f"{status_list.url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": status_list.purpose,
        "statusListIndex": str(index),
        "statusListCredential": status_list.url,
    }


def build_credential(
    *,
    credential_id: str,
    issuer: dict[str, Any],
    achievement: dict[str, Any],
    identity_hash_value: str,
    salt: str,
    valid_from: datetime,
    valid_until: datetime | None,
    evidence: list[dict[str, Any]],
    credential_status: dict[str, Any] | None,
    recipient_name: str = "",
    results: list[dict[str, Any]] | None = None,
    awarded_date: datetime | None = None,
    activity_start_date: datetime | None = None,
    activity_end_date: datetime | None = None,
    narrative: str = "",
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential. Takes pre-built issuer/achievement parts so a bulk run builds them once.

    `results` are OB 3.0 Result objects already checked against the achievement (badges.results)."""
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash_value,
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }
        ],
        "achievement": achievement,
    }
    if recipient_name:
        # Shown by wallets and displayers; the e-mail address itself is only ever published hashed.
        subject["name"] = recipient_name
    if results:
        subject["result"] = results
    if activity_start_date is not None:
        subject["activityStartDate"] = xsd_datetime(activity_start_date)
    if activity_end_date is not None:
        subject["activityEndDate"] = xsd_datetime(activity_end_date)
    if narrative:
        subject["narrative"] = _text(narrative)
    doc: dict[str, Any] = {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": issuer,
        "validFrom": xsd_datetime(valid_from),
    }
    if valid_until is not None:
        doc["validUntil"] = xsd_datetime(valid_until)
    if awarded_date is not None:
        doc["awardedDate"] = xsd_datetime(awarded_date)
    doc["credentialSubject"] = subject
    if evidence:
        doc["evidence"] = evidence_document(evidence)
    if credential_status is not None:
        doc["credentialStatus"] = credential_status
    doc["credentialSchema"] = [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}]
    return doc


def clean_name(value: str) -> str:
    return _line(value).strip()[:200]
