"""Signers for an issuer's keys, cached per process so a batch decrypts each key once."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from issuer.keystore import decrypt_private_key
from issuer.models import SigningKey
from verification.errors import VerificationError
from verification.jwt import encode_vc_jwt
from verification.keys import PrivateKey
from verification.suites import DataIntegritySigner


class SigningRefused(Exception):  # noqa: N818 - a refusal, named as the service's callers read it
    """The document is not one the platform could verify once signed — a context or term definition JSON-LD
    refuses, an undefined term, a relative IRI — so it is not signed. `message` says why, in words; `code` is the
    verifier's reason code (docs/verification.md)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@lru_cache(maxsize=256)
def _private_key(key_pk: int, encrypted: bytes) -> PrivateKey:
    # Keyed on the ciphertext too: a re-encrypted key (KEY_ENCRYPTION_KEY rotation) is a new entry.
    return decrypt_private_key(encrypted)


def private_key_for(key: SigningKey) -> PrivateKey:
    return _private_key(key.pk, bytes(key.encrypted_private_key))


@lru_cache(maxsize=256)
def _signer(key_pk: int, encrypted: bytes, verification_method: str) -> DataIntegritySigner:
    # Only Ed25519 keys sign Data Integrity proofs (eddsa-rdfc-2022); the other algorithms sign VC-JWTs.
    return DataIntegritySigner(cast(Ed25519PrivateKey, _private_key(key_pk, encrypted)), verification_method)


def data_integrity_sign(key: SigningKey, document: dict[str, Any]) -> dict[str, Any]:
    """The document with an eddsa-rdfc-2022 proof by `key` attached. The document is one the platform has just built
    and serializes next: the proof is attached to a shallow copy, its values shared with `document`.

    Raises SigningRefused when the document cannot be canonicalized in safe mode (the signer's InputError,
    ContextError, JsonLdError or CanonicalizationError): a refusal the caller words, never an unhandled error."""
    signer = _signer(key.pk, bytes(key.encrypted_private_key), key.verification_method_id)
    try:
        if "proof" in document:  # a proof set: the library appends to it
            return signer.sign(document)
        proof = signer.proof(document)
    except VerificationError as exc:
        raise SigningRefused(exc.message, code=exc.code) from exc
    # A one-item array: the OB 3.0 schema our credentials name in credentialSchema requires `proof` to be an array
    # (the object form is valid JSON-LD, but that schema refuses it; docs/conformance.md I-1b).
    return {**document, "proof": [proof]}


def jwt_sign(key: SigningKey, credential: dict[str, Any]) -> str:
    """The VC-JWT (compact JWS) of `credential`, `kid` pointing at the key in the issuer's DID document. Raises
    SigningRefused, as data_integrity_sign does, for a document that breaks the data model."""
    try:
        return encode_vc_jwt(credential, private_key_for(key), kid=key.verification_method_id)
    except VerificationError as exc:
        raise SigningRefused(exc.message, code=exc.code) from exc
