"""Writes of the API app: creating and revoking tokens (each with its audit row), and marking a token used.

A token acts for its whole issuer, like a key: creating or revoking one needs Action.MANAGE_KEYS (D34)."""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import timedelta
from typing import cast

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from api.models import SCOPES, TOKEN_PREFIX, ApiToken
from issuer.models import Issuer
from issuer.permissions import Action, Actor, audit_user, authorize
from issuer.services import audit_record

PREFIX_LENGTH = 8
PREFIX_ALPHABET = string.ascii_lowercase + string.digits  # no "_": the prefix ends where the secret begins
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenError(ValueError):
    """The token cannot be created as asked; the message says why."""


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scopes_normalize(scopes: list[str] | None) -> list[str]:
    """The scopes asked for, checked and in canonical order; None means every scope."""
    if scopes is None:
        return list(SCOPES)
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ApiTokenError(
            f"Unknown scope{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. Known scopes: {', '.join(SCOPES)}."
        )
    if not scopes:
        raise ApiTokenError("A token needs at least one scope.")
    return [scope for scope in SCOPES if scope in scopes]


def token_create(
    *,
    issuer: Issuer,
    name: str,
    actor: Actor,
    scopes: list[str] | None = None,
) -> tuple[ApiToken, str]:
    """A new token of `issuer`; returns it with its full string, which is never stored and cannot be shown again."""
    authorize(actor, issuer, Action.MANAGE_KEYS)
    name = " ".join(name.split())
    if not name:
        raise ApiTokenError("A token needs a name (what it is for).")
    if len(name) > cast(int, ApiToken._meta.get_field("name").max_length):  # a CharField: always set
        raise ApiTokenError("The name is longer than 100 characters.")
    scopes = scopes_normalize(scopes)
    secret = secrets.token_urlsafe(32)
    for _ in range(5):  # 36**8 prefixes: a collision is rare, and a retry resolves it
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    issuer=issuer,
                    name=name,
                    prefix=prefix,
                    secret_hash=secret_hash(secret),
                    scopes=scopes,
                    created_by=audit_user(actor),
                )
                audit_record(
                    issuer=issuer,
                    action="api_token.created",
                    obj=token,
                    actor=actor,
                    data={"name": name, "prefix": prefix, "scopes": scopes},
                )
        except IntegrityError:
            continue
        return token, f"{TOKEN_PREFIX}{prefix}_{secret}"
    raise ApiTokenError("Could not allocate a unique token prefix; try again.")


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Revoke for good: the next request with it is refused (401). Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().select_related("issuer").get(pk=token.pk)
    authorize(actor, token.issuer, Action.MANAGE_KEYS)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        issuer=token.issuer,
        action="api_token.revoked",
        obj=token,
        actor=actor,
        data={"name": token.name, "prefix": token.prefix},
    )
    return token


def token_mark_used(token: ApiToken) -> None:
    """Record the time of use, at most once a minute per token: not a write on every request."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
