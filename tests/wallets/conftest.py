"""A learner with an award, signed in on their computer; a wallet on their phone, talking to the platform over HTTP."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import translation

from badges.services import AwardRequest, credential_issue
from learners.views import LEARNER_SESSION_KEY
from tests.actors import owner
from tests.wallets.wallet import DjangoClientTransport, HolderKey, Wallet

ORIGIN = "https://badges.example.test"
LEA = "lea@example.com"
OFFER_LINK = re.compile(r'href="(openid-credential-offer://[^"]+)"')
LDP, JWT = "OpenBadgeCredential_ldp_vc", "OpenBadgeCredential_jwt_vc_json"
# Every way the wallet can name its key: (binding, key type).
KEYS = [("did:key", "ed25519"), ("did:key", "p256"), ("did:jwk", "p256"), ("did:jwk", "ed25519"), ("jwk", "ed25519"),
        ("jwk", "p256")]  # fmt: skip


def award(achievement, email=LEA, **kwargs):
    request = AwardRequest(achievement=achievement, email=email, name="Lea Rner", **kwargs)
    return credential_issue(request=request, source="ui", actor=owner(achievement.issuer), notify=False)


def signed_in(email=LEA) -> Client:
    """A browser signed in as the learner of `email` (the session /me/'s sign-in link leaves)."""
    store = SessionStore()
    store[LEARNER_SESSION_KEY] = email
    store.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key or ""
    return client


def offer_from_page(learner: Client, credential) -> str:
    """What the learner's phone scans: the offer link of the page the learner asked for one on."""
    response = learner.post(f"/me/credentials/{credential.uuid}/wallet/")
    assert response.status_code == 200, response.content[:500]
    found = OFFER_LINK.search(response.content.decode())
    assert found, "no offer link on the page"
    return html.unescape(found.group(1))


@pytest.fixture(autouse=True)
def _language_reset():
    # LocaleMiddleware activates the request's language in this thread and leaves it: after a German request, a
    # later test's e-mail (rendered in-process, where a worker would start afresh) would be German too.
    yield
    translation.deactivate()


@pytest.fixture
def lea_award(achievement):
    return award(achievement)


@pytest.fixture
def learner(db):
    return signed_in()


@pytest.fixture
def phone():
    """The wallet's HTTP: a client of its own, with none of the learner's cookies."""
    return DjangoClientTransport(Client(), ORIGIN)


def make_wallet(phone, binding="did:key", key="ed25519") -> Wallet:
    return Wallet(http=phone, key=getattr(HolderKey, key)(), binding=binding)


@pytest.fixture
def wallet(phone):
    return make_wallet(phone)
