"""A wallet's view of the Open Badges API: registration, PKCE, a learner signed in through /me/, tokens."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.learners.conftest import issue, sign_in

API = "/ims/ob/v3p0"
SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
ALL_SCOPES = " ".join(
    SCOPE + name for name in ("credential.readonly", "credential.upsert", "profile.readonly", "profile.update")
)
REDIRECT_URI = "https://wallet.example.org/callback"


def client_metadata(**overrides):
    metadata = {
        "client_name": "Example Wallet",
        "client_uri": "https://wallet.example.org/",
        "logo_uri": "https://wallet.example.org/logo.png",
        "tos_uri": "https://wallet.example.org/terms",
        "policy_uri": "https://wallet.example.org/privacy",
        "software_id": "c88b6ed8-269e-448e-99be-7e2ff47167d1",
        "software_version": "1.4.0",
        "redirect_uris": [REDIRECT_URI],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": ALL_SCOPES + " offline_access",
        "contacts": ["dev@wallet.example.org"],
    }
    metadata.update(overrides)
    return {key: value for key, value in metadata.items() if value is not None}


def register(client, remote_addr="127.0.0.1", **overrides):
    return client.post(
        f"{API}/register",
        json.dumps(client_metadata(**overrides)),
        content_type="application/json",
        REMOTE_ADDR=remote_addr,
    )


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def basic_auth(registered):
    raw = f"{registered['client_id']}:{registered['client_secret']}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def query(location):
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


@dataclass
class Wallet:
    """A registered wallet driving the browser (the Django test client) and its own back channel."""

    browser: object
    registered: dict

    def authorize_params(self, challenge, scope=ALL_SCOPES, **extra):
        params = {
            "response_type": "code",
            "client_id": self.registered["client_id"],
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "state": "st-123",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(extra)
        return {key: value for key, value in params.items() if value is not None}

    def consent(self, challenge, scope=ALL_SCOPES, allow=True):
        """GET the consent page, then submit its form as the learner would; returns the redirect."""
        page = self.browser.get(f"{API}/authorize", self.authorize_params(challenge, scope))
        assert page.status_code == 200, page.content[:500]
        form = page.context["form"]
        data = {name: form[name].value() or "" for name in form.fields if name != "allow"}
        if allow:
            data["allow"] = "Authorize"
        return self.browser.post(f"{API}/authorize", data)

    def token(self, **data):
        return self.browser.post(f"{API}/token", data, **basic_auth(self.registered))

    def tokens(self, scope=ALL_SCOPES):
        """The whole dance: consent with PKCE, then the code for tokens."""
        verifier, challenge = pkce_pair()
        redirect = self.consent(challenge, scope)
        code = query(redirect["Location"])["code"]
        response = self.token(
            grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
        )
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture
def outbox(db, mailoutbox, tasks_in_process):
    # Read after the database is ready, with the sign-in link's task run here (see tests/learners/conftest.py).
    from django.core import mail

    return mail.outbox


@pytest.fixture
def lea_credential(achievement):
    return issue(achievement)


@pytest.fixture
def signed_in(client, outbox, django_capture_on_commit_callbacks, lea_credential):
    """Lea, signed in through the real e-mailed link."""
    sign_in(client, outbox, django_capture_on_commit_callbacks)
    return client


@pytest.fixture
def wallet(signed_in):
    response = register(signed_in)
    assert response.status_code == 201, response.content
    return Wallet(browser=signed_in, registered=response.json())
