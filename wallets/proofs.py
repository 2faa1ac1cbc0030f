"""The key proof of a Credential Request: a JWT of proof type `jwt` (OpenID4VCI 1.0 §F.1), checked as §F.4 says.

The wallet proves it holds the private key the credential is to be bound to: it signs a short JWT naming the
Credential Issuer (`aud`), the time (`iat`) and a c_nonce of ours (`nonce`), with the key named in its header —
by `kid`, a did:key or did:jwk DID URL, or by `jwk`, the public key itself (exactly one of them). The maths and the
key encodings are the verifier's (verification.jwt, verification.keys); this module decides what a proof must say.
Whether the nonce is one of ours and unused is the caller's question (wallets.services): it is spent only when the
credential is handed out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from verification.errors import InputError, KeyResolutionError
from verification.jwt import (
    PRIVATE_JWK_MEMBERS,
    key_fits_alg,
    parse_compact_jws,
    verify_jws_signature,
)
from verification.jwt_encoding import b64url, json_bytes
from verification.keys import (
    DidJwkResolver,
    DidKeyResolver,
    KeyResolver,
    PublicKey,
    public_jwk,
    public_key_from_jwk,
)
from wallets.errors import ascii_description as _ascii
from wallets.metadata import PROOF_ALGORITHMS
from wallets.models import Binding

PROOF_TYP = "openid4vci-proof+jwt"
# A proof is a few hundred bytes; anything much larger is not one.
MAX_PROOF_CHARS = 8 * 1024
# How old a proof may be, and how far ahead of our clock its iat may run (§13.8: a little skew is allowed).
MAX_AGE = timedelta(minutes=5)
MAX_AHEAD = timedelta(minutes=1)


class ProofRefused(Exception):
    """The key proof is not acceptable: answered `invalid_proof` with `description` (ASCII, as §8.3.1.2 asks)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class Holder:
    """Whom the credential is bound to: `did` becomes credentialSubject.id; `binding` says how the key was named."""

    did: str
    binding: Binding
    key: PublicKey


@dataclass(frozen=True)
class KeyProof:
    holder: Holder
    nonce: str


def did_jwk_of(key: PublicKey) -> str:
    """The did:jwk of a public key: the base64url of its public JWK's members, in our order, as compact JSON."""
    return "did:jwk:" + b64url(json_bytes(public_jwk(key)))


# The DID methods a kid may name, each resolved offline (the identifier is the key).
KID_METHODS: dict[str, tuple[KeyResolver, Binding]] = {
    "did:key:": (DidKeyResolver(), Binding.DID_KEY),
    "did:jwk:": (DidJwkResolver(), Binding.DID_JWK),
}


def _holder_from_kid(kid: object) -> Holder:
    if not isinstance(kid, str) or not kid:
        raise ProofRefused("The kid header must be a did:key or did:jwk DID URL.")
    for prefix, (resolver, binding) in KID_METHODS.items():
        if kid.startswith(prefix):
            try:
                method = resolver.resolve(kid)
            except KeyResolutionError as exc:
                raise ProofRefused(f"The kid header names no usable key: {_ascii(exc.message)}") from None
            return Holder(did=method.controller, binding=binding, key=method.public_key)
    raise ProofRefused("The kid header must be a did:key or did:jwk DID URL: other DID methods are not supported.")


def _holder_from_jwk(jwk: object) -> Holder:
    if not isinstance(jwk, dict):
        raise ProofRefused("The jwk header must be a JSON Web Key object.")
    if any(member in jwk for member in PRIVATE_JWK_MEMBERS):
        raise ProofRefused("The jwk header contains private key material; it is refused, and that key is exposed.")
    try:
        key = public_key_from_jwk(jwk)
    except KeyResolutionError as exc:
        raise ProofRefused(f"The jwk header is not a usable public key: {_ascii(exc.message)}") from None
    return Holder(did=did_jwk_of(key), binding=Binding.JWK, key=key)


def _header(header: dict[str, Any]) -> tuple[str, Holder]:
    if header.get("typ") != PROOF_TYP:
        raise ProofRefused(f"The proof's typ header must be {PROOF_TYP}.")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise ProofRefused("The proof is unsigned (alg none, or no alg): a key proof must be signed.")
    if alg.upper().startswith("HS"):
        raise ProofRefused("The proof is signed with a shared secret (HMAC); a key proof needs the holder's key pair.")
    if alg not in PROOF_ALGORITHMS:
        raise ProofRefused(f"The proof's alg must be one of {', '.join(PROOF_ALGORITHMS)}.")
    if "crit" in header:
        raise ProofRefused("The proof lists critical header extensions, which this issuer does not understand.")
    if "x5c" in header:
        raise ProofRefused("Keys in certificates (x5c) are not supported: name the key with kid or jwk.")
    if ("kid" in header) == ("jwk" in header):
        raise ProofRefused("The proof must name its key with exactly one of the kid and jwk headers.")
    holder = _holder_from_kid(header["kid"]) if "kid" in header else _holder_from_jwk(header["jwk"])
    mismatch = key_fits_alg(alg, holder.key)
    if mismatch:
        raise ProofRefused(_ascii(mismatch))
    return alg, holder


def _claims(payload: dict[str, Any], *, audience: str, now: datetime) -> str:
    aud = payload.get("aud")
    # A string (§F.1); a JWT may also list its audiences (RFC 7519 §4.1.3), so a list naming us is read the same.
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise ProofRefused(f"The proof's aud must be the Credential Issuer Identifier {audience}.")
    iat = payload.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool) or not math.isfinite(iat):
        raise ProofRefused("The proof's iat must be a NumericDate (seconds since 1970).")
    issued = now.timestamp() - iat
    if issued > MAX_AGE.total_seconds():
        raise ProofRefused("The proof is too old: its iat is more than 5 minutes ago. Sign a fresh one.")
    if -issued > MAX_AHEAD.total_seconds():
        raise ProofRefused("The proof's iat is in the future.")
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise ProofRefused("The proof has no nonce: get a c_nonce from the nonce endpoint and sign it in.")
    return nonce


def check_key_proof(token: object, *, audience: str, now: datetime) -> KeyProof:
    """The holder and the nonce of a valid key proof; ProofRefused says what is wrong with any other.

    The checks of §F.4: the claims are there, the JWT is typed, the alg is asymmetric and ours, the header carries
    no private key, and the signature verifies with the key the header names — a proof signed by any other key is
    refused, whatever it says."""
    if not isinstance(token, str) or not token or len(token) > MAX_PROOF_CHARS:
        raise ProofRefused("A jwt proof is a compact JWS string of at most 8 KB.")
    try:
        header, payload, signing_input, signature = parse_compact_jws(token)
    except InputError as exc:
        raise ProofRefused(f"The proof is not a compact JWS: {_ascii(exc.message)}") from None
    alg, holder = _header(header)
    _, status, _ = verify_jws_signature(alg, holder.key, signing_input, signature)
    if status != "passed":
        raise ProofRefused("The proof's signature does not verify with the key its header names.")
    return KeyProof(holder=holder, nonce=_claims(payload, audience=audience, now=now))
