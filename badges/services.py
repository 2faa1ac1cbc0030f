"""Writes of the credential lifecycle: issue, revoke, suspend, unsuspend.

Each runs in one transaction that also writes its AuditEvent; side effects (events for stacking and
webhooks, later baking and e-mail) are recorded in that transaction and start once it commits (the outbox,
docs/decisions.md D37), so nothing leaves before the data is durable and nothing is lost after.
Each first checks that its actor may award in the credential's issuer (Action.AWARD, D34).
A refusal (CredentialError) is worded in the active language: the page's or the API request's, the default one in a
worker. Nothing of it is signed: what a credential says comes from the issuer's own data only.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from badges import documents
from badges.bulk_insert import insert_many
from badges.events import CredentialEvent, publish_on_commit
from badges.follow_ups import follow_up_on_commit
from badges.languages import supported_language
from badges.models import Achievement, Credential, CredentialSource, CredentialStatus, StatusPurpose
from badges.results import ResultError, check_results
from badges.signing import SigningRefused, data_integrity_sign, jwt_sign
from badges.status_lists import allocate_slots, forget_reserved_slots, set_status_bit, set_status_bits, take_slot
from issuer.models import AuditEvent, Issuer, KeyPurpose
from issuer.permissions import Action, Actor, audit_label, audit_user, authorize, ensure_of_issuer
from issuer.selectors import NoActiveKey, active_signing_key
from issuer.services import audit_record, audit_record_many

FORMATS = {"ldp", "jwt", "both"}


class CredentialError(Exception):
    """A domain rule refused the change. `field` names the input at fault, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class AwardRequest:
    """One award, as the UI, the API, a bulk row or a stacking rule asks for it."""

    achievement: Achievement
    email: str
    name: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    format: str | None = None  # "ldp" (default), "jwt" or "both"; None: the issuer's default
    idempotency_key: str | None = None
    language: str = ""  # of the award's e-mails, one of settings.LANGUAGES; "" for the issuer's default (D52)
    # What the learner achieved (D65): results against the achievement's result descriptions, each a dict of
    # result_description (its id, name or 0-based position) and value, achieved_level and/or status.
    results: list[dict[str, Any]] = field(default_factory=list)
    awarded_date: datetime | None = None
    activity_start_date: datetime | None = None
    activity_end_date: datetime | None = None
    narrative: str = ""


class _Checked(NamedTuple):
    """A request's values once checked, as they are signed."""

    email: str
    valid_from: datetime
    valid_until: datetime | None
    format: str
    results: list[dict[str, Any]]


def serialize(document: dict[str, Any]) -> str:
    """The one serialization of a signed document: compact, UTF-8, key order as built."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _validate(request: AwardRequest, now: datetime) -> _Checked:
    email = documents.normalize_email(request.email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CredentialError(
            gettext("%(email)s is not a valid e-mail address.") % {"email": repr(request.email)}, field="email"
        ) from exc
    if request.achievement.archived:
        raise CredentialError(
            gettext("The achievement %(name)s is archived.") % {"name": repr(request.achievement.name)},
            field="achievement",
        )
    valid_from = request.valid_from or now
    valid_until = request.valid_until
    if valid_until is None and request.achievement.validity_days:
        valid_until = valid_from + timedelta(days=request.achievement.validity_days)
    if valid_until is not None and valid_until <= valid_from:
        raise CredentialError(gettext("valid_until must be later than valid_from."), field="valid_until")
    if valid_until is not None and valid_until <= now:
        raise CredentialError(
            gettext("valid_until is in the past: the credential would be expired at once."), field="valid_until"
        )
    fmt = request.format or ("both" if request.achievement.issuer.issue_jwt_by_default else "ldp")
    if fmt not in FORMATS:
        raise CredentialError(
            gettext("Unknown format %(format)s; expected ldp, jwt or both.") % {"format": repr(fmt)}, field="format"
        )
    url_validator = URLValidator(schemes=["https", "http"])
    for position, item in enumerate(request.evidence):
        if item.get("id"):
            try:
                url_validator(item["id"])
            except ValidationError as exc:
                raise CredentialError(
                    gettext("Evidence %(number)s: %(url)s is not a URL.")
                    % {"number": position + 1, "url": repr(item["id"])},
                    field="evidence",
                ) from exc
        if not any(item.get(k) for k in ("id", "narrative", "name", "description")):
            raise CredentialError(
                gettext("Evidence %(number)s needs a URL or a narrative.") % {"number": position + 1},
                field="evidence",
            )
    _check_language(request.language)
    _check_dates(request, now)
    try:
        results = check_results(request.achievement, request.results)
    except ResultError as exc:
        raise CredentialError(exc.message, field=exc.field) from exc
    return _Checked(email, valid_from, valid_until, fmt, results)


def _check_dates(request: AwardRequest, now: datetime) -> None:
    """An award is dated when it happened: not later than now; an activity ends no earlier than it started."""
    if request.awarded_date is not None and request.awarded_date > now:
        raise CredentialError(
            gettext("awarded_date is in the future; an award is dated when it was made."), field="awarded_date"
        )
    start, end = request.activity_start_date, request.activity_end_date
    if start is not None and end is not None and end < start:
        raise CredentialError(gettext("activity_end_date is before activity_start_date."), field="activity_end_date")


def _check_language(language: str) -> None:
    if language and supported_language(language) != language:
        offered = ", ".join(code for code, _name in settings.LANGUAGES)
        raise CredentialError(
            gettext("The e-mail language %(language)r is not offered; expected one of %(offered)s, or none.")
            % {"language": language, "offered": offered},
            field="language",
        )


@dataclass
class _Signing:
    """What every award of one issuer in one batch shares: its keys and its documents built once."""

    issuer: Issuer
    di_key: Any
    jwt_key: Any
    issuer_profile: dict[str, Any]
    achievement_documents: dict[int, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, issuer: Issuer, formats: set[str]) -> _Signing:
        try:
            di_key = active_signing_key(issuer=issuer, purpose=KeyPurpose.DATA_INTEGRITY)
            jwt_key = None
            if formats & {"jwt", "both"}:
                try:
                    jwt_key = active_signing_key(issuer=issuer, purpose=KeyPurpose.JWT)
                except NoActiveKey:
                    jwt_key = di_key  # an Ed25519 key signs VC-JWT (EdDSA) as well
        except NoActiveKey as exc:
            raise CredentialError(str(exc)) from exc
        profile = _kept(("issuer", _row(issuer)), lambda: documents.issuer_profile(issuer))
        return cls(issuer=issuer, di_key=di_key, jwt_key=jwt_key, issuer_profile=profile)

    def achievement_document(self, achievement: Achievement) -> dict[str, Any]:
        if achievement.pk not in self.achievement_documents:
            self.achievement_documents[achievement.pk] = _kept(
                ("achievement", _row(achievement), _row(self.issuer)),
                lambda: documents.achievement_document(achievement),
            )
        return self.achievement_documents[achievement.pk]


# The issuer profile and achievement documents every credential embeds, kept per process (D38) and keyed by every
# column of the rows they are made from, as the caller holds them: a changed row is built again, however it was
# changed (a service, `save(update_fields=…)`, a queryset update read back), and an unchanged one costs no query (the
# alignments) and no file read (an embedded image). The alignments are the one part not in a column: every edit of
# them saves their achievement (badges.achievements), which moves its `updated_at`. Shared, never mutated:
# documents.build_credential copies them into each credential as they are.
_KEPT_DOCUMENTS = 256
_kept_documents: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_kept_lock = threading.Lock()


def _row(instance: Issuer | Achievement) -> tuple[str, ...] | None:
    """Every column's value as the instance holds it; None for a row never saved (nothing to key by)."""
    if instance.pk is None or getattr(instance, "updated_at", None) is None:
        return None
    return tuple(repr(getattr(instance, field.attname)) for field in instance._meta.concrete_fields)


def _kept(key: tuple[Any, ...], build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    if None in key:
        return build()
    key = (*key, settings.SITE_URL)
    with _kept_lock:
        document = _kept_documents.get(key)
        if document is not None:
            _kept_documents.move_to_end(key)
            return document
    document = build()
    with _kept_lock:
        _kept_documents[key] = document
        while len(_kept_documents) > _KEPT_DOCUMENTS:
            _kept_documents.popitem(last=False)
    return document


def _existing(issuer: Issuer, request: AwardRequest, existing: Credential | None) -> Credential | None:
    """The credential issued earlier under the request's idempotency key, or None; a key reused for another
    award is refused."""
    if existing is None:
        return None
    if existing.achievement_id != request.achievement.pk or existing.recipient_email != documents.normalize_email(
        request.email
    ):
        raise CredentialError(
            gettext("This idempotency key was already used for a different award."), field="idempotency_key"
        )
    return existing


def _build(
    *,
    request: AwardRequest,
    checked: _Checked,
    signing: _Signing,
    slot: tuple[Any, int],
    source: str,
    actor: Actor,
) -> Credential:
    """Build and sign one credential (not saved)."""
    email, valid_from, valid_until, fmt, results = checked
    status_list, index = slot
    credential_uuid = uuid.uuid4()
    salt = documents.new_salt()
    name = documents.clean_name(request.name)
    unsigned = documents.build_credential(
        credential_id=f"{settings.SITE_URL}/credentials/{credential_uuid}",
        issuer=signing.issuer_profile,
        achievement=signing.achievement_document(request.achievement),
        identity_hash_value=documents.identity_hash(email, salt),
        salt=salt,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence=request.evidence,
        credential_status=documents.status_entry(status_list, index),
        recipient_name=name,
        results=results,
        awarded_date=request.awarded_date,
        activity_start_date=request.activity_start_date,
        activity_end_date=request.activity_end_date,
        narrative=request.narrative.strip(),
    )
    with_proof = fmt in ("ldp", "both")
    jwt_key = signing.jwt_key if fmt in ("jwt", "both") else None
    try:
        document = serialize(data_integrity_sign(signing.di_key, unsigned)) if with_proof else serialize(unsigned)
        jws = jwt_sign(jwt_key, unsigned) if jwt_key is not None else ""
    except SigningRefused as exc:
        raise CredentialError(f"The credential could not be signed: {exc.message}") from exc
    return Credential(
        uuid=credential_uuid,
        issuer=signing.issuer,
        achievement=request.achievement,
        signing_key=signing.di_key if with_proof else jwt_key,
        jwt_signing_key=jwt_key,
        document=document,
        jws=jws,
        recipient_identity_hash=documents.identity_hash(email, salt),
        recipient_salt=salt,
        recipient_email=email,
        recipient_name=name,
        evidence=request.evidence,
        valid_from=valid_from,
        valid_until=valid_until,
        status_sequence=status_list.sequence,
        status_index=index,
        idempotency_key=request.idempotency_key or None,
        language=request.language,
        source=source,
        awarded_by=audit_user(actor),
    )


def _format_of(request: AwardRequest) -> str:
    return request.format or ("both" if request.achievement.issuer.issue_jwt_by_default else "ldp")


@transaction.atomic
def credential_issue(
    *,
    request: AwardRequest,
    source: str,
    actor: Actor,
    notify: bool = True,
) -> Credential:
    """Build, sign and store one OpenBadgeCredential (see docs/credential-format.md).

    Idempotent per (issuer, idempotency_key): the same key returns the credential issued first.
    With `notify`, the learner's award e-mail is queued once the award has committed; a repeated
    key returns early and sends nothing again.
    """
    issuer = request.achievement.issuer
    authorize(actor, issuer, Action.AWARD)
    if source not in CredentialSource.values:
        raise CredentialError(f"Unknown source {source!r}.")
    if request.idempotency_key:
        found = Credential.objects.filter(issuer=issuer, idempotency_key=request.idempotency_key).first()
        existing = _existing(issuer, request, found)
        if existing is not None:
            return existing
    checked = _validate(request, timezone.now().replace(microsecond=0))
    signing = _Signing.load(issuer, {checked[3]})
    slot = take_slot(issuer)
    credential = _build(request=request, checked=checked, signing=signing, slot=slot, source=source, actor=actor)
    try:
        if request.idempotency_key:
            # A savepoint, so that the transaction can go on to read the credential of a concurrent request with
            # the same key that won the race.
            with transaction.atomic():
                credential.save()
        else:
            credential.save()
    except IntegrityError as exc:
        if request.idempotency_key:
            existing = Credential.objects.filter(issuer=issuer, idempotency_key=request.idempotency_key).first()
            if existing is not None:
                return existing
        forget_reserved_slots(issuer)  # the slot's reservation was lost (a restored database): reserve anew
        raise CredentialError(gettext("The credential could not be stored; nothing was issued.")) from exc
    audit_record(
        issuer=issuer,
        action="credential.issued",
        obj=credential,
        actor=actor,
        data={
            "achievement": request.achievement.slug,
            "format": checked[3],
            "source": source,
            "credential": credential.public_id,
        },
    )
    publish_on_commit([_event("issued", credential)])
    follow_up_on_commit([credential.pk], notify=notify)
    return credential


@dataclass
class IssueOutcome:
    """What became of one request of a batch: a new credential, one issued earlier, or the refusal."""

    credential: Credential | None = None
    existed: bool = False
    error: CredentialError | None = None


def credential_issue_many(
    *,
    issuer: Issuer,
    requests: list[AwardRequest],
    source: str,
    actor: Actor,
    notify: bool = True,
    bake: bool = True,
) -> list[IssueOutcome]:
    """Issue a batch of awards of one issuer in the caller's transaction, with bulk inserts.

    Each request gets exactly what `credential_issue` would give it — the same documents, idempotency, audit row
    and event — but the keys, the issuer profile and each achievement's document are loaded once, the status
    slots are allocated together, and the credentials and audit rows are inserted in a few statements.
    Outcomes come back in the order of the requests. If a concurrent award took one of the idempotency keys
    meanwhile, the batch falls back to one award at a time (each in a savepoint), so the result is the same.
    Without `bake`, the baked images are made on their first download instead (bulk jobs, D16).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("credential_issue_many must run inside a transaction")
    authorize(actor, issuer, Action.AWARD)
    if source not in CredentialSource.values:
        raise CredentialError(f"Unknown source {source!r}.")
    outcomes = [IssueOutcome() for _ in requests]
    if any(request.achievement.issuer_id != issuer.pk for request in requests):
        raise CredentialError("Every award of a batch must be of the same issuer.")
    found = _issued_under(issuer, [request.idempotency_key for request in requests if request.idempotency_key])
    now = timezone.now().replace(microsecond=0)
    todo: list[tuple[int, _Checked]] = []
    for position, request in enumerate(requests):
        try:
            existing = _existing(issuer, request, found.get(request.idempotency_key or ""))
            if existing is not None:
                outcomes[position] = IssueOutcome(credential=existing, existed=True)
                continue
            todo.append((position, _validate(request, now)))
        except CredentialError as exc:
            outcomes[position] = IssueOutcome(error=exc)
    if not todo:
        return outcomes
    try:
        signing = _Signing.load(issuer, {checked[3] for _, checked in todo})
    except CredentialError as exc:
        for position, _ in todo:
            outcomes[position] = IssueOutcome(error=exc)
        return outcomes
    slots = allocate_slots(issuer, len(todo))
    built = [
        _build(request=requests[position], checked=checked, signing=signing, slot=slot, source=source, actor=actor)
        for (position, checked), slot in zip(todo, slots, strict=True)
    ]
    try:
        with transaction.atomic():
            insert_many(built)
    except IntegrityError:
        # Rare: another award used one of the keys since we looked. One at a time, each decides for itself.
        for position, _ in todo:
            try:
                with transaction.atomic():
                    credential = credential_issue(request=requests[position], source=source, actor=actor, notify=notify)
                outcomes[position] = IssueOutcome(credential=credential)
            except CredentialError as exc:
                outcomes[position] = IssueOutcome(error=exc)
        return outcomes
    formats = [checked[3] for _, checked in todo]
    insert_many(_issued_audit_rows(issuer, actor, source, list(zip(built, formats, strict=True))))
    for credential, (position, _) in zip(built, todo, strict=True):
        outcomes[position] = IssueOutcome(credential=credential)
    publish_on_commit([_event("issued", credential) for credential in built])
    follow_up_on_commit([credential.pk for credential in built], notify=notify, bake=bake)
    return outcomes


def _issued_under(issuer: Issuer, keys: list[str]) -> dict[str | None, Credential]:
    """The issuer's credentials stored under any of `keys`, by key.

    On PostgreSQL one probe of the unique index on (issuer, idempotency_key) per key: a plain `IN` lets the planner
    read all of the issuer's credentials and filter them when the table's statistics predate the issuer's growth
    (within a bulk job they always do), so each chunk cost more than the one before."""
    if not keys:
        return {}
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return {c.idempotency_key: c for c in Credential.objects.filter(issuer=issuer, idempotency_key__in=keys)}
    table = Credential._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT found.id FROM unnest(%s::text[]) AS k(key) CROSS JOIN LATERAL (SELECT id FROM {table} "  # noqa: S608 - table name from the model, values as parameters
            "WHERE issuer_id = %s AND idempotency_key = k.key LIMIT 1) AS found",
            [keys, issuer.pk],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return {c.idempotency_key: c for c in Credential.objects.filter(pk__in=ids)} if ids else {}


def _issued_audit_rows(
    issuer: Issuer, actor: Actor, source: str, issued: list[tuple[Credential, str]]
) -> list[AuditEvent]:
    """The audit rows `audit_record` writes for each award, unsaved, to be inserted together (COPY on PostgreSQL:
    their JSON is most of what a bulk_create would quote in Python)."""
    user, label = audit_user(actor), audit_label(actor)
    return [
        AuditEvent(
            issuer=issuer,
            actor=user,
            actor_label=label,
            action="credential.issued",
            object_type="credential",
            object_id=str(credential.pk),
            data={
                "achievement": credential.achievement.slug,
                "format": fmt,
                "source": source,
                "credential": credential.public_id,
            },
        )
        for credential, fmt in issued
    ]


def _event(kind: str, credential: Credential) -> CredentialEvent:
    return CredentialEvent(
        kind=kind,
        credential_id=credential.pk,
        issuer_id=credential.issuer_id,
        achievement_id=credential.achievement_id,
        recipient_identity=credential.recipient_email,
    )


def _change_status(
    credential: Credential,
    *,
    purpose: str,
    bit: bool,
    status: str,
    reason: str,
    event: str,
    actor: Actor,
    data: dict[str, Any],
) -> Credential:
    """Flip the credential's bit in one of its status lists, record the new state and its audit row."""
    set_status_bit(
        issuer=credential.issuer,
        purpose=purpose,
        sequence=credential.status_sequence,
        index=credential.status_index,
        value=bit,
    )
    credential.status = status
    credential.status_reason = reason
    credential.save(update_fields=["status", "status_reason", "updated_at"])
    audit_record(
        issuer=credential.issuer,
        action=f"credential.{event}",
        obj=credential,
        actor=actor,
        data=data,
    )
    publish_on_commit([_event(event, credential)])
    return credential


def _locked(credential: Credential, actor: Actor) -> Credential:
    """The credential, locked, once `actor` is found allowed to change its status."""
    credential = Credential.objects.select_for_update().select_related("issuer").get(pk=credential.pk)
    authorize(actor, credential.issuer, Action.AWARD)
    return credential


@transaction.atomic
def credential_revoke(*, credential: Credential, reason: str, actor: Actor) -> Credential:
    """Revoke for good: the revocation bit is set and never cleared (Bitstring Status List semantics)."""
    credential = _locked(credential, actor)
    reason = reason.strip()
    if not reason:
        raise CredentialError(gettext("A reason is required to revoke a credential."), field="reason")
    if credential.status == CredentialStatus.REVOKED:
        raise CredentialError(gettext("This credential is already revoked."))
    return _change_status(
        credential,
        purpose=StatusPurpose.REVOCATION,
        bit=True,
        status=CredentialStatus.REVOKED,
        reason=reason,
        event="revoked",
        actor=actor,
        data={"reason": reason, "previous": credential.status},
    )


@transaction.atomic
def credential_revoke_many(
    *,
    issuer: Issuer,
    credentials: list[Credential],
    reason: str,
    actor: Actor,
) -> tuple[list[Credential], list[Credential]]:
    """Revoke every credential given, in one transaction: all of them or, on any refusal, none.

    The rows are locked first (in primary-key order, so concurrent bulk revocations cannot deadlock),
    so "already revoked" is decided on their current state; those are skipped and returned separately.
    Each status list is written once however many of its bits flip; each credential gets its audit row
    and its event, as `credential_revoke` gives them. Another issuer's credential refuses the whole batch.
    """
    authorize(actor, issuer, Action.AWARD)
    ensure_of_issuer(issuer, credentials)
    reason = reason.strip()
    if not reason:
        raise CredentialError(gettext("A reason is required to revoke a credential."), field="reason")
    locked = list(
        Credential.objects.select_for_update()
        .filter(issuer=issuer, pk__in=[credential.pk for credential in credentials])
        .order_by("pk")
    )
    skipped = [credential for credential in locked if credential.status == CredentialStatus.REVOKED]
    revoked = [credential for credential in locked if credential.status != CredentialStatus.REVOKED]
    if not revoked:
        return revoked, skipped
    by_sequence: dict[int, list[int]] = defaultdict(list)
    for credential in revoked:
        by_sequence[credential.status_sequence].append(credential.status_index)
    for sequence, indexes in sorted(by_sequence.items()):
        set_status_bits(issuer=issuer, purpose=StatusPurpose.REVOCATION, sequence=sequence, indexes=indexes, value=True)
    previous = {credential.pk: credential.status for credential in revoked}
    now = timezone.now()
    Credential.objects.filter(pk__in=list(previous)).update(
        status=CredentialStatus.REVOKED, status_reason=reason, updated_at=now
    )
    for credential in revoked:
        credential.status, credential.status_reason, credential.updated_at = CredentialStatus.REVOKED, reason, now
    audit_record_many(
        issuer=issuer,
        action="credential.revoked",
        items=[(credential, {"reason": reason, "previous": previous[credential.pk]}) for credential in revoked],
        actor=actor,
    )
    publish_on_commit([_event("revoked", credential) for credential in revoked])
    return revoked, skipped


@transaction.atomic
def credential_suspend(*, credential: Credential, actor: Actor, reason: str = "") -> Credential:
    """Suspend until reinstated: the suspension list's bit is set (reversible)."""
    credential = _locked(credential, actor)
    if credential.status != CredentialStatus.ACTIVE:
        raise CredentialError(
            gettext("Only an active credential can be suspended; this one is %(status)s.")
            % {"status": credential.get_status_display().lower()}
        )
    return _change_status(
        credential,
        purpose=StatusPurpose.SUSPENSION,
        bit=True,
        status=CredentialStatus.SUSPENDED,
        reason=reason.strip(),
        event="suspended",
        actor=actor,
        data={"reason": reason.strip()},
    )


@transaction.atomic
def credential_unsuspend(*, credential: Credential, actor: Actor) -> Credential:
    """Reinstate a suspended credential: the suspension bit is cleared."""
    credential = _locked(credential, actor)
    if credential.status != CredentialStatus.SUSPENDED:
        raise CredentialError(
            gettext("Only a suspended credential can be reinstated; this one is %(status)s.")
            % {"status": credential.get_status_display().lower()}
        )
    return _change_status(
        credential,
        purpose=StatusPurpose.SUSPENSION,
        bit=False,
        status=CredentialStatus.ACTIVE,
        reason="",
        event="unsuspended",
        actor=actor,
        data={},
    )
