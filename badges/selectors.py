"""Reads for achievements and credentials."""

from __future__ import annotations

import uuid

from django.conf import settings

from badges.models import Achievement, Credential
from issuer.models import Issuer


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
