"""Hostile inputs for the verifier, shared by tests/verification/test_hostile_input.py, the endpoint tests
(tests/public/test_hostile_verify.py) and bench/crypto.py. No tests here.

Each builder returns what an attacker would send. The credentials are real OpenBadgeCredentials (those that
are signed are signed correctly by a did:key issuer), made large or deep in the ways that used to cost the
verifier minutes: one property with 100,000 values, thousands of alignments, deep nesting, huge arrays.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from PIL import Image

from tests.verification.credentials import open_badge_credential
from verification.baking import bake_png
from verification.jwt import encode_vc_jwt
from verification.keys import did_key_from_ed25519, ed25519_public_to_multibase
from verification.suites import DataIntegritySigner

KEY = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"tests/verification/hostile.py").digest())
DID = did_key_from_ed25519(KEY.public_key())
VERIFICATION_METHOD = f"{DID}#{ed25519_public_to_multibase(KEY.public_key())}"


def credential(*, tags: int = 0, alignments: int = 0, identical_alignments: bool = False) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential of the did:key issuer, with `tags` distinct tags and `alignments`
    alignments (identical ones make blank nodes that share a first-degree hash: Hash N-Degree Quads)."""
    document = open_badge_credential()
    # No status entry: these inputs are about bounded work, and a list out of reach would make every one of them
    # indeterminate by itself.
    document.pop("credentialStatus", None)
    document["issuer"]["id"] = DID
    achievement = document["credentialSubject"]["achievement"]
    if tags:
        achievement["tag"] = [f"tag {number}" for number in range(tags)]
    if alignments:
        template = achievement["alignment"][0]
        achievement["alignment"] = [
            copy.deepcopy(template) if identical_alignments else {**template, "targetCode": f"S{number}"}
            for number in range(alignments)
        ]
    return document


def signed(document: dict[str, Any]) -> dict[str, Any]:
    return DataIntegritySigner(KEY, VERIFICATION_METHOD, created="2025-03-01T09:30:00Z").sign(document)


def forged(document: dict[str, Any]) -> dict[str, Any]:
    """Signed, then altered: every bit as expensive to check as a real one, and invalid."""
    secured = signed(document)
    secured["name"] = "Forged " + secured["name"]
    return secured


def jwt(document: dict[str, Any]) -> str:
    return encode_vc_jwt(document, KEY, kid=VERIFICATION_METHOD)


def nested(depth: int) -> dict[str, Any]:
    """A credential whose evidence is `depth` arrays deep (built without recursion)."""
    document = credential()
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    document["evidence"] = value
    return document


def nested_text(depth: int) -> str:
    """The same as JSON text, written directly (json.dumps itself recurses)."""
    prefix = json.dumps(credential())[:-1]
    return prefix + ', "evidence": ' + "[" * depth + '"x"' + "]" * depth + "}"


def baked_png(text: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 160)).save(buffer, "PNG")
    return bake_png(buffer.getvalue(), text)


def text(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))


# name -> a builder of what is sent. Every one is refused by a structural limit before any JSON-LD work
# (with the default limits: depth 32, arrays of 10,000, 100,000 values).
REFUSED_BY_STRUCTURE: dict[str, Callable[[], str | bytes | dict[str, Any]]] = {
    "1 MB credential with 100,000 tags": lambda: text(credential(tags=100_000)),
    "10,000-deep nesting": lambda: nested_text(10_000),
    "10,000-deep nesting, already parsed": lambda: nested(10_000),
    "50,000 alignments": lambda: text(credential(alignments=50_000)),
    "a huge array": lambda: text({**credential(), "evidence": [0] * 1_000_000}),
    "over 100,000 values in small arrays": lambda: text({**credential(), "evidence": [[[0] * 9] * 5_001] * 2}),
    "VC-JWT with 100,000 tags": lambda: jwt(credential(tags=100_000)),
    "baked PNG with 100,000 tags": lambda: baked_png(text(credential(tags=100_000))),
}
