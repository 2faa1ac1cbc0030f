"""Credentials an issuer's program composes and the platform signs with the issuer's key: the writes behind the
VC-API issue and status endpoints (docs/decisions.md D61).

Not awards: the platform did not build them from an achievement and knows no learner behind them. What it signs
is the program's document, held to the data model first (verification.datamodel.require_conformance, the rule of
every signature), named with this issuer as `issuer` and, unless the program sent its own `credentialStatus`, with a
slot of the issuer's status lists so that it can be revoked and suspended like an award. A row (ClientCredential)
and an audit row record each signature; the document itself is not kept.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from django.db.models import QuerySet

from badges import documents
from badges.models import ClientCredential, ClientFormat, CredentialStatus, StatusPurpose
from badges.services import CredentialError
from badges.signing import SigningRefused, data_integrity_sign, jwt_sign, private_key_for
from badges.status_lists import set_status_bit, take_slot
from issuer.models import Issuer, KeyPurpose
from issuer.permissions import Action, Actor, authorize
from issuer.selectors import NoActiveKey, active_signing_key
from issuer.services import audit_record
from verification.datamodel import BADGE_TYPES, DataModelError, require_conformance
from verification.errors import VerificationError
from verification.suites import create_jcs_proof

# What the issue endpoint's caller names by these fields: the refusals point into its request body.
FIELD = "credential"


@dataclass(frozen=True)
class ClientIssued:
    """A signed credential: the document with its proof, or the VC-JWT (`jwt`), and the row recording it."""

    record: ClientCredential
    document: dict[str, Any] | None = None
    jwt: str | None = None


def _types(document: dict[str, Any]) -> list[Any]:
    value = document.get("type")
    return value if isinstance(value, list) else [value]


def _named_issuer(document: dict[str, Any], issuer: Issuer) -> None:
    """The credential's issuer is this issuer, or it is filled in; any other is refused (a token speaks for its
    issuer only)."""
    given = document.get("issuer")
    if given is None:
        # An Open Badges credential's schema wants the issuer's profile; any other credential gets its DID.
        badge = bool(set(_types(document)) & set(BADGE_TYPES))
        document["issuer"] = documents.issuer_profile(issuer) if badge else issuer.did
        return
    named = given.get("id") if isinstance(given, dict) else given
    if named != issuer.did:
        raise CredentialError(
            f"The credential names the issuer {str(named)[:200]!r}; this token signs for {issuer.did} only "
            "(or leave issuer out and it is filled in).",
            field=f"{FIELD}.issuer" + (".id" if isinstance(given, dict) else ""),
        )


def _sign(issuer: Issuer, document: dict[str, Any], fmt: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        key = active_signing_key(issuer=issuer, purpose=KeyPurpose.DATA_INTEGRITY)
        if fmt == ClientFormat.VC_JWT:
            try:
                key = active_signing_key(issuer=issuer, purpose=KeyPurpose.JWT)
            except NoActiveKey:
                pass  # the Ed25519 key signs VC-JWT (EdDSA) as well, as for awards
            return None, jwt_sign(key, document)
        if fmt == ClientFormat.EDDSA_JCS:
            private = cast(Ed25519PrivateKey, private_key_for(key))
            try:
                signed = create_jcs_proof(document, private, key.verification_method_id)
            except VerificationError as exc:
                raise SigningRefused(exc.message, code=exc.code) from exc
            # An array, as the platform's rdfc proofs are (D44).
            proof = signed["proof"]
            return {**signed, "proof": proof if isinstance(proof, list) else [proof]}, None
        return data_integrity_sign(key, document), None
    except NoActiveKey as exc:
        raise CredentialError(str(exc)) from exc
    except SigningRefused as exc:
        raise CredentialError(f"The credential could not be signed: {exc.message}", field=FIELD) from exc


@transaction.atomic
def client_credential_issue(*, issuer: Issuer, credential: dict[str, Any], fmt: str, actor: Actor) -> ClientIssued:
    """Sign `credential` for `issuer` in format `fmt` (a ClientFormat): the issuer filled in or checked, an `id`
    (urn:uuid) given when it has none, a status entry added when it has none, the data model checked; then one
    ClientCredential row and one audit row. Raises CredentialError naming the member at fault."""
    authorize(actor, issuer, Action.AWARD)
    if fmt not in ClientFormat.values:
        raise CredentialError(f"Unknown format {fmt!r}; use one of {', '.join(ClientFormat.values)}.", field="format")
    if "proof" in credential:
        raise CredentialError("A credential to be issued carries no proof; the platform adds its own.", field=FIELD)
    document = dict(credential)
    _named_issuer(document, issuer)
    document.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    slot = None
    if "credentialStatus" not in document:
        slot = take_slot(issuer)
        document["credentialStatus"] = documents.status_entry(*slot)
    try:
        require_conformance(document)
    except DataModelError as exc:
        field = exc.field if exc.field not in ("", "$") else ""
        raise CredentialError(exc.message, field=f"{FIELD}.{field}" if field else FIELD) from exc
    signed, jws = _sign(issuer, document, fmt)
    handed_out = jws if jws is not None else json.dumps(signed, separators=(",", ":"), ensure_ascii=False)
    credential_id = document["id"] if isinstance(document["id"], str) else ""
    record = ClientCredential.objects.create(
        issuer=issuer,
        credential_id=credential_id[:500],
        format=fmt,
        digest=hashlib.sha256(handed_out.encode()).hexdigest(),
        status_sequence=slot[0].sequence if slot else None,
        status_index=slot[1] if slot else None,
    )
    audit_record(
        issuer=issuer,
        action="client_credential.signed",
        obj=record,
        actor=actor,
        data={"credential": credential_id, "format": fmt},
    )
    return ClientIssued(record=record, document=signed, jwt=jws)


def client_credentials_named(issuer: Issuer, credential_id: str) -> QuerySet[ClientCredential]:
    """The issuer's signatures of the credential with this id (one, unless the program reused an id)."""
    return ClientCredential.objects.filter(issuer=issuer, credential_id=credential_id)


# target status -> (the status it may come from, the list whose bit moves, the bit, the audit action)
_CHANGES: dict[str, tuple[tuple[str, ...], str, bool, str]] = {
    CredentialStatus.REVOKED: (
        (CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED),
        StatusPurpose.REVOCATION,
        True,
        "revoked",
    ),
    CredentialStatus.SUSPENDED: ((CredentialStatus.ACTIVE,), StatusPurpose.SUSPENSION, True, "suspended"),
    CredentialStatus.ACTIVE: ((CredentialStatus.SUSPENDED,), StatusPurpose.SUSPENSION, False, "unsuspended"),
}


@transaction.atomic
def client_credential_set_status(
    *, issuer: Issuer, credential_id: str, status: str, actor: Actor, reason: str = ""
) -> list[ClientCredential]:
    """Revoke, suspend or reinstate (`status` revoked, suspended or active) every signature of `credential_id` by
    `issuer`: their bits in the issuer's status lists move, with an audit row each. Raises CredentialError when
    the credential is unknown to this issuer (`field` "credentialId"), carries a status the platform does not
    keep, or is not in a state that allows the change."""
    authorize(actor, issuer, Action.AWARD)
    if status not in _CHANGES:
        raise CredentialError(f"Unknown status {status!r}.", field="status")
    rows = list(client_credentials_named(issuer, credential_id).select_for_update().order_by("pk"))
    if not rows:
        raise CredentialError("No such credential.", field="credentialId")
    kept = [row for row in rows if row.status_sequence is not None and row.status_index is not None]
    if not kept:
        raise CredentialError(
            "This credential carries a credentialStatus of its own; the platform keeps no status for it."
        )
    allowed, purpose, bit, event = _CHANGES[status]
    if any(row.status not in allowed for row in kept):
        current = next(row.status for row in kept if row.status not in allowed)
        raise CredentialError(f"The credential is {current}; it cannot become {status}.")
    for row in kept:
        set_status_bit(
            issuer=issuer,
            purpose=purpose,
            sequence=cast(int, row.status_sequence),
            index=cast(int, row.status_index),
            value=bit,
        )
        row.status, row.status_reason = status, reason.strip()
        row.save(update_fields=["status", "status_reason", "updated_at"])
        audit_record(
            issuer=issuer,
            action=f"client_credential.{event}",
            obj=row,
            actor=actor,
            data={"credential": credential_id, "reason": reason.strip()},
        )
    return kept
