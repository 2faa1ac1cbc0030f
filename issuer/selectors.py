"""Reads for issuers and their keys, including the DID document the platform publishes."""

from __future__ import annotations

import base64
import hashlib
import json
import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.query import RawQuerySet
from django.utils import timezone

from issuer.audit_sentences import audit_sentence
from issuer.dids import slug_from_did
from issuer.extensions import audit_subjects
from issuer.models import AuditEvent, Invitation, Issuer, KeyState, SigningKey
from issuer.permissions import Action, Actor, authorize

DID_CONTEXT = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1",
    "https://w3id.org/security/jwk/v1",
]


class NoActiveKey(Exception):
    """The issuer has no active key for that purpose."""


def active_signing_key(*, issuer: Issuer, purpose: str) -> SigningKey:
    """The issuer's active key for `purpose` (one at most: a partial unique constraint), read at every award. Written
    as SQL: the ORM took four times as long to compile the lookup as the database took to answer it."""
    meta = SigningKey._meta
    quote = connection.ops.quote_name
    found = SigningKey.objects.raw(
        f"SELECT * FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('issuer').column)} = %s"  # noqa: S608 - names from the model
        f" AND {quote(meta.get_field('purpose').column)} = %s AND {quote(meta.get_field('state').column)} = %s",
        [issuer.pk, purpose, KeyState.ACTIVE.value],
    )
    key = next(iter(found), None)
    if key is None:
        raise NoActiveKey(f"Issuer {issuer.slug!r} has no active {purpose} key; rotate one in first.")
    key.issuer = issuer  # the caller's instance: the verification method's id needs it, a query saved per award
    return key


def did_document(issuer: Issuer) -> dict[str, Any]:
    """Every key the issuer signed with, except compromised ones, listed under assertionMethod."""
    keys = SigningKey.objects.filter(issuer=issuer).exclude(state=KeyState.COMPROMISED).order_by("created_at", "pk")
    return _did_document(issuer.did, keys.only("key_id", "public_key_multibase", "public_jwk"))


def _did_document(did: str, keys: Iterable[SigningKey]) -> dict[str, Any]:
    methods: list[dict[str, Any]] = []
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
    """The DID document of one of this platform's issuers, or None if `did` is not ours. One query for an issuer
    with keys (the verifier asks for every credential of ours it checks); a second only when none is listed."""
    slug = slug_from_did(did)
    if slug is None:
        return None
    document = _did_document(did, _listed_keys(slug))
    if not document["verificationMethod"] and not Issuer.objects.filter(slug=slug).exists():
        return None
    return document


def _listed_keys(slug: str) -> RawQuerySet[SigningKey]:
    """The keys `did_document` lists, by the issuer's slug: the verifier reads them for every credential of ours it
    checks, so as one statement rather than a queryset the ORM compiles each time (it took longer than the answer)."""
    key, issuer = SigningKey._meta, Issuer._meta
    quote = connection.ops.quote_name
    listed = ("id", "key_id", "public_key_multibase", "public_jwk")
    columns = ", ".join(f"k.{quote(field.column)}" for field in key.concrete_fields if field.name in listed)
    return SigningKey.objects.raw(
        f"SELECT {columns} FROM {quote(key.db_table)} k JOIN {quote(issuer.db_table)} i"  # noqa: S608 - names from the models
        f" ON i.{quote(issuer.pk.column)} = k.{quote(key.get_field('issuer').column)}"
        f" WHERE i.{quote(issuer.get_field('slug').column)} = %s AND k.{quote(key.get_field('state').column)} <> %s"
        f" ORDER BY k.{quote(key.get_field('created_at').column)}, k.{quote(key.pk.column)}",
        [slug, KeyState.COMPROMISED.value],
    )


# RFC 7638 §3.2: the thumbprint covers only the required members of each key type (RFC 8037 §2 for OKP).
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url without padding): the key's fingerprint."""
    members = _THUMBPRINT_MEMBERS.get(jwk.get("kty", ""))
    if members is None:
        raise ValueError(f"Unsupported key type {jwk.get('kty')!r}.")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issuer_keys(issuer: Issuer) -> list[SigningKey]:
    """All of the issuer's keys, newest first, each with `thumbprint` set."""
    keys = list(SigningKey.objects.filter(issuer=issuer).select_related("issuer").order_by("-created_at", "-pk"))
    for key in keys:
        key.thumbprint = jwk_thumbprint(key.public_jwk)  # type: ignore[attr-defined]
    return keys


def invitation_by_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("issuer").filter(token_hash=Invitation.hash_token(token)).first()


def pending_invitations(issuer: Issuer) -> QuerySet[Invitation]:
    return Invitation.objects.filter(issuer=issuer, accepted_at__isnull=True, revoked_at__isnull=True).select_related(
        "invited_by"
    )


# The audit log's actor filter: rows that name no person (the platform's own work: e-mails, finished jobs).
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log is narrowed to; every part optional."""

    kind: str = ""  # an action ("credential.revoked"), or a family of them ending in a dot ("credential.")
    actor: str = ""  # a user's id, or SYSTEM_ACTOR
    since: date | None = None  # whole days, inclusive, in the site's time zone
    until: date | None = None
    text: str = ""  # in the recipient or the achievement of the row's object (issuer.extensions.AuditSubjects)


def recent_activity(issuer: Issuer, *, viewer: Actor, limit: int = 15) -> list[AuditLine]:
    """The dashboard's latest audit events, newest first, in sentences."""
    return audit_lines(issuer, audit_events(issuer, viewer=viewer)[:limit])


def audit_events(issuer: Issuer, *, viewer: Actor, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """The issuer's audit log, newest first: only its own rows, and only for someone who may see the issuer (the
    pages check too; this is where the rule lives, for any other caller)."""
    authorize(viewer, issuer, Action.VIEW)
    filters = filters or AuditFilters()
    events = AuditEvent.objects.filter(issuer=issuer).select_related("actor")
    if filters.kind.endswith("."):
        events = events.filter(action__startswith=filters.kind)
    elif filters.kind:
        events = events.filter(action=filters.kind)
    if filters.actor == SYSTEM_ACTOR:
        events = events.filter(actor__isnull=True)
    elif filters.actor:
        events = events.filter(actor_id=int(filters.actor))
    zone = timezone.get_current_timezone()
    if filters.since is not None:
        events = events.filter(created_at__gte=datetime.combine(filters.since, time.min, tzinfo=zone))
    if filters.until is not None and filters.until < date.max:  # the last day of the calendar has no day after it
        end = datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=zone)
        events = events.filter(created_at__lt=end)
    if filters.text:
        events = events.filter(_about(issuer, filters.text))
    return events


def _about(issuer: Issuer, text: str) -> Q:
    """Rows whose object matches `text`, as the apps that store those objects search them."""
    matches = [
        Q(object_type=subjects.object_type, object_id__in=subjects.search(issuer, text))
        for subjects in audit_subjects().values()
        if subjects.search is not None
    ]
    return reduce(operator.or_, matches, Q(pk__in=[]))


def audit_actors(issuer: Issuer) -> list[tuple[str, str]]:
    """(id, name) of everyone the actor filter offers: the issuer's staff and whoever its rows name (former staff
    too), by name."""
    user_model = get_user_model()
    acted = AuditEvent.objects.filter(issuer=issuer, actor__isnull=False).values("actor_id")
    users = user_model.objects.filter(Q(pk__in=acted) | Q(issuer_memberships__issuer=issuer)).distinct()
    named = [(str(user.pk), user.get_full_name().strip() or user.get_username()) for user in users]
    return sorted(named, key=lambda pair: pair[1].casefold())


@dataclass(frozen=True)
class AuditLine:
    event: AuditEvent
    sentence: str


def audit_lines(issuer: Issuer, events: Iterable[AuditEvent]) -> list[AuditLine]:
    """The rows as sentences (issuer.audit_sentences), their objects named with one query per type of object."""
    rows = list(events)
    ids: dict[str, set[str]] = defaultdict(set)
    for event in rows:
        ids[event.object_type].add(event.object_id)
    registry = audit_subjects()
    names: dict[str, dict[str, dict[str, str]]] = {}
    for object_type, object_ids in ids.items():
        if (subjects := registry.get(object_type)) is not None:
            names[object_type] = subjects.names(issuer, sorted(object_ids))
    return [
        AuditLine(event=event, sentence=audit_sentence(event, names.get(event.object_type, {}).get(event.object_id)))
        for event in rows
    ]
