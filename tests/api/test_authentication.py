"""Bearer tokens: valid, unknown, malformed, wrong secret, revoked; last use recorded at most once a minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from api.authentication import TokenPrincipal
from api.models import ApiToken
from api.services import token_revoke
from issuer.models import AuditEvent
from tests.api.conftest import ApiClient, assert_problem, jobs_url


def test_a_valid_token_reads(api, job):
    response = api.get(jobs_url())

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_the_principal_is_not_a_user_and_carries_the_token(token):
    principal = TokenPrincipal(token[0])

    assert principal.is_authenticated is True
    assert principal.is_anonymous is False
    assert principal.pk is None
    assert principal.token == token[0]


def test_no_credentials_is_401_with_the_bearer_challenge(db, issuer):
    response = ApiClient().get(jobs_url())

    assert_problem(response, 401, "not-authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer xyz",
        "Bearer obp_short",
        "Bearer obp_abcdefgh",
        "Bearer obp_abcdefgh_",
        "Bearer obp_abcdefghXsecret",
        "Bearer tok_abcdefgh_secret",
    ],
)
def test_malformed_tokens_are_401(db, issuer, header):
    response = ApiClient().get(jobs_url(), headers={"Authorization": header})

    assert_problem(response, 401, "invalid-token")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_unknown_token_is_401(db, issuer):
    response = ApiClient("obp_zzzzzzzz_" + "A" * 43).get(jobs_url())

    assert_problem(response, 401, "invalid-token", "The API token is not valid.")


def test_a_wrong_secret_for_a_known_prefix_is_401(token):
    stored, secret = token
    forged = f"obp_{stored.prefix}_" + "B" * 43

    response = ApiClient(forged).get(jobs_url())

    assert_problem(response, 401, "invalid-token", "The API token is not valid.")
    stored.refresh_from_db()
    assert stored.last_used_at is None


def test_a_revoked_token_is_401(token, user):
    stored, secret = token
    token_revoke(token=stored, actor=user)

    response = ApiClient(secret).get(jobs_url())

    assert_problem(response, 401, "invalid-token", "revoked")
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=str(stored.pk), actor=user).count() == 1
    token_revoke(token=stored, actor=user)  # twice: nothing more happens
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_basic_auth_is_not_accepted(db, issuer):
    response = ApiClient().get(jobs_url(), headers={"Authorization": "Basic YWxpY2U6cHc="})

    assert_problem(response, 401, "not-authenticated")


def test_last_used_is_recorded_at_most_once_a_minute(api, token, django_assert_num_queries):
    stored = token[0]
    assert stored.last_used_at is None

    api.get(jobs_url())
    stored.refresh_from_db()
    first = stored.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=5)

    api.get(jobs_url())
    stored.refresh_from_db()
    assert stored.last_used_at == first  # within the minute: not written again

    ApiToken.objects.filter(pk=stored.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get(jobs_url())
    stored.refresh_from_db()
    assert stored.last_used_at > first
