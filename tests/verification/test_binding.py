"""Key binding and the three verdicts, tried as an attacker would (docs/decisions.md D26).

A loopback server plays the web: issuer profiles, DID documents and status lists are served, withheld, broken
or slowed per case. Every forgery must come out not valid; what could not be checked is indeterminate.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tests.verification.test_http import LocalServer, local_client
from verification.jwt import encode_vc_jwt
from verification.keys import did_key_from_ed25519, ed25519_public_to_multibase, public_jwk
from verification.report import Report
from verification.resolvers import CompositeResolver, DidWebResolver
from verification.service import verify
from verification.status import LIST_SIZE, HttpStatusListSource, encode_bitstring, set_bit
from verification.suites import create_proof

NOW = datetime(2026, 11, 26, tzinfo=UTC)
ISSUER_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ATTACKER_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
ISSUER_MB = ed25519_public_to_multibase(ISSUER_KEY.public_key())
ATTACKER_MB = ed25519_public_to_multibase(ATTACKER_KEY.public_key())
P256 = ec.derive_private_key(987654321, ec.SECP256R1())


@pytest.fixture
def web() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def did_web(web: LocalServer, name: str = "acme") -> str:
    return f"did:web:127.0.0.1%3A{web.port}:issuers:{name}"


def publish_did(web: LocalServer, did: str, *keys: tuple[str, str]) -> str:
    """Serve the DID document of `did` listing (fragment, multibase) keys under assertionMethod; returns `did`."""
    methods = [
        {"id": f"{did}#{fragment}", "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        for fragment, multibase in keys
    ]
    path = "/" + "/".join(did.split(":")[3:]) + "/did.json"
    web.json(path, {"id": did, "verificationMethod": methods, "assertionMethod": [m["id"] for m in methods]})
    return did


def publish(web: LocalServer, path: str, document: dict[str, Any]) -> str:
    """Serve `document` at `path`; returns the path."""
    web.json(path, document)
    return path


def resolver(web: LocalServer) -> CompositeResolver:
    client = local_client(timeout=1.0)
    return CompositeResolver(did_web=DidWebResolver(client, scheme="http"), client=client)


def unsigned(issuer: str, **changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:0f6c2b1e-5d4a-4c3b-9a8f-7e6d5c4b3a29",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Acme University"},
        "validFrom": "2026-01-15T09:00:00Z",
        "name": "Python Foundations",
        "credentialSubject": {
            "id": "did:example:jane",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://acme.example/achievements/python",
                "type": ["Achievement"],
                "name": "Python Foundations",
                "description": "Writes and tests small Python programs.",
                "criteria": {"narrative": "Passed the final project."},
            },
        },
    }
    credential.update(changes)
    return credential


def signed(issuer: str, key: ed25519.Ed25519PrivateKey, method: str, **changes: Any) -> dict[str, Any]:
    return create_proof(unsigned(issuer, **changes), key, method, created="2026-01-15T09:00:00Z")


def did_jwk(key: Any) -> str:
    encoded = base64.urlsafe_b64encode(json.dumps(public_jwk(key.public_key())).encode()).rstrip(b"=").decode()
    return f"did:jwk:{encoded}"


def check(report: Report, check_id: str) -> tuple[str, str | None]:
    found = report.check(check_id)
    assert found is not None, report.to_dict()
    return found.status, found.code


@dataclass(frozen=True)
class Case:
    """Set up the web, return the credential (a dict or a compact JWS); expect a verdict and one check."""

    make: Callable[[LocalServer], dict[str, Any] | str]
    verdict: str
    check_id: str
    status: str
    code: str


def _jwt_jwk_naming(issuer_of: Callable[[LocalServer], str]) -> Callable[[LocalServer], str]:
    def make(web: LocalServer) -> str:
        issuer = issuer_of(web)
        publish_did(web, did_web(web), ("key-1", ISSUER_MB))
        return encode_vc_jwt(unsigned(issuer), ATTACKER_KEY, jwk=public_jwk(ATTACKER_KEY.public_key()))

    return make


def _fragment_key_under(issuer_of: Callable[[LocalServer], str], *, publish: bool) -> Callable[[LocalServer], dict]:
    def make(web: LocalServer) -> dict:
        issuer = issuer_of(web)
        if publish:
            publish_did(web, did_web(web), ("key-1", ISSUER_MB))
        return signed(issuer, ATTACKER_KEY, f"{issuer}#{ATTACKER_MB}")

    return make


def _https_issuer_with_did_key(profile: Callable[[str, str], dict[str, Any] | None]) -> Callable[[LocalServer], dict]:
    def make(web: LocalServer) -> dict:
        issuer = web.url("/issuers/acme")
        did = did_key_from_ed25519(ISSUER_KEY.public_key())
        document = profile(issuer, did)
        if document is not None:
            web.json("/issuers/acme", document)
        return signed(issuer, ISSUER_KEY, f"{did}#{ISSUER_MB}")

    return make


def _then(*steps: Any) -> Any:
    """The last of several expressions evaluated in order (set up the web, then build the credential)."""
    return steps[-1]


def _profile(**extra: Any) -> Callable[[str, str], dict[str, Any]]:
    return lambda issuer, did: {
        "id": issuer,
        "type": "Profile",
        "name": "Acme",
        **{k: v(did) for k, v in extra.items()},
    }


CASES: dict[str, Case] = {
    # --- forgeries: never valid ----------------------------------------------------------------------------
    "jwt: attacker's jwk header, names a did:web issuer": Case(
        _jwt_jwk_naming(did_web), "invalid", "issuer_key", "failed", "key_not_bound"
    ),
    "jwt: attacker's jwk header, names an https issuer": Case(
        _jwt_jwk_naming(lambda web: web.url("/issuers/acme")), "invalid", "issuer_key", "failed", "key_not_bound"
    ),
    "jwt: jwk header, did:key issuer of another key": Case(
        _jwt_jwk_naming(lambda web: did_key_from_ed25519(ISSUER_KEY.public_key())),
        "invalid",
        "issuer_key",
        "failed",
        "key_not_bound",
    ),
    "di: did:web issuer, key in the fragment, document lists other keys": Case(
        _fragment_key_under(did_web, publish=True), "invalid", "proof", "failed", "key_unresolved"
    ),
    "di: did:web issuer, key in the fragment, no document": Case(
        _fragment_key_under(did_web, publish=False), "indeterminate", "proof", "indeterminate", "key_unavailable"
    ),
    "di: https issuer, key in the fragment, no profile": Case(
        _fragment_key_under(lambda web: web.url("/issuers/acme"), publish=False),
        "indeterminate",
        "proof",
        "indeterminate",
        "key_unavailable",
    ),
    "di: method controlled by another did:web": Case(
        lambda web: _then(
            publish_did(web, did_web(web, "other"), ("key-1", ATTACKER_MB)),
            signed(did_web(web), ATTACKER_KEY, f"{did_web(web, 'other')}#key-1"),
        ),
        "invalid",
        "issuer_key",
        "failed",
        "controller_mismatch",
    ),
    "di: did:key method under a did:web issuer": Case(
        lambda web: signed(
            did_web(web), ATTACKER_KEY, f"{did_key_from_ed25519(ATTACKER_KEY.public_key())}#{ATTACKER_MB}"
        ),
        "invalid",
        "issuer_key",
        "failed",
        "controller_mismatch",
    ),
    "di: https issuer whose profile does not list the key": Case(
        _https_issuer_with_did_key(_profile()), "invalid", "issuer_key", "failed", "key_not_bound"
    ),
    "di: https issuer whose profile is unreachable": Case(
        _https_issuer_with_did_key(lambda issuer, did: None),
        "indeterminate",
        "issuer_key",
        "indeterminate",
        "key_unavailable",
    ),
    "di: https issuer whose profile speaks for someone else": Case(
        _https_issuer_with_did_key(lambda issuer, did: {"id": issuer + "/x", "alsoKnownAs": [did]}),
        "invalid",
        "issuer_key",
        "failed",
        "key_not_bound",
    ),
    "di: urn:uuid issuer, did:key proof": Case(
        lambda web: signed(
            "urn:uuid:6f2e33e5-7a29-4155-840a-59483ba10164",
            ISSUER_KEY,
            f"{did_key_from_ed25519(ISSUER_KEY.public_key())}#{ISSUER_MB}",
        ),
        "invalid",
        "issuer_key",
        "failed",
        "issuer_unbound",
    ),
    "di: signed by the issuer, then altered": Case(
        lambda web: _then(
            publish_did(web, did_web(web), ("key-1", ISSUER_MB)),
            {**signed(did_web(web), ISSUER_KEY, f"{did_web(web)}#key-1"), "name": "Python Mastery"},
        ),
        "invalid",
        "proof",
        "failed",
        "proof_invalid",
    ),
    # --- properly bound: valid -------------------------------------------------------------------------------
    "di: did:web issuer, key in its DID document": Case(
        lambda web: _then(
            publish_did(web, did_web(web), ("key-1", ISSUER_MB)),
            signed(did_web(web), ISSUER_KEY, f"{did_web(web)}#key-1"),
        ),
        "valid",
        "issuer_key",
        "passed",
        "key_bound",
    ),
    "di: did:key issuer": Case(
        lambda web: signed(
            did_key_from_ed25519(ISSUER_KEY.public_key()),
            ISSUER_KEY,
            f"{did_key_from_ed25519(ISSUER_KEY.public_key())}#{ISSUER_MB}",
        ),
        "valid",
        "issuer_key",
        "passed",
        "key_bound",
    ),
    "di: https issuer, key in its own controller document": Case(
        lambda web: _then(
            publish(
                web,
                "/issuers/acme",
                {
                    "id": web.url("/issuers/acme"),
                    "type": "Profile",
                    "verificationMethod": [{"id": "#key-1", "type": "Multikey", "publicKeyMultibase": ISSUER_MB}],
                    "assertionMethod": ["#key-1"],
                },
            ),
            signed(web.url("/issuers/acme"), ISSUER_KEY, web.url("/issuers/acme#key-1")),
        ),
        "valid",
        "issuer_key",
        "passed",
        "key_bound",
    ),
    "di: https issuer whose profile links the signing DID (alsoKnownAs)": Case(
        _https_issuer_with_did_key(_profile(alsoKnownAs=lambda did: [did])),
        "valid",
        "issuer_key",
        "passed",
        "key_bound",
    ),
    "di: https issuer whose profile links the signing DID (otherIdentifier)": Case(
        _https_issuer_with_did_key(
            _profile(
                otherIdentifier=lambda did: [{"type": "IdentifierEntry", "identifier": did, "identifierType": "did"}]
            )
        ),
        "valid",
        "issuer_key",
        "passed",
        "key_bound",
    ),
    "jwt: jwk header, did:jwk issuer of exactly that key": Case(
        lambda web: encode_vc_jwt(unsigned(did_jwk(P256)), P256, jwk=public_jwk(P256.public_key())),
        "valid",
        "issuer_key",
        "passed",
        "key_bound",
    ),
    "jwt: kid in the issuer's DID document": Case(
        lambda web: _then(
            publish_did(web, did_web(web), ("key-1", ISSUER_MB)),
            encode_vc_jwt(unsigned(did_web(web)), ISSUER_KEY, kid=f"{did_web(web)}#key-1"),
        ),
        "valid",
        "issuer_key",
        "passed",
        "key_bound",
    ),
    "jwt: kid whose DID document is unreachable": Case(
        lambda web: encode_vc_jwt(unsigned(did_web(web)), ISSUER_KEY, kid=f"{did_web(web)}#key-1"),
        "indeterminate",
        "issuer_key",
        "indeterminate",
        "key_unavailable",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_binding(web: LocalServer, name: str) -> None:
    case = CASES[name]
    data = case.make(web)
    report = verify(data, resolver=resolver(web), status_source=HttpStatusListSource(local_client()), now=NOW)
    assert check(report, case.check_id) == (case.status, case.code), report.to_dict()
    assert report.verdict == case.verdict, report.to_dict()
    assert report.valid is (case.verdict == "valid")
    assert report.to_dict()["verdict"] == case.verdict


# --------------------------------------------------------------------------------------------------------------
# Proof sets and chains


def _bound(web: LocalServer) -> dict[str, Any]:
    publish_did(web, did_web(web), ("key-1", ISSUER_MB), ("key-2", ATTACKER_MB))
    return signed(did_web(web), ISSUER_KEY, f"{did_web(web)}#key-1")


def test_a_second_proof_with_a_bad_signature_invalidates_the_set(web: LocalServer) -> None:
    credential = _bound(web)
    second = copy.deepcopy(credential["proof"])
    second["verificationMethod"] = f"{did_web(web)}#key-2"  # a listed key that did not make this signature
    credential["proof"] = [credential["proof"], second]
    report = verify(credential, resolver=resolver(web), status_source=HttpStatusListSource(local_client()), now=NOW)
    assert check(report, "proof") == ("failed", "proof_set_invalid")
    assert report.verdict == "invalid"


def test_a_dangling_previous_proof_invalidates_the_set(web: LocalServer) -> None:
    credential = _bound(web)
    credential["proof"] = {**credential["proof"], "previousProof": "urn:uuid:nowhere"}
    report = verify(credential, resolver=resolver(web), status_source=HttpStatusListSource(local_client()), now=NOW)
    assert check(report, "proof") == ("failed", "previous_proof_missing")
    assert report.verdict == "invalid"


def test_two_good_proofs_verify(web: LocalServer) -> None:
    first = _bound(web)
    again = create_proof(unsigned(did_web(web)), ATTACKER_KEY, f"{did_web(web)}#key-2", created="2026-01-15T09:00:00Z")
    first["proof"] = [first["proof"], again["proof"]]
    report = verify(first, resolver=resolver(web), status_source=HttpStatusListSource(local_client()), now=NOW)
    assert report.verdict == "valid", report.to_dict()


# --------------------------------------------------------------------------------------------------------------
# Status lists on the web: only a signed, bound, fitting list answers


def _list(web: LocalServer, issuer: str, *, purpose: str = "revocation", revoked: int | None = None) -> dict:
    bits = bytearray(LIST_SIZE // 8)
    if revoked is not None:
        set_bit(bits, revoked, True)
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": web.url("/status/1"),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": web.url("/status/1#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_bitstring(bits),
        },
    }
    return document


def _with_status(web: LocalServer, index: int = 42) -> dict[str, Any]:
    issuer = did_web(web)
    publish_did(web, issuer, ("key-1", ISSUER_MB))
    entry = {
        "id": web.url(f"/status/1#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": web.url("/status/1"),
    }
    return signed(issuer, ISSUER_KEY, f"{issuer}#key-1", credentialStatus=entry)


def _slow(delay: float) -> Callable[[BaseHTTPRequestHandler], None]:
    def handler(request: BaseHTTPRequestHandler) -> None:
        time.sleep(delay)
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.end_headers()
        request.wfile.write(b"{}")

    return handler


def _sign_list(web: LocalServer, document: dict, key: ed25519.Ed25519PrivateKey, fragment: str) -> dict:
    return create_proof(document, key, f"{did_web(web)}#{fragment}", created="2026-01-15T09:00:00Z")


STATUS_CASES: dict[str, tuple[Callable[[LocalServer], None], str, str, str]] = {
    "list answers 404": (
        lambda web: web.body("/status/1", b"{}", status=404),
        "indeterminate",
        "indeterminate",
        "status_unavailable",
    ),
    "list answers 500": (
        lambda web: web.body("/status/1", b"oops", status=500),
        "indeterminate",
        "indeterminate",
        "status_unavailable",
    ),
    "list is too slow": (
        lambda web: web.route("/status/1", _slow(3.0)),
        "indeterminate",
        "indeterminate",
        "status_unavailable",
    ),
    "list is not signed": (
        lambda web: web.json("/status/1", _list(web, did_web(web))),
        "indeterminate",
        "indeterminate",
        "status_list_invalid",
    ),
    "list is signed by a key its issuer does not list": (
        lambda web: web.json("/status/1", _sign_list(web, _list(web, did_web(web)), ATTACKER_KEY, "key-1")),
        "indeterminate",
        "indeterminate",
        "status_list_invalid",
    ),
    "list is for another purpose": (
        lambda web: web.json(
            "/status/1", _sign_list(web, _list(web, did_web(web), purpose="suspension"), ISSUER_KEY, "key-1")
        ),
        "indeterminate",
        "indeterminate",
        "status_list_invalid",
    ),
    "list revokes the credential": (
        lambda web: web.json("/status/1", _sign_list(web, _list(web, did_web(web), revoked=42), ISSUER_KEY, "key-1")),
        "invalid",
        "failed",
        "revoked",
    ),
    "list is fine": (
        lambda web: web.json("/status/1", _sign_list(web, _list(web, did_web(web), revoked=41), ISSUER_KEY, "key-1")),
        "valid",
        "passed",
        "not_revoked",
    ),
}


@pytest.mark.parametrize("name", list(STATUS_CASES))
def test_status_list_on_the_web(web: LocalServer, name: str) -> None:
    serve, verdict, status, code = STATUS_CASES[name]
    credential = _with_status(web)
    serve(web)
    report = verify(
        credential, resolver=resolver(web), status_source=HttpStatusListSource(local_client(timeout=1.0)), now=NOW
    )
    assert check(report, "status") == (status, code), report.to_dict()
    assert report.verdict == verdict


def test_index_outside_the_list_is_indeterminate(web: LocalServer) -> None:
    credential = _with_status(web, index=LIST_SIZE + 5)
    web.json("/status/1", _sign_list(web, _list(web, did_web(web)), ISSUER_KEY, "key-1"))
    report = verify(credential, resolver=resolver(web), status_source=HttpStatusListSource(local_client()), now=NOW)
    assert check(report, "status") == ("indeterminate", "status_list_invalid")
    assert report.verdict == "indeterminate"
