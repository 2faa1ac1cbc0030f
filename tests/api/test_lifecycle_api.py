"""/api/v1/issuers/<slug>/credentials/<uuid>/renew, /correct, /resend (badges.lifecycle, D64): the new credential
and its links, idempotency, problem+json refusals naming the field, scopes and another issuer's credentials."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from badges.models import Achievement, Credential, CredentialStatus
from badges.services import AwardRequest, credential_issue, credential_revoke
from issuer.models import AuditEvent
from tests.actors import owner
from tests.api.conftest import SITE, ApiClient, assert_problem, make_token

END = (timezone.now() + timedelta(days=30)).replace(microsecond=0)


def url(credential: Credential, suffix: str) -> str:
    return f"/api/v1/issuers/{credential.issuer.slug}/credentials/{credential.uuid}/{suffix}"


def issue(achievement: Achievement, email: str = "ada@example.org", **kwargs) -> Credential:
    kwargs.setdefault("valid_until", timezone.now().replace(microsecond=0) + timedelta(days=30))
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email, name="Ada Lovlace", **kwargs),
        source="ui",
        notify=False,
        actor=owner(achievement.issuer),
    )


@pytest.fixture
def credential(achievement):
    return issue(achievement)


def test_renew(api, credential, mailoutbox):
    until = (credential.valid_until + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = api.post(url(credential, "renew"), {"valid_until": until})

    assert response.status_code == 201, response.content
    renewal = Credential.objects.get(replaces=credential)
    body = response.json()
    assert response["Location"] == f"{SITE}/api/v1/issuers/uni/credentials/{renewal.uuid}"
    assert body["id"] == str(renewal.uuid)
    assert body["document"]["validUntil"] == until
    assert body["replaces"] == {"id": credential.public_id, "kind": "renewal"}
    assert body["source"] == "api"
    assert [message.to for message in mailoutbox] == [["ada@example.org"]]
    old = api.get(f"/api/v1/issuers/uni/credentials/{credential.uuid}").json()
    assert old["replaced_by"] == {"id": renewal.public_id, "kind": "renewal"}
    assert old["status"] == "active"


def test_renew_twice_with_an_idempotency_key_renews_once(api, credential):
    headers = {"Idempotency-Key": "renew-ada-1"}
    first = api.post(url(credential, "renew"), {}, headers=headers)
    second = api.post(url(credential, "renew"), {}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    # Without a key, the same request again answers with the same renewal too.
    third = api.post(url(credential, "renew"), {})
    assert third.json()["id"] == first.json()["id"]
    assert Credential.objects.filter(replaces=credential).count() == 1


def test_renew_refusals_name_the_field(api, credential):
    earlier = (credential.valid_until - timedelta(days=1)).isoformat()
    problem = assert_problem(api.post(url(credential, "renew"), {"valid_until": earlier}), 422, "invalid-request")
    assert list(problem["errors"]) == ["valid_until"]
    problem = assert_problem(api.post(url(credential, "renew"), {"valid_until": "soon"}), 400, "invalid-request")
    assert list(problem["errors"]) == ["valid_until"]
    problem = assert_problem(api.post(url(credential, "renew"), {"until": "2030-01-01"}), 400, "invalid-request")
    assert list(problem["errors"]) == ["until"]
    assert Credential.objects.count() == 1


def test_renewing_a_revoked_credential_is_a_conflict(api, credential):
    credential_revoke(credential=credential, reason="mistake", actor=owner(credential.issuer))
    assert_problem(api.post(url(credential, "renew"), {}), 409, "invalid-state", "A revoked credential")


def test_correct(api, credential, client):
    response = api.post(url(credential, "correct"), {"name": "Ada Lovelace"})

    assert response.status_code == 201, response.content
    correction = Credential.objects.get(replaces=credential)
    body = response.json()
    assert body["document"]["credentialSubject"]["name"] == "Ada Lovelace"
    assert body["replaces"] == {"id": credential.public_id, "kind": "correction"}
    credential.refresh_from_db()
    assert (credential.status, credential.status_reason) == (
        CredentialStatus.REVOKED,
        f"Superseded by {correction.public_id}",
    )
    # The verify API shows the reason and the link.
    report = client.post("/api/v1/verify", credential.document, content_type="application/json").json()
    assert report["verdict"] == "invalid"
    assert report["replacedBy"] == {
        "id": correction.public_id,
        "kind": "correction",
        "reason": f"Superseded by {correction.public_id}",
    }
    assert report["replaces"] is None
    report = client.post("/api/v1/verify", correction.document, content_type="application/json").json()
    assert (report["verdict"], report["replaces"], report["replacedBy"]) == (
        "valid",
        {"id": credential.public_id, "kind": "correction"},
        None,
    )


def test_correct_to_another_achievement(api, credential, issuer):
    Achievement.objects.create(issuer=issuer, slug="sql", name="SQL", description="d", criteria_narrative="c")
    response = api.post(url(credential, "correct"), {"achievement": "sql"})
    assert response.status_code == 201, response.content
    assert response.json()["achievement"]["slug"] == "sql"


def test_correct_refusals_name_the_field(api, credential, other_issuer):
    Achievement.objects.create(issuer=other_issuer, slug="theirs", name="T", description="d", criteria_narrative="c")
    problem = assert_problem(api.post(url(credential, "correct"), {"achievement": "theirs"}), 422, "invalid-request")
    assert list(problem["errors"]) == ["achievement"]
    problem = assert_problem(api.post(url(credential, "correct"), {"name": "Ada Lovlace"}), 422, "invalid-request")
    assert problem["errors"] == {
        "name": ["Nothing to correct: the name and the achievement's version are those already issued."]
    }
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ACTIVE
    assert Credential.objects.filter(issuer=credential.issuer).count() == 1


def test_resend(api, credential, mailoutbox):
    response = api.post(url(credential, "resend"))
    assert response.status_code == 202, response.content
    assert response.json()["id"] == str(credential.uuid)
    assert [message.to for message in mailoutbox] == [["ada@example.org"]]
    assert Credential.objects.count() == 1


def test_resend_is_limited(api, credential, mailoutbox):
    for _ in range(3):
        assert api.post(url(credential, "resend")).status_code == 202
    response = api.post(url(credential, "resend"))
    assert_problem(response, 429, "rate-limited", "already sent again 3 times")
    assert 86_000 < int(response["Retry-After"]) <= 86_400
    assert len(mailoutbox) == 3


def test_resend_of_a_revoked_credential_is_a_conflict(api, credential, mailoutbox):
    credential_revoke(credential=credential, reason="mistake", actor=owner(credential.issuer))
    assert_problem(api.post(url(credential, "resend")), 409, "invalid-state", "revoked")
    assert mailoutbox == []


def test_a_read_only_token_changes_nothing(issuer, credential, mailoutbox):
    client = ApiClient(make_token(issuer, scopes=["credentials:read"])[1])
    for action in ("renew", "correct", "resend"):
        assert_problem(client.post(url(credential, action), {}), 403, "insufficient-scope")
    assert Credential.objects.count() == 1
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action__in=["credential.renewed", "credential.resent"]).exists()


def test_another_issuers_credential_is_not_found(other_api, credential, mailoutbox):
    for action in ("renew", "correct", "resend"):
        response = other_api.post(f"/api/v1/issuers/other/credentials/{credential.uuid}/{action}", {"name": "X"})
        assert_problem(response, 404, "not-found")
    assert Credential.objects.count() == 1
    assert mailoutbox == []


def test_the_schema_documents_the_three_operations(client):
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    paths = schema["paths"]
    base = "/api/v1/issuers/{slug}/credentials/{uuid}"
    assert paths[f"{base}/renew"]["post"]["operationId"] == "credentials_renew"
    assert paths[f"{base}/correct"]["post"]["operationId"] == "credentials_correct"
    assert paths[f"{base}/resend"]["post"]["operationId"] == "credentials_resend"
    assert "202" in paths[f"{base}/resend"]["post"]["responses"]
