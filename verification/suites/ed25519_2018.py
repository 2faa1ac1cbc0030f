"""Ed25519Signature2018 (W3C CCG, used by Jobs-for-the-Future era badges): verification only.

The proof carries a detached JWS with unencoded payload (RFC 7797): `jws` is
`base64url(header) + ".." + base64url(signature)` with header {"alg":"EdDSA","b64":false,
"crit":["b64"]}. hashData is computed as for Ed25519Signature2020 (RDFC-1.0 + SHA-256 of the
proof options without `jws` and of the document, proof hash first); the signed bytes are the JWS
signing input ASCII(base64url(header)) || "." || hashData.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from verification import canon
from verification.suites.base import Ed25519ProofSuite, ProofHashCache, malformed, sha256, unsecured_document
from verification.suites.ed25519_2020 import legacy_proof_configuration

PROOF_TYPE = "Ed25519Signature2018"

_PROOF_HASHES = ProofHashCache()


_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def _b64url_decode(value: str) -> bytes:
    if not _B64URL.match(value):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def parse_detached_jws(jws: Any) -> tuple[str, bytes]:
    """(encoded header, signature) of a detached, unencoded-payload EdDSA JWS; ProofError otherwise."""
    if not isinstance(jws, str):
        raise malformed("The Ed25519Signature2018 proof has no jws string.")
    parts = jws.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise malformed("The jws must be a detached JWS (header..signature).")
    encoded_header, _, encoded_signature = parts
    try:
        header = json.loads(_b64url_decode(encoded_header))
        signature = _b64url_decode(encoded_signature)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise malformed("The jws header or signature is not valid base64url JSON.") from exc
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise malformed("The jws header must have alg 'EdDSA'.")
    if header.get("b64") is not False or header.get("crit") != ["b64"]:
        raise malformed('The jws header must declare an unencoded payload ("b64": false, "crit": ["b64"]).')
    if len(signature) != 64:
        raise malformed(f"The jws signature holds {len(signature)} bytes; an Ed25519 signature has 64.")
    return encoded_header, signature


class Ed25519Signature2018Suite(Ed25519ProofSuite):
    name = PROOF_TYPE

    def matches(self, proof: dict[str, Any]) -> bool:
        return isinstance(proof, dict) and proof.get("type") == PROOF_TYPE

    def signature(self, proof: Mapping[str, Any]) -> bytes:
        return parse_detached_jws(proof.get("jws"))[1]

    def hash_data(self, document: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
        unsecured = unsecured_document(document, proof)
        config = legacy_proof_configuration(unsecured, proof, "jws", "proofValue", "signatureValue")
        document_hash = sha256(canon.canonicalize(unsecured))
        return _PROOF_HASHES.digest(config, canon.canonicalize) + document_hash

    def signing_input(self, proof: Mapping[str, Any], hash_data: bytes) -> bytes:
        encoded_header, _ = parse_detached_jws(proof.get("jws"))
        return encoded_header.encode("ascii") + b"." + hash_data
