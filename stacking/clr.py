"""A completed qualification as a CLR 2.0 ClrCredential: the stacked credential and the components it was awarded
for, each embedded exactly as signed, with `isParentOf` associations from the stacked achievement to each
component's, signed by the issuer like any credential (docs/credential-format.md, "Comprehensive Learner Record").

Made on request and signed in memory, never stored: every embedded credential keeps its own proof and status, so
the record needs no revocation of its own.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.utils import timezone

from badges.documents import OB_V3, VC_V2, issuer_profile, xsd_datetime
from badges.models import Credential
from badges.signing import data_integrity_sign
from issuer.models import KeyPurpose
from issuer.selectors import active_signing_key
from stacking.selectors import is_stacked, stacked_components

CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
# The CLR context defines ClrCredential, ClrSubject and Association; OB 3.0 the achievements and identifiers.
CLR_CONTEXT = [VC_V2, CLR_V2, OB_V3]


class ClrUnavailable(Exception):
    """No CLR for this credential; the message says why, in a sentence for the reader."""


def clr_path(credential: Credential) -> str:
    return f"{credential.public_id}/clr"


def clr_document(credential: Credential, *, now: datetime | None = None) -> dict[str, Any]:
    """The unsigned ClrCredential of an active stacked credential. Raises ClrUnavailable."""
    if not is_stacked(credential):
        raise ClrUnavailable("This credential was not awarded by a qualification rule, so it has no learner record.")
    if credential.state(now=now) != "active":
        raise ClrUnavailable("This credential is not valid now, so no learner record is made for it.")
    stacked = _signed(credential)
    components = stacked_components(credential)
    component_documents = [(c, _signed(c)) for c in components]
    subject = stacked.get("credentialSubject") or {}
    target = subject.get("achievement") or {}
    achievements = [target]
    associations = []
    for _, document in component_documents:
        achievement = (document.get("credentialSubject") or {}).get("achievement") or {}
        if achievement.get("id") not in {a.get("id") for a in achievements}:
            achievements.append(achievement)
            associations.append(
                {
                    "type": "Association",
                    "associationType": "isParentOf",
                    "sourceId": target["id"],
                    "targetId": achievement["id"],
                }
            )
    # Only credentials carrying a Data Integrity proof can be embedded and checked; a component issued as
    # VC-JWT only still appears through its achievement and association.
    embedded = [stacked] + [document for _, document in component_documents if "proof" in document]
    name = target.get("name") or credential.achievement.name
    clr_subject: dict[str, Any] = {"type": ["ClrSubject"]}
    if subject.get("identifier"):
        clr_subject["identifier"] = subject["identifier"]
    clr_subject.update(verifiableCredential=embedded, achievement=achievements, association=associations)
    return {
        "@context": list(CLR_CONTEXT),
        "id": clr_path(credential),
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": issuer_profile(credential.issuer),
        "name": f"{name} — Comprehensive Learner Record",
        "description": f"{name} and the {len(components)} credentials it was awarded for.",
        "validFrom": xsd_datetime(now or timezone.now()),
        "credentialSubject": clr_subject,
    }


def clr_sign(credential: Credential, *, now: datetime | None = None) -> dict[str, Any]:
    """The signed ClrCredential (eddsa-rdfc-2022, the issuer's active Data Integrity key). Raises ClrUnavailable,
    and issuer.selectors.NoActiveKey when the issuer has no key to sign with."""
    document = clr_document(credential, now=now)
    key = active_signing_key(issuer=credential.issuer, purpose=KeyPurpose.DATA_INTEGRITY)
    return data_integrity_sign(key, document)


def _signed(credential: Credential) -> dict[str, Any]:
    document = json.loads(credential.document)
    if not isinstance(document, dict):
        raise ClrUnavailable("A credential of this record cannot be read.")
    return document
