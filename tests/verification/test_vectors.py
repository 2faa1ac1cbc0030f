"""Byte-for-byte reproduction of the published test vectors from their published inputs."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from pyld.nquads import parse_nquads

from tests.verification.helpers import (
    CITIZENSHIP_URL,
    CLR20,
    OB30,
    W3C,
    ControlledBy,
    FragmentResolver,
    load_json,
    read_text,
)
from verification.canon import PyldCanonicalizer, canonicalize
from verification.keys import DidKeyResolver, ed25519_private_from_multibase, multibase_b58_encode
from verification.suites import create_jcs_proof, create_proof, verify_proofs
from verification.suites.eddsa_jcs import jcs


def sha256_hex(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


W3C_KEY = ed25519_private_from_multibase(load_json(W3C / "keyPair.json")["privateKeyMultibase"])


# ------------------------------------------------------------------------------------------------
# W3C vc-di-eddsa: eddsa-rdfc-2022 and its employ/ variant


def _rdfc_vector(folder: str) -> dict[str, Any]:
    base = W3C / "eddsa-rdfc-2022" / folder
    return {
        "signed": load_json(base / "signedDataInt.json"),
        "proof_config": load_json(base / "proofConfigDataInt.json"),
        "canon_doc": read_text(base / "canonDocDataInt.txt"),
        "canon_proof": read_text(base / "proofCanonDataInt.txt"),
        "doc_hash": read_text(base / "docHashDataInt.txt").strip(),
        "proof_hash": read_text(base / "proofHashDataInt.txt").strip(),
        "combined": read_text(base / "combinedHashDataInt.txt").strip(),
        "sig_hex": read_text(base / "sigHexDataInt.txt").strip(),
        "proof_value": read_text(base / "sigBTC58DataInt.txt").strip(),
    }


@pytest.mark.parametrize("folder", ["", "employ"])
def test_eddsa_rdfc_2022_w3c_vector(folder: str, request: pytest.FixtureRequest) -> None:
    if folder == "employ":
        request.getfixturevalue("citizenship_context")
    vector = _rdfc_vector(folder)
    signed = vector["signed"]
    unsigned = {key: value for key, value in signed.items() if key != "proof"}
    if folder == "":
        assert unsigned == load_json(W3C / "unsigned.json")
    else:
        assert unsigned == load_json(W3C / "employmentAuth.json")

    canon_doc = canonicalize(unsigned)
    canon_proof = canonicalize(vector["proof_config"])
    assert canon_doc == vector["canon_doc"]
    assert canon_proof == vector["canon_proof"]
    assert sha256_hex(canon_doc) == vector["doc_hash"]
    assert sha256_hex(canon_proof) == vector["proof_hash"]
    combined = hashlib.sha256(canon_proof.encode()).digest() + hashlib.sha256(canon_doc.encode()).digest()
    assert combined.hex() == vector["combined"]
    signature = W3C_KEY.sign(combined)
    assert signature.hex() == vector["sig_hex"]
    assert multibase_b58_encode(signature) == vector["proof_value"]

    proof = signed["proof"]
    recreated = create_proof(unsigned, W3C_KEY, proof["verificationMethod"], created=proof["created"])
    assert recreated == signed

    # The issuer is an https URL, the key a did:key: signed correctly, but not provably by the issuer.
    [result] = verify_proofs(signed, DidKeyResolver())
    assert (result.verified, result.code) == (False, "controller_mismatch")
    [result] = verify_proofs(
        signed, ControlledBy(DidKeyResolver(), signed["issuer"]["id"] if folder else signed["issuer"])
    )
    assert (result.verified, result.code, result.suite) == (True, "proof_valid", "eddsa-rdfc-2022")


def test_employ_vector_needs_a_context_that_is_not_bundled() -> None:
    [result] = verify_proofs(_rdfc_vector("employ")["signed"], DidKeyResolver())
    assert (result.verified, result.code) == (False, "unknown_context")
    assert CITIZENSHIP_URL in result.message


# ------------------------------------------------------------------------------------------------
# W3C vc-di-eddsa: eddsa-jcs-2022


def test_eddsa_jcs_2022_w3c_vector() -> None:
    base = W3C / "eddsa-jcs-2022"
    signed = load_json(base / "signedJCS.json")
    unsigned = load_json(W3C / "unsigned.json")
    proof_config = load_json(base / "proofConfigJCS.json")

    canon_doc = jcs(unsigned).decode()
    canon_proof = jcs(proof_config).decode()
    assert canon_doc == read_text(base / "canonDocJCS.txt")
    assert canon_proof == read_text(base / "proofCanonJCS.txt")
    assert sha256_hex(canon_doc) == read_text(base / "docHashJCS.txt").strip()
    assert sha256_hex(canon_proof) == read_text(base / "proofHashJCS.txt").strip()
    combined = hashlib.sha256(canon_proof.encode()).digest() + hashlib.sha256(canon_doc.encode()).digest()
    assert combined.hex() == read_text(base / "combinedHashJCS.txt").strip()
    signature = W3C_KEY.sign(combined)
    assert signature.hex() == read_text(base / "sigHexJCS.txt").strip()
    assert multibase_b58_encode(signature) == read_text(base / "sigBTC58JCS.txt").strip()

    proof = signed["proof"]
    assert create_jcs_proof(unsigned, W3C_KEY, proof["verificationMethod"], created=proof["created"]) == signed
    [result] = verify_proofs(signed, ControlledBy(DidKeyResolver(), signed["issuer"]))
    assert (result.verified, result.code, result.suite) == (True, "proof_valid", "eddsa-jcs-2022")


# ------------------------------------------------------------------------------------------------
# W3C vc-di-eddsa: Ed25519Signature2020 (verify and reproduce)


def test_ed25519_signature_2020_w3c_vector() -> None:
    base = W3C / "Ed25519Signature2020"
    signed = load_json(base / "signedEdSig.json")
    unsigned = {key: value for key, value in signed.items() if key != "proof"}

    canon_doc = canonicalize(unsigned)
    canon_proof = canonicalize(load_json(base / "proofConfigEdSig.json"))
    assert canon_doc == read_text(base / "canonDocEdSig.txt")
    assert canon_proof == read_text(base / "proofCanonEdSig.txt")
    assert sha256_hex(canon_doc) == read_text(base / "docHashEdSig.txt").strip()
    assert sha256_hex(canon_proof) == read_text(base / "proofHashEdSig.txt").strip()
    combined = hashlib.sha256(canon_proof.encode()).digest() + hashlib.sha256(canon_doc.encode()).digest()
    assert combined.hex() == read_text(base / "combinedHashEdSig.txt").strip()
    signature = W3C_KEY.sign(combined)
    assert signature.hex() == read_text(base / "sigHexEdSig.txt").strip()
    assert multibase_b58_encode(signature) == read_text(base / "sigBTC58EdSig.txt").strip()
    assert multibase_b58_encode(signature) == signed["proof"]["proofValue"]

    [result] = verify_proofs(signed, ControlledBy(DidKeyResolver(), signed["issuer"]))
    assert (result.verified, result.code, result.suite) == (True, "proof_valid", "Ed25519Signature2020")


# ------------------------------------------------------------------------------------------------
# W3C vc-di-eddsa: proof sets and proof chains (every proof of the last documents)


@pytest.mark.parametrize("name", ["signedProofSet2.json", "signedProofChain2.json"])
def test_proof_set_and_chain_vectors(name: str) -> None:
    signed = load_json(W3C / "proof-set-chain" / name)
    results = verify_proofs(signed, ControlledBy(DidKeyResolver(), signed["issuer"]))
    assert len(results) == len(signed["proof"]) >= 2
    assert [(r.verified, r.code) for r in results] == [(True, "proof_valid")] * len(results)


# ------------------------------------------------------------------------------------------------
# Open Badges 3.0 implementation guide vector


def test_open_badges_30_vector() -> None:
    vector = load_json(OB30 / "ob30-eddsa-rdfc-2022-vector.json")
    unsigned = vector["unsignedCredential"]
    options = vector["proofOptions"]
    key = ed25519_private_from_multibase(vector["keyPair"]["secretKeyMultibase"])
    assert (
        key.private_bytes_raw().hex() + vector["keyPair"]["publicKeyHex"]
        == (vector["keyPair"]["privateKeyHex_seed_plus_public"])
    )

    canon_doc = canonicalize(unsigned)
    canon_proof = canonicalize({**options, "@context": unsigned["@context"]})
    assert canon_doc == read_text(OB30 / "document-canon.txt")
    assert canon_proof == read_text(OB30 / "proof-canon.txt")
    assert sha256_hex(canon_doc) == vector["documentHashHex"]
    assert sha256_hex(canon_proof) == vector["proofHashHex"]
    combined = hashlib.sha256(canon_proof.encode()).digest() + hashlib.sha256(canon_doc.encode()).digest()
    assert combined.hex() == vector["dataToSignHex_proofHash_then_docHash"]
    signature = key.sign(combined)
    assert signature.hex() == vector["signatureHex"]
    assert multibase_b58_encode(signature) == vector["proofValue"]

    assert (
        create_proof(unsigned, key, options["verificationMethod"], created=options["created"])
        == (vector["signedCredential"])
    )
    [result] = verify_proofs(vector["signedCredential"], FragmentResolver())
    assert (result.verified, result.code) == (True, "proof_valid")


# ------------------------------------------------------------------------------------------------
# CLR 2.0 implementation guide canonical forms. The folder has only the two canonical files; the
# ClrCredential below is the implementation guide's example written out from them (contexts: VC
# 2.0, CLR 2.0.1, OB 3.0.3, OB extensions). It reproduces document-canon.txt byte for byte, and
# the embedded OpenBadgeCredential's proof (whose proofValue is in that file) verifies.

CLR_ISSUER = "https://example.edu/issuers/565049"
CLR_VM = CLR_ISSUER + "#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
CLR_ACHIEVEMENT_1 = "a7467ef6-56cb-11ec-bf63-0242ac130002"
CLR_ACHIEVEMENT_2 = "dd887f0a-56cb-11ec-bf63-0242ac130002"
CLR_PROOF_OPTIONS = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2010-01-01T19:23:24Z",
    "verificationMethod": CLR_VM,
    "proofPurpose": "assertionMethod",
}
OB_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]
CLR_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]


def _clr_profile() -> dict[str, Any]:
    return {"id": CLR_ISSUER, "type": ["Profile"], "name": "Example University"}


def _clr_achievement(uuid: str, number: int) -> dict[str, Any]:
    return {
        "id": f"urn:uuid:{uuid}",
        "type": ["Achievement"],
        "creator": _clr_profile(),
        "name": f"Achievement {number}",
        "description": f"Achievement {number}",
        "criteria": {"id": f"https://example.edu/achievements/{uuid}/criteria"},
        "image": {"id": "https://example.edu/achievements/sample.png", "type": "Image"},
    }


def _clr_badge() -> dict[str, Any]:
    return {
        "@context": OB_CONTEXTS,
        "id": "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _clr_profile(),
        "validFrom": "2010-01-01T00:00:00Z",
        "name": "Example University Degree",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": _clr_achievement(CLR_ACHIEVEMENT_1, 1),
        },
        "credentialSchema": [
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
        "proof": [
            {
                **CLR_PROOF_OPTIONS,
                "proofValue": "z45QnLySMt2mWuW787G6cf3SLkP97ZkMZxLeXH5yaaTQPCtTup4GCV95tU8HEnQJSyGCokSj3AvUhmJtvveTmN4Vu",
            }
        ],
    }


def _clr_credential() -> dict[str, Any]:
    badge = {key: value for key, value in _clr_badge().items() if key != "@context"}
    return {
        "@context": CLR_CONTEXTS,
        "id": "http://example.edu/credentials/3732",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": _clr_profile(),
        "name": "Sample Transcript",
        "validFrom": "2010-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["ClrSubject"],
            "verifiableCredential": [badge],
            "achievement": [_clr_achievement(CLR_ACHIEVEMENT_1, 1), _clr_achievement(CLR_ACHIEVEMENT_2, 2)],
            "association": [
                {
                    "type": "Association",
                    "associationType": "isParentOf",
                    "sourceId": f"urn:uuid:{CLR_ACHIEVEMENT_1}",
                    "targetId": f"urn:uuid:{CLR_ACHIEVEMENT_2}",
                }
            ],
        },
        "credentialSchema": [
            {
                "id": "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
    }


def test_clr_20_document_canon_is_reproduced() -> None:
    assert canonicalize(_clr_credential()) == read_text(CLR20 / "document-canon.txt")


def test_clr_20_embedded_badge_proof_verifies() -> None:
    [result] = verify_proofs(_clr_badge(), FragmentResolver())
    assert (result.verified, result.code) == (True, "proof_valid")


def test_clr_20_proof_canon_is_reproduced() -> None:
    assert canonicalize({**CLR_PROOF_OPTIONS, "@context": CLR_CONTEXTS}) == read_text(CLR20 / "proof-canon.txt")


@pytest.mark.parametrize("path", [CLR20 / "document-canon.txt", CLR20 / "proof-canon.txt", OB30 / "document-canon.txt"])
def test_canonical_files_are_fixed_points(path: Any) -> None:
    """Re-canonicalizing a canonical dataset gives the same bytes (its labels are already canonical)."""
    text = read_text(path)
    assert "\\" not in text  # pyld's N-Quads parser is only trusted here for escape-free input
    assert PyldCanonicalizer().canonicalize_dataset(parse_nquads(text)) == text
