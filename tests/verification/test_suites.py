"""Proof suites: signing, the verification checks, and hostile input that must never raise."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tests.verification.credentials import ISSUER_ID, open_badge_credential
from tests.verification.helpers import SAMPLES, FragmentResolver, StaticResolver, load_json
from verification import canon
from verification.canon import PyldCanonicalizer, canonicalize
from verification.errors import JsonLdError, KeyResolutionError, ProofError
from verification.keys import (
    DidKeyResolver,
    VerificationMethod,
    did_key_from_ed25519,
    ed25519_public_to_multibase,
)
from verification.suites import (
    SUITES,
    DataIntegritySigner,
    ProofResult,
    ProofSuite,
    create_jcs_proof,
    create_proof,
    verify_proofs,
)
from verification.suites.base import check_created

KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
MULTIBASE = ed25519_public_to_multibase(KEY.public_key())
VM = f"{ISSUER_ID}#{MULTIBASE}"
CREATED = "2025-03-01T09:30:00Z"


def issuer_method(**changes: Any) -> VerificationMethod:
    fields: dict[str, Any] = {
        "id": VM,
        "controller": ISSUER_ID,
        "type": "Multikey",
        "public_key": KEY.public_key(),
        "provenance": "document",
    }
    fields.update(changes)
    return VerificationMethod(**fields)


RESOLVER = StaticResolver(issuer_method())


def signed_badge() -> dict[str, Any]:
    return create_proof(open_badge_credential(), KEY, VM, created=CREATED)


def only(results: list[ProofResult]) -> ProofResult:
    assert len(results) == 1
    return results[0]


def test_suites_follow_the_protocol() -> None:
    for suite in SUITES:
        assert isinstance(suite, ProofSuite)
        junk: Any
        for junk in (None, "x", 1, [], {"type": ["DataIntegrityProof"]}):
            assert suite.matches(junk) is False


# ------------------------------------------------------------------------------------------------
# eddsa-rdfc-2022 creation


def test_sign_and_verify_round_trip() -> None:
    document = open_badge_credential()
    before = copy.deepcopy(document)
    signed = DataIntegritySigner(KEY, VM, created=CREATED).sign(document)
    assert document == before  # the input is untouched
    assert signed is not document and signed["credentialSubject"] is not document["credentialSubject"]
    assert isinstance(signed["proof"], dict)
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    result = only(verify_proofs(signed, RESOLVER))
    assert (result.verified, result.code, result.suite) == (True, "proof_valid", "eddsa-rdfc-2022")
    assert result.proof == signed["proof"]


def test_signing_is_deterministic_and_matches_the_one_off_function() -> None:
    signer = DataIntegritySigner(KEY, VM, created=CREATED)
    assert signer.sign(open_badge_credential()) == signer.sign(open_badge_credential()) == signed_badge()


def test_did_key_issuer_verifies_with_did_key_resolver() -> None:
    did = did_key_from_ed25519(KEY.public_key())
    document = open_badge_credential()
    document["issuer"]["id"] = did
    signed = create_proof(document, KEY, f"{did}#{MULTIBASE}")
    result = only(verify_proofs(signed, DidKeyResolver()))
    assert (result.verified, result.code) == (True, "proof_valid")
    check_created(signed["proof"]["created"])
    assert signed["proof"]["created"].endswith("Z")


def test_batch_signer_canonicalizes_the_proof_configuration_once() -> None:
    documents: list[str] = []

    class Recording:
        name = "recording"

        def canonicalize(self, document: Any) -> str:
            documents.append("config" if "proofPurpose" in document else "credential")
            return PyldCanonicalizer().canonicalize(document)

    signer = DataIntegritySigner(KEY, VM, created=CREATED)
    previous = canon.set_canonicalizer(Recording())
    try:
        batch = []
        for number in range(5):
            document = open_badge_credential()
            document["id"] = f"urn:uuid:00000000-0000-4000-8000-00000000000{number}"
            batch.append(signer.sign(document))
    finally:
        canon.set_canonicalizer(previous)
    assert documents.count("config") == 1
    assert documents.count("credential") == 5
    assert all(only(verify_proofs(item, RESOLVER)).verified for item in batch)


def test_adding_a_proof_makes_a_proof_set_and_both_verify() -> None:
    other = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    other_vm = f"{ISSUER_ID}#{ed25519_public_to_multibase(other.public_key())}"
    both = create_proof(signed_badge(), other, other_vm, created=CREATED)
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    results = verify_proofs(both, FragmentResolver())
    assert [(r.verified, r.code) for r in results] == [(True, "proof_valid")] * 2


def test_signer_refuses_what_it_could_not_verify() -> None:
    document = open_badge_credential()
    document["achievementLevel"] = "gold"
    with pytest.raises(JsonLdError, match="achievementLevel"):
        DataIntegritySigner(KEY, VM).sign(document)
    with pytest.raises(TypeError):
        DataIntegritySigner(ec.generate_private_key(ec.SECP256R1()), VM)  # type: ignore[arg-type]
    with pytest.raises(ProofError):
        DataIntegritySigner(KEY, VM, created="not a date")


# ------------------------------------------------------------------------------------------------
# eddsa-jcs-2022


def test_jcs_round_trip_tamper_and_context_prefix() -> None:
    signed = create_jcs_proof(open_badge_credential(), KEY, VM, created=CREATED)
    assert signed["proof"]["@context"] == signed["@context"]
    assert only(verify_proofs(signed, RESOLVER)).code == "proof_valid"

    tampered = copy.deepcopy(signed)
    tampered["name"] += "!"
    assert only(verify_proofs(tampered, RESOLVER)).code == "proof_invalid"

    extended = copy.deepcopy(signed)
    extended["@context"] = [*extended["@context"], "https://www.w3.org/ns/credentials/examples/v2"]
    assert only(verify_proofs(extended, RESOLVER)).code == "proof_valid"

    reordered = copy.deepcopy(signed)
    reordered["@context"] = list(reversed(reordered["@context"]))
    result = only(verify_proofs(reordered, RESOLVER))
    assert (result.code, "does not start") == ("proof_invalid", "does not start")


# ------------------------------------------------------------------------------------------------
# Ed25519Signature2018 (no published vector in the reference material: built here step by step)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_2018(header: dict[str, Any] | None = None) -> dict[str, Any]:
    document = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:uuid:5b0f6f2e-1a1c-4b7e-9d3f-2a9c8e7d6b10",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER_ID,
        "issuanceDate": "2021-06-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    options = {
        "type": "Ed25519Signature2018",
        "created": "2021-06-01T00:00:00Z",
        "verificationMethod": VM,
        "proofPurpose": "assertionMethod",
    }
    hash_data = (
        hashlib.sha256(canonicalize({"@context": document["@context"], **options}).encode()).digest()
        + hashlib.sha256(canonicalize(document).encode()).digest()
    )
    encoded_header = _b64url(
        json.dumps(header or {"alg": "EdDSA", "b64": False, "crit": ["b64"]}, separators=(",", ":")).encode()
    )
    signature = KEY.sign(encoded_header.encode() + b"." + hash_data)
    return {**document, "proof": {**options, "jws": f"{encoded_header}..{_b64url(signature)}"}}


def test_ed25519_signature_2018() -> None:
    assert only(verify_proofs(signed_2018(), RESOLVER)).code == "proof_valid"
    tampered = signed_2018()
    tampered["credentialSubject"]["id"] = "did:example:someone-else"
    assert only(verify_proofs(tampered, RESOLVER)).code == "proof_invalid"
    wrong_alg = signed_2018({"alg": "ES256", "b64": False, "crit": ["b64"]})
    assert only(verify_proofs(wrong_alg, RESOLVER)).code == "proof_malformed"
    encoded = signed_2018({"alg": "EdDSA"})
    assert only(verify_proofs(encoded, RESOLVER)).code == "proof_malformed"
    attached = signed_2018()
    attached["proof"]["jws"] = attached["proof"]["jws"].replace("..", ".e30.")
    assert only(verify_proofs(attached, RESOLVER)).code == "proof_malformed"


# ------------------------------------------------------------------------------------------------
# The checks


def with_proof(**changes: Any) -> dict[str, Any]:
    document = signed_badge()
    for key, value in changes.items():
        if value is None:
            document["proof"].pop(key, None)
        else:
            document["proof"][key] = value
    return document


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"proofValue": None}, "proof_malformed"),
        ({"proofValue": ""}, "proof_malformed"),
        ({"proofValue": 42}, "proof_malformed"),
        ({"proofValue": "z0OIl"}, "proof_malformed"),  # 0, O, I, l are not base58
        ({"proofValue": "uAAAA"}, "proof_malformed"),  # another multibase
        ({"proofValue": "z3yMApqCuCjXDWPrbjfR5mjCPTHqFG8Pux1TxQrEM35jj"}, "proof_malformed"),  # 32 bytes
        ({"created": "yesterday"}, "proof_malformed"),
        ({"created": "2025-02-30T00:00:00Z"}, "proof_malformed"),
        ({"created": "2025-01-01T25:00:00Z"}, "proof_malformed"),
        ({"created": 20250101}, "proof_malformed"),
        ({"proofPurpose": "authentication"}, "purpose_mismatch"),
        ({"proofPurpose": None}, "purpose_mismatch"),
        ({"verificationMethod": None}, "proof_malformed"),
        ({"verificationMethod": ["a", "b"]}, "proof_malformed"),
        ({"verificationMethod": {"id": VM}}, "proof_malformed"),
        ({"created": "2025-03-01T09:30:01Z"}, "proof_invalid"),
    ],
)
def test_proof_checks(changes: dict[str, Any], code: str) -> None:
    result = only(verify_proofs(with_proof(**changes), RESOLVER))
    assert (result.verified, result.code) == (False, code)
    assert result.message.endswith(".")


def test_key_not_authorized_for_assertions() -> None:
    resolver = StaticResolver(issuer_method(relationships=frozenset({"authentication"})))
    assert only(verify_proofs(signed_badge(), resolver)).code == "purpose_mismatch"


def test_wrong_key_type() -> None:
    resolver = StaticResolver(issuer_method(public_key=ec.generate_private_key(ec.SECP256R1()).public_key()))
    result = only(verify_proofs(signed_badge(), resolver))
    assert (result.verified, result.code) == (False, "key_type_mismatch")


def test_other_ed25519_key_fails_the_signature() -> None:
    other = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34))).public_key()
    assert only(verify_proofs(signed_badge(), StaticResolver(issuer_method(public_key=other)))).code == "proof_invalid"


def test_controller_must_be_the_issuer() -> None:
    resolver = StaticResolver(issuer_method(controller="https://someone-else.example"))
    result = only(verify_proofs(signed_badge(), resolver))
    assert (result.verified, result.code) == (False, "controller_mismatch")
    assert "signature is valid" in result.message
    no_issuer = signed_badge()
    no_issuer["issuer"] = {"name": "anonymous"}
    assert only(verify_proofs(no_issuer, RESOLVER)).code in {"controller_mismatch", "proof_invalid"}


def test_unresolvable_and_failing_resolvers() -> None:
    class Refusing:
        def resolve(self, verification_method_id: str) -> VerificationMethod:
            raise KeyResolutionError("did:web document not found")

    class Broken:
        def resolve(self, verification_method_id: str) -> VerificationMethod:
            raise RuntimeError("socket closed")

    result = only(verify_proofs(signed_badge(), Refusing()))
    assert (result.code, result.message) == ("key_unresolved", "did:web document not found")
    result = only(verify_proofs(signed_badge(), Broken()))
    assert (result.verified, result.code) == (False, "proof_invalid")
    assert "RuntimeError" in result.message


# ------------------------------------------------------------------------------------------------
# Hostile input: a result, never an exception


def deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"description": value}
    return value


def hostile_documents() -> list[tuple[str, Any, set[str]]]:
    signed = signed_badge()
    unknown_context = copy.deepcopy(signed)
    unknown_context["@context"].append("https://evil.example/context.jsonld")
    deep_document = copy.deepcopy(signed)
    deep_document["credentialSubject"]["achievement"]["criteria"] = deep(10_000)
    poisoned = copy.deepcopy(signed)
    poisoned["@context"] = [
        *poisoned["@context"],
        {"link": {"@id": "https://example.org/link", "@type": "@id"}},
    ]
    poisoned["evidence"] = [
        {"id": f"_:n{i}", "type": ["Evidence"], "link": [f"_:n{j}" for j in range(8) if j != i]} for i in range(8)
    ]
    return [
        ("not an object", ["proof"], {"invalid_input"}),
        ("proof is a string", {**signed, "proof": "zABC"}, {"proof_malformed"}),
        ("proof entries are junk", {**signed, "proof": [None, 1, [], "x"]}, {"proof_malformed"}),
        (
            "proof type is a list",
            {**signed, "proof": {**signed["proof"], "type": ["DataIntegrityProof"]}},
            {"unsupported_proof"},
        ),
        (
            "unknown cryptosuite",
            {**signed, "proof": {**signed["proof"], "cryptosuite": "ecdsa-2019"}},
            {"unsupported_proof"},
        ),
        (
            "an Ed25519 proof relabelled as ECDSA",
            {**signed, "proof": {**signed["proof"], "cryptosuite": "ecdsa-rdfc-2019"}},
            {"key_type_mismatch"},
        ),
        ("unknown context", unknown_context, {"unknown_context"}),
        ("10,000-deep nesting", deep_document, {"invalid_input"}),
        ("dataset poisoning", poisoned, {"canonicalization_limit"}),
        ("non-JSON value", {**signed, "name": float("nan")}, {"invalid_input"}),
        ("context is a number", {**signed, "@context": 7}, {"context_malformed"}),
        ("no context", {k: v for k, v in signed.items() if k != "@context"}, {"jsonld_error"}),
    ]


@pytest.mark.parametrize(
    ("label", "document", "codes"), hostile_documents(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_hostile_input_gives_results(label: str, document: Any, codes: set[str]) -> None:
    results = verify_proofs(document, RESOLVER)
    assert results, label
    for result in results:
        assert result.verified is False
        assert result.code in codes, (label, result)
        assert result.message and "Traceback" not in result.message


def test_no_proof_gives_no_result() -> None:
    assert verify_proofs(open_badge_credential(), RESOLVER) == []


def test_sample_with_bogus_proof_still_verifies_via_the_other() -> None:
    results = verify_proofs(load_json(SAMPLES / "simple-multiple-proofs.json"), FragmentResolver())
    assert [r.code for r in results] == ["unsupported_proof", "proof_valid"]
    assert any(r.verified for r in results)
