"""Every JSON sample of the 1EdTech validator gets the signature verdict INDEX.md states.

INDEX.md's "offline check" column is about the signature: `controller_mismatch` is reported only
for a mathematically valid signature (see verification.suites.base), so it counts as "signature
OK" here — simple-did-key-method.json is signed with a did:key whose controller is not the
credential's issuer id, which key provenance rightly flags.
"""

from __future__ import annotations

import pytest

from tests.verification.helpers import SAMPLES, FragmentResolver, load_json
from verification.suites import verify_proofs

SIGNATURE_OK = {"proof_valid", "controller_mismatch"}

# file -> expected codes, one per proof entry, from INDEX.md's offline check column.
EXPECTED: dict[str, list[str | set[str]]] = {
    "simple.json": ["proof_valid"],
    "simple-did-key-method.json": [SIGNATURE_OK],
    "simple-did-web-method.json": ["proof_valid"],
    "simple-context-version.json": ["proof_valid"],
    "simple-multiple-proofs.json": ["unsupported_proof", "proof_valid"],
    "simple-eddsa-2022.json": ["proof_valid"],
    "simple_v1.json": ["proof_valid"],
    "complete.json": ["proof_valid"],
    "endorsement-valid.json": ["proof_valid"],
    "simple-err-expired.json": ["proof_valid"],  # the signature is fine; expiry is checked elsewhere
    "simple-err-issued.json": ["proof_valid"],  # idem for validFrom in the future
    "simple-err-proof-value.json": ["proof_invalid"],
    "simple-err-type.json": [{"proof_invalid", "jsonld_error"}],
    "simple-err-context.json": [{"proof_invalid", "jsonld_error"}],
    "simple-err-proof-method.json": ["key_unresolved"],
    "credential-status-revoked.json": ["proof_valid"],  # revocation is checked elsewhere
    "bsl-credential-status-revoked.json": ["proof_valid"],
    "bsl-testlist.json": ["proof_valid"],
}


def test_every_json_sample_is_covered() -> None:
    assert {path.name for path in SAMPLES.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_signature_verdict(name: str) -> None:
    results = verify_proofs(load_json(SAMPLES / name), FragmentResolver())
    assert len(results) == len(EXPECTED[name])
    for result, expected in zip(results, EXPECTED[name], strict=True):
        allowed = expected if isinstance(expected, set) else {expected}
        assert result.code in allowed, (name, result)
        assert result.verified == (result.code == "proof_valid")
        assert result.message


def test_deprecated_eddsa_2022_name_is_reported() -> None:
    [result] = verify_proofs(load_json(SAMPLES / "simple-eddsa-2022.json"), FragmentResolver())
    assert result.suite == "eddsa-2022"


def test_fragment_keys_are_marked_as_weaker_provenance() -> None:
    [result] = verify_proofs(load_json(SAMPLES / "simple.json"), FragmentResolver())
    assert result.verification_method is not None
    assert result.verification_method.provenance == "fragment"
