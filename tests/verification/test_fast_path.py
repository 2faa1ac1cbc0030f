"""The fast path (verification.fastrdf) against the reference path (pyld + corrected RDFC-1.0):
identical canonical N-Quads on every vector, sample and realistic credential, identical refusals,
signatures that cross between the paths, and the per-document path counter."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.verification import test_vectors as vectors
from tests.verification.credentials import open_badge_credential
from tests.verification.helpers import CLR20, OB30, SAMPLES, W3C, FragmentResolver, load_json, read_text
from tests.verification.test_canon import poison_clique
from tests.verification.test_fast_path_support import (
    assert_same,
    documents_of,
    engine,
    fast,
    fast_reason,
    installed,
    json_files,
    reference,
)
from verification import canon, fastrdf, fastrdf_terms, rdfc
from verification.canon import FastPathCanonicalizer, PyldCanonicalizer
from verification.errors import CanonicalizationError, ContextError, InputError, JsonLdError
from verification.keys import ed25519_private_from_multibase
from verification.suites import DataIntegritySigner, eddsa_rdfc, verify_proofs
from verification.suites.base import ProofHashCache

VC2 = "https://www.w3.org/ns/credentials/v2"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"


def test_the_fast_path_is_the_default_engine() -> None:
    assert isinstance(canon.get_canonicalizer(), FastPathCanonicalizer)


# ------------------------------------------------------------------------------------------------
# Every vector and sample


def _cases() -> list[tuple[Path, str]]:
    return [(path, label) for path in json_files() for label, _ in documents_of(path)]


@pytest.mark.parametrize(("path", "label"), _cases(), ids=lambda value: getattr(value, "name", value))
def test_every_vector_and_sample_document(path: Path, label: str) -> None:
    document = dict(documents_of(path))[label]
    assert_same(document)


def test_the_fast_path_covers_the_samples_and_vectors() -> None:
    """What a verifier canonicalizes of each sample (the unsecured credential and the proof
    configuration) takes the fast path, Hash N-Degree Quads included."""
    taken, declined = [], {}
    for path in json_files():
        for label, document in documents_of(path):
            if "unsecured" not in label and "configuration" not in label:
                continue
            if reference(document)[0] != "ok":
                continue
            reason = fast_reason(document)
            if reason is None:
                taken.append((path.name, label))
            else:
                declined[(path.name, label)] = reason
    # credential-status-revoked.json names its issuer twice with the same address, and
    # complete.json repeats identical nested objects: their blank nodes share first-degree
    # hashes and the fast path runs Hash N-Degree Quads for them (test_fast_path_n_degree.py).
    assert declined == {}
    assert ("complete.json", "document unsecured") in taken
    assert ("credential-status-revoked.json", "document unsecured") in taken
    assert len(taken) >= 57


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            lambda: load_json(OB30 / "ob30-eddsa-rdfc-2022-vector.json")["unsignedCredential"],
            OB30 / "document-canon.txt",
        ),
        (
            lambda: load_json(W3C / "eddsa-rdfc-2022" / "proofConfigDataInt.json"),
            W3C / "eddsa-rdfc-2022" / "proofCanonDataInt.txt",
        ),
        (lambda: vectors._clr_credential(), CLR20 / "document-canon.txt"),
        (lambda: {**vectors.CLR_PROOF_OPTIONS, "@context": vectors.CLR_CONTEXTS}, CLR20 / "proof-canon.txt"),
    ],
    ids=["ob30-document", "w3c-proof", "clr20-document", "clr20-proof"],
)
def test_published_canonical_forms_come_from_the_fast_path(document: Any, expected: Path) -> None:
    built = document()
    output = fast(built)
    if output is None:  # the CLR document embeds signed badges ("proof" is a @graph container)
        assert fast_reason(built) == "a key is not a term the fast path covers"
        assert canon.canonicalize(built) == read_text(expected)
        return
    assert output == read_text(expected)


def test_w3c_document_vector() -> None:
    signed = load_json(W3C / "eddsa-rdfc-2022" / "signedDataInt.json")
    unsecured = {key: value for key, value in signed.items() if key != "proof"}
    assert canon.canonicalize(unsecured) == read_text(W3C / "eddsa-rdfc-2022" / "canonDocDataInt.txt")
    assert_same(unsecured)


# ------------------------------------------------------------------------------------------------
# Realistic credentials and their variations


def test_platform_credential_takes_the_fast_path() -> None:
    document = open_badge_credential()
    assert fast(document) is not None
    assert assert_same(document)


def _variant(change: Any) -> dict[str, Any]:
    document = open_badge_credential()
    change(document)
    return document


def _achievement(document: dict[str, Any]) -> dict[str, Any]:
    return document["credentialSubject"]["achievement"]


VARIANTS = {
    "issuer as a string": lambda d: d.update(issuer=d["issuer"]["id"]),
    "no optional fields": lambda d: [d.pop(k) for k in ("description", "validUntil", "evidence", "credentialStatus")],
    "numbers and booleans": lambda d: _achievement(d).update(creditsAvailable=2.5),
    "integral float": lambda d: _achievement(d).update(creditsAvailable=3.0),
    "big integer": lambda d: _achievement(d).update(creditsAvailable=10**22),
    "negative float": lambda d: _achievement(d).update(creditsAvailable=-1e-7),
    "null value": lambda d: d.update(description=None),
    "empty list": lambda d: _achievement(d).update(tag=[]),
    "duplicate tags": lambda d: _achievement(d).update(tag=["a", "a", "b"]),
    "list with null": lambda d: _achievement(d).update(tag=["a", None]),
    "empty criteria": lambda d: _achievement(d).update(criteria={}),
    "bare reference": lambda d: _achievement(d).update(criteria={"id": "https://example.org/criteria"}),
    "creator profile": lambda d: _achievement(d).update(
        creator={
            "id": "https://example.org/creator",
            "type": "Profile",
            "name": "Creator",
            "address": {"type": ["Address"], "addressCountry": "NL"},
            "otherIdentifier": [{"type": "IdentifierEntry", "identifier": "X", "identifierType": "sourcedId"}],
        }
    ),
    "same issuer nested twice": lambda d: _achievement(d).update(creator=copy.deepcopy(d["issuer"])),
    "context 3.0.2": lambda d: d.update(
        {"@context": [VC2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json", EXTENSIONS]}
    ),
    "single type string": lambda d: d["credentialSubject"].update(type="AchievementSubject"),
    "control characters": lambda d: d.update(name='a\x00b\x01c\x08d\x09e\x0af\x0bg\x0ch\x0di\x1fj\x7fk"l\\m'),
    "unicode": lambda d: d.update(name="Zoë ✓ \u2028 \x80 \U0001f600 \ufeff"),
    "special characters in an IRI": lambda d: d.update(id='https://example.org/a<b>"c{d}|e^f`g\\h'),
    "absolute IRI type": lambda d: d["type"].append("https://example.org/types#Extra"),
    "many alignments": lambda d: _achievement(d).update(
        alignment=[
            {"type": ["Alignment"], "targetName": f"Skill {i}", "targetUrl": f"https://example.org/s/{i}"}
            for i in range(60)
        ]
    ),
    "long text": lambda d: d.update(description="Lorem ipsum dolor sit amet. " * 2000),
    "allowedValue list": lambda d: _achievement(d)["resultDescription"][0].update(allowedValue=["A", "B", "C", "D"]),
    "embedded endorsement": lambda d: d.update(
        endorsement=[
            {
                "@context": [VC2, OB303],
                "id": "urn:uuid:0b5e7f52-7d3c-4f0e-9a53-1c6b1f1d2e99",
                "type": ["VerifiableCredential", "EndorsementCredential"],
                "issuer": {"id": "https://example.org/endorser", "type": ["Profile"], "name": "E"},
                "validFrom": "2024-01-01T00:00:00Z",
                "name": "Endorsement",
                "credentialSubject": {
                    "id": "https://example.org/achievement",
                    "type": ["EndorsementSubject"],
                    "endorsementComment": "Good",
                },
            }
        ]
    ),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variants_of_the_platform_credential(name: str) -> None:
    document = _variant(VARIANTS[name])
    assert reference(document)[0] == "ok"
    assert assert_same(document), fast_reason(document)


def test_identical_nested_objects_take_the_fast_path() -> None:
    # Two blank nodes with one first-degree hash: the fast path runs Hash N-Degree Quads.
    document = open_badge_credential()
    alignments = _achievement(document)["alignment"]
    alignments.append(copy.deepcopy(alignments[0]))
    assert assert_same(document)


def test_values_pyld_merges_or_keeps_are_left_to_it() -> None:
    # pyld de-duplicates 1 and 1.0 (same value) but keeps "1" and 1 (different JSON types); the
    # fast path only answers where its de-duplication provably matches.
    for tags, answered in (([1, 1.0], True), ([True, 1], True), (["1", 1], True), ([1.5, 1.5], True)):
        document = _variant(lambda d, tags=tags: _achievement(d).update(tag=tags))
        assert assert_same(document) == answered


# ------------------------------------------------------------------------------------------------
# Refusals: the fast path declines, the reference path refuses, the engine raises the same error


def _issuer_undefined_term(document: dict[str, Any]) -> None:
    document["issuer"]["grade"] = "A+"


REFUSED: dict[str, tuple[Any, type[Exception]]] = {
    "undefined term": (lambda d: _achievement(d).update(grade="A+"), JsonLdError),
    "undefined term in a profile": (_issuer_undefined_term, JsonLdError),
    "keyword-like key": (lambda d: d.update({"@grade": "A+"}), JsonLdError),
    "relative id": (lambda d: d.update(id="credentials/3732"), JsonLdError),
    "relative reference": (lambda d: _achievement(d).update(criteria={"id": "criteria/1"}), JsonLdError),
    "relative type": (lambda d: d["type"].append("UnknownCredential"), JsonLdError),
    "undefined schema type": (lambda d: d.update({"@context": [VC2, OB303]}), JsonLdError),
    "id with whitespace": (lambda d: d.update(id="https://example.org/a b"), JsonLdError),
    "unknown context": (lambda d: d["@context"].append("https://example.org/context.json"), ContextError),
    "lookalike context": (lambda d: d["@context"].__setitem__(0, VC2 + "/"), ContextError),
    "inline context redefining a term": (
        lambda d: d["@context"].append({"name": "https://example.org/name"}),
        ContextError,
    ),
    "embedded unknown context": (
        lambda d: _achievement(d).update({"@context": ["https://example.org/x"]}),
        ContextError,
    ),
    "lone surrogate": (lambda d: d.update(name="bad \ud800 text"), InputError),
    "lone surrogate in an id": (lambda d: d.update(id="https://example.org/\udfff"), InputError),
    "not a JSON value": (lambda d: d.update(name={1, 2}), InputError),
    "non-finite number": (lambda d: _achievement(d).update(creditsAvailable=float("nan")), InputError),
    "empty object at the top": (lambda d: [d.pop(k) for k in list(d) if k != "@context"], JsonLdError),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refusal_parity(name: str) -> None:
    change, error = REFUSED[name]
    document = _variant(change)
    assert fast(document) is None
    expected = reference(document)
    assert expected[0] == "error" and expected[1] == error.__name__, expected
    assert engine(document) == expected
    with pytest.raises(error):
        canon.canonicalize(document)


def test_deep_nesting_is_refused_by_both() -> None:
    document = open_badge_credential()
    node = _achievement(document)
    for _ in range(80):
        node["creator"] = {"type": "Profile", "name": "n"}
        node = node["creator"]
    assert fast(document) is None
    expected = reference(document)
    assert expected[:2] == ("error", "InputError")
    assert engine(document) == expected


def test_blank_node_clique_is_refused_by_both() -> None:
    document = poison_clique(10)
    assert fast(document) is None
    expected = reference(document)
    assert expected[:3] == ("error", "CanonicalizationError", "canonicalization_limit")
    assert engine(document) == expected


def test_work_limit_is_the_reference_paths() -> None:
    # Two identical alignments need one Hash N-Degree Quads run each; with no budget the
    # reference path refuses, and so does the engine (the fast path declines when it runs out).
    document = open_badge_credential()
    alignments = _achievement(document)["alignment"]
    alignments.append(copy.deepcopy(alignments[0]))
    strict = FastPathCanonicalizer(PyldCanonicalizer(max_work_factor=0))
    with pytest.raises(CanonicalizationError):
        PyldCanonicalizer(max_work_factor=0).canonicalize(document)
    with pytest.raises(CanonicalizationError):
        strict.canonicalize(document)
    assert fast_reason(document, max_work_factor=0) == "work limit of Hash N-Degree Quads"
    assert fast_reason(document, max_work_factor=1) is None
    # A dataset that needs no Hash N-Degree Quads is refused by no budget.
    assert strict.canonicalize(open_badge_credential()) == PyldCanonicalizer().canonicalize(open_badge_credential())


def test_the_fast_path_only_ever_declines() -> None:
    document: Any
    for document in (None, [], "x", {"@context": 5}, {"@context": [VC2], "id": 5}, {"@context": [VC2], "name": [[1]]}):
        with pytest.raises(fastrdf.Unsupported):
            fastrdf.fast_canonicalize(document)


# ------------------------------------------------------------------------------------------------
# Signatures cross between the paths


KEY = ed25519_private_from_multibase(load_json(W3C / "keyPair.json")["privateKeyMultibase"])


def _signed_by(engine_: canon.Canonicalizer, document: dict[str, Any], vm: str) -> dict[str, Any]:
    # Below the signer's conformance gate: some variants (a null in a list) are odd JSON on purpose, to compare
    # how the two paths canonicalize them; the platform itself would refuse to sign them (verification.datamodel).
    with installed(engine_):
        proof = DataIntegritySigner(KEY, vm, created="2025-03-01T09:30:00Z")._signed_proof(document)
    return {**document, "proof": proof}


def _verified_by(engine_: canon.Canonicalizer, document: dict[str, Any], monkeypatch: Any) -> list[str]:
    monkeypatch.setattr(eddsa_rdfc, "_PROOF_HASHES", ProofHashCache(max_entries=0))
    with installed(engine_):
        return [result.code for result in verify_proofs(document, FragmentResolver())]


def _sign_verify_both_ways(document: dict[str, Any], monkeypatch: Any) -> None:
    vm = document["issuer"]["id"] + "#" + load_json(W3C / "keyPair.json")["publicKeyMultibase"]
    by_fast = _signed_by(FastPathCanonicalizer(), document, vm)
    by_reference = _signed_by(PyldCanonicalizer(), document, vm)
    assert by_fast == by_reference  # Ed25519 is deterministic: same bytes signed
    assert _verified_by(PyldCanonicalizer(), by_fast, monkeypatch) == ["proof_valid"]
    assert _verified_by(FastPathCanonicalizer(), by_reference, monkeypatch) == ["proof_valid"]


def test_platform_credential_signed_by_one_path_verifies_with_the_other(monkeypatch: Any) -> None:
    _sign_verify_both_ways(open_badge_credential(), monkeypatch)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variants_signed_by_one_path_verify_with_the_other(name: str, monkeypatch: Any) -> None:
    document = _variant(VARIANTS[name])
    if not isinstance(document["issuer"], dict):
        document["issuer"] = {"id": document["issuer"], "type": ["Profile"], "name": "I"}
    _sign_verify_both_ways(document, monkeypatch)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda path: path.name)
def test_samples_verify_the_same_on_both_paths(path: Path, monkeypatch: Any) -> None:
    document = load_json(path)
    assert _verified_by(FastPathCanonicalizer(), document, monkeypatch) == _verified_by(
        PyldCanonicalizer(), document, monkeypatch
    )


# ------------------------------------------------------------------------------------------------
# Which path each call took


def test_signed_documents_with_proof_graphs_take_the_fast_path() -> None:
    # `proof` is a @graph container: each proof is a named graph of its own.
    for path in (
        SAMPLES / "simple.json",
        SAMPLES / "endorsement-valid.json",
        W3C / "eddsa-rdfc-2022" / "signedDataInt.json",
    ):
        signed = load_json(path)
        output = fast(signed)
        assert output is not None, fast_reason(signed)
        # The proof's quads carry their graph's (blank node) name.
        assert any("proofValue" in line and line.split(" ")[-2].startswith("_:c14n") for line in output.splitlines())
        assert_same(signed)


def test_path_counter() -> None:
    canon.reset_path_counts()
    engine_ = FastPathCanonicalizer()
    engine_.canonicalize(open_badge_credential())
    engine_.canonicalize(load_json(SAMPLES / "simple.json"))
    twice = open_badge_credential()
    _achievement(twice)["alignment"] *= 2
    engine_.canonicalize(twice)
    with pytest.raises(JsonLdError):
        engine_.canonicalize(_variant(REFUSED["undefined term"][0]))
    assert canon.path_counts() == {"fast": 3, "reference": 1}
    assert canon.fallback_reasons() == {"a key is not a term the fast path covers": 1}
    canon.reset_path_counts()
    assert canon.path_counts() == {"fast": 0, "reference": 0}
    assert canon.fallback_reasons() == {}


def test_context_processing_is_cached_per_context() -> None:
    document = open_badge_credential()
    fast(document)
    states = len(fastrdf_terms._STATES)
    for _ in range(3):
        fast(document)
    assert len(fastrdf_terms._STATES) == states


def test_escaping_check_matches_the_translate_tables_for_every_code_point() -> None:
    # escape_literal / escape_iri skip str.translate when the search finds nothing to escape.
    for code in (*range(0xD800), *range(0xE000, 0x110000)):
        char = chr(code)
        assert (rdfc._LITERAL_SPECIAL(char) is not None) == (char.translate(rdfc._LITERAL_ESCAPES) != char), code
        assert (rdfc._IRI_SPECIAL(char) is not None) == (char.translate(rdfc._IRI_ESCAPES) != char), code


def test_concurrent_canonicalization_is_consistent() -> None:
    from concurrent.futures import ThreadPoolExecutor

    documents = [_variant(VARIANTS[name]) for name in sorted(VARIANTS)] + [load_json(SAMPLES / "simple.json")]
    expected = [reference(document) for document in documents]
    engine_ = FastPathCanonicalizer()

    def run(index: int) -> tuple[str, str]:
        return ("ok", engine_.canonicalize(documents[index % len(documents)]))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, range(len(documents) * 8)))
    assert results == [expected[index % len(documents)] for index in range(len(documents) * 8)]
