"""getCredentials and upsertCredential: scopes, verification before storing, paging, one learner's list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ob_api.models import StoredCredential
from tests.learners.conftest import issue, sign_in
from tests.ob_api.conftest import API, SCOPE, Wallet, bearer, register
from tests.ob_api.credentials import ForeignIssuer


def minor(response):
    return response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


def upsert(client, token, document, content_type="application/json"):
    body = document if isinstance(document, str) else json.dumps(document)
    return client.post(f"{API}/credentials", body, content_type=content_type, **bearer(token))


@pytest.fixture
def tokens(wallet):
    return wallet.tokens()


@pytest.fixture
def foreign():
    return ForeignIssuer()


def test_readonly_token_cannot_upsert(wallet, foreign):
    readonly = wallet.tokens(scope=SCOPE + "credential.readonly")
    response = upsert(wallet.browser, readonly["access_token"], foreign.credential())
    assert response.status_code == 403
    body = response.json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    assert minor(response) == "forbidden"
    assert StoredCredential.objects.count() == 0
    assert wallet.browser.get(f"{API}/credentials", **bearer(readonly["access_token"])).status_code == 200


def test_upsert_only_token_cannot_read(wallet):
    upsert_only = wallet.tokens(scope=SCOPE + "credential.upsert")
    response = wallet.browser.get(f"{API}/credentials", **bearer(upsert_only["access_token"]))
    assert response.status_code == 403
    assert minor(response) == "forbidden"


@pytest.mark.parametrize(
    ("_case", "headers"),
    [
        ("no token", {}),
        ("unknown token", {"HTTP_AUTHORIZATION": "Bearer not-a-token"}),
        ("basic auth", {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}),
    ],
)
def test_without_a_valid_token_401(client, db, _case, headers):
    response = client.get(f"{API}/credentials", **headers)
    assert response.status_code == 401
    assert minor(response) == "unauthorizedrequest"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_in_query_string_is_not_accepted(wallet, tokens):
    response = wallet.browser.get(f"{API}/credentials", {"access_token": tokens["access_token"]})
    assert response.status_code == 401


def test_tampered_credential_is_refused_with_invalid_data(wallet, tokens, foreign):
    document = foreign.credential()
    document["credentialSubject"]["achievement"]["name"] = "Chief Architect"
    response = upsert(wallet.browser, tokens["access_token"], document)
    assert response.status_code == 400
    assert minor(response) == "invalid_data"
    assert "proof" in response.json()["imsx_description"]
    assert StoredCredential.objects.count() == 0


def test_unusable_body_is_refused(wallet, tokens):
    response = upsert(wallet.browser, tokens["access_token"], "{not json")
    assert response.status_code == 400
    assert minor(response) == "invalid_data"
    assert StoredCredential.objects.count() == 0


def test_unsupported_media_type(wallet, tokens, foreign):
    response = upsert(wallet.browser, tokens["access_token"], foreign.credential(), content_type="application/xml")
    assert response.status_code == 415
    assert minor(response) == "invalid_data"


def test_vc_jwt_upsert_as_text_plain(wallet, tokens, foreign):
    jws = foreign.vc_jwt()
    response = upsert(wallet.browser, tokens["access_token"], jws, content_type="text/plain")
    assert response.status_code == 201, response.content
    assert response.content.decode() == jws
    assert response["Content-Type"].startswith("text/plain")
    stored = StoredCredential.objects.get()
    assert stored.format == StoredCredential.Format.JWS
    listing = wallet.browser.get(f"{API}/credentials", **bearer(tokens["access_token"])).json()
    assert listing["compactJwsString"] == [jws]
    assert len(listing["credential"]) == 1  # the platform's own award


def test_storing_a_copy_of_our_own_credential_does_not_list_it_twice(wallet, tokens, lea_credential):
    response = upsert(wallet.browser, tokens["access_token"], lea_credential.document)
    assert response.status_code == 201, response.content
    listing = wallet.browser.get(f"{API}/credentials", **bearer(tokens["access_token"]))
    assert listing["X-Total-Count"] == "1"


def test_a_learner_sees_only_their_own(
    wallet, tokens, foreign, achievement, outbox, django_capture_on_commit_callbacks, django_db_blocker
):
    from django.test import Client

    assert upsert(wallet.browser, tokens["access_token"], foreign.credential(name="Lea's")).status_code == 201
    bob_award = issue(achievement, email="bob@example.com", name="Bob")
    bob = Client()
    sign_in(bob, outbox, django_capture_on_commit_callbacks, email="bob@example.com")
    bob_wallet = Wallet(browser=bob, registered=wallet.registered)
    bob_tokens = bob_wallet.tokens()
    assert upsert(bob, bob_tokens["access_token"], foreign.credential(name="Bob's")).status_code == 201

    bob_list = bob.get(f"{API}/credentials", **bearer(bob_tokens["access_token"]))
    names = sorted(item["name"] for item in bob_list.json()["credential"])
    assert bob_list["X-Total-Count"] == "2"
    assert bob_award.public_id in [item["id"] for item in bob_list.json()["credential"]]
    assert "Bob's" in names and "Lea's" not in names
    lea_list = wallet.browser.get(f"{API}/credentials", **bearer(tokens["access_token"]))
    assert lea_list["X-Total-Count"] == "2"
    assert bob_award.public_id not in [item["id"] for item in lea_list.json()["credential"]]


def test_revoked_awards_are_not_listed(wallet, tokens, lea_credential):
    from badges.models import CredentialStatus

    type(lea_credential).objects.filter(pk=lea_credential.pk).update(status=CredentialStatus.REVOKED)
    listing = wallet.browser.get(f"{API}/credentials", **bearer(tokens["access_token"]))
    assert listing["X-Total-Count"] == "0"
    assert listing.json() == {"credential": [], "compactJwsString": []}


# --- paging ----------------------------------------------------------------------------------------


@pytest.fixture
def five(wallet, tokens, foreign, lea_credential):
    """Lea's award (issued now) and four stored credentials issued 40..10 days ago, oldest first."""
    now = datetime.now(UTC)
    ids = []
    for days in (40, 30, 20, 10):
        document = foreign.credential(name=f"{days} days", valid_from=now - timedelta(days=days))
        assert upsert(wallet.browser, tokens["access_token"], document).status_code == 201
        ids.append(document["id"])
    return [*ids, lea_credential.public_id]


def page(wallet, tokens, **params):
    return wallet.browser.get(f"{API}/credentials", params, **bearer(tokens["access_token"]))


def links(response):
    found = {}
    for part in response["Link"].split(", "):
        url, rel = part.split("; ")
        found[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return found


def test_pages_in_issue_order_with_links(wallet, tokens, five):
    first = page(wallet, tokens, limit=2)
    assert first["X-Total-Count"] == "5"
    assert [item["id"] for item in first.json()["credential"]] == five[:2]
    assert links(first) == {
        "next": "https://badges.example.test/ims/ob/v3p0/credentials?limit=2&offset=2",
        "last": "https://badges.example.test/ims/ob/v3p0/credentials?limit=2&offset=4",
        "first": "https://badges.example.test/ims/ob/v3p0/credentials?limit=2&offset=0",
    }
    middle = page(wallet, tokens, limit=2, offset=2)
    assert [item["id"] for item in middle.json()["credential"]] == five[2:4]
    assert set(links(middle)) == {"next", "last", "first", "prev"}
    assert links(middle)["prev"].endswith("limit=2&offset=0")
    last = page(wallet, tokens, limit=2, offset=4)
    assert [item["id"] for item in last.json()["credential"]] == five[4:]
    assert set(links(last)) == {"last", "first", "prev"}


def test_offset_past_the_end_is_an_empty_page(wallet, tokens, five):
    response = page(wallet, tokens, limit=2, offset=50)
    assert response.status_code == 200
    assert response.json() == {"credential": [], "compactJwsString": []}
    assert response["X-Total-Count"] == "5"
    assert set(links(response)) == {"last", "first", "prev"}
    assert links(response)["prev"].endswith("offset=4")


def test_since_keeps_later_ones_and_stays_in_links(wallet, tokens, five):
    since = (datetime.now(UTC) - timedelta(days=25)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = page(wallet, tokens, since=since, limit=1)
    assert response["X-Total-Count"] == "3"
    assert [item["id"] for item in response.json()["credential"]] == five[2:3]
    assert "since=" in links(response)["next"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"limit": "1.5"},
        {"offset": "-1"},
        {"offset": "x"},
        {"since": "yesterday"},
        {"since": "2025-01-01"},
    ],
)
def test_bad_query_parameters_400(wallet, tokens, params):
    response = page(wallet, tokens, **params)
    assert response.status_code == 400
    assert minor(response) == "invalid_query_parameter"


def test_registered_scopes_limit_what_a_client_can_ask(signed_in):
    registered = register(signed_in, scope=SCOPE + "credential.readonly").json()
    wallet = Wallet(browser=signed_in, registered=registered)
    tokens = wallet.tokens(scope=SCOPE + "credential.readonly")
    assert tokens["scope"] == SCOPE + "credential.readonly"


def test_revoked_access_token_stops_working(wallet, tokens):
    from tests.ob_api.conftest import basic_auth

    response = wallet.browser.post(f"{API}/revoke", {"token": tokens["access_token"]}, **basic_auth(wallet.registered))
    assert response.status_code == 200
    assert wallet.browser.get(f"{API}/credentials", **bearer(tokens["access_token"])).status_code == 401


def test_too_large_body_is_413(wallet, tokens, foreign, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = upsert(wallet.browser, tokens["access_token"], foreign.credential())
    assert response.status_code == 413
    assert minor(response) == "invalid_data"
    assert StoredCredential.objects.count() == 0
