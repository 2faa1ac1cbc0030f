"""The contract every embedded-proof suite implements, and what the signature suites share.

Contract
--------
A suite is an object with a `name`, `matches(proof)` and `verify_proof(document, proof, resolver)`.

* `matches` MUST return True only for proofs the suite implements (by `type`, and `cryptosuite`
  for DataIntegrityProof) and MUST NOT raise, whatever `proof` is.
* `verify_proof` receives the full secured document (with its `proof`) and one entry of it.
  It MUST remove the proofs itself as its specification says: for a proof set the unsecured
  document is the document without ANY proof; a proof with `previousProof` (a proof chain) is
  verified over the document carrying exactly the proofs it names, whole (`unsecured_document`).
* It MUST check, and report a failed ProofResult (never raise) when any check fails:
  - `proofPurpose` is "assertionMethod" and the resolved verification method lists
    "assertionMethod" among its `relationships` (code `purpose_mismatch`);
  - `created`, if present, is a well-formed XML Schema dateTime (code `proof_malformed`);
  - the proof value decodes (multibase `z` base58btc, or a detached JWS for 2018) to a signature
    of the size the suite and the key's curve require: 64 bytes for Ed25519, r || s of 64 (P-256)
    or 96 (P-384) bytes for ECDSA (code `proof_malformed`);
  - the key resolves (code `key_unresolved`) and is of the type the suite needs: Ed25519 for the
    EdDSA suites, P-256 or P-384 for the ECDSA ones (code `key_type_mismatch`);
  - the document canonicalizes (codes `invalid_input`, `unknown_context`, `context_malformed`,
    `jsonld_error`, `canonicalization_limit`);
  - the signature verifies (code `proof_invalid`);
  - the verification method's `controller` equals the credential's issuer id (`issuer` string or
    `issuer.id`); `controller_mismatch` is only reported for a signature that is otherwise valid,
    so it always means "signed correctly, but by a key the issuer does not control".
* It MUST catch every exception from pyld, base58, rfc8785 and cryptography; a caller never sees a
  stack trace. It MAY cache what does not depend on the document being verified (canonical proof
  configurations, keyed by their exact JSON).

`code` vocabulary (stable): proof_valid, proof_invalid, proof_malformed, unsupported_proof,
key_unresolved, key_type_mismatch, purpose_mismatch, controller_mismatch, invalid_input,
unknown_context, context_malformed, jsonld_error, canonicalization_limit, previous_proof_missing,
previous_proof_ambiguous (and, for the set as a whole, verification.suites.proof_sets: previous_proof_cycle).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from verification.errors import (
    Indeterminate,
    KeyResolutionError,
    PlatformUnavailable,
    ProofError,
    VerificationError,
)
from verification.keys import KeyResolver, VerificationMethod, base58_decode, describe_key

PROOF_VALID = "proof_valid"
PROOF_INVALID = "proof_invalid"
PROOF_MALFORMED = "proof_malformed"
UNSUPPORTED_PROOF = "unsupported_proof"
KEY_UNRESOLVED = "key_unresolved"
KEY_TYPE_MISMATCH = "key_type_mismatch"
PURPOSE_MISMATCH = "purpose_mismatch"
CONTROLLER_MISMATCH = "controller_mismatch"
INVALID_INPUT = "invalid_input"
# A proof's previousProof names a proof id no proof of the set carries, or two carry (verification.suites.proof_sets).
PREVIOUS_PROOF_MISSING = "previous_proof_missing"
PREVIOUS_PROOF_AMBIGUOUS = "previous_proof_ambiguous"
PREVIOUS_PROOF_CYCLE = "previous_proof_cycle"

ASSERTION_METHOD = "assertionMethod"
AUTHENTICATION = "authentication"
# The purpose a proof must state and its key be listed under: assertionMethod for a credential. A presentation's
# proof is checked by the same suites with `authentication` (verification.presentation), set for that one call
# rather than threaded through every suite's signature.
_PURPOSE: ContextVar[str] = ContextVar("proof_purpose", default=ASSERTION_METHOD)


@contextmanager
def proof_purpose(purpose: str) -> Iterator[None]:
    """Within the block, proofs are checked for `purpose` instead of assertionMethod."""
    token = _PURPOSE.set(purpose)
    try:
        yield
    finally:
        _PURPOSE.reset(token)


@dataclass(frozen=True)
class ProofResult:
    """The verdict on one proof entry."""

    verified: bool
    suite: str  # e.g. "eddsa-rdfc-2022", "Ed25519Signature2020"
    code: str  # stable id from the vocabulary above
    message: str  # a sentence a person understands
    verification_method: VerificationMethod | None = None
    proof: dict[str, Any] | None = None
    # The proof could not be checked (its key's document unreachable, the work budget spent, a suite this
    # verifier does not implement): neither verified nor refuted.
    indeterminate: bool = False


@runtime_checkable
class ProofSuite(Protocol):
    name: str

    def matches(self, proof: dict[str, Any]) -> bool: ...

    def verify_proof(self, document: dict[str, Any], proof: dict[str, Any], resolver: KeyResolver) -> ProofResult: ...


# ------------------------------------------------------------------------------------------------
# Helpers shared by the suites


def malformed(message: str) -> ProofError:
    return ProofError(message, code=PROOF_MALFORMED)


def issuer_id(document: Mapping[str, Any]) -> str | None:
    """The credential's issuer id: `issuer` as a string or `issuer.id`."""
    issuer = document.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return None


# XML Schema 1.1 dateTime (timezone optional); ranges checked again with datetime below.
_DATETIME = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$")


def check_created(value: Any) -> None:
    """Raise ProofError(proof_malformed) unless `value` is a well-formed XML Schema dateTime."""
    match = _DATETIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise malformed(f"The proof's created value {value!r} is not an XML Schema dateTime.")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or ""
    valid = minute <= 59 and second <= 59
    # 24:00:00 is allowed by XML Schema as the end of a day.
    valid = valid and (hour <= 23 or (hour == 24 and minute == 0 and second == 0 and not fraction.strip(".0")))
    if match.group(9) is not None:
        valid = valid and int(match.group(9)) <= 14 and int(match.group(10)) <= 59
    try:
        # Years outside Python's range only get the month/day check of a leap year.
        date(year if 1 <= year <= 9999 else 2000, month, day)
    except ValueError:
        valid = False
    if not valid:
        raise malformed(f"The proof's created value {value!r} is not a valid date and time.")


def proof_value_bytes(value: Any) -> bytes:
    """The bytes of a multibase (`z`, base58btc) proofValue, whatever their length."""
    if not isinstance(value, str) or not value:
        raise malformed("The proof has no proofValue string.")
    if not value.startswith("z"):
        raise malformed(f"The proofValue must be multibase base58btc (starting with 'z'), not {value[:1]!r}.")
    try:
        return base58_decode(value[1:], what="The proofValue")
    except KeyResolutionError as exc:
        raise malformed(str(exc)) from exc


def decode_proof_value(value: Any) -> bytes:
    """The 64-byte Ed25519 signature in a multibase (`z`, base58btc) proofValue."""
    signature = proof_value_bytes(value)
    if len(signature) != 64:
        raise malformed(f"The proofValue holds {len(signature)} bytes; an Ed25519 signature has 64.")
    return signature


def unsecured_document(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """The document a proof was computed over (VC Data Integrity §4 "Verify Proof").

    Without `previousProof`: the document without any proof (proof sets). With it: the document
    carrying exactly the proofs it names (proof chains), found by their `id` in the proof set.
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    previous = proof.get("previousProof")
    if previous is None:
        return unsecured
    wanted = [previous] if isinstance(previous, str) else previous
    if not isinstance(wanted, list) or not all(isinstance(item, str) for item in wanted):
        raise malformed("previousProof must be a proof id or a list of proof ids.")
    proofs = document.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    by_id: dict[str, list[Mapping[str, Any]]] = {}
    for entry in proofs:
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            by_id.setdefault(entry["id"], []).append(entry)
    matching = []
    for item in wanted:
        carriers = by_id.get(item, [])
        if not carriers:
            raise ProofError(
                f"The previous proof {item[:80]!r} is not in the document's proof set.", code=PREVIOUS_PROOF_MISSING
            )
        if len(carriers) > 1:
            raise ProofError(
                f"Two proofs of the document's proof set carry the id {item[:80]!r}.", code=PREVIOUS_PROOF_AMBIGUOUS
            )
        matching.append(carriers[0])
    # The previous proofs whole, proofValue included: "Add Proof Set/Chain" secures them with the document.
    unsecured["proof"] = matching
    return unsecured


def resolve_assertion_method(resolver: KeyResolver, proof: Mapping[str, Any]) -> VerificationMethod:
    """Resolve the proof's verification method and check it may make assertions (any key type)."""
    purpose = _PURPOSE.get()
    if proof.get("proofPurpose") != purpose:
        needs = "a credential" if purpose == ASSERTION_METHOD else "a presentation"
        raise ProofError(
            f"The proofPurpose is {proof.get('proofPurpose')!r}; {needs} needs {purpose!r}.",
            code=PURPOSE_MISMATCH,
        )
    vm_id = proof.get("verificationMethod")
    if not isinstance(vm_id, str) or not vm_id:
        raise malformed("The proof's verificationMethod must be a URL.")
    method = resolver.resolve(vm_id)
    if purpose not in method.relationships:
        raise ProofError(f"The key {vm_id} is not listed under {purpose} by its controller.", code=PURPOSE_MISMATCH)
    return method


def resolve_assertion_key(resolver: KeyResolver, proof: Mapping[str, Any]) -> VerificationMethod:
    """Resolve the proof's verification method, check it may make assertions and is an Ed25519 key."""
    method = resolve_assertion_method(resolver, proof)
    if not isinstance(method.public_key, ed25519.Ed25519PublicKey):
        raise ProofError(
            f"The key {method.id} is {describe_key(method.public_key)}; this proof needs an Ed25519 key.",
            code=KEY_TYPE_MISMATCH,
        )
    return method


class ProofHashCache:
    """Bounded LRU of SHA-256 digests of canonical proof configurations.

    The key is the configuration's exact JSON (sorted keys), so two configurations share an entry
    only when they are the same JSON and therefore have the same canonical form.
    """

    def __init__(self, max_entries: int = 512) -> None:
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def digest(self, config: Mapping[str, Any], canonicalize: Callable[[Mapping[str, Any]], str]) -> bytes:
        try:
            key = json.dumps(config, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            # Not plain JSON: canonicalize() refuses it with a proper InputError; nothing to cache.
            return hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                return cached
        digest = hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
        with self._lock:
            self._entries[key] = digest
            if len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return digest


def sha256(text: str | bytes) -> bytes:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).digest()


SignatureT = TypeVar("SignatureT")


class SignatureProofSuite(ABC, Generic[SignatureT]):
    """Template for the suites that sign hash data with one key: checks, key, signature, controller, in that order.

    Subclasses provide `matches`, `signature` (the proof value decoded: the signature's bytes, or for a suite whose
    proof value holds more, its parsed components), `assertion_key` (resolve and check the key type) and
    `verify_signature` (hash the document for that key and verify; InvalidSignature, or a ProofError with a precise
    message, when it does not match; it may return a sentence that the verdict adds), and may override `suite_name`
    and `label` (how a result names the suite, e.g. with the curve).
    """

    name = "signature"

    @abstractmethod
    def matches(self, proof: dict[str, Any]) -> bool: ...

    def suite_name(self, proof: Mapping[str, Any]) -> str:
        return self.name

    def label(self, suite: str, method: VerificationMethod) -> str:
        return suite

    @abstractmethod
    def signature(self, proof: Mapping[str, Any]) -> SignatureT: ...

    @abstractmethod
    def assertion_key(self, resolver: KeyResolver, proof: Mapping[str, Any]) -> VerificationMethod: ...

    @abstractmethod
    def verify_signature(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], method: VerificationMethod, signature: SignatureT
    ) -> str | None: ...

    def verify_proof(self, document: dict[str, Any], proof: dict[str, Any], resolver: KeyResolver) -> ProofResult:
        suite = self.name
        method: VerificationMethod | None = None
        safe_proof = proof if isinstance(proof, dict) else None
        try:
            if not isinstance(document, dict):
                raise VerificationError("The credential is not a JSON object.", code=INVALID_INPUT)
            if not isinstance(proof, dict):
                raise malformed("The proof is not a JSON object.")
            suite = self.suite_name(proof)
            if "created" in proof:
                check_created(proof["created"])
            signature = self.signature(proof)
            method = self.assertion_key(resolver, proof)
            label = self.label(suite, method)
            try:
                note = self.verify_signature(document, proof, method, signature)
            except InvalidSignature:
                return ProofResult(
                    False,
                    suite,
                    PROOF_INVALID,
                    f"The {label} signature does not match the credential: it was altered after signing "
                    "or signed with another key.",
                    method,
                    safe_proof,
                )
            addition = f" {note}" if note else ""
            issuer = issuer_id(document)
            if issuer is None or method.controller != issuer:
                return ProofResult(
                    False,
                    suite,
                    CONTROLLER_MISMATCH,
                    f"The {label} signature is valid; its key is controlled by {method.controller!r}, not by the "
                    f"issuer {issuer!r} itself, so whether it may speak for the issuer is the issuer key check's "
                    f"question.{addition}",
                    method,
                    safe_proof,
                )
            return ProofResult(
                True, suite, PROOF_VALID, f"The {label} proof by {method.id} verifies.{addition}", method, safe_proof
            )
        except Indeterminate as exc:
            return ProofResult(False, suite, exc.code, exc.message, method, safe_proof, indeterminate=True)
        except VerificationError as exc:
            return ProofResult(False, suite, exc.code, exc.message, method, safe_proof)
        except PlatformUnavailable:
            raise
        except Exception as exc:  # last line of defence: a library failed in a way we did not foresee
            return ProofResult(
                False,
                suite,
                PROOF_INVALID,
                f"The {suite} proof could not be verified ({type(exc).__name__}).",
                method,
                safe_proof,
            )


class Ed25519ProofSuite(SignatureProofSuite[bytes]):
    """The Ed25519 suites: subclasses provide `matches`, `suite_name`, `signature`, `hash_data` and may override
    `signing_input` (Ed25519Signature2018 signs a JWS signing input, not the hash itself)."""

    name = "ed25519"

    @abstractmethod
    def hash_data(self, document: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes: ...

    def signing_input(self, proof: Mapping[str, Any], hash_data: bytes) -> bytes:
        return hash_data

    def assertion_key(self, resolver: KeyResolver, proof: Mapping[str, Any]) -> VerificationMethod:
        return resolve_assertion_key(resolver, proof)

    def verify_signature(
        self, document: Mapping[str, Any], proof: Mapping[str, Any], method: VerificationMethod, signature: bytes
    ) -> None:
        assert isinstance(method.public_key, ed25519.Ed25519PublicKey)  # resolve_assertion_key checked it
        method.public_key.verify(signature, self.signing_input(proof, self.hash_data(document, proof)))
