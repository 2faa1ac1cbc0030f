"""Hash N-Degree Quads on the fast path, proved in two steps.

When blank nodes share a first-degree hash, the fast path builds the document again in the order
pyld's node map visits it. That rebuild is pyld's dataset itself: the same blank node labels
(`_:b0`, `_:b1`, ...) and the same quads in the same order (step 1: compared quad for quad on every
vector, sample, shape below and generated credential). The labelling then runs the reference
path's own code (`rdfc.Rdfc10.issue_canonical_ids` and `hash_n_degree_quads`, inherited by
`fastrdf._CompactRdfc10`) over pre-serialized quads, so given the same dataset both make the same
choices (step 2: the same canonical label for every blank node, the same work budget left, the
same refusal, at every budget tried).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.verification.credentials import ISSUER_ID, open_badge_credential
from tests.verification.helpers import SAMPLES, load_json
from tests.verification.test_fast_path import _sign_verify_both_ways
from tests.verification.test_fast_path_generated import OB301, OB302, OB303, credentials
from tests.verification.test_fast_path_support import (
    documents_of,
    fast_quads,
    fast_reason,
    json_files,
    labelling,
    outcome,
    reference_quads,
)
from verification import canon, fastrdf, jsonld
from verification.canon import FastPathCanonicalizer, PyldCanonicalizer
from verification.errors import VerificationError

BUDGETS = (0, 0.5, 1, 2)
WORK_LIMIT = "work limit of Hash N-Degree Quads"


def _reference_quads_or_none(document: Any) -> list[Any] | None:
    try:
        return reference_quads(document)
    except VerificationError:
        return None


# ------------------------------------------------------------------------------------------------
# Step 1: the rebuild is pyld's dataset


@pytest.mark.parametrize("path", json_files(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_the_rebuild_is_pyld_s_dataset_for_every_vector_and_sample(path: Any) -> None:
    for label, document in documents_of(path):
        rebuilt = fast_quads(document)
        if rebuilt is None:
            continue
        assert rebuilt == reference_quads(document), label


def test_complete_sample_takes_the_fast_path_with_n_degree_hashing() -> None:
    # complete.json repeats its issuer profile, an endorsement and lists: nine groups of blank
    # nodes share first-degree hashes, and a result description's allowedValue is a @list.
    document = load_json(SAMPLES / "complete.json")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    runs = labelling(unsecured, 1)
    assert runs["fast"] == runs["reference"]
    assert runs["reference"][0] == "ok" and runs["reference"][3] > runs["reference"][4] >= 0  # N-degree ran
    assert any(quad[1].endswith("22-rdf-syntax-ns#first>") for quad in fast_quads(unsecured) or [])
    assert fastrdf.fast_canonicalize(copy.deepcopy(unsecured)) == PyldCanonicalizer().canonicalize(unsecured)


# ------------------------------------------------------------------------------------------------
# Shapes that need Hash N-Degree Quads, at several budgets


def _achievement(document: dict[str, Any]) -> dict[str, Any]:
    return document["credentialSubject"]["achievement"]


def _repeat(value: Any, times: int) -> list[Any]:
    return [copy.deepcopy(value) for _ in range(times)]


def _alignments(document: dict[str, Any], times: int) -> None:
    _achievement(document)["alignment"] = _repeat(_achievement(document)["alignment"][0], times)


def _achievements_without_id(document: dict[str, Any], times: int) -> None:
    # Blank-node achievements with repeated blank-node alignments: recursion through the parent.
    achievement = _achievement(document)
    del achievement["id"]
    achievement["alignment"] = _repeat(achievement["alignment"][0], 2)
    document["credentialSubject"]["achievement"] = _repeat(achievement, times)


def _results(document: dict[str, Any], times: int) -> None:
    # credentialSubject has no id: the repeated results hang off a blank node.
    document["credentialSubject"]["result"] = _repeat(document["credentialSubject"]["result"][0], times)


def _evidence_without_id(document: dict[str, Any], times: int) -> None:
    evidence = document["evidence"][0]
    del evidence["id"]
    document["evidence"] = _repeat(evidence, times)


def _identity_objects(document: dict[str, Any], times: int) -> None:
    subject = document["credentialSubject"]
    subject["identifier"] = _repeat(subject["identifier"][0], times)


ADDRESS = {"type": ["Address"], "addressCountry": "Netherlands", "addressLocality": "Delft", "postalCode": "2628"}


def _issuer_named_twice(document: dict[str, Any], times: int) -> None:
    # One profile (one IRI) embedded in several places, each time with an identical address:
    # pyld merges the profile and keeps one blank address per occurrence.
    document["issuer"]["address"] = copy.deepcopy(ADDRESS)
    _achievement(document)["creator"] = _repeat(document["issuer"], times - 1)


def _allowed_values(document: dict[str, Any], times: int) -> None:
    # Repeated result descriptions without id, each with an allowedValue @list.
    description = _achievement(document)["resultDescription"][0]
    del description["id"]
    description.update(resultType="Status", allowedValue=["Pass", "Merit", "Distinction"])
    _achievement(document)["resultDescription"] = _repeat(description, times)


def _self_embedded_profile(document: dict[str, Any], times: int) -> None:
    # The issuer embeds itself (parentOrg with the same id): pyld links a node to its parent
    # before expanding it, which decides the order of the issuer's parentOrg values.
    issuer = document["issuer"]
    issuer["address"] = _repeat(ADDRESS, times)
    issuer["parentOrg"] = {"id": ISSUER_ID, "type": ["Profile"], "name": "Parent", "address": copy.deepcopy(ADDRESS)}


def _endorsements(document: dict[str, Any], times: int) -> None:
    # Identical embedded endorsements: their proofs are named graphs whose blank names share hashes.
    endorsement = {
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": "https://endorser.example.org/", "type": ["Profile"], "name": "Endorser"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://badges.example.edu/achievements/data-stewardship",
            "type": ["EndorsementSubject"],
            "endorsementComment": "Rigorous.",
        },
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2025-01-01T00:00:00Z",
            "verificationMethod": "https://endorser.example.org/#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKiYgTHAHGkUsMbR6y",
        },
    }
    _achievement(document)["endorsement"] = _repeat(endorsement, times)


def _escaped_iris(document: dict[str, Any], times: int) -> None:
    # Subjects whose IRIs N-Quads escapes: pyld sorts subjects by the raw IRI.
    evidence = document["evidence"][0]
    document["evidence"] = [
        {**copy.deepcopy(evidence), "id": f"https://badges.example.edu/evidence/{{{n}}}|^`"} for n in range(times)
    ]
    for item in document["evidence"]:
        item["name"] = "Report"
        item["alignment"] = _repeat({"type": ["Alignment"], "targetName": "t", "targetUrl": "https://e.org/t"}, 2)


def _two_keys_for_one_property(document: dict[str, Any], times: int) -> None:
    # In an Achievement, the type term "Criteria" and the property "criteria" share one IRI:
    # pyld orders the values of such keys by key ("Criteria" first), whatever the JSON order.
    achievement = _achievement(document)
    del achievement["criteria"]
    achievement["Criteria"] = _repeat({"narrative": "Same"}, times - 1)
    achievement["criteria"] = {"narrative": "Same"}


SHAPES: dict[str, Callable[[dict[str, Any], int], None]] = {
    "alignments": _alignments,
    "achievements without id": _achievements_without_id,
    "results of a blank subject": _results,
    "evidence without id": _evidence_without_id,
    "identity objects": _identity_objects,
    "issuer named twice": _issuer_named_twice,
    "allowed-value lists": _allowed_values,
    "self-embedded profile": _self_embedded_profile,
    "endorsements with proof graphs": _endorsements,
    "escaped IRIs": _escaped_iris,
    "two keys for one property": _two_keys_for_one_property,
}


def _shape(name: str, times: int) -> dict[str, Any]:
    document = open_badge_credential()
    SHAPES[name](document, times)
    return document


@pytest.mark.parametrize("times", [2, 3, 5])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shapes_at_every_budget(name: str, times: int) -> None:
    document = _shape(name, times)
    assert fast_quads(document) == reference_quads(document)
    for budget in BUDGETS:
        runs = labelling(document, budget)
        assert runs["fast"] == runs["reference"], budget
        # The engines agree (result or refusal) and the fast path answers whenever the reference
        # path accepts; where the budget runs out it declines and the reference path refuses.
        expected = outcome(PyldCanonicalizer(max_work_factor=budget).canonicalize, document)
        assert outcome(FastPathCanonicalizer(PyldCanonicalizer(max_work_factor=budget)).canonicalize, document) == (
            expected
        )
        reason = fast_reason(document, max_work_factor=budget)
        if expected[0] == "ok":
            assert reason is None
            assert runs["reference"][1] == expected[1]
        else:
            assert expected[1:3] == ("CanonicalizationError", "canonicalization_limit")
            assert reason == WORK_LIMIT


def test_shapes_reach_both_sides_of_the_work_limit() -> None:
    # The shapes above exercise Hash N-Degree Quads and the limit itself, not just easy datasets.
    verdicts: dict[str, set[str]] = {}
    for name in SHAPES:
        for times in (2, 3, 5):
            runs = labelling(_shape(name, times), 1)
            _, _, _, budget, left, _ = runs["reference"]
            assert budget > 0, name  # blank nodes shared a first-degree hash
            assert left < budget or runs["reference"][0] == "refused", name  # and N-degree ran
            verdicts.setdefault(runs["reference"][0], set()).add(name)
    assert "achievements without id" in verdicts["refused"]
    assert len(verdicts["ok"]) >= 8


@pytest.mark.parametrize(
    "name", ["alignments", "issuer named twice", "allowed-value lists", "endorsements with proof graphs"]
)
def test_shapes_signed_by_one_path_verify_with_the_other(name: str, monkeypatch: Any) -> None:
    _sign_verify_both_ways(_shape(name, 3), monkeypatch)


def test_the_path_counter_counts_n_degree_documents_as_fast() -> None:
    canon.reset_path_counts()
    FastPathCanonicalizer().canonicalize(_shape("issuer named twice", 2))
    assert canon.path_counts() == {"fast": 1, "reference": 0}
    FastPathCanonicalizer().canonicalize(open_badge_credential())
    assert canon.path_counts() == {"fast": 2, "reference": 0}
    canon.reset_path_counts()


# ------------------------------------------------------------------------------------------------
# pyld's de-duplication, mirrored in its own order


def _empty_lists_of_one_node(document: dict[str, Any]) -> None:
    # One result description (one id) embedded twice, each time with an empty allowedValue list:
    # pyld keeps both rdf:nil values, so its dataset holds the same quad twice.
    descriptions = _achievement(document)["resultDescription"]
    descriptions[0]["allowedValue"] = []
    descriptions.append(copy.deepcopy(descriptions[0]))


DEDUPLICATION: dict[str, Callable[[dict[str, Any]], None]] = {
    "a duplicate quad": _empty_lists_of_one_node,
    # Different JSON values, one RDF term ("1.0E300"^^xsd:double): pyld keeps both, a duplicate quad.
    "float, then integer, one term": lambda d: d.update(name=[1e300, 10**300]),
    "integer, then float, one term": lambda d: d.update(name=[10**300, 1e300]),
}


@pytest.mark.parametrize("name", sorted(DEDUPLICATION))
def test_pyld_s_deduplication_is_mirrored_in_its_order(name: str, monkeypatch: Any) -> None:
    document = open_badge_credential()
    DEDUPLICATION[name](document)
    rebuilt: list[int] = []
    original = fastrdf._canonical_in_pyld_order

    def counted(*args: Any) -> Any:
        rebuilt.append(1)
        return original(*args)

    monkeypatch.setattr(fastrdf, "_canonical_in_pyld_order", counted)
    expected = outcome(PyldCanonicalizer().canonicalize, document)
    assert expected[0] == "ok"
    assert ("ok", fastrdf.fast_canonicalize(copy.deepcopy(document))) == expected
    assert rebuilt  # decided on pyld's own dataset
    assert fast_quads(document) == reference_quads(document)
    lines = expected[1].splitlines()
    assert len(lines) != len(set(lines))  # the duplicate quad is there, as pyld keeps it


# ------------------------------------------------------------------------------------------------
# Generated credentials with repeated nested objects


def _slots(value: Any) -> list[tuple[dict[str, Any], str]]:
    """(object, key) pairs whose value is a node object or a list holding one."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if key == "@context":
                    continue
                children = child if isinstance(child, list) else [child]
                if any(isinstance(entry, dict) for entry in children):
                    found.append((item, key))
                stack.extend(children)
        elif isinstance(item, list):
            stack.extend(item)
    return found


@st.composite
def repeated(draw: Any) -> dict[str, Any]:
    document = draw(credentials(ob=draw(st.sampled_from([OB303, OB302, OB301]))))
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(document)
        if not slots:
            break
        parent, key = slots[draw(st.integers(0, len(slots) - 1))]
        value = parent[key]
        items = value if isinstance(value, list) else [value]
        nodes = [item for item in items if isinstance(item, dict)]
        chosen = nodes[draw(st.integers(0, len(nodes) - 1))]
        parent[key] = [*items, *_repeat(chosen, draw(st.integers(1, 2)))]
    return document


@pytest.mark.parametrize("run", [1, 2])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=repeated())
def test_generated_credentials_with_repeats(run: int, document: dict[str, Any]) -> None:
    expected = outcome(PyldCanonicalizer().canonicalize, document)
    assert outcome(FastPathCanonicalizer().canonicalize, document) == expected
    rebuilt = fast_quads(document)
    pyld_dataset = _reference_quads_or_none(document)
    if rebuilt is None:
        assert expected[0] == "error", fast_reason(document)  # a valid credential is never declined
        event(f"declined: {fast_reason(document)}")
        return
    assert rebuilt == pyld_dataset
    runs = labelling(document, 1)
    assert runs["fast"] == runs["reference"]
    event(f"reference {runs['reference'][0]}, N-degree budget {'>0' if runs['reference'][3] else '0'}")
    reason = fast_reason(document)
    if reason is None:
        assert ("ok", fastrdf.fast_canonicalize(copy.deepcopy(document))) == expected
    else:
        assert reason == WORK_LIMIT and expected[1] == "CanonicalizationError"


def test_a_document_pyld_refuses_is_not_rebuilt() -> None:
    # A document pyld refuses is never rebuilt into a dataset (the fast path declines first).
    document = open_badge_credential()
    document["credentialSubject"]["grade"] = "A+"
    assert fast_quads(document) is None
    with pytest.raises(VerificationError):
        jsonld.to_rdf(document)
