"""The holder-bound copy of an award (docs/decisions.md D54): the same credential, naming the holder's DID as its
subject, freshly signed by the issuer.

It keeps everything the award's signed document says — its `id`, its `credentialStatus` entry, its dates, the
issuer and achievement as they were awarded, the hashed e-mail identifier — and adds `credentialSubject.id`. The
old proof goes (it covered the document without the holder) and the issuer's active key signs the copy, in the
format the wallet asked for. Revoking or suspending the award flips the bit its status entry names, so every copy
handed to a wallet is revoked or suspended with it. Nothing here is stored: the award's own document stays what
its page, downloads and the APIs serve.
"""

from __future__ import annotations

import json
from typing import Any

from badges.models import Credential
from badges.signing import data_integrity_sign, jwt_sign
from issuer.models import KeyPurpose
from issuer.selectors import NoActiveKey, active_signing_key
from wallets.models import Format


def bound_document(credential: Credential, holder_did: str) -> dict[str, Any]:
    """The award's document without its proof, `credentialSubject.id` set to `holder_did` (first, as ids are)."""
    document = json.loads(credential.document)
    document.pop("proof", None)
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        raise ValueError(f"The credential {credential.uuid} has no single credentialSubject to bind.")
    document["credentialSubject"] = {"id": holder_did, **{k: v for k, v in subject.items() if k != "id"}}
    return document


def bound_credential(credential: Credential, holder_did: str, fmt: Format) -> dict[str, Any] | str:
    """The bound copy signed by the issuer's active key: a Data Integrity credential (eddsa-rdfc-2022) for ldp_vc,
    a VC-JWT for jwt_vc_json (the issuer's JWT key, else its Ed25519 key, as awards are signed: D8). Raises
    NoActiveKey when the issuer has no key to sign with."""
    document = bound_document(credential, holder_did)
    issuer = credential.issuer
    if fmt == Format.LDP_VC:
        return data_integrity_sign(active_signing_key(issuer=issuer, purpose=KeyPurpose.DATA_INTEGRITY), document)
    try:
        key = active_signing_key(issuer=issuer, purpose=KeyPurpose.JWT)
    except NoActiveKey:
        key = active_signing_key(issuer=issuer, purpose=KeyPurpose.DATA_INTEGRITY)
    return jwt_sign(key, document)
