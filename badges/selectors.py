"""Reads for achievements and credentials."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from badges.models import Achievement, Credential, CredentialStatus
from issuer.extensions import AuditSubjects, audit_ids, audit_names, audit_subject_of
from issuer.models import AuditEvent, Issuer, SigningKey


def is_numeric_id(ref: str) -> bool:
    """A reference that can be a primary key: ASCII digits ("²" is a digit to str.isdigit) that fit 64 bits."""
    return ref.isascii() and ref.isdigit() and len(ref) <= 18


def achievement_for_issuer(*, issuer: Issuer, ref: str) -> Achievement | None:
    """An achievement of `issuer` by numeric id, UUID or slug; never another issuer's."""
    queryset = Achievement.objects.filter(issuer=issuer)
    if is_numeric_id(ref):
        found = queryset.filter(pk=int(ref)).first()
        if found:
            return found
    try:
        return queryset.filter(uuid=uuid.UUID(ref)).first()
    except ValueError:
        return queryset.filter(slug=ref).first()


def credential_by_ref(ref: str) -> Credential | None:
    """A credential by UUID or by its public URL."""
    prefix = f"{settings.SITE_URL}/credentials/"
    if ref.startswith(prefix):
        ref = ref[len(prefix) :]
    try:
        return Credential.objects.select_related("issuer", "achievement").filter(uuid=uuid.UUID(ref)).first()
    except ValueError:
        return None


def credential_lineage(credential_id: Any) -> dict[str, dict[str, str] | None]:
    """For a credential id of this platform: the credential it renews or corrects (`replaces`) and the one that
    renewed or corrected it (`replacedBy`, with the revocation's `reason` when this one is revoked), each as
    {"id", "kind"} or None (D64). Any other id: both None. One
    query; what a document claims is not read, only our records of the id."""
    lineage: dict[str, dict[str, str] | None] = {"replaces": None, "replacedBy": None}
    prefix = f"{settings.SITE_URL}/credentials/"
    if not isinstance(credential_id, str) or not credential_id.startswith(prefix):
        return lineage
    try:
        key = uuid.UUID(credential_id[len(prefix) :])
    except ValueError:
        return lineage
    successor = Credential.objects.filter(replaces_id=OuterRef("pk"))
    row = (
        Credential.objects.filter(uuid=key)
        .annotate(successor_uuid=Subquery(successor.values("uuid")[:1]))
        .annotate(successor_kind=Subquery(successor.values("replacement")[:1]))
        .values("replacement", "replaces__uuid", "successor_uuid", "successor_kind", "status", "status_reason")
        .first()
    )
    if row is None:
        return lineage
    if row["replaces__uuid"] is not None:
        lineage["replaces"] = {"id": f"{prefix}{row['replaces__uuid']}", "kind": row["replacement"]}
    if row["successor_uuid"] is not None:
        successor_link = {"id": f"{prefix}{row['successor_uuid']}", "kind": row["successor_kind"]}
        if row["status"] == CredentialStatus.REVOKED:
            # The issuer's words, as recorded ("Superseded by <id>"): status lists carry no reason.
            successor_link["reason"] = row["status_reason"]
        lineage["replacedBy"] = successor_link
    return lineage


def credential_figures(issuer: Issuer, *, months: int = 12) -> dict[str, Any]:
    """The issuer dashboard's credential section (issuer.extensions): counts, and awards per month for the last
    `months` months, oldest first."""
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
    return {"counts": counts, "series": series}


def credentials_signed_with(key: SigningKey) -> int:
    """How many credentials carry a signature by `key` (Data Integrity proof or VC-JWT): the key pages' count
    (issuer.extensions)."""
    return Credential.objects.filter(Q(signing_key=key) | Q(jwt_signing_key=key)).count()


# The audit action that put a credential in each status an issuer decides (badges.services._change_status and
# credential_revoke_many write them in the transaction of the change).
_STATUS_ACTIONS = {CredentialStatus.REVOKED: "credential.revoked", CredentialStatus.SUSPENDED: "credential.suspended"}


def credential_status_since(credential: Credential) -> datetime | None:
    """When the issuer revoked or suspended `credential` (its latest such decision), from the audit log: the
    credential row keeps no date of its own and status lists carry none. None for any other status, or when no
    audit row records it."""
    action = _STATUS_ACTIONS.get(CredentialStatus(credential.status))
    if action is None:
        return None
    return (
        AuditEvent.objects.filter(
            issuer_id=credential.issuer_id, action=action, object_type="credential", object_id=str(credential.pk)
        )
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )


def _credential_audit_names(issuer: Issuer, ids: list[str]) -> dict[str, dict[str, str]]:
    credentials = Credential.objects.filter(issuer=issuer).select_related("achievement")
    return audit_names(
        credentials.only("recipient_name", "recipient_email", "achievement__name"),
        ids,
        lambda c: {
            "recipient": c.recipient_name or c.recipient_email,
            "email": c.recipient_email,
            "achievement": c.achievement.name,
        },
    )


def _credential_audit_search(issuer: Issuer, text: str) -> Any:
    matches = (
        Q(recipient_email__icontains=text) | Q(recipient_name__icontains=text) | Q(achievement__name__icontains=text)
    )
    return audit_ids(Credential.objects.filter(issuer=issuer).filter(matches))


def _achievement_audit_names(issuer: Issuer, ids: list[str]) -> dict[str, dict[str, str]]:
    return audit_names(Achievement.objects.filter(issuer=issuer).only("name"), ids, lambda a: {"name": a.name})


def _achievement_audit_search(issuer: Issuer, text: str) -> Any:
    matches = Q(name__icontains=text) | Q(slug__icontains=text)
    return audit_ids(Achievement.objects.filter(issuer=issuer).filter(matches))


# How the audit log names credentials and achievements, and finds them by recipient or achievement (badges.apps).
AUDIT_SUBJECTS = [
    AuditSubjects(audit_subject_of(Credential), _credential_audit_names, _credential_audit_search),
    AuditSubjects(audit_subject_of(Achievement), _achievement_audit_names, _achievement_audit_search),
]
