"""Proof sets and proof chains signed by another implementation (Digital Bazaar's Data Integrity libraries:
eddsa-rdfc-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019; tests/data/PROVENANCE.md) verify here, and break here the ways a set
and a chain break. No Node: the signed credentials are committed (tests/interop/proof_set_fixtures.py made them)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.interop.proof_set_fixtures import CHAIN_IDS, CRYPTOSUITES
from tests.paths import DATA
from verification.report import Report
from verification.resolvers import CompositeResolver
from verification.service import verify
from verification.status import MappingStatusListSource

FIXTURES = DATA / "interop" / "digitalbazaar-proof-sets"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _load(cryptosuite: str, shape: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{cryptosuite}-{shape}.json").read_text(encoding="utf-8"))


def _verify(document: dict[str, Any]) -> Report:
    return verify(
        document, resolver=CompositeResolver.default(None), status_source=MappingStatusListSource({}), now=NOW
    )


def _proof(report: Report) -> tuple[str, str | None]:
    check = report.check("proof")
    assert check is not None
    return check.status, check.code


@pytest.mark.parametrize("shape", ["set", "chain"])
@pytest.mark.parametrize("cryptosuite", CRYPTOSUITES)
def test_their_sets_and_chains_verify(cryptosuite: str, shape: str) -> None:
    document = _load(cryptosuite, shape)
    assert len(document["proof"]) == (2 if shape == "set" else 3)
    assert {proof["cryptosuite"] for proof in document["proof"]} == {cryptosuite}
    report = _verify(document)
    assert report.verdict == "valid", report.to_dict()
    assert report.check("issuer_key").code == "key_bound"  # type: ignore[union-attr]


@pytest.mark.parametrize("cryptosuite", CRYPTOSUITES)
def test_their_set_with_one_proof_altered_is_invalid(cryptosuite: str) -> None:
    document = _load(cryptosuite, "set")
    document["proof"][1]["created"] = "2026-01-16T09:00:00Z"  # the notary's proof options, as if signed another day
    assert (_verify(document).verdict, _proof(_verify(document))) == ("invalid", ("failed", "proof_set_invalid"))


@pytest.mark.parametrize("cryptosuite", CRYPTOSUITES)
@pytest.mark.parametrize("removed", [0, 1])
def test_their_chain_without_an_earlier_proof_is_invalid(cryptosuite: str, removed: int) -> None:
    document = _load(cryptosuite, "chain")
    del document["proof"][removed]
    assert _proof(_verify(document)) == ("failed", "previous_proof_missing")


@pytest.mark.parametrize("cryptosuite", CRYPTOSUITES)
def test_their_chain_with_the_last_proof_removed_is_still_a_valid_chain(cryptosuite: str) -> None:
    # Nothing names the last proof: without it the first two still form a chain, and it verifies.
    document = _load(cryptosuite, "chain")
    del document["proof"][2]
    assert _verify(document).verdict == "valid"


@pytest.mark.parametrize("cryptosuite", CRYPTOSUITES)
def test_their_chain_made_into_a_loop_is_invalid(cryptosuite: str) -> None:
    document = _load(cryptosuite, "chain")
    document["proof"][0]["previousProof"] = CHAIN_IDS[2]
    assert _proof(_verify(document)) == ("failed", "previous_proof_cycle")


@pytest.mark.parametrize("cryptosuite", CRYPTOSUITES)
def test_their_chained_proof_cut_from_its_chain_is_invalid(cryptosuite: str) -> None:
    # Without its previousProof the notary's proof would be checked over the document alone: it was made over the
    # issuer's first proof too, so it fails, and so does the last proof, made over it.
    document = _load(cryptosuite, "chain")
    del document["proof"][1]["previousProof"]
    report = _verify(document)
    assert _proof(report) == ("failed", "proof_set_invalid")
    assert report.check("proof").message.startswith("Proofs 2, 3 do not verify, of the 3")  # type: ignore[union-attr]
