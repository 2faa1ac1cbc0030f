"""The three status mechanisms end to end: a signed OB 3.0 credential whose status list is served by a loopback
server and fetched through the hardened client — W3C Bitstring Status List, the legacy StatusList2021 (its list
credential signed and checked like a bitstring list) and 1EdTech Revocation List 1.0. Each: revoked,
suspended (where the mechanism has it), clear, and unreachable (indeterminate, never valid)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.verification import hostile
from tests.verification.test_http import LocalServer, local_client
from verification.report import Report
from verification.resolvers import CompositeResolver
from verification.service import verify
from verification.status import LIST_SIZE, HttpStatusListSource, encode_bitstring, set_bit

SET = 7  # the index whose bit is set in every list
CLEAR = 8

# Each mechanism: the list credential's @context and types, and the credential's entry type. StatusList2021 is a
# VCDM 1.1 vocabulary whose context cannot sit beside the VCDM 2.0 one in a list credential (both protect
# `id`), so its lists are VCDM 1.1 credentials, as they are in the field.
BITSTRING: dict[str, Any] = {
    "context": ["https://www.w3.org/ns/credentials/v2"],
    "list_type": "BitstringStatusListCredential",
    "subject_type": "BitstringStatusList",
    "entry_type": "BitstringStatusListEntry",
    "credential_context": [],
    "dates": {"validFrom": "2025-01-01T00:00:00Z"},
}
STATUS_LIST_2021: dict[str, Any] = {
    "context": [
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/vc/status-list/2021/v1",
    ],
    "list_type": "StatusList2021Credential",
    "subject_type": "StatusList2021",
    "entry_type": "StatusList2021Entry",
    "credential_context": ["https://w3id.org/vc/status-list/2021/v1"],
    "dates": {"issuanceDate": "2025-01-01T00:00:00Z"},
}
MECHANISMS = {"BitstringStatusList": BITSTRING, "StatusList2021": STATUS_LIST_2021}


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def _list(mechanism: dict[str, Any], url: str, purpose: str) -> dict[str, Any]:
    bits = bytearray(LIST_SIZE // 8)
    set_bit(bits, SET, True)
    return hostile.signed(
        {
            "@context": mechanism["context"],
            "id": url,
            "type": ["VerifiableCredential", mechanism["list_type"]],
            "issuer": hostile.DID,
            **mechanism["dates"],
            "credentialSubject": {
                "id": f"{url}#list",
                "type": mechanism["subject_type"],
                "statusPurpose": purpose,
                "encodedList": encode_bitstring(bits),
            },
        }
    )


def _credential(status: dict[str, Any], extra_context: list[str]) -> dict[str, Any]:
    document = hostile.credential()
    document["@context"] = document["@context"] + extra_context
    document["credentialStatus"] = status
    return hostile.signed(document)


def _verify(server: LocalServer, credential: dict[str, Any]) -> Report:
    return verify(
        credential,
        resolver=CompositeResolver.default(None),
        status_source=HttpStatusListSource(local_client()),
    )


def _status(report: Report) -> tuple[str, str | None]:
    check = report.check("status")
    assert check is not None
    return check.status, check.code


@pytest.mark.parametrize("name", list(MECHANISMS))
@pytest.mark.parametrize(
    ("purpose", "index", "expected", "verdict"),
    [
        ("revocation", SET, ("failed", "revoked"), "invalid"),
        ("suspension", SET, ("failed", "suspended"), "invalid"),
        ("revocation", CLEAR, ("passed", "not_revoked"), "valid"),
        ("suspension", CLEAR, ("passed", "not_suspended"), "valid"),
    ],
)
def test_bit_lists(
    server: LocalServer, name: str, purpose: str, index: int, expected: tuple[str, str], verdict: str
) -> None:
    mechanism = MECHANISMS[name]
    url = server.url(f"/status/{purpose}")
    server.json(f"/status/{purpose}", _list(mechanism, url, purpose))
    entry = {
        "id": f"{url}#{index}",
        "type": mechanism["entry_type"],
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }
    report = _verify(server, _credential(entry, mechanism["credential_context"]))
    assert _status(report) == expected
    assert report.verdict == verdict


@pytest.mark.parametrize("name", list(MECHANISMS))
def test_bit_list_unreachable_or_badly_signed_is_indeterminate(server: LocalServer, name: str) -> None:
    mechanism = MECHANISMS[name]
    url = server.url("/status/revocation")
    entry = {
        "id": f"{url}#{CLEAR}",
        "type": mechanism["entry_type"],
        "statusPurpose": "revocation",
        "statusListIndex": str(CLEAR),
        "statusListCredential": url,
    }
    credential = _credential(entry, mechanism["credential_context"])
    unreachable = _verify(server, credential)  # not published: 404
    assert _status(unreachable) == ("indeterminate", "status_unavailable")
    assert unreachable.verdict == "indeterminate"
    tampered = _list(mechanism, url, "revocation")
    tampered["credentialSubject"]["encodedList"] = encode_bitstring(bytearray(LIST_SIZE // 8))  # clears bit 7
    server.json("/status/revocation", tampered)
    report = _verify(server, credential)
    assert _status(report) == ("indeterminate", "status_list_invalid")
    assert report.verdict == "indeterminate"


@pytest.mark.parametrize(
    ("listed", "expected", "verdict"),
    [
        (
            [{"id": hostile.credential()["id"], "revoked": True, "revocationReason": "Awarded by mistake"}],
            ("failed", "revoked"),
            "invalid",
        ),
        ([{"id": "urn:uuid:someone-else"}], ("passed", "not_revoked"), "valid"),
    ],
)
def test_1edtech_revocation_list(
    server: LocalServer, listed: list[dict[str, Any]], expected: tuple[str, str], verdict: str
) -> None:
    # 1EdTech Revocation List 1.0 revokes only; it has no suspension.
    url = server.url("/revocations")
    server.json("/revocations", {"id": url, "issuer": hostile.DID, "revokedCredential": copy.deepcopy(listed)})
    report = _verify(server, _credential({"id": url, "type": "1EdTechRevocationList"}, []))
    assert _status(report) == expected
    assert report.verdict == verdict
    if expected[1] == "revoked":
        assert "Awarded by mistake" in (report.check("status").message or "")  # type: ignore[union-attr]


def test_1edtech_revocation_list_unreachable_is_indeterminate(server: LocalServer) -> None:
    url = server.url("/revocations")
    report = _verify(server, _credential({"id": url, "type": "1EdTechRevocationList"}, []))
    assert _status(report) == ("indeterminate", "status_unavailable")
    assert report.verdict == "indeterminate"


def test_status_list_2021_has_only_revocation_and_suspension(server: LocalServer) -> None:
    url = server.url("/status/message")
    entry = {
        "id": f"{url}#{SET}",
        "type": "StatusList2021Entry",
        "statusPurpose": "message",
        "statusListIndex": str(SET),
        "statusListCredential": url,
    }
    report = _verify(server, _credential(entry, STATUS_LIST_2021["credential_context"]))
    assert _status(report) == ("failed", "status_entry_invalid")
    assert server.requests == []  # refused before any fetch
