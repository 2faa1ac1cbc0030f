"""Credentials freshly signed by Digital Bazaar's ECDSA cryptosuites (ecdsa-rdfc-2019, ecdsa-jcs-2019; P-256,
P-384), and credentials freshly derived from its ecdsa-sd-2023 base proofs, verify with the platform's verifier; a
tampered copy of each does not, nor does a credential that still carries its base proof.

The committed fixtures (tests/verification/test_ecdsa_fixtures.py) are one run of the same generator; this runs it
again, so new keys and new random ECDSA nonces (WebCrypto signs with random k, and half its signatures have a high
s) meet the verifier on every run.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from tests.interop import ecdsa_fixtures, harness
from verification.resolvers import CompositeResolver
from verification.service import verify
from verification.status import MappingStatusListSource

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_fresh_credentials_from_digitalbazaar_verify() -> None:
    try:
        records = ecdsa_fixtures.sign(ecdsa_fixtures.SIGNED * 3, ecdsa_fixtures.DISCLOSURES)
    except harness.InteropUnavailable as exc:
        if harness.interop_required():
            pytest.fail(f"interop signers are required here but unavailable: {exc}")
        pytest.skip(f"interop signers unavailable: {exc}")
    assert len(records) == 3 * len(ecdsa_fixtures.SIGNED) + len(ecdsa_fixtures.DISCLOSURES)
    for record in records:
        credential = record["credential"]
        report = verify(
            credential, resolver=CompositeResolver.default(None), status_source=MappingStatusListSource({}), now=NOW
        )
        assert report.verdict == "valid", (record["name"], report.to_dict())
        assert credential["issuer"]["id"] == record["did"]
        tampered = copy.deepcopy(credential)
        tampered["credentialSubject"]["achievement"]["name"] += "!"
        report = verify(
            tampered, resolver=CompositeResolver.default(None), status_source=MappingStatusListSource({}), now=NOW
        )
        assert (report.verdict, report.check("proof").code) == ("invalid", "proof_invalid")  # type: ignore[union-attr]
        if "base" in record:  # ecdsa-sd-2023: the issuer's base proof is the holder's, never a verifier's
            report = verify(
                record["base"],
                resolver=CompositeResolver.default(None),
                status_source=MappingStatusListSource({}),
                now=NOW,
            )
            proof = report.check("proof")
            assert (report.verdict, proof.code) == ("invalid", "proof_malformed")  # type: ignore[union-attr]
            assert "base proof" in proof.message  # type: ignore[union-attr]
