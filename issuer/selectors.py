"""Reads for issuers and their keys, including the DID document the platform publishes."""

from __future__ import annotations

from typing import Any

from issuer.dids import slug_from_did
from issuer.models import Issuer, KeyState, SigningKey

DID_CONTEXT = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1",
    "https://w3id.org/security/jwk/v1",
]


class NoActiveKey(Exception):
    """The issuer has no active key for that purpose."""


def active_signing_key(*, issuer: Issuer, purpose: str) -> SigningKey:
    key = SigningKey.objects.filter(issuer=issuer, purpose=purpose, state=KeyState.ACTIVE).first()
    if key is None:
        raise NoActiveKey(f"Issuer {issuer.slug!r} has no active {purpose} key; rotate one in first.")
    return key


def did_document(issuer: Issuer) -> dict[str, Any]:
    """Every key the issuer signed with, except compromised ones, listed under assertionMethod."""
    did = issuer.did
    methods: list[dict[str, Any]] = []
    keys = SigningKey.objects.filter(issuer=issuer).exclude(state=KeyState.COMPROMISED).order_by("created_at", "pk")
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
    """The DID document of one of this platform's issuers, or None if `did` is not ours."""
    slug = slug_from_did(did)
    if slug is None:
        return None
    issuer = Issuer.objects.filter(slug=slug).first()
    return did_document(issuer) if issuer else None
