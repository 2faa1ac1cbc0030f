"""Open Badges 3.0 credentials selectively disclosed with another implementation's ecdsa-sd-2023 (Digital Bazaar's
cryptosuite: the issuer's base proof, then the holder's derived credential; tests/data/PROVENANCE.md) verify here
through the real interface, and tampered copies are invalid for the right reason. No Node: they are committed."""

from __future__ import annotations

import copy

import pytest

from tests.interop.ecdsa_fixtures import DISCLOSURES, MANDATORY_POINTERS
from tests.verification import ecdsa_sd_proofs as sd
from tests.verification.test_ecdsa_fixtures import proof_check, report


def test_the_fixtures_are_the_generators() -> None:
    assert sd.NAMES == sorted(DISCLOSURES)
    assert "/credentialSubject/achievement/name" not in MANDATORY_POINTERS  # the holder's to disclose


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        (sd.NAMES[0], "25 in all (24 the issuer made mandatory, 1 chosen by the holder)"),
        (sd.NAMES[1], "41 in all (24 the issuer made mandatory, 17 chosen by the holder)"),
    ],
)
def test_fixture_is_valid_and_says_it_is_selectively_disclosed(name: str, counts: str) -> None:
    document = sd.fixture(name)
    assert document["proof"]["cryptosuite"] == "ecdsa-sd-2023"
    result = report(document)
    assert result.verdict == "valid", result.to_dict()
    message = result.check("proof").message  # type: ignore[union-attr]
    assert message.startswith(f"The ecdsa-sd-2023 (curve P-256) proof by {document['issuer']['id']}#")
    assert (
        "It is a selectively disclosed credential: it shows only the statements the holder chose to reveal" in message
    )
    assert counts in message
    assert result.check("issuer_key").code == "key_bound"  # type: ignore[union-attr]
    assert result.check("schema").status == "passed"  # type: ignore[union-attr]


def test_what_the_holder_left_out_is_not_there() -> None:
    smaller, larger = sd.fixture(sd.NAMES[0]), sd.fixture(sd.NAMES[1])
    assert "result" not in smaller["credentialSubject"] and "evidence" not in smaller
    assert larger["credentialSubject"]["result"][0]["value"] == "92"
    assert len(larger["credentialSubject"]["achievement"]["alignment"]) == 1  # the first of two


@pytest.mark.parametrize("name", sd.NAMES)
def test_a_changed_disclosed_value_is_invalid(name: str) -> None:
    document = sd.fixture(name)
    document["credentialSubject"]["achievement"]["name"] = "Data Stewardship Practitioner (Honours)"
    status, code, message = proof_check(document)
    assert (status, code) == ("failed", "proof_invalid")
    assert "does not match" in message


def test_a_changed_statement_the_holder_chose_names_its_signature() -> None:
    document = sd.fixture(sd.NAMES[1])
    document["credentialSubject"]["result"][0]["value"] = "99"
    status, code, message = proof_check(document)
    assert (status, code) == ("failed", "proof_invalid")
    assert message.startswith("The signature of disclosed statement ")
    assert "a disclosed value was altered after the issuer signed it" in message


@pytest.mark.parametrize("name", sd.NAMES)
def test_a_changed_mandatory_value_breaks_the_base_signature(name: str) -> None:
    document = sd.fixture(name)
    document["validFrom"] = "2025-03-01T09:30:01Z"
    status, code, message = proof_check(document)
    assert (status, code) == ("failed", "proof_invalid")
    assert message.startswith("The ecdsa-sd-2023 base signature does not match")


@pytest.mark.parametrize("name", sd.NAMES)
def test_a_dropped_signature_is_invalid(name: str) -> None:
    document = sd.fixture(name)
    parts = sd.components(document)
    dropped = len(parts[2])
    parts[2] = parts[2][:-1]
    status, code, message = proof_check(sd.with_components(document, parts))
    assert (status, code) == ("failed", "proof_invalid")
    assert f"carries {dropped - 1} statement signatures for the credential's {dropped} non-mandatory" in message


def test_a_swapped_label_map_entry_is_invalid() -> None:
    document = sd.fixture(sd.NAMES[1])
    parts = sd.components(document)
    parts[3][1], parts[3][2] = parts[3][2], parts[3][1]
    assert proof_check(sd.with_components(document, parts))[:2] == ("failed", "proof_invalid")


@pytest.mark.parametrize("name", sd.NAMES)
def test_an_added_statement_is_invalid(name: str) -> None:
    document = sd.fixture(name)
    document["credentialSubject"]["achievement"]["tag"] = ["forged"]
    status, code, message = proof_check(document)
    assert (status, code) == ("failed", "proof_invalid")
    assert "statements were added or removed after the holder disclosed them" in message


def test_a_statement_moved_from_one_credential_to_another_is_invalid() -> None:
    """Both issuers signed the same credential but with their own keys and labels: the disclosed result of one
    cannot be added to the other."""
    smaller, larger = sd.fixture(sd.NAMES[0]), sd.fixture(sd.NAMES[1])
    smaller["credentialSubject"]["result"] = copy.deepcopy(larger["credentialSubject"]["result"])
    status, code, message = proof_check(smaller)
    assert (status, code) == ("failed", "proof_invalid")
    assert "the credential is not the one the proof was derived for" in message


@pytest.mark.parametrize("name", sd.NAMES)
def test_a_changed_created_date_is_invalid(name: str) -> None:
    document = sd.fixture(name)
    document["proof"]["created"] = "2026-01-15T09:00:01Z"
    assert proof_check(document)[:2] == ("failed", "proof_invalid")


def test_the_proof_set_rule_still_holds() -> None:
    """A derived proof beside a broken one: the credential is invalid (every proof of a set must verify)."""
    document = sd.fixture()
    broken = {**copy.deepcopy(document["proof"]), "proofValue": "u2V0B"}
    document["proof"] = [document["proof"], broken]
    assert report(document).verdict == "invalid"
