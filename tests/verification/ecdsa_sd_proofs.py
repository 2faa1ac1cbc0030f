"""ecdsa-sd-2023 derived proofs taken apart and put back together, for the tests that alter them. No tests here.

The derived credentials are the committed ones Digital Bazaar's cryptosuite made (tests/data/PROVENANCE.md); the
platform never signs with ecdsa-sd-2023, so a test that needs another proof value rebuilds it from their parts.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import cbor2

from tests.paths import DATA
from verification.keys import DidKeyResolver
from verification.suites import verify_proofs

FIXTURES = DATA / "interop" / "digitalbazaar-ecdsa"
NAMES = ["ecdsa-sd-2023-p-256-name", "ecdsa-sd-2023-p-256-result"]
DERIVED_HEADER = b"\xd9\x5d\x01"


def fixture(name: str = NAMES[1]) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def proof_bytes(document: dict[str, Any]) -> bytes:
    value = document["proof"]["proofValue"]
    return base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))


def components(document: dict[str, Any]) -> list[Any]:
    """baseSignature, publicKey, signatures, labelMap (compressed), mandatoryIndexes."""
    decoded: list[Any] = cbor2.loads(proof_bytes(document)[3:])
    return decoded


def with_payload(document: dict[str, Any], payload: bytes, header: bytes = DERIVED_HEADER) -> dict[str, Any]:
    """A copy of `document` whose proofValue holds `payload` (raw CBOR bytes) after `header`."""
    altered = copy.deepcopy(document)
    altered["proof"]["proofValue"] = "u" + b64url(header + payload)
    return altered


def with_components(document: dict[str, Any], parts: list[Any]) -> dict[str, Any]:
    return with_payload(document, cbor2.dumps(parts))


def outcome(document: dict[str, Any]) -> tuple[bool, str, str]:
    """(verified, code, message) of the document's one proof, its key resolved from the did:key."""
    [result] = verify_proofs(document, DidKeyResolver())
    return result.verified, result.code, result.message
