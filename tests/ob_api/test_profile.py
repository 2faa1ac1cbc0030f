"""getProfile and putProfile: one Profile per learner, validated, scope per operation."""

from __future__ import annotations

import json

import pytest

from ob_api.models import LearnerApiProfile
from tests.ob_api.conftest import API, SCOPE, bearer

PROFILE = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "id": "did:example:lea",
    "type": ["Profile"],
    "name": "Lea Rner",
    "email": "lea@example.com",
}


def minor(response):
    return response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


def put(client, token, document):
    body = document if isinstance(document, str) else json.dumps(document)
    return client.put(f"{API}/profile", body, content_type="application/json", **bearer(token))


@pytest.fixture
def tokens(wallet):
    return wallet.tokens()


def test_no_profile_yet_is_404(wallet, tokens):
    response = wallet.browser.get(f"{API}/profile", **bearer(tokens["access_token"]))
    assert response.status_code == 404
    assert minor(response) == "not_found"


def test_put_then_get(wallet, tokens):
    response = put(wallet.browser, tokens["access_token"], PROFILE)
    assert response.status_code == 200
    assert response.json() == PROFILE
    assert LearnerApiProfile.objects.get().learner_email == "lea@example.com"
    got = wallet.browser.get(f"{API}/profile", **bearer(tokens["access_token"]))
    assert got.status_code == 200
    assert got.json() == PROFILE
    replaced = put(wallet.browser, tokens["access_token"], {**PROFILE, "name": "Lea R."})
    assert replaced.json()["name"] == "Lea R."
    assert LearnerApiProfile.objects.count() == 1


@pytest.mark.parametrize(
    ("_case", "document"),
    [
        ("not an object", [PROFILE]),
        ("no id", {**PROFILE, "id": None}),
        ("id not a URI", {**PROFILE, "id": "lea"}),
        ("not a Profile", {**PROFILE, "type": ["Achievement"]}),
        ("no name", {key: value for key, value in PROFILE.items() if key != "name"}),
        ("not JSON", "{oops"),
    ],
)
def test_invalid_profile_is_400_and_not_stored(wallet, tokens, _case, document):
    response = put(wallet.browser, tokens["access_token"], document)
    assert response.status_code == 400
    assert minor(response) == "invalid_data"
    assert LearnerApiProfile.objects.count() == 0


def test_profile_scopes_are_enforced(wallet):
    readonly = wallet.tokens(scope=SCOPE + "profile.readonly")
    assert put(wallet.browser, readonly["access_token"], PROFILE).status_code == 403
    assert LearnerApiProfile.objects.count() == 0
    credentials_only = wallet.tokens(scope=SCOPE + "credential.readonly")
    response = wallet.browser.get(f"{API}/profile", **bearer(credentials_only["access_token"]))
    assert response.status_code == 403
    assert minor(response) == "forbidden"
