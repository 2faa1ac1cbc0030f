"""Open Badges 3.0 credentials signed by another implementation (Digital Bazaar's ecdsa-rdfc-2019 and
ecdsa-jcs-2019 cryptosuites, P-256 and P-384; tests/data/PROVENANCE.md) verify here, and tampered copies of them
are invalid for the right reason. No Node: the signed credentials are committed."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import base58
import pytest

from tests.interop.ecdsa_fixtures import DISCLOSURES
from tests.paths import DATA
from verification.report import Report
from verification.resolvers import CompositeResolver
from verification.service import verify
from verification.status import MappingStatusListSource
from verification.suites.ecdsa import CURVES

FIXTURES = DATA / "interop" / "digitalbazaar-ecdsa"
# fixture name -> (cryptosuite, curve)
CASES = {
    f"{suite}-{curve.lower()}": (suite, curve)
    for suite in ("ecdsa-rdfc-2019", "ecdsa-jcs-2019")
    for curve in ("P-256", "P-384")
}
NAMES = list(CASES)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def report(document: dict[str, Any]) -> Report:
    return verify(
        document, resolver=CompositeResolver.default(None), status_source=MappingStatusListSource({}), now=NOW
    )


def proof_check(document: dict[str, Any]) -> tuple[str, str | None, str]:
    check = report(document).check("proof")
    assert check is not None
    return check.status, check.code, check.message


def test_every_fixture_is_listed() -> None:
    # The ecdsa-sd-2023 derived credentials have their own tests (test_ecdsa_sd_fixtures.py).
    assert sorted(path.stem for path in FIXTURES.glob("*.json")) == sorted([*NAMES, *DISCLOSURES])


@pytest.mark.parametrize("name", NAMES)
def test_fixture_is_valid(name: str) -> None:
    document = fixture(name)
    suite, curve = CASES[name]
    assert document["proof"]["cryptosuite"] == suite
    result = report(document)
    assert result.verdict == "valid", result.to_dict()
    assert result.check("proof").message.startswith(f"The {suite} (curve {curve}) proof by did:key:")  # type: ignore[union-attr]
    assert result.check("issuer_key").code == "key_bound"  # type: ignore[union-attr]


@pytest.mark.parametrize("name", NAMES)
def test_changed_string_is_invalid(name: str) -> None:
    document = fixture(name)
    document["credentialSubject"]["achievement"]["name"] = "Data Stewardship Practitioner (Honours)"
    status, code, message = proof_check(document)
    assert (status, code) == ("failed", "proof_invalid")
    assert "does not match the credential" in message


@pytest.mark.parametrize("name", NAMES)
def test_changed_created_date_is_invalid(name: str) -> None:
    document = fixture(name)
    document["proof"]["created"] = "2026-01-15T09:00:01Z"
    assert proof_check(document)[:2] == ("failed", "proof_invalid")


@pytest.mark.parametrize(("name", "other"), [(NAMES[0], NAMES[2]), (NAMES[3], NAMES[1])])
def test_swapped_key_of_the_same_curve_is_invalid(name: str, other: str) -> None:
    """The issuer and key of another credential of the same curve: the signature does not match that key."""
    document, donor = fixture(name), fixture(other)
    document["issuer"]["id"] = donor["issuer"]["id"]
    document["proof"]["verificationMethod"] = donor["proof"]["verificationMethod"]
    assert proof_check(document)[:2] == ("failed", "proof_invalid")


@pytest.mark.parametrize(("name", "other"), [(NAMES[0], NAMES[1]), (NAMES[1], NAMES[0]), (NAMES[2], NAMES[3])])
def test_proof_of_the_other_curve_is_invalid(name: str, other: str) -> None:
    """The proof of the same credential made with the other curve's key, presented as this key's."""
    document, donor = fixture(name), fixture(other)
    document["proof"] = {**copy.deepcopy(donor["proof"]), "verificationMethod": document["proof"]["verificationMethod"]}
    status, code, message = proof_check(document)
    assert (status, code) == ("failed", "proof_malformed")
    assert "the size of a P-" in message and "signature, but the key is P-" in message


@pytest.mark.parametrize("name", NAMES)
def test_suite_swapped_for_the_other_transformation_is_invalid(name: str) -> None:
    document = fixture(name)
    rdfc = document["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    document["proof"]["cryptosuite"] = "ecdsa-jcs-2019" if rdfc else "ecdsa-rdfc-2019"
    assert proof_check(document)[:2] == ("failed", "proof_invalid")


def test_webcrypto_signatures_with_a_high_s_are_accepted() -> None:
    """WebCrypto does not normalize s: two of the four fixtures have s > n/2, and they are valid (D41)."""
    high = []
    for name, (_, curve) in CASES.items():
        signature = base58.b58decode(fixture(name)["proof"]["proofValue"][1:])
        _, size, order = CURVES[curve]
        if int.from_bytes(signature[size:], "big") > order // 2:
            high.append(name)
            assert report(fixture(name)).verdict == "valid"
    assert high
