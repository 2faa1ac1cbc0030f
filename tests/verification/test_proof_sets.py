"""Proof sets and proof chains (W3C VC Data Integrity 1.0): every proof of a set must verify; a `previousProof` must
name proofs of the same set, each carried by exactly one proof, without a loop; a chained proof signs the proofs it
names; a proof by another controller's key counts for the set but never stands in for the issuer's; a proof that
could not be checked leaves the credential indeterminate, never valid.

Every case runs for eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019 and ecdsa-jcs-2019. The proofs are made with
the platform's keys by "Add Proof Set/Chain" written out step by step (tests/verification/proof_chains.py), which
reproduces the W3C vc-di-eddsa chain vector byte for byte below; tests/interop/test_proof_set_interop.py verifies
sets and chains that Digital Bazaar's libraries signed.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.verification.helpers import W3C, load_json
from tests.verification.proof_chains import (
    KEYS,
    SUITES,
    add_proof,
    credential,
    key_type,
)
from verification.errors import FetchError
from verification.keys import DidKeyResolver, ed25519_private_from_multibase
from verification.report import Report
from verification.service import verify
from verification.suites import proof_set_problem, verify_proofs
from verification.suites.proof_sets import find_loop

NOW = datetime(2026, 2, 1, tzinfo=UTC)
FIRST, SECOND, THIRD = (f"urn:uuid:7d3c5a1e-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))


class NoStatusSource:
    def get(self, url: str) -> dict[str, Any]:
        raise FetchError(f"No network in the test environment ({url}).")


def _verify(document: dict[str, Any]) -> Report:
    return verify(document, resolver=DidKeyResolver(), status_source=NoStatusSource(), now=NOW)


def _checks(report: Report) -> dict[str, tuple[str, str | None]]:
    return {check.id: (check.status, check.code) for check in report.checks if check.id in ("proof", "issuer_key")}


def _renamed(document: dict[str, Any]) -> dict[str, Any]:
    return {**document, "name": "Another Badge"}


def _keys(cryptosuite: str) -> tuple[Any, Any]:
    return KEYS[key_type(cryptosuite)]


def _issued(cryptosuite: str, **options: Any) -> dict[str, Any]:
    """The credential with the issuer's proof, as the first proof of a set."""
    issuer, _ = _keys(cryptosuite)
    return add_proof(credential(issuer), issuer, cryptosuite=cryptosuite, **options)


VALID = {"proof": ("passed", "proof_valid"), "issuer_key": ("passed", "key_bound")}


# --------------------------------------------------------------------------------------------------------------
# Proof sets


@pytest.mark.parametrize("cryptosuite", SUITES)
def test_a_set_of_two_good_proofs_is_valid(cryptosuite: str) -> None:
    _, notary = _keys(cryptosuite)
    document = add_proof(_issued(cryptosuite), notary, cryptosuite=cryptosuite)
    report = _verify(document)
    assert (report.verdict, _checks(report)) == ("valid", VALID), report.to_dict()
    assert report.check("proof").message.startswith("proof 1 (")  # type: ignore[union-attr]


@pytest.mark.parametrize("cryptosuite", SUITES)
@pytest.mark.parametrize("bad_first", [False, True], ids=["good then bad", "bad then good"])
def test_a_good_proof_beside_a_bad_one_makes_the_set_invalid(cryptosuite: str, bad_first: bool) -> None:
    issuer, notary = _keys(cryptosuite)
    good = _issued(cryptosuite)
    document = add_proof(good, notary, cryptosuite=cryptosuite, signed_over=_renamed)  # over another document
    if bad_first:
        document["proof"].reverse()
    report = _verify(document)
    assert report.verdict == "invalid"
    assert _checks(report) == {"proof": ("failed", "proof_set_invalid"), "issuer_key": ("passed", "key_bound")}
    bad = 1 if bad_first else 2
    assert report.check("proof").message.startswith(  # type: ignore[union-attr]
        f"Proof {bad} does not verify, of the 2 in the credential's proof set, and a proof set holds only when every "
        "proof does."
    )


@pytest.mark.parametrize("cryptosuite", SUITES)
def test_two_bad_proofs_report_the_signature_not_the_set(cryptosuite: str) -> None:
    _, notary = _keys(cryptosuite)
    document = add_proof(_issued(cryptosuite), notary, cryptosuite=cryptosuite)
    document["name"] = "Altered after signing"
    report = _verify(document)
    assert _checks(report)["proof"] == ("failed", "proof_invalid")


@pytest.mark.parametrize("cryptosuite", SUITES)
def test_proofs_of_other_controllers_alone_do_not_make_the_credential_valid(cryptosuite: str) -> None:
    # Both signatures are right, and each key is confirmed by its own controller (a did:key): an endorser's proofs
    # count for the set, but without one bound to the issuer nothing shows the issuer signed.
    issuer, notary = _keys(cryptosuite)
    document = add_proof(credential(issuer), notary, cryptosuite=cryptosuite)
    document = add_proof(document, notary, cryptosuite=cryptosuite, created="2026-01-06T10:00:00Z")
    report = _verify(document)
    assert report.verdict == "invalid"
    assert _checks(report) == {
        "proof": ("passed", "controller_mismatch"),
        "issuer_key": ("failed", "controller_mismatch"),
    }


UNSUPPORTED = {
    "type": "DataIntegrityProof",
    "cryptosuite": "bbs-2023",
    "created": "2026-01-05T10:00:00Z",
    "verificationMethod": "did:example:someone#key-1",
    "proofPurpose": "assertionMethod",
    "proofValue": "u2V0ChVhA",
}


@pytest.mark.parametrize("cryptosuite", SUITES)
def test_a_proof_of_an_unsupported_suite_leaves_the_set_indeterminate(cryptosuite: str) -> None:
    document = _issued(cryptosuite)
    document["proof"].append(UNSUPPORTED)
    report = _verify(document)
    assert report.verdict == "indeterminate"
    assert _checks(report) == {"proof": ("indeterminate", "unsupported_proof"), "issuer_key": ("passed", "key_bound")}


def test_an_unsupported_proof_beside_another_controllers_proof_is_indeterminate_not_invalid() -> None:
    # The proof that could not be checked might be the issuer's: not known, so not refuted.
    issuer, notary = KEYS["ed25519"]
    document = add_proof(credential(issuer), notary, cryptosuite="eddsa-rdfc-2022")
    document["proof"].insert(0, UNSUPPORTED)
    report = _verify(document)
    assert report.verdict == "indeterminate"
    assert _checks(report) == {
        "proof": ("indeterminate", "unsupported_proof"),
        "issuer_key": ("indeterminate", "unsupported_proof"),
    }


def test_an_unsupported_proof_beside_a_bad_one_is_invalid() -> None:
    issuer, _ = KEYS["ed25519"]
    document = add_proof(credential(issuer), issuer, cryptosuite="eddsa-rdfc-2022", signed_over=_renamed)
    document["proof"].append(UNSUPPORTED)
    assert _checks(_verify(document))["proof"] == ("failed", "proof_set_invalid")


# --------------------------------------------------------------------------------------------------------------
# Proof chains


def _chain(cryptosuite: str) -> dict[str, Any]:
    """The issuer's proof, a notary's proof over it, the issuer's again over both (previousProof as a list)."""
    issuer, notary = _keys(cryptosuite)
    document = _issued(cryptosuite, proof_id=FIRST)
    document = add_proof(document, notary, cryptosuite=cryptosuite, proof_id=SECOND, previous=FIRST)
    return add_proof(document, issuer, cryptosuite=cryptosuite, proof_id=THIRD, previous=[FIRST, SECOND])


@pytest.mark.parametrize("cryptosuite", SUITES)
def test_a_valid_chain_is_valid(cryptosuite: str) -> None:
    report = _verify(_chain(cryptosuite))
    assert (report.verdict, _checks(report)) == ("valid", VALID), report.to_dict()


@pytest.mark.parametrize("cryptosuite", SUITES)
@pytest.mark.parametrize("removed", [0, 1])
def test_a_chain_whose_earlier_proof_is_removed_is_invalid(cryptosuite: str, removed: int) -> None:
    document = _chain(cryptosuite)
    gone = document["proof"].pop(removed)
    report = _verify(document)
    assert report.verdict == "invalid"
    assert _checks(report) == {
        "proof": ("failed", "previous_proof_missing"),
        "issuer_key": ("skipped", "not_attributed"),
    }
    assert repr(gone["id"]) in report.check("proof").message  # type: ignore[union-attr]


@pytest.mark.parametrize("cryptosuite", SUITES)
def test_a_dangling_previous_proof_is_invalid(cryptosuite: str) -> None:
    _, notary = _keys(cryptosuite)
    document = add_proof(_issued(cryptosuite, proof_id=FIRST), notary, cryptosuite=cryptosuite, previous=FIRST)
    document["proof"][1]["previousProof"] = "urn:uuid:nowhere"
    report = _verify(document)
    assert _checks(report)["proof"] == ("failed", "previous_proof_missing")
    assert report.check("proof").message == (  # type: ignore[union-attr]
        "Proof 2 builds on the proof 'urn:uuid:nowhere' (previousProof), but no proof of the credential carries that "
        "id: the proof it was made over has been removed, or was never there."
    )


def test_a_lone_proof_naming_a_previous_proof_is_invalid() -> None:
    document = _issued("eddsa-rdfc-2022")
    document["proof"] = {**document["proof"][0], "previousProof": "urn:uuid:nowhere"}
    assert _checks(_verify(document))["proof"] == ("failed", "previous_proof_missing")


@pytest.mark.parametrize("cryptosuite", SUITES)
def test_a_cycle_is_invalid(cryptosuite: str) -> None:
    document = _chain(cryptosuite)
    document["proof"][0]["previousProof"] = THIRD  # 1 → 3 → 1 (and 3 → 2 → 1)
    report = _verify(document)
    assert report.verdict == "invalid"
    assert _checks(report)["proof"] == ("failed", "previous_proof_cycle")
    assert "(proof 1 → proof 3 → proof 1)" in report.check("proof").message  # type: ignore[union-attr]


def test_a_proof_naming_itself_is_a_cycle() -> None:
    document = _issued("eddsa-rdfc-2022", proof_id=FIRST)
    document["proof"][0]["previousProof"] = [FIRST]
    assert _checks(_verify(document))["proof"] == ("failed", "previous_proof_cycle")


@pytest.mark.parametrize("cryptosuite", SUITES)
def test_a_chained_proof_signs_the_proofs_it_names(cryptosuite: str) -> None:
    # The first proof replaced by another the issuer made (valid on its own, same id): the proof chained to the old
    # one no longer verifies, so the chain holds only with the proofs it was made over.
    issuer, notary = _keys(cryptosuite)
    document = _issued(cryptosuite, proof_id=FIRST)
    document = add_proof(document, notary, cryptosuite=cryptosuite, proof_id=SECOND, previous=FIRST)
    again = _issued(cryptosuite, proof_id=FIRST, created="2026-01-07T10:00:00Z")
    document["proof"][0] = again["proof"][0]
    report = _verify(document)
    assert _checks(report)["proof"] == ("failed", "proof_set_invalid")
    assert report.check("proof").message.startswith("Proof 2 does not verify")  # type: ignore[union-attr]


@pytest.mark.parametrize("cryptosuite", SUITES)
def test_a_chained_proof_made_without_its_previous_proof_does_not_verify(cryptosuite: str) -> None:
    # Signed as a member of a plain set (over the document alone) but claiming previousProof: a verifier that left
    # the previous proofs out would accept it.
    _, notary = _keys(cryptosuite)
    document = _issued(cryptosuite, proof_id=FIRST)

    def without_the_previous_proof(input_document: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in input_document.items() if name != "proof"}

    document = add_proof(
        document, notary, cryptosuite=cryptosuite, previous=FIRST, signed_over=without_the_previous_proof
    )
    assert _checks(_verify(document))["proof"] == ("failed", "proof_set_invalid")


def test_two_proofs_with_the_id_a_chained_proof_names_are_ambiguous() -> None:
    issuer, notary = KEYS["ed25519"]
    document = _issued("eddsa-rdfc-2022", proof_id=FIRST)
    document = add_proof(document, notary, cryptosuite="eddsa-rdfc-2022", proof_id=SECOND, previous=FIRST)
    document = add_proof(document, notary, cryptosuite="eddsa-rdfc-2022", proof_id=FIRST)
    report = _verify(document)
    assert _checks(report)["proof"] == ("failed", "previous_proof_ambiguous")
    assert "proofs 1 and 3 both carry that id" in report.check("proof").message  # type: ignore[union-attr]
    # The same ids without a proof naming them: nothing is ambiguous, and the set verifies.
    del document["proof"][1]
    assert _verify(document).verdict == "valid"


@pytest.mark.parametrize("previous", [7, [FIRST, 7], {"id": FIRST}])
def test_a_previous_proof_that_is_not_ids_is_malformed(previous: Any) -> None:
    issuer, notary = KEYS["ed25519"]
    document = add_proof(_issued("eddsa-rdfc-2022", proof_id=FIRST), notary, cryptosuite="eddsa-rdfc-2022")
    document["proof"][1]["previousProof"] = previous
    report = _verify(document)
    assert _checks(report)["proof"] == ("failed", "proof_malformed")
    assert report.check("proof").message == "Proof 2's previousProof must be a proof id or a list of proof ids."  # type: ignore[union-attr]


def test_the_suites_refuse_a_broken_chain_on_their_own() -> None:
    # verify_proofs (also used without the proof check, e.g. by the bench) reports the same codes per proof.
    document = _chain("eddsa-rdfc-2022")
    missing = copy.deepcopy(document)
    del missing["proof"][0]
    assert [result.code for result in verify_proofs(missing, DidKeyResolver())] == [
        "previous_proof_missing",
        "previous_proof_missing",
    ]
    doubled = copy.deepcopy(document)
    doubled["proof"].append(copy.deepcopy(doubled["proof"][0]))
    assert [result.code for result in verify_proofs(doubled, DidKeyResolver())][1:3] == [
        "previous_proof_ambiguous",
        "previous_proof_ambiguous",
    ]


def test_a_status_list_whose_proofs_do_not_form_a_set_is_not_trusted() -> None:
    from verification.checks.common import VerificationContext
    from verification.checks.status import _list_signature_ok

    ctx = VerificationContext(resolver=DidKeyResolver(), status_source=NoStatusSource(), now=NOW)
    document = _chain("eddsa-rdfc-2022")
    assert _list_signature_ok(document, ctx) is True
    del document["proof"][0]
    assert _list_signature_ok(document, ctx) is False


# --------------------------------------------------------------------------------------------------------------
# The W3C vc-di-eddsa proof chain vector: reproduced by the steps above, and broken the ways a chain breaks

CHAIN = W3C / "proof-set-chain"


def test_the_steps_reproduce_the_w3c_proof_chain_byte_for_byte() -> None:
    pairs = load_json(CHAIN / "multiKeyPairs.json")
    keys = [ed25519_private_from_multibase(pairs[f"keyPair{n}"]["privateKeyMultibase"]) for n in range(1, 5)]
    expected = load_json(CHAIN / "signedProofChain2.json")
    document = load_json(CHAIN / "unsigned.json")
    for key, proof in zip(keys, expected["proof"], strict=True):
        document = add_proof(
            document,
            key,
            cryptosuite="eddsa-rdfc-2022",
            proof_id=proof.get("id"),
            previous=proof.get("previousProof"),
            created=proof["created"],
            verification_method_id=proof["verificationMethod"],
        )
    assert document == expected


def test_the_w3c_chain_without_its_first_proofs_is_refused() -> None:
    chain = load_json(CHAIN / "signedProofChain2.json")
    assert proof_set_problem(chain) is None
    shortened = {**chain, "proof": chain["proof"][2:]}
    problem = proof_set_problem(shortened)
    assert problem is not None and problem.code == "previous_proof_missing"
    assert "'urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544'" in problem.message
    reordered = {**chain, "proof": list(reversed(chain["proof"]))}  # a set has no order: still well made
    assert proof_set_problem(reordered) is None


def test_loops_are_found_without_recursion() -> None:
    chain = {n: [n - 1] for n in range(1, 20_000)}  # deeper than any recursion limit
    assert find_loop(chain) is None
    assert find_loop({**chain, 0: [19_999]}) is not None
    assert find_loop({1: [1]}) == [1, 1]
    assert find_loop({1: [2], 2: [3], 3: [2]}) == [2, 3, 2]
