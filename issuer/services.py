"""Writes for issuers, staff and signing keys. Every state change writes an AuditEvent in its transaction.

Every public write checks its actor first (issuer.permissions.authorize, D34); the private `_` functions are the
same writes for callers that have already checked (creating an issuer adds its owner and its first key).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import get_connection, send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.tasks import enqueue
from issuer.images import ImageError, image_store
from issuer.keystore import encrypt_private_key, generate_private_key
from issuer.models import (
    IDENTIFIER_EXTENSION,
    IDENTIFIER_TYPES,
    AuditEvent,
    Invitation,
    Issuer,
    IssuerMembership,
    KeyAlgorithm,
    KeyPurpose,
    KeyState,
    Role,
    SigningKey,
    clean_reminder_days,
    role_in_sentence,
)
from issuer.permissions import Action, Actor, audit_label, audit_user, authorize, authorize_platform
from verification.keys import ed25519_public_to_multibase, public_jwk
from verification.text import clean_text


class IssuerError(Exception):
    """A domain rule refused the change; the message says which and why."""


def audit_record(
    *,
    issuer: Issuer | None,
    action: str,
    obj: Any,
    actor: Actor | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row. Call it inside the transaction of the change it records. The row names the actor's
    user (a token's or a system actor's `on_behalf_of`) and label; `actor_label`, when given, replaces the label."""
    return AuditEvent.objects.create(
        issuer=issuer,
        actor=audit_user(actor),
        actor_label=actor_label or audit_label(actor),
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=str(obj.pk),
        data=data or {},
    )


def audit_record_many(
    *,
    issuer: Issuer | None,
    action: str,
    items: list[tuple[Any, dict[str, Any]]],
    actor: Actor | None = None,
    actor_label: str = "",
) -> None:
    """Append one audit row per (object, data) pair in one insert: the same rows `audit_record` writes."""
    user, label = audit_user(actor), actor_label or audit_label(actor)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                issuer=issuer,
                actor=user,
                actor_label=label,
                action=action,
                object_type=type(obj).__name__.lower(),
                object_id=str(obj.pk),
                data=data,
            )
            for obj, data in items
        ],
        batch_size=1_000,
    )


@transaction.atomic
def issuer_create(*, slug: str, name: str, actor: Actor, owner: User | None = None, **profile: Any) -> Issuer:
    """Create an issuer with its first Data Integrity key (and its owner, when given). Platform work: `actor` is
    a system actor (a command, seed_demo, the admin), usually on behalf of the owner."""
    authorize_platform(actor, what="create an issuer")
    issuer = Issuer(slug=slug, name=name, **profile)
    issuer.full_clean()
    issuer.save()
    audit_record(issuer=issuer, action="issuer.created", obj=issuer, actor=actor)
    if owner is not None:
        _membership_set(issuer=issuer, user=owner, role=Role.OWNER, actor=actor)
    _signing_key_create(issuer=issuer, purpose=KeyPurpose.DATA_INTEGRITY, algorithm=KeyAlgorithm.ED25519, actor=actor)
    return issuer


def membership_set(*, issuer: Issuer, user: User, role: str, actor: Actor) -> IssuerMembership:
    """Give `user` the role `role` in `issuer` (adding them to its staff if needed)."""
    authorize(actor, issuer, Action.MANAGE_STAFF)
    return _membership_set(issuer=issuer, user=user, role=role, actor=actor)


@transaction.atomic
def _membership_set(*, issuer: Issuer, user: User, role: str, actor: Actor) -> IssuerMembership:
    if role not in Role.values:
        raise IssuerError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.")
    Issuer.objects.select_for_update().get(pk=issuer.pk)  # one staff change at a time: the last-owner rule
    membership, created = IssuerMembership.objects.select_for_update().get_or_create(
        issuer=issuer, user=user, defaults={"role": role}
    )
    if not created and membership.role == role:
        return membership
    if not created and membership.role == Role.OWNER:
        _ensure_another_owner(membership, change="demote")
    previous = None if created else membership.role
    if not created:
        membership.role = role
        membership.save(update_fields=["role"])
    audit_record(
        issuer=issuer,
        action="staff.added" if created else "staff.role_changed",
        obj=membership,
        actor=actor,
        data={"user": user.get_username(), "role": role, "previous": previous},
    )
    return membership


def _new_key_id(algorithm: str) -> str:
    return f"key-{algorithm.lower().replace('-', '')}-{secrets.token_hex(4)}"


def signing_key_create(*, issuer: Issuer, purpose: str, algorithm: str, actor: Actor) -> SigningKey:
    """Generate a key pair and make it the active key for `purpose`, retiring the previous one.

    The issuer row is locked so two concurrent rotations cannot both leave an active key; the
    partial unique constraint on (issuer, purpose, state=active) is the backstop.
    """
    authorize(actor, issuer, Action.MANAGE_KEYS)
    return _signing_key_create(issuer=issuer, purpose=purpose, algorithm=algorithm, actor=actor)


@transaction.atomic
def _signing_key_create(*, issuer: Issuer, purpose: str, algorithm: str, actor: Actor) -> SigningKey:
    if purpose == KeyPurpose.DATA_INTEGRITY and algorithm != KeyAlgorithm.ED25519:
        raise IssuerError(gettext("Data Integrity keys must be Ed25519 (eddsa-rdfc-2022)."))
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
        public_key_multibase=(
            ed25519_public_to_multibase(cast(Ed25519PublicKey, public)) if algorithm == KeyAlgorithm.ED25519 else ""
        ),
        encrypted_private_key=encrypt_private_key(private_key),
    )
    audit_record(
        issuer=issuer,
        action="key.rotated" if previous else "key.created",
        obj=key,
        actor=actor,
        data={
            "purpose": purpose,
            "algorithm": algorithm,
            "key_id": key.key_id,
            "retired": [old.key_id for old in previous],
        },
    )
    return key


def issuer_key_rotate(
    *, issuer: Issuer, actor: Actor, purpose: str = KeyPurpose.DATA_INTEGRITY, algorithm: str | None = None
) -> SigningKey:
    """Replace the active key for `purpose`; the old one stays listed (retired) so its credentials verify."""
    authorize(actor, issuer, Action.MANAGE_KEYS)
    if algorithm is None:
        current = SigningKey.objects.filter(issuer=issuer, purpose=purpose, state=KeyState.ACTIVE).first()
        algorithm = current.algorithm if current else KeyAlgorithm.ED25519
    return _signing_key_create(issuer=issuer, purpose=purpose, algorithm=algorithm, actor=actor)


@transaction.atomic
def signing_key_mark_compromised(*, key: SigningKey, actor: Actor, reason: str = "") -> SigningKey:
    """Withdraw a key from the DID document: every credential it signed stops verifying.

    When the compromised key was active, a fresh key of the same kind takes its place so that
    awarding can go on.
    """
    key = SigningKey.objects.select_for_update().select_related("issuer").get(pk=key.pk)
    authorize(actor, key.issuer, Action.MANAGE_KEYS)
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
        data={"key_id": key.key_id, "reason": reason},
    )
    if was_active:
        _signing_key_create(issuer=key.issuer, purpose=key.purpose, algorithm=key.algorithm, actor=actor)
    return key


def _ensure_another_owner(membership: IssuerMembership, *, change: str) -> None:
    """An issuer always keeps an owner: only owners manage keys and staff, so without one it is stuck.

    Callers hold the issuer row lock, so two owners cannot demote or remove each other at once.
    """
    others = IssuerMembership.objects.filter(issuer_id=membership.issuer_id, role=Role.OWNER).exclude(pk=membership.pk)
    if not others.exists():
        if change == "remove":
            refusal = gettext(
                "%(name)s is the last owner of this issuer and cannot be removed. Make someone else an owner first."
            )
        else:
            refusal = gettext(
                "%(name)s is the last owner of this issuer and cannot be demoted. Make someone else an owner first."
            )
        raise IssuerError(refusal % {"name": membership.user.get_username()})


# Profile fields an owner may change (the OB 3.0 Profile of the issuer); the slug is its identity and is not one.
# The plain fields in the order the profile page shows them, then the structured ones.
PROFILE_PLAIN_FIELDS = (
    "name",
    "description",
    "url",
    "email",
    "phone",
    "official",
    "street_address",
    "address_locality",
    "address_region",
    "postal_code",
    "address_country",
    "address_country_code",
    "issue_jwt_by_default",
    "embed_images",
    "brand_color",
    "language",
    "expiry_reminder_days",
    "expiry_reminder_copy",
)
PROFILE_FIELDS = frozenset({*PROFILE_PLAIN_FIELDS, "other_identifiers", "image"})


def _clean_identifiers(entries: Any) -> list[dict[str, str]]:
    """OB 3.0 IdentifierEntry rows: a non-empty identifier and an IdentifierTypeEnum value (or `ext:…`)."""
    if not isinstance(entries, list):
        raise ValidationError({"other_identifiers": "Other identifiers must be a list."})
    cleaned = []
    for number, entry in enumerate(entries, start=1):
        identifier = clean_text(str(entry.get("identifier", "")), multiline=False).strip()
        identifier_type = str(entry.get("identifierType", "")).strip()
        if not identifier:
            raise ValidationError({"other_identifiers": f"Identifier {number} is empty."})
        if identifier_type not in IDENTIFIER_TYPES:
            try:
                IDENTIFIER_EXTENSION(identifier_type)
            except ValidationError as exc:
                raise ValidationError(
                    {"other_identifiers": f"Identifier {number}: {identifier_type!r} is not an identifier type."}
                ) from exc
        cleaned.append({"identifier": identifier, "identifierType": identifier_type})
    return cleaned


@transaction.atomic
def issuer_update(*, issuer: Issuer, actor: Actor, **fields: Any) -> Issuer:
    """Change the issuer's profile. Only credentials issued from now on carry the new values.

    `image`: None (or absent) keeps the logo, a file replaces it (PNG or SVG, checked by content),
    "" or False removes it. The file is stored under the hash of its content and never deleted: credentials
    issued earlier link to it (docs/decisions.md D28).
    Audited as `issuer.updated` with the names of the fields that changed; no change, no row.
    """
    authorize(actor, issuer, Action.EDIT_PROFILE)
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise IssuerError(f"Not profile fields: {', '.join(sorted(unknown))}.")
    image = fields.pop("image", None)
    if "other_identifiers" in fields:
        fields["other_identifiers"] = _clean_identifiers(fields["other_identifiers"])
    if "language" in fields and fields["language"] not in ("", *(code for code, _name in settings.LANGUAGES)):
        offered = ", ".join(code for code, _name in settings.LANGUAGES)
        raise ValidationError(
            {"language": gettext("Choose one of the languages offered (%(offered)s), or none.") % {"offered": offered}}
        )
    if "expiry_reminder_days" in fields:
        try:
            fields["expiry_reminder_days"] = clean_reminder_days(fields["expiry_reminder_days"])
        except ValueError as exc:
            raise ValidationError({"expiry_reminder_days": str(exc)}) from exc
    issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
    before = {name: getattr(issuer, name) for name in fields}
    for name, value in fields.items():
        setattr(issuer, name, value)
    issuer.full_clean()  # also normalizes text (docs/decisions.md D7)
    changed = [name for name in fields if getattr(issuer, name) != before[name]]
    if image:
        try:
            name = image_store(image, folder="issuers")
        except ImageError as exc:
            raise ValidationError({"image": exc.messages}) from exc
        if name != issuer.image.name:
            issuer.image = name
            changed.append("image")
    elif image is not None and issuer.image:
        issuer.image = ""
        changed.append("image")
    if not changed:
        return issuer
    issuer.save()
    audit_record(
        issuer=issuer,
        action="issuer.updated",
        obj=issuer,
        actor=actor,
        data={"changed": sorted(changed)},
    )
    return issuer


INVITATION_VALIDITY = timedelta(days=7)


# Used when EMAIL_TIMEOUT is not configured, so that an unresponsive mail server cannot hold a worker.
MAIL_TIMEOUT_SECONDS = 10


def _invitation_token(*, issuer_id: int, email: str, created_at: datetime) -> str:
    """The token of an invitation's link: made from the invitation with SECRET_KEY, never stored. The task that
    e-mails the link after commit makes it again, so neither the outbox nor the broker ever holds a token, and a
    second e-mail (a task delivered twice) carries the same link. The database keeps only its hash, as before."""
    moment = created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")
    return salted_hmac("issuer.invitation", f"{issuer_id}:{email}:{moment}", algorithm="sha256").hexdigest()


@transaction.atomic
def staff_invite(*, issuer: Issuer, email: str, role: str, actor: Actor) -> IssuerMembership | Invitation:
    """Add the person with that e-mail address to the staff, or invite them if they have no account.

    An existing account (exactly one active user with the address) becomes staff at once and gets a
    notice. Otherwise an Invitation valid for 7 days is created and its link e-mailed once this commits; the
    token is in the link only (`_invitation_token`). An expired invitation to the same address is closed and
    replaced.
    """
    authorize(actor, issuer, Action.MANAGE_STAFF)
    email = email.strip().lower()
    validate_email(email)
    if role not in Role.values:
        raise IssuerError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.")
    issuer = Issuer.objects.select_for_update().get(pk=issuer.pk)
    users = list(get_user_model().objects.filter(email__iexact=email, is_active=True)[:2])
    if len(users) == 1:
        user = users[0]
        if IssuerMembership.objects.filter(issuer=issuer, user=user).exists():
            raise IssuerError(
                gettext("%(email)s is already on the staff of %(issuer)s; change their role in the list.")
                % {"email": email, "issuer": issuer.name}
            )
        membership = _membership_set(issuer=issuer, user=user, role=role, actor=actor)
        enqueue("issuer.tasks.send_staff_added", membership.pk)  # e-mailed once this commits
        return membership
    now = timezone.now()
    pending = (
        Invitation.objects.select_for_update()
        .filter(issuer=issuer, email=email, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if pending is not None and not pending.is_expired(now):
        raise IssuerError(
            gettext("%(email)s already has a pending invitation (until %(until)s UTC). Revoke it to send a new one.")
            % {"email": email, "until": f"{pending.expires_at:%Y-%m-%d %H:%M}"}
        )
    if pending is not None:
        pending.revoked_at = now
        pending.save(update_fields=["revoked_at"])
    token = _invitation_token(issuer_id=issuer.pk, email=email, created_at=now)
    invitation = Invitation.objects.create(
        issuer=issuer,
        email=email,
        role=role,
        token_hash=Invitation.hash_token(token),
        invited_by=audit_user(actor),
        created_at=now,
        expires_at=now + INVITATION_VALIDITY,
    )
    audit_record(
        issuer=issuer,
        action="staff.invited",
        obj=invitation,
        actor=actor,
        data={"email": email, "role": role, "replaces": pending.pk if pending else None},
    )
    enqueue("issuer.tasks.send_invitation", invitation.pk)  # e-mailed, with its link, once this commits
    return invitation


def invitation_email_send(*, invitation_id: int) -> bool:
    """E-mail the invitation's link if it can still be accepted; returns whether it was sent. Raises what the mail
    server raised, for the task to retry. The link's token is made again here (`_invitation_token`)."""
    invitation = Invitation.objects.select_related("issuer", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.is_expired():
        return False
    token = _invitation_token(issuer_id=invitation.issuer_id, email=invitation.email, created_at=invitation.created_at)
    token_hash = Invitation.hash_token(token)
    if invitation.token_hash != token_hash:
        # SECRET_KEY changed since the invitation was made: the link is made with the current key and replaces the
        # earlier one (which was never sent, unless this task already ran once before the change).
        Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash)
    issuer = invitation.issuer
    # Sent by a task: in the issuer's language (D52).
    with translation.override(issuer.language or settings.LANGUAGE_CODE):
        _send_mail(
            to=invitation.email,
            subject=gettext("Invitation to join %(issuer)s") % {"issuer": issuer.name},
            template="emails/staff_invitation.txt",
            context={
                "issuer": issuer,
                "role": role_in_sentence(invitation.role),
                "invitation": invitation,
                "link": f"{settings.SITE_URL}{reverse('issuer:invitation-accept', args=[token])}",
            },
        )
    return True


def staff_added_email_send(*, membership_id: int) -> bool:
    """Tell a person added to the staff, with the role they have now; nothing if they were removed meanwhile.
    Returns whether it was sent; raises what the mail server raised, for the task to retry."""
    membership = IssuerMembership.objects.select_related("issuer", "user").filter(pk=membership_id).first()
    if membership is None or not membership.user.email:
        return False
    issuer, user = membership.issuer, membership.user
    with translation.override(issuer.language or settings.LANGUAGE_CODE):
        _send_mail(
            to=user.email,
            subject=gettext("You are now on the staff of %(issuer)s") % {"issuer": issuer.name},
            template="emails/staff_added.txt",
            context={
                "issuer": issuer,
                "user": user,
                "role": role_in_sentence(membership.role),
                "link": f"{settings.SITE_URL}{reverse('issuer:manage-index')}",
            },
        )
    return True


def _send_mail(*, to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    body = render_to_string(template, {"site_url": settings.SITE_URL, **context})
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or MAIL_TIMEOUT_SECONDS
    send_mail(subject, body, None, [to], connection=get_connection(timeout=timeout))


class InvitationUnusable(IssuerError):
    """The invitation link cannot be used. `reason` is one of unknown, expired, accepted, revoked."""

    MESSAGES = {
        "unknown": _("This invitation link is not valid. Check that you opened the whole link from the e-mail."),
        "expired": _("This invitation has expired. Ask the person who invited you to send a new one."),
        "accepted": _("This invitation has already been accepted."),
        "revoked": _("This invitation was withdrawn. Ask the person who invited you if you still need access."),
    }

    def __init__(self, reason: str) -> None:
        super().__init__(str(self.MESSAGES[reason]))  # in the language of the request that raised it
        self.reason = reason


def invitation_check(invitation: Invitation | None) -> Invitation:
    """The invitation if it can still be accepted; raises InvitationUnusable saying why not."""
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.accepted_at is not None:
        raise InvitationUnusable("accepted")
    if invitation.revoked_at is not None:
        raise InvitationUnusable("revoked")
    if invitation.is_expired():
        raise InvitationUnusable("expired")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, user: User | None = None, username: str = "", password: str = ""
) -> IssuerMembership:
    """Join the issuer's staff through an invitation: as `user` (whose e-mail must be the invited
    address), or as a new account `username`/`password` with the invited address.

    Someone who is already staff keeps their role: an invitation never changes an existing role.
    The invitation is the authorization (issued by someone allowed to manage staff, D13): no role is checked.
    """
    invitation = invitation_check(
        Invitation.objects.select_for_update()
        .select_related("issuer")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    if user is None:
        if not username or not password:
            raise IssuerError(gettext("Choose a username and a password."))
        user = get_user_model().objects.create_user(username=username, email=invitation.email, password=password)
    elif (getattr(user, "email", "") or "").lower() != invitation.email:
        raise IssuerError(
            gettext("This invitation was sent to %(email)s; sign in with the account that has that address.")
            % {"email": invitation.email}
        )
    issuer = invitation.issuer
    membership = IssuerMembership.objects.filter(issuer=issuer, user=user).first()
    if membership is None:
        membership = _membership_set(issuer=issuer, user=user, role=invitation.role, actor=user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        issuer=issuer,
        action="staff.invitation_accepted",
        obj=invitation,
        actor=user,
        data={"email": invitation.email, "user": user.get_username(), "role": membership.role},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor) -> None:
    """Withdraw a pending invitation: its link stops working."""
    invitation = Invitation.objects.select_for_update().select_related("issuer").get(pk=invitation.pk)
    authorize(actor, invitation.issuer, Action.MANAGE_STAFF)
    if not invitation.is_pending:
        raise IssuerError(gettext("The invitation to %(email)s is no longer pending.") % {"email": invitation.email})
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        issuer=invitation.issuer,
        action="staff.invitation_revoked",
        obj=invitation,
        actor=actor,
        data={"email": invitation.email, "role": invitation.role},
    )


@transaction.atomic
def membership_remove(*, membership: IssuerMembership, actor: Actor) -> None:
    """Take a user off the issuer's staff. The last owner cannot be removed."""
    authorize(actor, Issuer.objects.select_for_update().get(pk=membership.issuer_id), Action.MANAGE_STAFF)
    membership = IssuerMembership.objects.select_for_update().select_related("user", "issuer").get(pk=membership.pk)
    if membership.role == Role.OWNER:
        _ensure_another_owner(membership, change="remove")
    audit_record(
        issuer=membership.issuer,
        action="staff.removed",
        obj=membership,
        actor=actor,
        data={"user": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()
