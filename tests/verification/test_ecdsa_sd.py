"""ecdsa-sd-2023 derived proofs read strictly: every way the proof value, its CBOR, its components or its key can be
wrong is refused with its own reason, never a stack trace, and hostile CBOR (deep, huge, tagged, indefinite) is
refused at once. The proofs are Digital Bazaar's (tests/verification/ecdsa_sd_proofs.py), altered part by part."""

from __future__ import annotations

import time
from typing import Any

import cbor2
import pytest

from tests.verification import ecdsa_sd_proofs as sd
from tests.verification.test_budget import TickingClock
from tests.verification.test_ecdsa_fixtures import fixture as ecdsa_fixture
from verification import budget
from verification.errors import ProofError
from verification.keys import DidKeyResolver
from verification.suites import find_suite, verify_proofs
from verification.suites.ecdsa_sd import (
    MAX_PROOF_VALUE_CHARS,
    MAX_SIGNATURES,
    EcdsaSd2023Suite,
    decode_cbor,
    parse_derived_proof_value,
)


def refused(document: dict[str, Any], code: str, *fragments: str) -> str:
    verified, actual, message = sd.outcome(document)
    assert (verified, actual) == (False, code), message
    for fragment in fragments:
        assert fragment in message
    return message


def parts_with(index: int, value: Any) -> dict[str, Any]:
    document = sd.fixture()
    parts = sd.components(document)
    parts[index] = value
    return sd.with_components(document, parts)


def test_the_suite_is_registered_for_ecdsa_sd_2023_only() -> None:
    assert isinstance(find_suite(sd.fixture()["proof"]), EcdsaSd2023Suite)
    assert not EcdsaSd2023Suite().matches({"type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019"})
    assert not EcdsaSd2023Suite().matches({"type": "Ed25519Signature2020", "cryptosuite": "ecdsa-sd-2023"})


def test_reencoding_the_parts_gives_the_same_proof_value() -> None:
    """cbor2 writes what Digital Bazaar's cborg wrote: the alterations below change only what they mean to."""
    for name in sd.NAMES:
        document = sd.fixture(name)
        assert sd.with_components(document, sd.components(document)) == document
        assert sd.outcome(document)[:2] == (True, "proof_valid")


# ------------------------------------------------------------------------------------------------
# The proof value's text and header


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (None, "no proofValue string"),
        (7, "no proofValue string"),
        ("", "no proofValue string"),
        ("z3sJ8k", "starting with 'u'"),
        ("u2V0B!!", "not base64url without padding"),
        ("u2V0BhQ==", "not base64url without padding"),
        ("u2V0Bh", "not base64url without padding"),  # five characters: a length no base64 text has
        ("u", "derived proof header d95d01 (it starts with nothing)"),
        ("uAAAA", "derived proof header d95d01 (it starts with 000000)"),
    ],
)
def test_malformed_text(value: Any, fragment: str) -> None:
    document = sd.fixture()
    document["proof"]["proofValue"] = value
    refused(document, "proof_malformed", fragment)


def test_stray_bits_in_the_last_character_are_refused() -> None:
    """The last character of a base64 text whose length is not a multiple of four carries unused bits; setting one
    decodes to the same bytes, but is not their encoding, and is refused."""
    document = sd.fixture()
    value = document["proof"]["proofValue"]
    assert len(value[1:]) % 4 in (2, 3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    document["proof"]["proofValue"] = value[:-1] + alphabet[alphabet.index(value[-1]) ^ 1]
    assert sd.proof_bytes(document) == sd.proof_bytes(sd.fixture())
    refused(document, "proof_malformed", "stray bits in its last character")


def test_a_base_proof_is_refused_for_what_it_is() -> None:
    document = sd.fixture()
    base = sd.with_payload(document, sd.proof_bytes(document)[3:], header=b"\xd9\x5d\x00")
    refused(base, "proof_malformed", "This is an ecdsa-sd-2023 base proof", "only to the holder")


def test_an_overlong_proof_value_is_refused_before_it_is_decoded() -> None:
    document = sd.fixture()
    document["proof"]["proofValue"] = "u" + "A" * MAX_PROOF_VALUE_CHARS
    started = time.perf_counter()
    refused(document, "proof_malformed", f"read up to {MAX_PROOF_VALUE_CHARS:,} characters")
    assert time.perf_counter() - started < 0.5


# ------------------------------------------------------------------------------------------------
# The five components


@pytest.mark.parametrize(
    ("parts", "fragment"),
    [
        ({"not": "an array"}, "exactly five items"),
        ([b"x"] * 4, "not an array of 4 items"),
        ([b"x"] * 6, "not an array of 6 items"),
    ],
)
def test_the_array_of_five(parts: Any, fragment: str) -> None:
    refused(sd.with_components(sd.fixture(), parts), "proof_malformed", fragment)


@pytest.mark.parametrize(
    ("index", "value", "fragment"),
    [
        (0, b"\x01" * 63, "baseSignature must be a byte string of 64 bytes, not a byte string of 63 bytes"),
        (0, "a" * 64, "baseSignature must be a byte string of 64 bytes, not a text string"),
        (0, b"\x01" * 64, None),  # the right shape: read, then found not to match
        (1, b"\x80\x24" + b"\x02" * 32, "publicKey must be a byte string of 35 bytes"),
        (1, b"\x81\x24" + b"\x02" * 33, "publicKey must be a P-256 Multikey (header 8024), not one with header 8124"),
        (2, b"\x00" * 64, "signatures must be an array of byte strings, not a byte string of 64 bytes"),
        (2, [b"\x00" * 65], "signature 1 must be a byte string of 64 bytes"),
        (2, [None], "signature 1 must be a byte string of 64 bytes, not a simple value"),
        (3, [b"\x00" * 32], "labelMap must be a map of integers to byte strings, not an array of 1 items"),
        (3, {-1: b"\x00" * 32}, "labelMap keys must be unsigned integers"),
        (3, {"c14n0": b"\x00" * 32}, "labelMap keys must be unsigned integers, not a text string"),
        (3, {True: b"\x00" * 32}, "labelMap keys must be unsigned integers, not a simple value"),
        (3, {0: b"\x00" * 31}, "label for _:c14n0 must be a byte string of 32 bytes"),
        (3, {0: "u" + "A" * 43}, "label for _:c14n0 must be a byte string of 32 bytes, not a text string"),
        (3, {0: b"\x00" * 32, 1: b"\x00" * 32}, "gives two blank nodes the same label"),
        (4, {0: 1}, "mandatoryIndexes must be an array of integers, not a map"),
        (4, [0, -1], "mandatoryIndexes must be unsigned integers"),
        (4, [0, True], "mandatoryIndexes must be unsigned integers, not a simple value"),
        (4, [0, 1.0], "not a floating-point number"),
        (4, [0, 2, 2], "name one statement twice"),
    ],
)
def test_each_component_is_checked(index: int, value: Any, fragment: str | None) -> None:
    document = parts_with(index, value)
    if fragment is None:
        assert sd.outcome(document)[:2] == (False, "proof_invalid")
    else:
        refused(document, "proof_malformed", fragment)


def test_too_many_signatures_are_refused_before_any_is_verified() -> None:
    document = parts_with(2, [b"\x01" * 64] * (MAX_SIGNATURES + 1))
    assert len(document["proof"]["proofValue"]) < MAX_PROOF_VALUE_CHARS
    refused(document, "proof_malformed", f"carries {MAX_SIGNATURES + 1:,} statement signatures; at most")


def test_an_index_outside_the_credential_is_refused() -> None:
    parts = sd.components(sd.fixture())
    document = parts_with(4, [*parts[4], 41])
    refused(document, "proof_invalid", "names mandatory statement 41, but the credential has 41 statements")


def test_a_proof_scoped_key_off_the_curve_is_refused() -> None:
    refused(parts_with(1, b"\x80\x24\x02" + b"\xff" * 32), "proof_malformed", "publicKey is not usable")


def test_r_or_s_out_of_range_is_malformed_not_invalid() -> None:
    refused(parts_with(0, b"\x00" * 64), "proof_malformed", "r and s must lie between 1 and the curve order")
    parts = sd.components(sd.fixture())
    refused(parts_with(2, [b"\xff" * 64, *parts[2][1:]]), "proof_malformed", "signature 1 is not an ECDSA signature")


# ------------------------------------------------------------------------------------------------
# The labels


def test_a_missing_label_is_refused() -> None:
    parts = sd.components(sd.fixture())
    del parts[3][max(parts[3])]
    refused(parts_with(3, parts[3]), "proof_invalid", "a blank node the derived proof's labelMap does not label")


def test_a_label_left_over_is_refused() -> None:
    parts = sd.components(sd.fixture())
    refused(
        parts_with(3, {**parts[3], 9: b"\x07" * 32}),
        "proof_invalid",
        "labels blank nodes the credential does not have (_:c14n9)",
    )


def test_labels_swapped_between_blank_nodes_are_invalid() -> None:
    parts = sd.components(sd.fixture())
    labels = parts[3]
    labels[0], labels[1] = labels[1], labels[0]
    refused(parts_with(3, labels), "proof_invalid")


# ------------------------------------------------------------------------------------------------
# Hostile CBOR: each refused at once, with a reason


HUGE = (2**63).to_bytes(8, "big")
HOSTILE_CBOR = {
    "nested 100,000 deep": b"\x81" * 100_000 + b"\x80",
    "maps nested 50,000 deep": b"\xa1\x00" * 50_000 + b"\x00",
    "an array declaring 2**63 items": b"\x9b" + HUGE,
    "a map declaring 2**63 entries": b"\xbb" + HUGE,
    "a byte string declaring 2**62 bytes": b"\x85\x5b" + (2**62).to_bytes(8, "big") + b"ab",
    "a text string declaring 2**31 bytes": b"\x85\x7a\x80\x00\x00\x00ab",
    "an indefinite-length array": b"\x9f" + cbor2.dumps(b"x")[0:] + b"\xff",
    "an indefinite-length byte string": b"\x85\x5f\x41a\x41b\xff",
    "an indefinite-length map": b"\x85\x40\x40\x80\xbf\xff\x80",
    "duplicate map keys": b"\x85\x40\x40\x80\xa2\x00\x40\x00\x40\x80",
    "a text string that is not UTF-8": b"\x85\x62\xff\xfe\x40\x80\xa0\x80",
    "a break code on its own": b"\xff",
    "a reserved additional information": b"\x1c",
    "trailing bytes": cbor2.dumps([b"", b"", [], {}, []]) + b"\x00",
    "nothing": b"",
}
TAGS = {
    "tag 35 (regular expression)": b"\xd8\x23\x78\x1a(a+)+$aaaaaaaaaaaaaaaaaaaa",
    "tag 258 (set)": b"\x85\x40\x40\xd9\x01\x02\x80\xa0\x80",
    "tag 2 (bignum) as an index": b"\x85\x40\x40\x80\xa0\x81\xc2\x5a\x00\x01\x86\xa0" + b"\xff" * 100_000,
    "tag 4 (decimal) with a huge exponent": b"\xc4\x82\x1b\x7f\xff\xff\xff\xff\xff\xff\xff\x01",
    "tag 5 (bigfloat) with a huge exponent": b"\xc5\x82\x1b\x7f\xff\xff\xff\xff\xff\xff\xff\x01",
    "tag 1 (epoch date)": b"\xc1\x1b" + HUGE,
    "tag 36 (MIME message)": b"\xd8\x24\x63abc",
    "tag 28 / 29 (shared references)": b"\xd8\x1c\x81\xd8\x1d\x00",
    "tag 256 / 25 (string references)": b"\xd9\x01\x00\x82\x63abc\xd8\x19\x00",
    "tag 64 (typed array) on the base signature": b"\x85\xd8\x40\x58\x40" + b"\x01" * 64 + b"\x40\x80\xa0\x80",
    "tag 55799 (self-described CBOR)": b"\xd9\xd9\xf7" + cbor2.dumps([b"", b"", [], {}, []]),
    "tag 2**64 - 1": b"\xdb" + b"\xff" * 8 + b"\x00",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CBOR))
def test_hostile_cbor_is_refused_at_once(name: str) -> None:
    started = time.perf_counter()
    message = refused(sd.with_payload(sd.fixture(), HOSTILE_CBOR[name]), "proof_malformed")
    assert time.perf_counter() - started < 0.5
    assert message.startswith(("The proofValue is not well-formed strict CBOR (", "The proofValue has 1 bytes after"))


@pytest.mark.parametrize("name", sorted(TAGS))
def test_every_cbor_tag_is_refused(name: str) -> None:
    started = time.perf_counter()
    message = refused(sd.with_payload(sd.fixture(), TAGS[name]), "proof_malformed")
    assert time.perf_counter() - started < 0.5
    assert "forbids CBOR tags" in message or "nesting depth" in message, message


def test_no_tag_reaches_a_decoder_of_cbor2() -> None:
    """cbor2 decodes some tags itself (dates, bignums, regular expressions, sets, shared references...): each is
    refused instead, with a scalar, a byte string and a text string as its content alike."""
    for tag in [*range(0, 300), 1004, 22098, 55799, 2**32, 2**64 - 1]:
        for content in (b"\x00", b"\x40", b"\x60"):
            payload = cbor2.dumps(cbor2.CBORTag(tag, None))[:-1] + content
            with pytest.raises(ProofError, match=f"uses tag {tag};"):
                decode_cbor(payload)


def test_decoding_a_proof_value_of_the_largest_size_takes_milliseconds() -> None:
    """The cap's worst case: 1,000 signatures, 900 labels, 2,000 indexes, all read and type-checked."""
    labels = {number: number.to_bytes(32, "big") for number in range(900)}
    public_key = sd.components(sd.fixture())[1]
    parts: list[Any] = [b"\x01" * 64, public_key, [b"\x01" * 64] * MAX_SIGNATURES, labels]
    parts.append(list(range(2_000)))
    value = "u" + sd.b64url(sd.DERIVED_HEADER + cbor2.dumps(parts))
    assert len(value) <= MAX_PROOF_VALUE_CHARS
    started = time.perf_counter()
    derived = parse_derived_proof_value(value)
    assert time.perf_counter() - started < 0.5
    assert (len(derived.signatures), len(derived.label_map), len(derived.mandatory_indexes)) == (1000, 900, 2000)


# ------------------------------------------------------------------------------------------------
# The issuer's key, and the budget


def test_a_p384_issuer_key_is_refused() -> None:
    document = sd.fixture()
    p384 = ecdsa_fixture("ecdsa-rdfc-2019-p-384")
    document["issuer"]["id"] = p384["issuer"]["id"]
    document["proof"]["verificationMethod"] = p384["proof"]["verificationMethod"]
    refused(document, "key_type_mismatch", "is P-384", "its issuer key is P-256")


def test_an_ed25519_issuer_key_is_refused() -> None:
    document = sd.fixture()
    document["proof"]["verificationMethod"] = (
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    )
    refused(document, "key_type_mismatch", "Ed25519", "needs a P-256 or P-384 key")


def test_another_p256_key_is_invalid() -> None:
    document, other = sd.fixture(sd.NAMES[1]), sd.fixture(sd.NAMES[0])
    document["issuer"]["id"] = other["issuer"]["id"]
    document["proof"]["verificationMethod"] = other["proof"]["verificationMethod"]
    refused(document, "proof_invalid", "base signature does not match")


def test_the_statement_signatures_are_checked_against_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a look at the budget before every statement signature, a deadline that falls among them stops there:
    too_complex (indeterminate), never a verdict on the signature."""
    monkeypatch.setattr("verification.suites.ecdsa_sd._BUDGET_STRIDE", 1)
    document = sd.fixture()
    clock = TickingClock()
    with budget.limit(10**9, clock=clock):
        assert sd.outcome(document)[:2] == (True, "proof_valid")
    total = clock.readings
    with budget.limit(float(total - 10), clock=TickingClock()):
        [result] = verify_proofs(document, DidKeyResolver())
    assert (result.verified, result.code, result.indeterminate) == (False, "too_complex", True)
