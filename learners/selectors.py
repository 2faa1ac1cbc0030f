"""Reads for the learner pages. Credentials are matched on the normalized recipient address."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from badges.models import Credential, CredentialStatus
from learners.models import LearnerCredentialVisibility, LearnerProfile


@dataclass(frozen=True)
class CredentialRow:
    """One credential as the learner pages show it: names as they were signed, not as later edited."""

    credential: Credential
    achievement_name: str
    issuer_name: str
    state: str
    shown: bool

    @property
    def state_label(self) -> str | Promise:
        """The state in the reader's language (D51); an unknown state as it is."""
        return ROW_STATE_LABELS.get(self.state, self.state)


# Said of a credential on the learner pages: a label, and lower-cased inside a sentence ("… is revoked").
ROW_STATE_LABELS = {
    "active": pgettext_lazy("credential state", "Active"),
    "pending": pgettext_lazy("credential state", "Pending"),
    "expired": pgettext_lazy("credential state", "Expired"),
    "suspended": pgettext_lazy("credential state", "Suspended"),
    "revoked": pgettext_lazy("credential state", "Revoked"),
}


def credentials_for_email(*, email: str) -> QuerySet[Credential]:
    """Every credential awarded to the address on this platform, by any issuer, newest first."""
    return Credential.objects.filter(recipient_email=email).select_related("issuer", "achievement")


def credential_exists_for_email(*, email: str) -> bool:
    return Credential.objects.filter(recipient_email=email).exists()


def profile_for_email(*, email: str) -> LearnerProfile | None:
    return LearnerProfile.objects.filter(email=email).first()


def shown_credential_ids(*, profile: LearnerProfile) -> set[int]:
    return set(LearnerCredentialVisibility.objects.filter(profile=profile).values_list("credential_id", flat=True))


def collection_rows(*, email: str, profile: LearnerProfile | None) -> list[CredentialRow]:
    shown = shown_credential_ids(profile=profile) if profile is not None else set()
    return [_row(credential, shown=credential.pk in shown) for credential in credentials_for_email(email=email)]


def public_profile_rows(*, profile: LearnerProfile) -> list[CredentialRow]:
    """What the public profile lists: shown by the learner, still the learner's, and not revoked."""
    credentials = (
        credentials_for_email(email=profile.email)
        .filter(pk__in=LearnerCredentialVisibility.objects.filter(profile=profile).values("credential_id"))
        .exclude(status=CredentialStatus.REVOKED)
    )
    return [_row(credential, shown=True) for credential in credentials]


def learner_display_name(*, email: str) -> str:
    """The recipient name on the most recent credential that has one; empty when none does."""
    names = Credential.objects.filter(recipient_email=email).exclude(recipient_name="")
    return names.values_list("recipient_name", flat=True).first() or ""


def _row(credential: Credential, *, shown: bool) -> CredentialRow:
    achievement_name, issuer_name = signed_names(credential)
    return CredentialRow(
        credential=credential,
        achievement_name=achievement_name,
        issuer_name=issuer_name,
        state=credential.state(),
        shown=shown,
    )


def signed_names(credential: Credential) -> tuple[str, str]:
    """The achievement and issuer names embedded in the signed document; the current names when absent."""
    achievement_name, issuer_name = credential.achievement.name, credential.issuer.name
    try:
        document = json.loads(credential.document)
    except ValueError:
        return achievement_name, issuer_name
    if not isinstance(document, dict):
        return achievement_name, issuer_name
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if isinstance(achievement, dict) and isinstance(achievement.get("name"), str):
        achievement_name = achievement["name"]
    issuer = document.get("issuer")
    if isinstance(issuer, dict) and isinstance(issuer.get("name"), str):
        issuer_name = issuer["name"]
    return achievement_name, issuer_name
