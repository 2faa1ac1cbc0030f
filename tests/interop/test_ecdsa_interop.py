"""Credentials freshly signed by Digital Bazaar's ECDSA cryptosuites (ecdsa-rdfc-2019, ecdsa-jcs-2019; P-256,
P-384) verify with the platform's verifier, and a tampered copy of each does not.

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
        records = ecdsa_fixtures.sign(ecdsa_fixtures.SIGNED * 3)
    except harness.InteropUnavailable as exc:
        if harness.interop_required():
            pytest.fail(f"interop signers are required here but unavailable: {exc}")
        pytest.skip(f"interop signers unavailable: {exc}")
    assert len(records) == 3 * len(ecdsa_fixtures.SIGNED)
    for record in records:
        credential = record["credential"]
        report = verify(
            credential, resolver=CompositeResolver.default(None), status_source=MappingStatusListSource({}), now=NOW
        )
        assert report.verdict == "valid", (record["name"], report.to_dict())
        assert credential["issuer"]["id"] == record["did"]
        tampered = copy.deepcopy(credential)
        tampered["name"] += "!"
        report = verify(
            tampered, resolver=CompositeResolver.default(None), status_source=MappingStatusListSource({}), now=NOW
        )
        assert (report.verdict, report.check("proof").code) == ("invalid", "proof_invalid")  # type: ignore[union-attr]
