"""DataIntegrityProof with cryptosuite eddsa-rdfc-2022 (W3C VC-DI-EdDSA §3.2): verify and create.

hashData = SHA-256(canonical proof configuration) || SHA-256(canonical unsecured document), both
canonicalized with RDFC-1.0; the 64-byte Ed25519 signature of hashData is the proofValue
(`z` + base58btc). The deprecated name `eddsa-2022` denotes the same algorithm and is verified too
(never created).
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519

from verification import canon
from verification.datamodel import require_conformance
from verification.errors import InputError
from verification.keys import multibase_b58_encode
from verification.suites.base import (
    Ed25519ProofSuite,
    ProofHashCache,
    check_created,
    decode_proof_value,
    sha256,
    unsecured_document,
)

CRYPTOSUITE = "eddsa-rdfc-2022"
LEGACY_CRYPTOSUITE = "eddsa-2022"
PROOF_TYPE = "DataIntegrityProof"

# Canonical proof configurations met while verifying (a batch of credentials shares one).
_PROOF_HASHES = ProofHashCache()


def proof_configuration(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """The proof options without proofValue, with the unsecured document's @context (§3.2.5)."""
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    else:
        config.pop("@context", None)
    return config


class EddsaRdfc2022Suite(Ed25519ProofSuite):
    name = CRYPTOSUITE

    def matches(self, proof: dict[str, Any]) -> bool:
        return (
            isinstance(proof, dict)
            and proof.get("type") == PROOF_TYPE
            and proof.get("cryptosuite") in (CRYPTOSUITE, LEGACY_CRYPTOSUITE)
        )

    def suite_name(self, proof: Mapping[str, Any]) -> str:
        # Report the name the proof uses, so a legacy eddsa-2022 proof is visible as such.
        return LEGACY_CRYPTOSUITE if proof.get("cryptosuite") == LEGACY_CRYPTOSUITE else CRYPTOSUITE

    def signature(self, proof: Mapping[str, Any]) -> bytes:
        return decode_proof_value(proof.get("proofValue"))

    def hash_data(self, document: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
        unsecured = unsecured_document(document, proof)
        # The document first: when both fail, its error is the one that explains the failure.
        document_hash = sha256(canon.canonicalize(unsecured))
        return _PROOF_HASHES.digest(proof_configuration(unsecured, proof), canon.canonicalize) + document_hash


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _attach(document: Mapping[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """A new document carrying `proof`: an object, or appended to an existing proof set."""
    secured = copy.deepcopy(dict(document))
    existing = secured.get("proof")
    if existing is None:
        secured["proof"] = proof
    else:
        secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured


class DataIntegritySigner:
    """Creates eddsa-rdfc-2022 proofs with one key; built once per batch.

    What does not change between the credentials of a batch is computed once: the key object is
    kept, and the canonical proof configuration's SHA-256 is cached per (@context, created), so a
    bulk run canonicalizes only each credential itself. With `created=None` every `sign` uses the
    current time (second precision), and the cache still hits within a second.
    """

    def __init__(
        self,
        private_key: ed25519.Ed25519PrivateKey,
        verification_method: str,
        *,
        created: str | None = None,
        max_cached_configs: int = 64,
    ) -> None:
        if not isinstance(private_key, ed25519.Ed25519PrivateKey):
            raise TypeError("eddsa-rdfc-2022 needs an Ed25519 private key.")
        if not isinstance(verification_method, str) or not verification_method:
            raise ValueError("The verification method must be a non-empty URL.")
        if created is not None:
            check_created(created)
        self._key = private_key
        self.verification_method = verification_method
        self.created = created
        self._configs: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._max = max_cached_configs
        self._lock = threading.Lock()

    def _proof_options(self, created: str) -> dict[str, Any]:
        return {
            "type": PROOF_TYPE,
            "cryptosuite": CRYPTOSUITE,
            "created": created,
            "verificationMethod": self.verification_method,
            "proofPurpose": "assertionMethod",
        }

    def _proof_hash(self, context: Any, created: str) -> bytes:
        key = (json.dumps(context, sort_keys=True, separators=(",", ":")), created)
        with self._lock:
            cached = self._configs.get(key)
            if cached is not None:
                self._configs.move_to_end(key)
                return cached
        digest = sha256(canon.canonicalize({**self._proof_options(created), "@context": context}))
        with self._lock:
            self._configs[key] = digest
            if len(self._configs) > self._max:
                self._configs.popitem(last=False)
        return digest

    def sign(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A new document with an eddsa-rdfc-2022 proof attached (object form, or appended to a set).

        Raises DataModelError when the document breaks the VC Data Model (or, for an Open Badges credential, its JSON
        Schema), and InputError / ContextError / JsonLdError / CanonicalizationError when it cannot be canonicalized in
        safe mode: the platform never signs what it cannot verify.
        """
        return _attach(document, self.proof(document))

    def proof(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """The eddsa-rdfc-2022 proof of `document`, not attached: for a caller that attaches it to a document of its
        own making without the copy `sign` makes (a quarter of the signature's cost). Raises as `sign` does."""
        if not isinstance(document, Mapping):
            raise InputError("Only a JSON object can be signed.")
        if "@context" not in document:
            raise InputError("A credential without @context cannot be signed with eddsa-rdfc-2022.")
        # Only what conforms is signed: a signature must never vouch for a document no verifier should accept.
        require_conformance(document)
        return self._signed_proof(document)

    def _signed_proof(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """The signature itself, on any document that canonicalizes (the tests that compare canonicalization paths
        on odd JSON call it directly; everything else goes through `proof`)."""
        created = self.created or _now()
        unsecured = {key: value for key, value in document.items() if key != "proof"}
        hash_data = self._proof_hash(document["@context"], created) + sha256(canon.canonicalize(unsecured))
        proof = self._proof_options(created)
        proof["proofValue"] = multibase_b58_encode(self._key.sign(hash_data))
        return proof


def create_proof(
    document: Mapping[str, Any],
    private_key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: str | None = None,
) -> dict[str, Any]:
    """One-off eddsa-rdfc-2022 signing; use DataIntegritySigner for batches."""
    return DataIntegritySigner(private_key, verification_method, created=created).sign(document)
