"""Dynamic client registration (RFC 7591 as OB 3.0 profiles it): open, validated, rate-limited."""

from __future__ import annotations

import pytest
from oauth2_provider.models import Application

from ob_api.models import ClientRegistration
from tests.conftest import cache_warnings
from tests.ob_api.conftest import ALL_SCOPES, API, REDIRECT_URI, client_metadata, register


def test_registration_answers_201_with_credentials_and_metadata(client, db):
    response = register(client)
    assert response.status_code == 201
    body = response.json()
    assert response["Cache-Control"] == "no-store"
    application = Application.objects.get()
    assert body["client_id"] == application.client_id
    assert body["client_secret"] and body["client_secret"] != application.client_secret  # stored hashed
    assert isinstance(body["client_id_issued_at"], int)
    assert body["client_secret_expires_at"] == 0
    for name, value in client_metadata().items():
        assert body[name] == value, name
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    assert application.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert application.redirect_uris == REDIRECT_URI
    assert application.user is None
    assert ClientRegistration.objects.get().scope == ALL_SCOPES + " offline_access"


@pytest.mark.parametrize(
    ("_case", "overrides", "error"),
    [
        ("missing client_name", {"client_name": None}, "invalid_client_metadata"),
        ("missing logo_uri", {"logo_uri": None}, "invalid_client_metadata"),
        ("missing software_version", {"software_version": None}, "invalid_client_metadata"),
        ("missing scope", {"scope": None}, "invalid_client_metadata"),
        ("missing redirect_uris", {"redirect_uris": None}, "invalid_client_metadata"),
        ("empty redirect_uris", {"redirect_uris": []}, "invalid_redirect_uri"),
        ("redirect_uris not an array", {"redirect_uris": REDIRECT_URI}, "invalid_redirect_uri"),
        ("http redirect", {"redirect_uris": ["http://wallet.example.org/callback"]}, "invalid_redirect_uri"),
        ("other host", {"redirect_uris": ["https://evil.example.net/callback"]}, "invalid_redirect_uri"),
        ("fragment", {"redirect_uris": [REDIRECT_URI + "#x"]}, "invalid_redirect_uri"),
        ("localhost outside DEBUG", {"redirect_uris": ["http://localhost:3000/cb"]}, "invalid_redirect_uri"),
        ("http client_uri", {"client_uri": "http://wallet.example.org/"}, "invalid_client_metadata"),
        ("unknown scope", {"scope": "openid email"}, "invalid_client_metadata"),
        ("public client", {"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
        ("client credentials grant", {"grant_types": ["client_credentials"]}, "invalid_client_metadata"),
        ("implicit response type", {"response_types": ["token"]}, "invalid_client_metadata"),
        ("contacts not strings", {"contacts": [1]}, "invalid_client_metadata"),
    ],
)
def test_invalid_metadata_is_refused(client, db, _case, overrides, error):
    response = register(client, **overrides)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert Application.objects.count() == 0
    assert ClientRegistration.objects.count() == 0


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"text"'])
def test_body_must_be_a_json_object(client, db, body):
    response = client.post(f"{API}/register", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"
    assert Application.objects.count() == 0


def test_localhost_is_allowed_in_debug_only(client, db, settings):
    settings.DEBUG = True
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]}
    response = register(client, client_uri="http://localhost:3000/", redirect_uris=["http://localhost:3000/cb"])
    assert response.status_code == 201, response.content


def test_registrations_are_rate_limited_per_address(client, db, settings):
    settings.OB_API_REGISTRATIONS_PER_HOUR = 2
    assert register(client).status_code == 201
    assert register(client).status_code == 201
    refused = register(client)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert Application.objects.count() == 2
    assert register(client, remote_addr="10.0.0.9").status_code == 201


def test_a_cache_that_is_down_leaves_registration_open(client, db, settings, cache_down):
    settings.OB_API_REGISTRATIONS_PER_HOUR = 1
    assert register(client).status_code == 201
    assert register(client).status_code == 201
    assert cache_warnings(cache_down)


def test_get_is_not_allowed(client, db):
    response = client.get(f"{API}/register")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
