"""The platform's verifier, tried as an attacker and an operator would: forgeries naming this platform's own
issuers are never valid and never make us fetch from ourselves; our own credentials are judged from the
database; a database that cannot answer gives 503 / exit 3, never "invalid" (docs/decisions.md D26)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

import badges.verify
from badges.models import StatusList
from badges.services import credential_revoke
from tests.actors import owner
from tests.public.test_verify_page import issue
from verification.errors import FetchError
from verification.jwt import encode_vc_jwt
from verification.keys import ed25519_public_to_multibase, public_jwk
from verification.suites import create_proof

URL = "/api/v1/verify"
ATTACKER = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(7, 39)))
ATTACKER_MB = ed25519_public_to_multibase(ATTACKER.public_key())


class RecordingOfflineClient:
    """No network, and a record of every URL the verifier tried to reach."""

    allow_http = False
    allowed_schemes = ("https",)
    asked: list[str] = []

    def get_json(self, url: str, accept: str = "") -> Any:
        self.asked.append(url)
        raise FetchError(f"No network in the test environment ({url}).")

    def get(self, url: str, *, accept: str, redirects: int = 0) -> Any:
        self.asked.append(url)
        raise FetchError(f"No network in the test environment ({url}).")


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    RecordingOfflineClient.asked = []
    monkeypatch.setattr(badges.verify, "outbound_client", RecordingOfflineClient)


def api(client, body: str | bytes, content_type: str = "application/json"):
    return client.generic("POST", URL, body, content_type=content_type)


def forged_from(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Our credential's content, re-signed by an attacker's key named as one of the issuer's."""
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    unsigned.update(changes)
    issuer = unsigned["issuer"]["id"]
    return create_proof(unsigned, ATTACKER, f"{issuer}#{ATTACKER_MB}", created="2026-01-15T09:00:00Z")


@contextmanager
def database_down() -> Iterator[None]:
    """Every query fails the way a dropped connection does, at the driver boundary."""

    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


# --------------------------------------------------------------------------------------------------------------
# Forgeries that name this platform's issuers


def test_jwt_with_the_attackers_jwk_naming_our_issuer_is_invalid(client, achievement):
    document = json.loads(issue(achievement).document)
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    token = encode_vc_jwt(unsigned, ATTACKER, jwk=public_jwk(ATTACKER.public_key()))
    body = api(client, token, "application/jwt").json()
    assert (body["valid"], body["verdict"]) == (False, "invalid")
    key_check = next(check for check in body["checks"] if check["id"] == "issuer_key")
    assert (key_check["status"], key_check["code"]) == ("failed", "key_not_bound")
    assert RecordingOfflineClient.asked == []


def test_fragment_key_under_our_did_web_is_invalid_without_any_fetch(client, achievement):
    forged = forged_from(json.loads(issue(achievement).document))
    body = api(client, json.dumps(forged)).json()
    assert (body["valid"], body["verdict"]) == (False, "invalid")
    proof = next(check for check in body["checks"] if check["id"] == "proof")
    assert (proof["status"], proof["code"]) == ("failed", "key_unresolved")
    assert RecordingOfflineClient.asked == []  # our issuers' keys come from the database, never over HTTP


@pytest.mark.parametrize("did_suffix", [":issuers:no-such-issuer", ":somewhere:else", ""])
def test_our_host_never_fetched_for_unknown_dids(client, achievement, did_suffix):
    document = json.loads(issue(achievement).document)
    host_did = "did:web:badges.example.test"
    forged = forged_from(document, issuer={**document["issuer"], "id": host_did + did_suffix})
    body = api(client, json.dumps(forged)).json()
    assert body["verdict"] == "invalid"
    assert RecordingOfflineClient.asked == []


def test_the_issuers_own_credential_is_valid_and_bound(client, achievement):
    body = api(client, issue(achievement).document).json()
    assert (body["valid"], body["verdict"]) == (True, "valid"), body
    codes = {check["id"]: check["code"] for check in body["checks"]}
    assert codes["issuer_key"] == "key_bound"
    assert codes["status"] == "not_suspended" or codes["status"] == "not_revoked"
    assert RecordingOfflineClient.asked == []


# --------------------------------------------------------------------------------------------------------------
# Our own status: from the database, nothing signed to be checked


def test_own_status_is_read_from_the_database_without_signing(client, achievement):
    credential = issue(achievement)
    signed_before = list(StatusList.objects.order_by("pk").values_list("signed_document", "signed_version"))
    first = api(client, credential.document).json()
    credential_revoke(credential=credential, reason="Awarded by mistake", actor=owner(achievement.issuer))
    second = api(client, credential.document).json()
    assert first["verdict"] == "valid"
    assert second["verdict"] == "invalid"
    status = next(check for check in second["checks"] if check["id"] == "status")
    assert (status["status"], status["code"]) == ("failed", "revoked")
    # Verifying signed no list: whatever was stored is still what was stored.
    signed_after = list(StatusList.objects.order_by("pk").values_list("signed_document", "signed_version"))
    assert signed_after == signed_before


# --------------------------------------------------------------------------------------------------------------
# The database cannot answer: not a verdict


def test_api_answers_503_with_retry_after_when_the_database_is_down(client, achievement):
    document = issue(achievement).document
    with database_down():
        response = api(client, document)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/errors/unavailable")
    assert "nothing was decided" in body["detail"]
    assert "Traceback" not in response.content.decode()


def test_page_answers_503_when_the_database_is_down(client, achievement):
    document = issue(achievement).document
    with database_down():
        response = client.post("/verify", {"credential": document})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "cannot check credentials right now" in html
    assert "Not valid" not in html


def test_cli_exits_3_when_the_database_is_down(achievement, tmp_path):
    target = tmp_path / "c.json"
    target.write_text(issue(achievement).document)
    with database_down(), pytest.raises(CommandError) as caught:
        call_command("verify_credential", str(target))
    assert caught.value.returncode == 3


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda document: document, 0),
        (lambda document: {**document, "name": "Tampered"}, 1),
        (lambda document: forged_from(document, issuer={**document["issuer"], "id": "https://elsewhere.example"}), 3),
    ],
    ids=["valid", "invalid", "indeterminate"],
)
def test_cli_exit_codes(achievement, tmp_path, capsys, make, code):
    target = tmp_path / "c.json"
    target.write_text(json.dumps(make(json.loads(issue(achievement).document))))
    if code == 0:
        call_command("verify_credential", str(target))
    else:
        with pytest.raises(SystemExit) as caught:
            call_command("verify_credential", str(target))
        assert caught.value.code == code
    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line.startswith({0: "VALID", 1: "INVALID", 3: "INDETERMINATE"}[code])


def test_cli_exits_2_for_unusable_input(tmp_path):
    target = tmp_path / "c.json"
    target.write_text("not a credential")
    with pytest.raises(CommandError) as caught:
        call_command("verify_credential", str(target))
    assert caught.value.returncode == 2
