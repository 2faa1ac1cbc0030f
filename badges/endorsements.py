"""Endorsements (OB 3.0 EndorsementCredential) of an achievement or an issuer of this platform (D63).

Two ways in:
- an issuer of this platform endorses another's achievement, or the other issuer itself: the credential is signed
  with the endorser's key and takes a slot in the endorser's status list, so that withdrawing it revokes it
  everywhere it was copied (`endorsement_give`, `endorsement_withdraw`);
- the endorsed issuer adds an endorsement signed elsewhere, which the platform's verifier must find valid and about
  that issuer or one of its achievements (`endorsement_add`).

The endorsed issuer decides what shows (`endorsement_decide`): only accepted endorsements are listed on its public
pages and copied into what it signs from then on (`badges.documents`); credentials already signed never change.
Each decision moves the endorsed row's `updated_at`, which keys the documents kept per process (badges.services), so
the next award embeds the new list. A refusal is an EndorsementError, worded in the active language.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from badges import documents
from badges.models import Achievement, Endorsement, EndorsementState, StatusPurpose
from badges.services import serialize
from badges.signing import SigningRefused, data_integrity_sign
from badges.status_lists import set_status_bit, take_slot
from issuer.dids import slug_from_did
from issuer.models import Issuer, KeyPurpose
from issuer.permissions import Action, Actor, audit_user, authorize
from issuer.selectors import NoActiveKey, active_signing_key
from issuer.services import audit_record
from verification.errors import InputError
from verification.jwt_encoding import credential_issuer_id, parse_datetime
from verification.text import clean_text

ENDORSEMENT_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
MAX_COMMENT = 2000
# Who may endorse in an issuer's name: signing a credential with its key, as an award does.
GIVE = Action.AWARD
# Who decides what others' endorsements show on the issuer's pages and in its credentials: those who word its profile.
RECEIVE = Action.EDIT_PROFILE


class EndorsementError(Exception):
    """A rule refused the endorsement. `field` names the input at fault, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


_ACHIEVEMENT_URL = re.compile(r"/achievements/(?P<uuid>[0-9a-fA-F-]{36})/?$")
_ISSUER_URL = re.compile(r"/issuers/(?P<slug>[a-z0-9-]+)/?$")


def endorsement_subject(reference: str) -> tuple[Issuer, Achievement | None]:
    """What a reference names: an achievement's public URL or UUID, an issuer's public page or DID."""
    reference = reference.strip()
    site = settings.SITE_URL
    achievement_uuid: str | None = None
    slug: str | None = None
    if reference.startswith(site + "/"):
        path = reference[len(site) :]
        if match := _ACHIEVEMENT_URL.match(path):
            achievement_uuid = match["uuid"]
        elif match := _ISSUER_URL.match(path):
            slug = match["slug"]
    elif reference.startswith("did:"):
        slug = slug_from_did(reference)
    else:
        try:
            achievement_uuid = str(UUID(reference))
        except ValueError:
            achievement_uuid = None
    if achievement_uuid is not None:
        achievement = Achievement.objects.select_related("issuer").filter(uuid=achievement_uuid).first()
        if achievement is not None and not achievement.archived:
            return achievement.issuer, achievement
    elif slug is not None:
        issuer = Issuer.objects.filter(slug=slug).first()
        if issuer is not None:
            return issuer, None
    raise EndorsementError(
        gettext(
            "%(reference)s names no achievement or issuer of this platform: give the address of an achievement's "
            "page, of an issuer's page, or an issuer's DID."
        )
        % {"reference": repr(reference)},
        field="subject",
    )


def endorsement_credential(
    *, credential_id: str, endorser: Issuer, subject_id: str, subject_name: str, comment: str, valid_from: Any
) -> dict[str, Any]:
    """The unsigned EndorsementCredential: the endorser as issuer, the endorsed achievement or issuer as subject."""
    return {
        "@context": list(documents.CREDENTIAL_CONTEXT),
        "id": credential_id,
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": clean_text(f"{endorser.name} endorses {subject_name}", multiline=False),
        "issuer": {"id": endorser.did, "type": ["Profile"], "name": clean_text(endorser.name, multiline=False)},
        "validFrom": documents.xsd_datetime(valid_from),
        "credentialSubject": {
            "id": subject_id,
            "type": ["EndorsementSubject"],
            "endorsementComment": clean_text(comment, multiline=True),
        },
    }


def _touch(issuer: Issuer, achievement: Achievement | None) -> None:
    """Move the endorsed row's `updated_at`: the kept documents are keyed by it (badges.services._kept)."""
    now = timezone.now()
    if achievement is not None:
        Achievement.objects.filter(pk=achievement.pk).update(updated_at=now)
    else:
        Issuer.objects.filter(pk=issuer.pk).update(updated_at=now)


def _audit_data(endorsement: Endorsement) -> dict[str, Any]:
    """Names as they were when it happened: the sentences of the audit log read them (issuer.audit_sentences)."""
    data: dict[str, Any] = {
        "endorser": endorsement.endorser_name or endorsement.endorser_identifier,
        "issuer": endorsement.issuer.name,
    }
    if endorsement.achievement is not None:
        data["achievement"] = endorsement.achievement.name
    return data


@transaction.atomic
def endorsement_give(
    *, endorser: Issuer, issuer: Issuer, achievement: Achievement | None, comment: str, actor: Actor
) -> Endorsement:
    """`endorser` endorses `achievement` of `issuer` (or `issuer` itself, without one): signed with the endorser's
    key, waiting for the endorsed issuer's decision."""
    authorize(actor, endorser, GIVE)
    if achievement is not None and achievement.issuer_id != issuer.pk:
        raise EndorsementError(gettext("The achievement is not one of this issuer's."), field="subject")
    if issuer.pk == endorser.pk:
        raise EndorsementError(gettext("An issuer cannot endorse itself or its own achievements."), field="subject")
    if achievement is not None and achievement.archived:
        raise EndorsementError(gettext("The achievement is archived: it is no longer awarded."), field="subject")
    comment = comment.strip()
    if not comment:
        raise EndorsementError(gettext("Say in a few words why you endorse it."), field="comment")
    if len(comment) > MAX_COMMENT:
        raise EndorsementError(
            gettext("The comment is %(length)d characters long; at most %(limit)d are allowed.")
            % {"length": len(comment), "limit": MAX_COMMENT},
            field="comment",
        )
    current = Endorsement.objects.filter(
        endorser=endorser,
        issuer=issuer,
        achievement=achievement,
        state__in=[EndorsementState.PENDING, EndorsementState.ACCEPTED],
    )
    if current.exists():
        raise EndorsementError(
            gettext("%(endorser)s already endorses this; withdraw that endorsement first to word a new one.")
            % {"endorser": endorser.name},
            field="subject",
        )
    try:
        key = active_signing_key(issuer=endorser, purpose=KeyPurpose.DATA_INTEGRITY)
    except NoActiveKey as exc:
        raise EndorsementError(str(exc)) from exc
    status_list, index = take_slot(endorser)
    endorsement_uuid = uuid.uuid4()
    now = timezone.now().replace(microsecond=0)
    unsigned = endorsement_credential(
        credential_id=f"urn:uuid:{endorsement_uuid}",
        endorser=endorser,
        subject_id=achievement.public_id if achievement is not None else issuer.did,
        subject_name=achievement.name if achievement is not None else issuer.name,
        comment=comment,
        valid_from=now,
    )
    unsigned["credentialStatus"] = documents.status_entry(status_list, index)
    unsigned["credentialSchema"] = [{"id": ENDORSEMENT_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}]
    try:
        signed = data_integrity_sign(key, unsigned)
    except SigningRefused as exc:
        raise EndorsementError(gettext("The endorsement could not be signed: %(why)s") % {"why": exc.message}) from exc
    endorsement = Endorsement.objects.create(
        uuid=endorsement_uuid,
        issuer=issuer,
        achievement=achievement,
        endorser=endorser,
        endorser_identifier=endorser.did,
        endorser_name=endorser.name,
        credential_id=unsigned["id"],
        comment=unsigned["credentialSubject"]["endorsementComment"],
        document=serialize(signed),
        valid_from=now,
        signing_key=key,
        status_sequence=status_list.sequence,
        status_index=index,
        created_by=audit_user(actor),
    )
    audit_record(
        issuer=endorser, action="endorsement.given", obj=endorsement, actor=actor, data=_audit_data(endorsement)
    )
    return endorsement


@transaction.atomic
def endorsement_decide(*, endorsement: Endorsement, accept: bool, actor: Actor) -> Endorsement:
    """The endorsed issuer shows an endorsement (accept) or stops showing it (decline): from the next award on, and
    on its pages at once."""
    endorsement = (
        Endorsement.objects.select_for_update(of=("self",))
        .select_related("issuer", "achievement")
        .get(pk=endorsement.pk)
    )
    authorize(actor, endorsement.issuer, RECEIVE)
    allowed = (EndorsementState.PENDING,) if accept else (EndorsementState.PENDING, EndorsementState.ACCEPTED)
    if endorsement.state not in allowed:
        raise EndorsementError(
            gettext("This endorsement is %(state)s: there is nothing to decide.")
            % {"state": endorsement.get_state_display().lower()}
        )
    was_shown = endorsement.state == EndorsementState.ACCEPTED
    endorsement.state = EndorsementState.ACCEPTED if accept else EndorsementState.DECLINED
    endorsement.decided_at = timezone.now()
    endorsement.save(update_fields=["state", "decided_at"])
    if accept or was_shown:
        _touch(endorsement.issuer, endorsement.achievement)
    audit_record(
        issuer=endorsement.issuer,
        action=f"endorsement.{endorsement.state}",
        obj=endorsement,
        actor=actor,
        data=_audit_data(endorsement),
    )
    return endorsement


@transaction.atomic
def endorsement_withdraw(*, endorsement: Endorsement, actor: Actor) -> Endorsement:
    """The endorser takes its endorsement back: revoked through its status list, so every copy of it (in
    credentials already signed, wherever they are) fails its status check from now on, and no longer shown."""
    endorsement = (
        Endorsement.objects.select_for_update(of=("self",))
        .select_related("issuer", "achievement", "endorser")
        .get(pk=endorsement.pk)
    )
    if endorsement.endorser is None:
        raise EndorsementError(gettext("This endorsement was signed elsewhere: only its endorser can revoke it."))
    authorize(actor, endorsement.endorser, GIVE)
    if endorsement.state == EndorsementState.WITHDRAWN:
        raise EndorsementError(gettext("This endorsement is already withdrawn."))
    assert endorsement.status_sequence is not None and endorsement.status_index is not None  # noqa: S101 - signed here
    set_status_bit(
        issuer=endorsement.endorser,
        purpose=StatusPurpose.REVOCATION,
        sequence=endorsement.status_sequence,
        index=endorsement.status_index,
        value=True,
    )
    was_shown = endorsement.state == EndorsementState.ACCEPTED
    endorsement.state = EndorsementState.WITHDRAWN
    endorsement.withdrawn_at = timezone.now()
    endorsement.save(update_fields=["state", "withdrawn_at"])
    if was_shown:
        _touch(endorsement.issuer, endorsement.achievement)
    audit_record(
        issuer=endorsement.endorser,
        action="endorsement.withdrawn",
        obj=endorsement,
        actor=actor,
        data=_audit_data(endorsement),
    )
    return endorsement


def endorsement_add(*, issuer: Issuer, text: str, actor: Actor) -> Endorsement:
    """Add an endorsement signed elsewhere (JSON with an embedded proof, or a VC-JWT), about `issuer` or one of its
    achievements. The platform's verifier must find it valid; it is shown at once (the issuer chose to add it).

    Verified before the transaction opens: the verifier may fetch the endorser's keys, and no row lock is held
    across the network."""
    from badges.verify import verify_credential  # the verifier wired to the database, for this one path
    from badges.verify_headline import reason

    authorize(actor, issuer, RECEIVE)
    text = text.strip()
    if not text:
        raise EndorsementError(gettext("Paste the signed endorsement: its JSON or its VC-JWT."), field="credential")
    try:
        report = verify_credential(text)
    except InputError as exc:
        raise EndorsementError(
            gettext("This is not a credential the verifier can read: %(why)s") % {"why": exc.message},
            field="credential",
        ) from exc
    credential = report.credential if isinstance(report.credential, dict) else {}
    types = credential.get("type")
    if not isinstance(types, list) or "EndorsementCredential" not in types:
        raise EndorsementError(gettext("This credential is not an EndorsementCredential."), field="credential")
    if not report.valid:
        raise EndorsementError(
            gettext("The verifier did not find this endorsement valid: %(why)s") % {"why": reason(report)},
            field="credential",
        )
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != documents.VC_V2:
        # Copied into our credentials, which are on the VC 2.0 context and the OB 3.0 schema that asks the same of it.
        raise EndorsementError(
            gettext("Only endorsements on the Verifiable Credentials 2.0 context can be shown in credentials."),
            field="credential",
        )
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    achievement: Achievement | None = None
    if subject_id != issuer.did:
        site = settings.SITE_URL
        ours = isinstance(subject_id, str) and subject_id.startswith(site + "/")
        found = _ACHIEVEMENT_URL.match(str(subject_id)[len(site) :]) if ours else None
        if found:
            achievement = Achievement.objects.filter(issuer=issuer, uuid=found["uuid"]).first()
        if achievement is None:
            raise EndorsementError(
                gettext(
                    "This endorsement is about %(subject)s, which is neither %(issuer)s nor one of its achievements."
                )
                % {"subject": repr(subject_id), "issuer": issuer.name},
                field="credential",
            )
    comment = subject.get("endorsementComment") if isinstance(subject, dict) else ""
    profile = credential.get("issuer")
    endorser_name = profile.get("name") if isinstance(profile, dict) else ""
    is_jwt = "proof" not in credential
    now = timezone.now()
    valid_from = parse_datetime(credential.get("validFrom")) or now
    try:
        with transaction.atomic():
            endorsement = Endorsement.objects.create(
                issuer=issuer,
                achievement=achievement,
                endorser=None,
                endorser_identifier=credential_issuer_id(credential) or "",
                endorser_name=endorser_name if isinstance(endorser_name, str) else "",
                credential_id=str(credential.get("id") or ""),
                comment=comment if isinstance(comment, str) else "",
                document="" if is_jwt else serialize(credential),
                jws=text if is_jwt else "",
                valid_from=valid_from,
                state=EndorsementState.ACCEPTED,
                created_by=audit_user(actor),
                decided_at=now,
            )
            _touch(issuer, achievement)
            audit_record(
                issuer=issuer, action="endorsement.added", obj=endorsement, actor=actor, data=_audit_data(endorsement)
            )
    except IntegrityError as exc:
        raise EndorsementError(gettext("This endorsement was already added."), field="credential") from exc
    return endorsement


def shown_endorsements(*, issuer: Issuer, achievement: Achievement | None) -> list[Endorsement]:
    """The accepted endorsements of the achievement (or, without one, of the issuer itself), newest first."""
    return list(
        Endorsement.objects.filter(issuer=issuer, achievement=achievement, state=EndorsementState.ACCEPTED).order_by(
            "-decided_at", "-id"
        )
    )
