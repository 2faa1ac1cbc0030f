"""Reads of the Open Badges API: the learner's credentials as getCredentials pages them, and their profile."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from badges.models import Credential, CredentialStatus
from ob_api.models import LearnerApiProfile, StoredCredential


@dataclass(frozen=True)
class CredentialPage:
    total: int
    credentials: list[dict[str, Any]]  # JSON credentials (Data Integrity)
    compact_jws: list[str]  # VC-JWTs the learner stored as such


def learner_credentials_page(*, email: str, since: datetime | None, limit: int, offset: int) -> CredentialPage:
    """One page of the learner's credentials, oldest issued first so that new ones are appended and the
    offsets a wallet already synced stay put.

    The list is every credential this platform issued to the address (except revoked ones: we know they
    are void) plus every credential the learner stored through upsertCredential, minus stored copies of
    our own. `since` keeps those issued (validFrom) after it.
    """
    issued = Credential.objects.filter(recipient_email=email).exclude(status=CredentialStatus.REVOKED)
    own_ids = [f"{settings.SITE_URL}/credentials/{uuid}" for uuid in issued.values_list("uuid", flat=True)]
    stored = StoredCredential.objects.filter(learner_email=email).exclude(credential_id__in=own_ids)
    if since is not None:
        issued = issued.filter(valid_from__gt=since)
        stored = stored.filter(issued_at__gt=since)
    keys = [(moment, 0, pk) for pk, moment in issued.values_list("pk", "valid_from")]
    keys += [(moment, 1, pk) for pk, moment in stored.values_list("pk", "issued_at")]
    keys.sort()
    page = keys[offset : offset + limit]

    issued_docs = dict(
        Credential.objects.filter(pk__in=[pk for _, kind, pk in page if kind == 0]).values_list("pk", "document")
    )
    stored_rows = {row.pk: row for row in StoredCredential.objects.filter(pk__in=[pk for _, kind, pk in page if kind])}
    credentials: list[dict[str, Any]] = []
    compact_jws: list[str] = []
    for _, kind, pk in page:
        if kind == 0:
            credentials.append(json.loads(issued_docs[pk]))
        elif stored_rows[pk].format == StoredCredential.Format.JWS:
            compact_jws.append(stored_rows[pk].raw)
        else:
            credentials.append(json.loads(stored_rows[pk].raw))
    return CredentialPage(total=len(keys), credentials=credentials, compact_jws=compact_jws)


def learner_api_profile(*, email: str) -> LearnerApiProfile | None:
    return LearnerApiProfile.objects.filter(learner_email=email).first()
