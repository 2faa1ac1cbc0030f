"""Status lists: encoding, decoding limits and the status check of each entry type.

The signature of the sample list (bsl-testlist.json) is verified in test_service.py, which needs the proof
suites; here `verify_list` is a stub so that the status logic is tested on its own.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import tracemalloc
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.paths import SAMPLES  # noqa: E402
from verification.errors import FetchError, PlatformUnavailable
from verification.status import (
    LIST_SIZE,
    MAX_LIST_BYTES,
    HttpStatusListSource,
    MappingStatusListSource,
    StatusListError,
    TrustedStatusList,
    bit_is_set,
    check_status,
    decode_bitstring,
    encode_bitstring,
    set_bit,
)

NOW = datetime(2026, 11, 26, tzinfo=UTC)
LIST_URL = "https://status.example.org/lists/1"
CREDENTIAL_ID = "urn:uuid:0b9a1f7e-53b2-4a44-9b0a-8a1d3f2c4e51"
ISSUER = "https://issuer.example.org"


def _load(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def _always(_: dict[str, Any]) -> bool:
    return True


def _never(_: dict[str, Any]) -> bool:
    return False


def _list_credential(bits: bytes | bytearray, purpose: str = "revocation", **extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "https://issuer.example.org",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_bitstring(bits),
        },
        **extra,
    }


def _credential(index: int | str, purpose: str = "revocation", entry_type: str = "BitstringStatusListEntry") -> dict:
    return {
        "id": CREDENTIAL_ID,
        "issuer": {"id": "https://issuer.example.org", "type": ["Profile"]},
        "credentialStatus": {
            "id": f"{LIST_URL}#{index}",
            "type": entry_type,
            "statusPurpose": purpose,
            "statusListIndex": str(index) if isinstance(index, int) else index,
            "statusListCredential": LIST_URL,
        },
    }


# --------------------------------------------------------------------------------------------------------------
# Bitstring encoding


def test_round_trip_and_bit_order() -> None:
    bits = bytearray(LIST_SIZE // 8)
    for index in (0, 7, 8, 23, LIST_SIZE - 1):
        set_bit(bits, index, True)
    encoded = encode_bitstring(bits)
    assert encoded.startswith("uH4sI")  # multibase base64url of a GZIP stream
    assert "=" not in encoded
    decoded = decode_bitstring(encoded)
    assert decoded == bytes(bits)
    # Index 0 is the left-most bit of the first byte.
    assert decoded[0] == 0b1000_0001
    assert decoded[1] == 0b1000_0000
    assert [i for i in range(40) if bit_is_set(decoded, i)] == [0, 7, 8, 23]
    assert bit_is_set(decoded, LIST_SIZE - 1)
    set_bit(bits, 7, False)
    assert not bit_is_set(bits, 7)


def test_encoding_is_deterministic() -> None:
    bits = bytes(LIST_SIZE // 8)
    assert encode_bitstring(bits) == encode_bitstring(bytearray(bits))


def test_sample_list_has_bit_23_set() -> None:
    bits = decode_bitstring(_load("bsl-testlist.json")["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == LIST_SIZE
    assert [i for i in range(LIST_SIZE) if bit_is_set(bits, i)] == [23]


def test_plain_base64_without_prefix_is_accepted() -> None:
    bits = bytearray(LIST_SIZE // 8)
    set_bit(bits, 42, True)
    compressed = gzip.compress(bytes(bits))
    assert decode_bitstring(base64.b64encode(compressed).decode()) == bytes(bits)
    assert decode_bitstring(base64.urlsafe_b64encode(compressed).decode().rstrip("=")) == bytes(bits)


def test_short_list_refused() -> None:
    with pytest.raises(StatusListError, match="shorter than 131072"):
        decode_bitstring(encode_bitstring(bytes(1024)))


def test_gzip_bomb_refused_at_the_cap() -> None:
    # 64 MiB of zeros compresses to ~64 KB; the decoder must stop at its cap instead of inflating it all.
    bomb = gzip.compress(bytes(4 * MAX_LIST_BYTES))
    encoded = "u" + base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    tracemalloc.start()
    try:
        with pytest.raises(StatusListError, match="more than 16 MiB"):
            decode_bitstring(encoded)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # What the decoder held: about the cap (16 MiB), far from the 64 MiB that inflating it all would take.
    assert peak < 2 * MAX_LIST_BYTES


@pytest.mark.parametrize(
    "encoded",
    ["", "u", "u!!!!", "uAAAA", "H4sI", encode_bitstring(bytes(LIST_SIZE // 8))[:-10]],
    ids=["empty", "prefix-only", "bad-chars", "not-gzip", "truncated-header", "truncated-stream"],
)
def test_garbage_refused(encoded: str) -> None:
    with pytest.raises(StatusListError):
        decode_bitstring(encoded)


def test_index_bounds() -> None:
    bits = bytearray(2)
    with pytest.raises(IndexError):
        bit_is_set(bits, 16)
    with pytest.raises(IndexError):
        set_bit(bits, -1, True)


# --------------------------------------------------------------------------------------------------------------
# check_status


def test_sample_bsl_credential_is_revoked() -> None:
    credential = _load("bsl-credential-status-revoked.json")
    source = MappingStatusListSource(
        {credential["credentialStatus"]["statusListCredential"]: _load("bsl-testlist.json")}
    )
    [outcome] = check_status(credential, source, verify_list=_always, now=NOW)
    assert (outcome.status, outcome.code) == ("failed", "revoked")


def test_not_revoked_and_suspended() -> None:
    bits = bytearray(LIST_SIZE // 8)
    set_bit(bits, 5, True)
    source = MappingStatusListSource({LIST_URL: _list_credential(bits)})
    [clear] = check_status(_credential(6), source, verify_list=_always, now=NOW)
    assert (clear.status, clear.code) == ("passed", "not_revoked")

    suspension = MappingStatusListSource({LIST_URL: _list_credential(bits, purpose="suspension")})
    [suspended] = check_status(_credential(5, "suspension"), suspension, verify_list=_always, now=NOW)
    assert (suspended.status, suspended.code) == ("failed", "suspended")


def test_array_of_entries() -> None:
    bits = bytearray(LIST_SIZE // 8)
    revocation_url, suspension_url = LIST_URL, LIST_URL + "-s"
    suspension_list = _list_credential(bits, purpose="suspension")
    source = MappingStatusListSource({revocation_url: _list_credential(bits), suspension_url: suspension_list})
    credential = _credential(3)
    second = dict(credential["credentialStatus"], statusPurpose="suspension", statusListCredential=suspension_url)
    credential["credentialStatus"] = [credential["credentialStatus"], second]
    outcomes = check_status(credential, source, verify_list=_always, now=NOW)
    assert [(o.status, o.code) for o in outcomes] == [("passed", "not_revoked"), ("passed", "not_suspended")]


def test_message_purpose_is_a_warning() -> None:
    bits = bytearray(LIST_SIZE // 8)
    set_bit(bits, 9, True)
    source = MappingStatusListSource({LIST_URL: _list_credential(bits, purpose="message")})
    [outcome] = check_status(_credential(9, "message"), source, verify_list=_always, now=NOW)
    assert (outcome.status, outcome.code) == ("warning", "status_message")


def test_purpose_mismatch_is_indeterminate() -> None:
    source = MappingStatusListSource({LIST_URL: _list_credential(bytes(LIST_SIZE // 8), purpose="suspension")})
    [outcome] = check_status(_credential(1), source, verify_list=_always, now=NOW)
    assert outcome.status == "indeterminate"
    assert outcome.code == "status_list_invalid"
    assert "purpose" in outcome.message


def test_unreachable_list_is_indeterminate_never_passed() -> None:
    [outcome] = check_status(_credential(1), MappingStatusListSource(), verify_list=_always, now=NOW)
    assert (outcome.status, outcome.code) == ("indeterminate", "status_unavailable")
    assert "could not be checked" in outcome.message


def test_source_crash_is_indeterminate() -> None:
    class Broken:
        def get(self, url: str) -> dict[str, Any]:
            raise RuntimeError("disk on fire")

    [outcome] = check_status(_credential(1), Broken(), verify_list=_always, now=NOW)
    assert (outcome.status, outcome.code) == ("indeterminate", "status_unavailable")


def test_platform_unavailable_is_not_a_status() -> None:
    """The caller's own records being unreadable is not a finding about the credential: it propagates."""

    class Down:
        def get(self, url: str) -> dict[str, Any]:
            raise PlatformUnavailable()

    with pytest.raises(PlatformUnavailable):
        check_status(_credential(1), Down(), verify_list=_always, now=NOW)


def test_badly_signed_list_is_indeterminate() -> None:
    source = MappingStatusListSource({LIST_URL: _list_credential(bytes(LIST_SIZE // 8))})
    [outcome] = check_status(_credential(1), source, verify_list=_never, now=NOW)
    assert (outcome.status, outcome.code) == ("indeterminate", "status_list_invalid")


def test_unverified_or_expired_list_is_indeterminate() -> None:
    source = MappingStatusListSource({LIST_URL: _list_credential(bytes(LIST_SIZE // 8))})
    [unverified] = check_status(_credential(1), source, verify_list=None, now=NOW)
    assert (unverified.status, unverified.code) == ("indeterminate", "status_list_invalid")
    assert "not checked" in unverified.message

    expired = MappingStatusListSource(
        {LIST_URL: _list_credential(bytes(LIST_SIZE // 8), validUntil="2026-01-02T00:00:00Z")}
    )
    [outcome] = check_status(_credential(1), expired, verify_list=_always, now=NOW)
    assert outcome.status == "indeterminate"
    assert "expired" in outcome.message


def test_trusted_list_is_read_without_a_signature() -> None:
    bits = bytearray(LIST_SIZE // 8)
    set_bit(bits, 7, True)

    class Own:
        def get(self, url: str) -> TrustedStatusList:
            return TrustedStatusList(url=url, purpose="revocation", issuer=ISSUER, bits=bytes(bits))

    [revoked] = check_status(_credential(7), Own(), verify_list=_never, now=NOW)
    assert (revoked.status, revoked.code) == ("failed", "revoked")
    [clear] = check_status(_credential(8), Own(), verify_list=_never, now=NOW)
    assert (clear.status, clear.code) == ("passed", "not_revoked")
    [wrong] = check_status(_credential(8, "suspension"), Own(), verify_list=_never, now=NOW)
    assert (wrong.status, wrong.code) == ("indeterminate", "status_list_invalid")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"statusListIndex": "-1"}, "statusListIndex"),
        ({"statusListIndex": "abc"}, "statusListIndex"),
        ({"statusListIndex": True}, "statusListIndex"),
        ({"statusPurpose": "deletion"}, "statusPurpose"),
        ({"statusListCredential": None}, "statusListCredential"),
        ({"statusSize": 0}, "statusSize"),
    ],
)
def test_bad_entries_fail_precisely(change: dict[str, Any], fragment: str) -> None:
    source = MappingStatusListSource({LIST_URL: _list_credential(bytes(LIST_SIZE // 8))})
    credential = _credential(1)
    credential["credentialStatus"].update(change)
    [outcome] = check_status(credential, source, verify_list=_always, now=NOW)
    assert outcome.status == "failed"
    assert fragment in outcome.message


def test_index_outside_the_list_is_indeterminate() -> None:
    source = MappingStatusListSource({LIST_URL: _list_credential(bytes(LIST_SIZE // 8))})
    credential = _credential(1)
    credential["credentialStatus"]["statusListIndex"] = str(LIST_SIZE)
    [outcome] = check_status(credential, source, verify_list=_always, now=NOW)
    assert (outcome.status, outcome.code) == ("indeterminate", "status_list_invalid")
    assert "outside" in outcome.message


def test_missing_index_and_non_object_entry() -> None:
    credential = _credential(1)
    del credential["credentialStatus"]["statusListIndex"]
    [missing] = check_status(credential, MappingStatusListSource(), verify_list=_always, now=NOW)
    assert missing.status == "failed"
    assert "statusListIndex is missing" in missing.message
    [not_object] = check_status({"credentialStatus": ["x"]}, MappingStatusListSource(), verify_list=_always)
    assert not_object.code == "status_entry_invalid"


def test_wrong_list_type_is_indeterminate() -> None:
    document = _list_credential(bytes(LIST_SIZE // 8))
    document["type"] = ["VerifiableCredential"]
    [outcome] = check_status(
        _credential(1), MappingStatusListSource({LIST_URL: document}), verify_list=_always, now=NOW
    )
    assert (outcome.status, outcome.code) == ("indeterminate", "status_list_invalid")


def test_no_status_is_skipped_and_unknown_type_is_indeterminate() -> None:
    [none] = check_status({"id": CREDENTIAL_ID}, MappingStatusListSource(), verify_list=_always)
    assert (none.status, none.code) == ("skipped", "no_status")
    credential = _credential(1)
    credential["credentialStatus"]["type"] = "CredentialStatusList2017"
    [unknown] = check_status(credential, MappingStatusListSource(), verify_list=_always)
    assert (unknown.status, unknown.code) == ("indeterminate", "unsupported_status_type")


def test_status_list_2021() -> None:
    bits = bytearray(LIST_SIZE // 8)
    set_bit(bits, 77, True)
    document = {
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": "https://issuer.example.org",
        "credentialSubject": {
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            # StatusList2021 lists are plain base64 without the multibase prefix.
            "encodedList": base64.b64encode(gzip.compress(bytes(bits))).decode(),
        },
    }
    source = MappingStatusListSource({LIST_URL: document})
    [revoked] = check_status(_credential(77, entry_type="StatusList2021Entry"), source, verify_list=_always)
    assert (revoked.status, revoked.code) == ("failed", "revoked")
    [clear] = check_status(_credential(76, entry_type="StatusList2021Entry"), source, verify_list=_always)
    assert (clear.status, clear.code) == ("passed", "not_revoked")


# --------------------------------------------------------------------------------------------------------------
# 1EdTech revocation list


def _revocation_credential() -> dict[str, Any]:
    return {
        "id": CREDENTIAL_ID,
        "credentialStatus": {"id": "https://issuer.example.org/revocations", "type": "1EdTechRevocationList"},
    }


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"id": CREDENTIAL_ID}, ("failed", "revoked")),
        ({"id": CREDENTIAL_ID, "revoked": True, "revocationReason": "Issued in error"}, ("failed", "revoked")),
        ({"id": CREDENTIAL_ID, "revoked": False}, ("passed", "not_revoked")),
        ({"id": "urn:uuid:someone-else"}, ("passed", "not_revoked")),
    ],
)
def test_revocation_list(entry: dict[str, Any], expected: tuple[str, str]) -> None:
    source = MappingStatusListSource({"https://issuer.example.org/revocations": {"revokedCredential": [entry]}})
    [outcome] = check_status(_revocation_credential(), source, verify_list=_always)
    assert (outcome.status, outcome.code) == expected
    if "revocationReason" in entry:
        assert "Issued in error" in outcome.message


def test_revocation_list_unavailable_or_malformed() -> None:
    [offline] = check_status(_revocation_credential(), MappingStatusListSource(), verify_list=_always)
    assert (offline.status, offline.code) == ("indeterminate", "status_unavailable")
    source = MappingStatusListSource({"https://issuer.example.org/revocations": {"revokedCredential": "all"}})
    [malformed] = check_status(_revocation_credential(), source, verify_list=_always)
    assert (malformed.status, malformed.code) == ("indeterminate", "status_list_invalid")


def test_sample_revocation_list_credential_offline() -> None:
    [outcome] = check_status(
        _load("credential-status-revoked.json"), MappingStatusListSource(), verify_list=_always, now=NOW
    )
    assert outcome.status == "indeterminate"
    assert outcome.code == "status_unavailable"


# --------------------------------------------------------------------------------------------------------------
# HTTP source


def test_http_source_uses_client_and_rejects_non_objects() -> None:
    class Client:
        def __init__(self, answer: Any) -> None:
            self.answer = answer
            self.calls: list[tuple[str, str]] = []

        def get_json(self, url: str, accept: str) -> Any:
            self.calls.append((url, accept))
            if isinstance(self.answer, Exception):
                raise self.answer
            return copy.deepcopy(self.answer)

    # Client stands in for the HardenedClient with the one method the source calls.
    client = Client({"ok": True})
    assert HttpStatusListSource(client).get(LIST_URL) == {"ok": True}  # type: ignore[arg-type]
    assert client.calls[0][0] == LIST_URL
    assert "application/vc+ld+json" in client.calls[0][1]
    with pytest.raises(StatusListError):
        HttpStatusListSource(Client([1, 2])).get(LIST_URL)  # type: ignore[arg-type]
    source = HttpStatusListSource(Client(FetchError("timed out")))  # type: ignore[arg-type]
    [outcome] = check_status(_credential(1), source, verify_list=_always)
    assert (outcome.status, outcome.code) == ("indeterminate", "status_unavailable")
    assert "timed out" in outcome.message
