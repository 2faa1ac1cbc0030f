"""Proof sets and proof chains freshly signed by Digital Bazaar's Data Integrity libraries (eddsa-rdfc-2022,
ecdsa-rdfc-2019, ecdsa-jcs-2019 P-256; tests/interop/sign_proof_sets.mjs) verify with the platform's verifier, and
break as VC Data Integrity 1.0 says: a set with one proof altered, a chain without its first proof, a chain made into a
loop.

The committed fixtures (tests/verification/test_proof_set_fixtures.py) are one run of the same generator; this runs it
again, so new keys (and, for ECDSA, new random nonces) meet the verifier on every run.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from tests.interop import harness, proof_set_fixtures
from verification.report import Report
from verification.resolvers import CompositeResolver
from verification.service import verify
from verification.status import MappingStatusListSource

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _verify(document: dict) -> Report:
    return verify(
        document, resolver=CompositeResolver.default(None), status_source=MappingStatusListSource({}), now=NOW
    )


def test_fresh_proof_sets_and_chains_from_digitalbazaar() -> None:
    pairs = [(suite, shape) for suite in proof_set_fixtures.CRYPTOSUITES for shape in proof_set_fixtures.SHAPES]
    try:
        records = proof_set_fixtures.sign(pairs)
    except harness.InteropUnavailable as exc:
        if harness.interop_required():
            pytest.fail(f"interop signers are required here but unavailable: {exc}")
        pytest.skip(f"interop signers unavailable: {exc}")
    assert [record["name"] for record in records] == [proof_set_fixtures.fixture_name(*pair) for pair in pairs]
    for record in records:
        credential = record["credential"]
        assert credential["issuer"]["id"] == record["issuer"] != record["notary"]
        report = _verify(credential)
        assert (report.verdict, report.check("issuer_key").code) == ("valid", "key_bound"), report.to_dict()  # type: ignore[union-attr]

        altered = copy.deepcopy(credential)
        altered["proof"][-1]["created"] = "2026-01-16T09:00:00Z"
        assert _verify(altered).check("proof").code == "proof_set_invalid", record["name"]  # type: ignore[union-attr]
        if record["name"].endswith("-chain"):
            shortened = {**credential, "proof": credential["proof"][1:]}
            assert _verify(shortened).check("proof").code == "previous_proof_missing"  # type: ignore[union-attr]
            looped = copy.deepcopy(credential)
            looped["proof"][0]["previousProof"] = proof_set_fixtures.CHAIN_IDS[2]
            assert _verify(looped).check("proof").code == "previous_proof_cycle"  # type: ignore[union-attr]
