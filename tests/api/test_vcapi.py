"""/api/vc/: the VC-API's issue, verify, presentation verify and status endpoints — their answers, their refusals,
idempotent issue, and the round trip issue → verify → revoke → verify."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from api.views_vcapi import VcVerifyCredentialApi, VcVerifyPresentationApi
from badges.api_verify import VerifyRateThrottle
from badges.models import ClientCredential, CredentialStatus
from issuer.models import AuditEvent
from tests.api.conftest import ApiClient, assert_problem, make_token
from tests.verification.credentials import open_badge_credential
from verification import canon
from verification.keys import did_key_from_public, public_key_to_multibase

VC_V2 = "https://www.w3.org/ns/credentials/v2"
ISSUE, VERIFY, STATUS, PRESENT = (
    "/api/vc/credentials/issue",
    "/api/vc/credentials/verify",
    "/api/vc/credentials/status",
    "/api/vc/presentations/verify",
)
HOLDER_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"vc-api holder").digest())
HOLDER = did_key_from_public(HOLDER_KEY.public_key())
OTHER_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"vc-api someone else").digest())


def plain_credential(subject: str = HOLDER, **members: Any) -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": subject},
        **members,
    }


def badge(subject: str = HOLDER) -> dict[str, Any]:
    """An Open Badges credential about `subject`, as a program composes it: no issuer, id or status (the platform
    verifies Open Badges credentials; a plain VC is signed but not an Open Badges credential to its verifier)."""
    document = open_badge_credential()
    for member in ("issuer", "id", "credentialStatus"):
        document.pop(member, None)
    document["credentialSubject"]["id"] = subject
    return document


def issue(api: ApiClient, credential: dict[str, Any] | None = None, **options: Any) -> Any:
    return api.post(ISSUE, {"credential": credential or badge(), "options": options})


def signed(api: ApiClient, **options: Any) -> dict[str, Any]:
    response = issue(api, **options)
    assert response.status_code == 201, response.content
    return response.json()["verifiableCredential"]


def verify(credential: dict[str, Any]) -> dict[str, Any]:
    response = ApiClient().post(VERIFY, {"verifiableCredential": credential, "options": {}})
    assert response.status_code == 200, response.content
    return response.json()


def presentation(
    credentials: list[Any],
    *,
    key: ed25519.Ed25519PrivateKey = HOLDER_KEY,
    holder: str | None = HOLDER,
    challenge: str | None = "c-1",
    domain: str | None = "verifier.example",
    purpose: str = "authentication",
) -> dict[str, Any]:
    """A presentation signed by the steps of eddsa-rdfc-2022 (VC DI EdDSA §3.2), with `key`'s did:key."""
    document: dict[str, Any] = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": credentials,
    }
    if holder is not None:
        document["holder"] = holder
    did = did_key_from_public(key.public_key())
    options: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-05T10:00:00Z",
        "verificationMethod": f"{did}#{public_key_to_multibase(key.public_key())}",
        "proofPurpose": purpose,
    }
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    configuration = {**options, "@context": document["@context"]}
    hash_data = (
        hashlib.sha256(canon.canonicalize(configuration).encode()).digest()
        + hashlib.sha256(canon.canonicalize(document).encode()).digest()
    )
    proof = {**options, "proofValue": "z" + base58.b58encode(key.sign(hash_data)).decode()}
    return {**document, "proof": [proof]}


def verify_presentation(document: dict[str, Any], **options: Any) -> dict[str, Any]:
    response = ApiClient().post(PRESENT, {"verifiablePresentation": document, "options": options})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def issuing(issuer):
    return make_token(issuer, scopes=["credentials:write"])


@pytest.fixture
def vc(issuing):
    return ApiClient(issuing[1])


# ----- issue


def test_issue_signs_the_credential_as_the_tokens_issuer(vc, issuer):
    response = issue(vc)
    assert response.status_code == 201
    credential = response.json()["verifiableCredential"]
    assert credential["issuer"]["id"] == issuer.did
    assert credential["issuer"]["name"] == issuer.name
    assert credential["credentialSubject"] == badge()["credentialSubject"]
    assert credential["id"].startswith("urn:uuid:")
    [proof] = credential["proof"]
    assert (proof["cryptosuite"], proof["proofPurpose"]) == ("eddsa-rdfc-2022", "assertionMethod")
    assert proof["verificationMethod"].startswith(issuer.did + "#")
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"
    record = ClientCredential.objects.get()
    assert (record.issuer, record.credential_id, record.format) == (issuer, credential["id"], "eddsa-rdfc-2022")
    audit = AuditEvent.objects.get(action="client_credential.signed")
    assert audit.data == {"credential": credential["id"], "format": "eddsa-rdfc-2022"}
    result = verify(credential)
    assert result["verified"] is True, result["errors"] + result["warnings"]


def test_a_plain_credential_gets_the_issuers_did_or_keeps_it(vc, issuer):
    response = issue(vc, plain_credential())
    assert response.status_code == 201, response.content
    assert response.json()["verifiableCredential"]["issuer"] == issuer.did
    response = issue(vc, plain_credential(issuer={"id": issuer.did, "name": "Uni"}))
    assert response.status_code == 201, response.content
    assert response.json()["verifiableCredential"]["issuer"] == {"id": issuer.did, "name": "Uni"}


@pytest.mark.parametrize("fmt", ["eddsa-jcs-2022", "vc-jwt"])
def test_issue_in_the_other_formats_verifies(vc, fmt):
    credential = signed(vc, format=fmt)
    if fmt == "vc-jwt":
        assert credential["type"] == "EnvelopedVerifiableCredential"
        assert credential["id"].startswith("data:application/vc+jwt,ey")
    else:
        assert credential["proof"][0]["cryptosuite"] == "eddsa-jcs-2022"
    result = verify(credential)
    assert result["verified"] is True, result["errors"]


def test_issue_refuses_another_issuer(vc, other_issuer):
    response = issue(vc, plain_credential(issuer=other_issuer.did))
    body = assert_problem(response, 422, "invalid-request", other_issuer.did)
    assert list(body["errors"]) == ["credential.issuer"]
    assert not ClientCredential.objects.exists()


@pytest.mark.parametrize(
    ("credential", "field"),
    [
        ({"@context": [VC_V2], "type": ["VerifiableCredential"]}, "credential.credentialSubject"),
        (plain_credential(type=["Thing"]), "credential.type"),
        (plain_credential(validFrom="yesterday"), "credential.validFrom"),
        (plain_credential(evidence=[{"id": "https://example.org/e"}]), "credential.evidence[0].type"),
    ],
)
def test_issue_refuses_what_breaks_the_data_model_naming_the_field(vc, credential, field):
    body = assert_problem(issue(vc, credential), 422, "invalid-request")
    assert list(body["errors"]) == [field]
    assert not ClientCredential.objects.exists()
    assert not AuditEvent.objects.filter(action="client_credential.signed").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credential": "text"}, "credential"),
        ({}, "credential"),
        ({"credential": plain_credential(), "options": {"format": "ps256"}}, "options.format"),
    ],
)
def test_issue_refuses_a_body_of_the_wrong_shape(vc, body, field):
    answer = assert_problem(vc.post(ISSUE, body), 400, "invalid-request")
    assert field in answer["errors"]


def test_issue_refuses_bad_json_and_a_credential_with_a_proof(vc):
    assert_problem(vc.post(ISSUE, "{", content_type="application/json"), 400, "malformed-request")
    response = issue(vc, plain_credential(proof={"type": "DataIntegrityProof"}))
    assert list(assert_problem(response, 422, "invalid-request")["errors"]) == ["credential"]


def test_issue_needs_a_token_with_the_scope(issuer):
    assert_problem(ApiClient().post(ISSUE, {"credential": plain_credential()}), 401, "not-authenticated")
    reader = ApiClient(make_token(issuer, scopes=["credentials:read", "bulk:write"])[1])
    assert_problem(issue(reader), 403, "insufficient-scope", "credentials:write")
    assert not ClientCredential.objects.exists()


def test_issue_is_idempotent_with_a_key(vc):
    headers = {"Idempotency-Key": "vc-1"}
    first = vc.post(ISSUE, {"credential": badge()}, headers=headers)
    again = vc.post(ISSUE, {"credential": badge()}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ClientCredential.objects.count() == 1
    other = vc.post(ISSUE, {"credential": badge(subject="did:example:bob")}, headers=headers)
    assert_problem(other, 422, "idempotency-key-reused")


# ----- verify


def test_verify_reports_a_tampered_credential(vc):
    credential = signed(vc)
    credential["credentialSubject"]["id"] = "did:example:mallory"
    result = verify(credential)
    assert result["verified"] is False
    assert {"id": "proof", "code": "proof_invalid"}.items() <= result["errors"][0].items()
    assert "proof" not in result["checks"] and "data_model" in result["checks"]
    assert result["verificationReport"]["verdict"] == "invalid"


def test_verify_refuses_what_is_no_credential():
    client = ApiClient()
    assert_problem(client.post(VERIFY, {"credential": {}}), 400, "invalid-request")
    assert_problem(client.post(VERIFY, {"verifiableCredential": []}), 400, "invalid-request")
    assert_problem(client.post(VERIFY, {"verifiableCredential": {}, "options": []}), 400, "invalid-request")
    assert_problem(client.post(VERIFY, "nope", content_type="application/json"), 400, "invalid-input")
    enveloped = {"type": "EnvelopedVerifiableCredential", "id": "https://example.org/x"}
    assert_problem(client.post(VERIFY, {"verifiableCredential": enveloped}), 400, "invalid-input")


def test_verify_shares_the_public_verifiers_budget():
    assert VcVerifyCredentialApi.throttle_classes == [VerifyRateThrottle]
    assert VcVerifyPresentationApi.throttle_classes == [VerifyRateThrottle]


# ----- status and the round trip


def test_round_trip_issue_verify_revoke_verify(vc, issuer):
    credential = signed(vc)
    result = verify(credential)
    assert result["verified"] is True, result["errors"] + result["warnings"]
    response = vc.post(
        STATUS,
        {
            "credentialId": credential["id"],
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}],
        },
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"credentialId": credential["id"], "status": "revoked"}
    result = verify(credential)
    assert result["verified"] is False
    assert [(error["id"], error["code"]) for error in result["errors"]] == [("status", "revoked")]
    assert ClientCredential.objects.get().status == CredentialStatus.REVOKED
    assert AuditEvent.objects.filter(action="client_credential.revoked").count() == 1


def test_suspend_and_reinstate(vc):
    credential = signed(vc)

    def change(status: str) -> Any:
        return vc.post(STATUS, {"credentialId": credential["id"], "credentialStatus": [{"status": status}]})

    assert change("suspended").status_code == 200
    assert [error["code"] for error in verify(credential)["errors"]] == ["suspended"]
    assert_problem(change("suspended"), 409, "invalid-state", "suspended")
    assert change("active").status_code == 200
    result = verify(credential)
    assert result["verified"] is True, result["errors"] + result["warnings"]


def test_status_of_an_award_goes_through_the_award_services(vc, issuer, achievement):
    from badges.services import AwardRequest, credential_issue
    from tests.actors import owner

    award = credential_issue(
        request=AwardRequest(achievement=achievement, email="ada@example.org"),
        source="ui",
        notify=False,
        actor=owner(issuer),
    )
    response = vc.post(STATUS, {"credentialId": award.public_id, "credentialStatus": [{"status": "revoked"}]})
    assert response.status_code == 200, response.content
    award.refresh_from_db()
    assert award.status == CredentialStatus.REVOKED
    assert AuditEvent.objects.filter(action="credential.revoked", object_id=str(award.pk)).exists()


def test_status_of_another_issuers_credential_is_404(vc, other_issuer):
    theirs = ApiClient(make_token(other_issuer, scopes=["credentials:write"])[1])
    credential = signed(theirs)
    response = vc.post(STATUS, {"credentialId": credential["id"], "credentialStatus": [{"status": "revoked"}]})
    assert_problem(response, 404, "not-found")
    assert ClientCredential.objects.get().status == CredentialStatus.ACTIVE


def test_status_refuses_a_body_of_the_wrong_shape(vc):
    body = assert_problem(
        vc.post(STATUS, {"credentialId": "x", "credentialStatus": [{"status": "gone"}]}), 400, "invalid-request"
    )
    assert list(body["errors"]) == ["credentialStatus[0].status"]
    assert_problem(vc.post(STATUS, {"credentialStatus": []}), 400, "invalid-request")


# ----- presentations


def test_presentation_with_its_holders_credential_verifies(vc):
    credential = signed(vc)
    result = verify_presentation(presentation([credential]), challenge="c-1", domain="verifier.example")
    assert result["verified"] is True, result["errors"]
    assert result["checks"] == ["data_model", "proof", "embedded", "recipient"]
    assert result["verificationReport"]["credentials"][0]["verdict"] == "valid"


def test_presentation_holding_an_enveloped_vc_jwt_verifies(vc):
    credential = signed(vc, format="vc-jwt")
    result = verify_presentation(presentation([credential]), challenge="c-1")
    assert result["verified"] is True, result["errors"]


@pytest.mark.parametrize(
    ("options", "code"),
    [({"challenge": "c-2"}, "challenge_mismatch"), ({"domain": "elsewhere.example"}, "domain_mismatch")],
)
def test_presentation_with_another_challenge_or_domain_is_refused(vc, options, code):
    result = verify_presentation(presentation([signed(vc)]), **options)
    assert result["verified"] is False
    assert [(error["id"], error["code"]) for error in result["errors"]] == [("proof", code)]


def test_tampered_presentation_is_refused(vc):
    document = presentation([signed(vc)])
    document["holder"] = "did:example:mallory"
    result = verify_presentation(document)
    assert result["verified"] is False
    assert ("proof", "proof_invalid") in [(error["id"], error["code"]) for error in result["errors"]]


def test_presentation_holding_a_tampered_credential_is_refused(vc):
    credential = signed(vc)
    credential["credentialSubject"]["name"] = "Mallory"
    result = verify_presentation(presentation([credential]))
    assert result["verified"] is False
    assert [(error["id"], error["code"]) for error in result["errors"]] == [("embedded", "embedded_invalid")]
    assert result["verificationReport"]["credentials"][0]["verdict"] == "invalid"


def test_presentation_signed_by_someone_other_than_the_holder_is_refused(vc):
    result = verify_presentation(presentation([signed(vc)], key=OTHER_KEY))
    assert [(error["id"], error["code"]) for error in result["errors"]] == [("proof", "holder_mismatch")]


def test_presentation_proof_for_assertion_is_refused(vc):
    result = verify_presentation(presentation([signed(vc)], purpose="assertionMethod"))
    assert [(error["id"], error["code"]) for error in result["errors"]] == [("proof", "purpose_mismatch")]


def test_credential_about_someone_else_is_a_warning(vc):
    credential = issue(vc, badge(subject="did:example:child")).json()["verifiableCredential"]
    result = verify_presentation(presentation([credential]))
    assert result["verified"] is True
    assert [(warning["id"], warning["code"]) for warning in result["warnings"]] == [("recipient", "holder_not_subject")]


def test_presentation_refusals_of_shape():
    client = ApiClient()
    assert_problem(client.post(PRESENT, {"verifiablePresentation": "x"}), 400, "invalid-request")
    body = {"verifiablePresentation": presentation([]), "options": {"challenge": 5}}
    assert "options.challenge" in assert_problem(client.post(PRESENT, body), 400, "invalid-request")["errors"]
    unsigned = {"@context": [VC_V2], "type": ["VerifiablePresentation"]}
    result = verify_presentation(unsigned)
    assert [(error["id"], error["code"]) for error in result["errors"]] == [("proof", "no_proof")]


def test_presentation_of_no_credential_at_all_is_400():
    body = {"verifiablePresentation": presentation([json.dumps({"not": "a credential"})])}
    assert_problem(ApiClient().post(PRESENT, body), 400, "invalid-input")
