"""Reads for issuers and their keys, including the DID document the platform publishes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from issuer.dids import slug_from_did
from issuer.models import AuditEvent, Issuer, KeyState, SigningKey

DID_CONTEXT = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1",
    "https://w3id.org/security/jwk/v1",
]


def dashboard_figures(issuer: Issuer, *, months: int = 12) -> dict[str, Any]:
    """Counts, awards per month for the last `months` months (oldest first) and recent activity."""
    from badges.models import Credential, CredentialStatus

    now = timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    credentials = Credential.objects.filter(issuer=issuer)
    counts = credentials.aggregate(
        awarded=Count("pk"),
        active=Count("pk", filter=Q(status=CredentialStatus.ACTIVE)),
        revoked=Count("pk", filter=Q(status=CredentialStatus.REVOKED)),
        suspended=Count("pk", filter=Q(status=CredentialStatus.SUSPENDED)),
        this_month=Count("pk", filter=Q(created_at__gte=month_start)),
    )
    starts = []
    cursor = month_start
    for _ in range(months):
        starts.append(cursor)
        cursor = (cursor - timedelta(days=1)).replace(day=1)
    starts.reverse()
    per_month = dict(
        credentials.filter(created_at__gte=starts[0])
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    series = [{"month": start, "count": per_month.get(start, 0)} for start in starts]
    peak = max((point["count"] for point in series), default=0) or 1
    for index, point in enumerate(series):  # bar geometry for a 100-unit-wide slot per month, 110 high
        point["height"] = round(100 * point["count"] / peak)
        point["x"] = index * 100 + 5
        point["y"] = 110 - point["height"]
    return {
        "counts": counts,
        "series": series,
        "recent": AuditEvent.objects.filter(issuer=issuer).select_related("actor")[:15],
    }


class NoActiveKey(Exception):
    """The issuer has no active key for that purpose."""


def active_signing_key(*, issuer: Issuer, purpose: str) -> SigningKey:
    key = SigningKey.objects.filter(issuer=issuer, purpose=purpose, state=KeyState.ACTIVE).first()
    if key is None:
        raise NoActiveKey(f"Issuer {issuer.slug!r} has no active {purpose} key; rotate one in first.")
    return key


def did_document(issuer: Issuer) -> dict[str, Any]:
    """Every key the issuer signed with, except compromised ones, listed under assertionMethod."""
    did = issuer.did
    methods: list[dict[str, Any]] = []
    keys = SigningKey.objects.filter(issuer=issuer).exclude(state=KeyState.COMPROMISED).order_by("created_at", "pk")
    for key in keys:
        method: dict[str, Any] = {"id": f"{did}#{key.key_id}", "controller": did}
        if key.public_key_multibase:
            method.update(type="Multikey", publicKeyMultibase=key.public_key_multibase)
        else:
            method.update(type="JsonWebKey", publicKeyJwk=key.public_jwk)
        methods.append(method)
    ids = [m["id"] for m in methods]
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }


def did_document_for_did(did: str) -> dict[str, Any] | None:
    """The DID document of one of this platform's issuers, or None if `did` is not ours."""
    slug = slug_from_did(did)
    if slug is None:
        return None
    issuer = Issuer.objects.filter(slug=slug).first()
    return did_document(issuer) if issuer else None
