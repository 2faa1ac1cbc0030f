"""The 1EdTech API end to end, as a wallet drives it: discovery → register → authorize with PKCE (the
learner signs in through /me/ and submits the consent form) → token → upsert a foreign credential →
getCredentials → refresh."""

from __future__ import annotations

import json

from oauth2_provider.models import AccessToken, RefreshToken

from ob_api.models import StoredCredential
from tests.ob_api.conftest import (
    ALL_SCOPES,
    API,
    REDIRECT_URI,
    SCOPE,
    Wallet,
    basic_auth,
    bearer,
    client_metadata,
    pkce_pair,
    query,
)
from tests.ob_api.credentials import ForeignIssuer


def test_wallet_flow_end_to_end(client, outbox, django_capture_on_commit_callbacks, lea_credential):
    # Discovery: unprotected, and everything a wallet needs is in it.
    sdd = client.get(f"{API}/discovery")
    assert sdd.status_code == 200
    scheme = sdd.json()["components"]["securitySchemes"]["OAuth2ACG"]
    flow = scheme["flows"]["authorizationCode"]
    assert scheme["x-imssf-registrationUrl"] == "https://badges.example.test/ims/ob/v3p0/register"
    assert flow["authorizationUrl"] == "https://badges.example.test/ims/ob/v3p0/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == "https://badges.example.test/ims/ob/v3p0/token"

    # Register (RFC 7591), at the URL discovery gave, relative to the test server.
    registration = client.post(
        scheme["x-imssf-registrationUrl"].removeprefix("https://badges.example.test"),
        json.dumps(client_metadata()),
        content_type="application/json",
    )
    assert registration.status_code == 201
    registered = registration.json()
    assert registered["client_secret_expires_at"] == 0
    wallet = Wallet(browser=client, registered=registered)

    # Authorize: Lea is not signed in, so she goes through /me/ and lands back on the consent page.
    verifier, challenge = pkce_pair()
    params = wallet.authorize_params(challenge, ALL_SCOPES + " offline_access")
    start = client.get(f"{API}/authorize", params)
    assert start.status_code == 302
    assert start["Location"].startswith("/me/")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/me/", {"email": "lea@example.com"}).status_code == 200
    token_in_mail = outbox[-1].body.split("/me/sign-in/")[1].split("/")[0]
    back = client.post(f"/me/sign-in/{token_in_mail}/")
    assert back.status_code == 302
    assert back["Location"].startswith("/ims/ob/v3p0/authorize?")
    assert query(back["Location"])["code_challenge"] == challenge

    page = client.get(back["Location"])
    assert page.status_code == 200
    assert "Connect Example Wallet to your credentials?" in page.content.decode()
    form = page.context["form"]
    consent = {name: form[name].value() or "" for name in form.fields if name != "allow"}
    redirect = client.post(f"{API}/authorize", {**consent, "allow": "Authorize"})
    assert redirect.status_code == 302
    assert redirect["Location"].startswith(REDIRECT_URI + "?")
    answer = query(redirect["Location"])
    assert answer["state"] == "st-123"
    assert answer["iss"] == "https://badges.example.test/ims/ob/v3p0"  # RFC 9207

    # Token, with the PKCE verifier and HTTP Basic client authentication.
    tokens = wallet.token(
        grant_type="authorization_code", code=answer["code"], redirect_uri=REDIRECT_URI, code_verifier=verifier
    )
    assert tokens.status_code == 200
    tokens = tokens.json()
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["expires_in"] == 3600
    assert set(tokens["scope"].split()) == set((ALL_SCOPES + " offline_access").split())
    # Tokens are stored hashed (RFC 9700 §4): the database never holds a usable bearer token.
    assert not AccessToken.objects.filter(token=tokens["access_token"]).exists()
    assert not RefreshToken.objects.filter(token=tokens["refresh_token"]).exists()

    # Upsert a credential signed by a foreign did:key issuer: verified, stored, echoed, 201.
    foreign = ForeignIssuer().credential()
    body = json.dumps(foreign)
    upsert = client.post(f"{API}/credentials", body, content_type="application/json", **bearer(tokens["access_token"]))
    assert upsert.status_code == 201, upsert.content
    assert upsert.json() == foreign
    stored = StoredCredential.objects.get()
    assert (stored.learner_email, stored.credential_id, stored.issuer_id) == (
        "lea@example.com",
        foreign["id"],
        foreign["issuer"]["id"],
    )
    # The same credential again replaces it: 200.
    again = client.post(f"{API}/credentials", body, content_type="application/json", **bearer(tokens["access_token"]))
    assert again.status_code == 200
    assert StoredCredential.objects.count() == 1

    # getCredentials: the platform's own award to Lea and the stored one.
    listing = client.get(f"{API}/credentials", **bearer(tokens["access_token"]))
    assert listing.status_code == 200
    assert listing["X-Total-Count"] == "2"
    assert 'rel="first"' in listing["Link"] and 'rel="last"' in listing["Link"]
    ids = [item["id"] for item in listing.json()["credential"]]
    assert sorted(ids) == sorted([foreign["id"], lea_credential.public_id])
    assert listing.json()["compactJwsString"] == []

    # Refresh: a new pair; the old refresh token no longer works; the new access token does.
    refreshed = wallet.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content
    refreshed = refreshed.json()
    assert refreshed["access_token"] != tokens["access_token"]
    assert refreshed["refresh_token"] != tokens["refresh_token"]
    assert client.get(f"{API}/credentials", **bearer(refreshed["access_token"])).status_code == 200
    assert client.get(f"{API}/credentials", **bearer(tokens["access_token"])).status_code == 401
    reused = wallet.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    # Reuse of a rotated refresh token means it leaked: the whole family is revoked (RFC 9700 §4.14.2).
    assert client.get(f"{API}/credentials", **bearer(refreshed["access_token"])).status_code == 401
    assert wallet.token(grant_type="refresh_token", refresh_token=refreshed["refresh_token"]).status_code == 400


def test_deny_redirects_with_access_denied_and_issues_nothing(wallet):
    _, challenge = pkce_pair()
    redirect = wallet.consent(challenge, allow=False)
    assert redirect.status_code == 302
    assert query(redirect["Location"])["error"] == "access_denied"
    assert AccessToken.objects.count() == 0
    assert RefreshToken.objects.count() == 0


def test_token_needs_client_authentication(wallet):
    verifier, challenge = pkce_pair()
    code = query(wallet.consent(challenge)["Location"])["code"]
    wrong = dict(wallet.registered, client_secret="not-the-secret")
    response = wallet.browser.post(
        f"{API}/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
        **basic_auth(wrong),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert AccessToken.objects.count() == 0


def test_scope_outside_the_registration_is_refused(signed_in):
    from tests.ob_api.conftest import register

    registered = register(signed_in, scope=SCOPE + "credential.readonly").json()
    wallet = Wallet(browser=signed_in, registered=registered)
    _, challenge = pkce_pair()
    response = signed_in.get(f"{API}/authorize", wallet.authorize_params(challenge, SCOPE + "credential.upsert"))
    assert response.status_code == 302
    assert query(response["Location"])["error"] == "invalid_scope"
