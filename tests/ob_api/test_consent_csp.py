"""The consent page's Content-Security-Policy: the wallet's redirect and logo are allowed there, and only there.

Chromium checks a form's redirects against the page's form-action, so the consent form, answered with a redirect to
the wallet, needs the wallet's origin in it (tests/e2e/test_csp_pages.py drives the real redirect)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from ob_api.middleware import NEXT_SESSION_KEY
from tests.learners.conftest import request_link
from tests.ob_api.conftest import API, REDIRECT_URI, Wallet, pkce_pair, register
from tests.site_pages import directives


def test_the_consent_page_allows_the_wallets_redirect_and_logo(signed_in):
    registered = register(signed_in, logo_uri="https://cdn.wallet.example.net/logo.png").json()
    wallet = Wallet(browser=signed_in, registered=registered)
    _, challenge = pkce_pair()

    page = signed_in.get(f"{API}/authorize", wallet.authorize_params(challenge))
    other = signed_in.get("/me/credentials/")

    assert page.status_code == 200
    policy = directives(page["Content-Security-Policy"])
    assert policy["form-action"] == ["'self'", "https://wallet.example.org"]
    assert policy["img-src"] == ["'self'", "data:", "https://badges.example.test", "https://cdn.wallet.example.net"]
    assert directives(other["Content-Security-Policy"])["form-action"] == ["'self'"]


def test_an_authorization_error_page_adds_nothing(signed_in):
    page = signed_in.get(f"{API}/authorize", {"response_type": "code", "client_id": "nobody"})

    assert page.status_code == 400
    policy = directives(page["Content-Security-Policy"])
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "https://badges.example.test"]


@pytest.mark.parametrize(
    ("redirect_uri", "expected"),
    [
        (REDIRECT_URI, ["'self'", "https://wallet.example.org"]),
        ("", ["'self'", "https://wallet.example.org"]),  # the client's default redirect URI
        ("https://elsewhere.example.net/callback", ["'self'"]),  # not registered for the client
        (None, ["'self'"]),  # no authorization request pending
    ],
)
def test_the_sign_in_page_allows_a_pending_authorizations_wallet(
    client, outbox, django_capture_on_commit_callbacks, lea_credential, redirect_uri, expected
):
    registered = register(client).json()
    token = request_link(client, outbox, django_capture_on_commit_callbacks)
    if redirect_uri is not None:
        wallet = Wallet(browser=client, registered=registered)
        params = wallet.authorize_params(pkce_pair()[1], redirect_uri=redirect_uri or None)
        session = client.session
        session[NEXT_SESSION_KEY] = f"{API}/authorize?{urlencode(params)}"
        session.save()

    page = client.get(f"/me/sign-in/{token}/")

    assert page.status_code == 200
    assert directives(page["Content-Security-Policy"])["form-action"] == expected
