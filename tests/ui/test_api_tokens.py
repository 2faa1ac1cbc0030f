"""The owner's API token page: created tokens are shown once and work, revocation stops them, owners only."""

from __future__ import annotations

import re

import pytest

from api.models import ApiToken
from api.services import secret_hash, token_create
from issuer.models import AuditEvent
from tests.actors import owner
from tests.ui.conftest import expected_status

pytestmark = pytest.mark.django_db
EVERYONE = [None, "stranger", "owner", "editor", "awarder", "viewer"]


@pytest.mark.parametrize("who", EVERYONE)
def test_only_owners_see_the_page(client_as, issuer, who):
    response = client_as(who).get("/manage/uni/api-tokens/")
    assert response.status_code == expected_status(who, {"owner"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_owners_create_and_revoke(client_as, issuer, who):
    token, _ = token_create(issuer=issuer, name="existing", actor=owner(issuer))
    client = client_as(who)

    created = client.post("/manage/uni/api-tokens/", {"name": "LMS", "scopes": ["bulk:write"]})
    revoked = client.post(f"/manage/uni/api-tokens/{token.prefix}/revoke/")

    assert created.status_code == expected_status(who, {"owner"})
    # the owner's revocation redirects back to the page
    assert revoked.status_code == (302 if who == "owner" else expected_status(who, {"owner"}))
    token.refresh_from_db()
    if who == "owner":
        assert ApiToken.objects.filter(name="LMS").count() == 1 and token.revoked_at is not None
    else:  # denied: nothing changed
        assert ApiToken.objects.filter(name="LMS").count() == 0 and token.revoked_at is None


def test_a_new_token_is_shown_once_and_works(client_as, issuer, achievement):
    client = client_as("owner")
    response = client.post("/manage/uni/api-tokens/", {"name": "LMS sync", "scopes": ["bulk:read"]})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'data-testid="token-secret">(obp_[^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(name="LMS sync")
    assert (token.scopes, token.created_by.username) == (["bulk:read"], "alice")
    assert token.secret_hash == secret_hash(secret.split("_", 2)[2])
    assert AuditEvent.objects.filter(action="api_token.created", object_id=str(token.pk)).count() == 1
    # shown once: the list page never shows it again
    assert secret not in client.get("/manage/uni/api-tokens/").content.decode()

    client.logout()
    api = client.get("/api/v1/issuers/uni/bulk-jobs", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    denied = client.post("/api/v1/issuers/uni/bulk-jobs", {}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert denied.status_code == 403  # bulk:read only


def test_revoked_tokens_are_refused_by_the_api(client_as, issuer):
    token, secret = token_create(issuer=issuer, name="script", actor=owner(issuer))
    client = client_as("owner")

    response = client.post(f"/manage/uni/api-tokens/{token.prefix}/revoke/", follow=True)

    assert "is revoked: requests with it now fail" in response.content.decode()
    client.logout()
    assert client.get("/api/v1/issuers/uni/bulk-jobs", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "", "scopes": ["bulk:read"]}, "This field is required."),
        ({"name": "x"}, "This field is required."),
        ({"name": "x", "scopes": ["everything"]}, "Select a valid choice."),
    ],
)
def test_bad_input_creates_nothing(client_as, issuer, data, error):
    response = client_as("owner").post("/manage/uni/api-tokens/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_another_issuers_token_cannot_be_revoked_here(client_as, issuer, other_issuer):
    token, _ = token_create(issuer=other_issuer, name="theirs", actor=owner(other_issuer))
    response = client_as("owner").post(f"/manage/uni/api-tokens/{token.prefix}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
