"""Writes for issuers, staff and signing keys. Every state change writes an AuditEvent in its transaction."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from issuer.keystore import encrypt_private_key, generate_private_key
from issuer.models import (
    AuditEvent,
    Issuer,
    IssuerMembership,
    KeyAlgorithm,
    KeyPurpose,
    KeyState,
    Role,
    SigningKey,
)
from verification.keys import ed25519_public_to_multibase, public_jwk


class IssuerError(Exception):
    """A domain rule refused the change; the message says which and why."""


def audit_record(
    *,
    issuer: Issuer | None,
    action: str,
    obj: Any,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row. Call it inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        issuer=issuer,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=str(obj.pk),
        data=data or {},
    )


@transaction.atomic
def issuer_create(
    *, slug: str, name: str, owner: AbstractBaseUser | None = None, actor_label: str = "", **profile: Any
) -> Issuer:
    """Create an issuer with its first Data Integrity key (and its owner, when given)."""
    issuer = Issuer(slug=slug, name=name, **profile)
    issuer.full_clean()
    issuer.save()
    audit_record(issuer=issuer, action="issuer.created", obj=issuer, actor=owner, actor_label=actor_label)
    if owner is not None:
        membership_set(issuer=issuer, user=owner, role=Role.OWNER, actor=owner, actor_label=actor_label)
    signing_key_create(
        issuer=issuer,
        purpose=KeyPurpose.DATA_INTEGRITY,
        algorithm=KeyAlgorithm.ED25519,
        actor=owner,
        actor_label=actor_label,
    )
    return issuer


@transaction.atomic
def membership_set(
    *, issuer: Issuer, user: AbstractBaseUser, role: str, actor: AbstractBaseUser | None = None, actor_label: str = ""
) -> IssuerMembership:
    """Give `user` the role `role` in `issuer` (adding them to its staff if needed)."""
    if role not in Role.values:
        raise IssuerError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.")
    membership, created = IssuerMembership.objects.select_for_update().get_or_create(
        issuer=issuer, user=user, defaults={"role": role}
    )
    if not created and membership.role == role:
        return membership
    previous = None if created else membership.role
    if not created:
        membership.role = role
        membership.save(update_fields=["role"])
    audit_record(
        issuer=issuer,
        action="staff.added" if created else "staff.role_changed",
        obj=membership,
        actor=actor,
        actor_label=actor_label,
        data={"user": user.get_username(), "role": role, "previous": previous},
    )
    return membership


def _new_key_id(algorithm: str) -> str:
    return f"key-{algorithm.lower().replace('-', '')}-{secrets.token_hex(4)}"


@transaction.atomic
def signing_key_create(
    *,
    issuer: Issuer,
    purpose: str,
    algorithm: str,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
) -> SigningKey:
    """Generate a key pair and make it the active key for `purpose`, retiring the previous one.

    The issuer row is locked so two concurrent rotations cannot both leave an active key; the
    partial unique constraint on (issuer, purpose, state=active) is the backstop.
    """
    if purpose == KeyPurpose.DATA_INTEGRITY and algorithm != KeyAlgorithm.ED25519:
        raise IssuerError("Data Integrity keys must be Ed25519 (eddsa-rdfc-2022).")
    if algorithm not in KeyAlgorithm.values:
        raise IssuerError(f"Unknown algorithm {algorithm!r}; choose one of {', '.join(KeyAlgorithm.values)}.")
    Issuer.objects.select_for_update().get(pk=issuer.pk)
    now = timezone.now()
    previous = list(SigningKey.objects.filter(issuer=issuer, purpose=purpose, state=KeyState.ACTIVE))
    for old in previous:
        old.state = KeyState.RETIRED
        old.retired_at = now
        old.save(update_fields=["state", "retired_at"])
    private_key = generate_private_key(algorithm)
    public = private_key.public_key()
    key = SigningKey.objects.create(
        issuer=issuer,
        key_id=_new_key_id(algorithm),
        purpose=purpose,
        algorithm=algorithm,
        public_jwk=public_jwk(public),
        public_key_multibase=ed25519_public_to_multibase(public) if algorithm == KeyAlgorithm.ED25519 else "",
        encrypted_private_key=encrypt_private_key(private_key),
    )
    audit_record(
        issuer=issuer,
        action="key.rotated" if previous else "key.created",
        obj=key,
        actor=actor,
        actor_label=actor_label,
        data={
            "purpose": purpose,
            "algorithm": algorithm,
            "key_id": key.key_id,
            "retired": [old.key_id for old in previous],
        },
    )
    return key


def issuer_key_rotate(
    *,
    issuer: Issuer,
    purpose: str = KeyPurpose.DATA_INTEGRITY,
    algorithm: str | None = None,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
) -> SigningKey:
    """Replace the active key for `purpose`; the old one stays listed (retired) so its credentials verify."""
    if algorithm is None:
        current = SigningKey.objects.filter(issuer=issuer, purpose=purpose, state=KeyState.ACTIVE).first()
        algorithm = current.algorithm if current else KeyAlgorithm.ED25519
    return signing_key_create(issuer=issuer, purpose=purpose, algorithm=algorithm, actor=actor, actor_label=actor_label)


@transaction.atomic
def signing_key_mark_compromised(
    *, key: SigningKey, actor: AbstractBaseUser | None = None, actor_label: str = "", reason: str = ""
) -> SigningKey:
    """Withdraw a key from the DID document: every credential it signed stops verifying.

    When the compromised key was active, a fresh key of the same kind takes its place so that
    awarding can go on.
    """
    key = SigningKey.objects.select_for_update().get(pk=key.pk)
    if key.state == KeyState.COMPROMISED:
        return key
    was_active = key.state == KeyState.ACTIVE
    key.state = KeyState.COMPROMISED
    key.compromised_at = timezone.now()
    key.save(update_fields=["state", "compromised_at"])
    audit_record(
        issuer=key.issuer,
        action="key.compromised",
        obj=key,
        actor=actor,
        actor_label=actor_label,
        data={"key_id": key.key_id, "reason": reason},
    )
    if was_active:
        signing_key_create(
            issuer=key.issuer, purpose=key.purpose, algorithm=key.algorithm, actor=actor, actor_label=actor_label
        )
    return key
