"""Two platforms in one test: this platform's learner sends a credential, and this same platform, served by
pytest-django's live server, is the learner's Open Badges 3.0 host. The learner's browser is two test clients, one
per site (each with its own cookies, as a browser keeps them per origin); the server-to-server requests (discovery,
registration, token, upsert) travel over real HTTP to the live server through the hardened client."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client

from tests.learners.conftest import LINK, issue, request_link

API = "/ims/ob/v3p0"
LEARNER = "lea@example.com"


def query(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def path_of(url):
    """The path and query of an absolute URL of the live server: the test clients talk to the same site in-process."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.fixture
def outbox(db, mailoutbox, tasks_in_process):
    return mail.outbox


@pytest.fixture
def hosted(live_server, settings):
    """This platform at the live server's address, allowed to reach itself: plain http and a loopback address, as
    under DEBUG (only here). The OAuth server takes http redirect URIs under DEBUG only, so its settings follow."""
    settings.SITE_URL = live_server.url
    settings.DEBUG = True
    settings.OUTBOUND_HTTP_ALLOW_PRIVATE = True
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]}
    return live_server


@pytest.fixture
def credential(hosted, achievement):
    """Lea's credential, issued under the live server's address (its id and the issuer's did:web name it)."""
    return issue(achievement)


def signed_in(outbox, capture, email=LEARNER):
    """A browser on our site, the learner signed in through the e-mailed link."""
    browser = Client()
    token = request_link(browser, outbox, capture, email)
    assert browser.post(f"/me/sign-in/{token}/").status_code == 302
    return browser


@dataclass
class Send:
    """A send started on our site: the learner's browser there, and where it goes next."""

    ours: Client
    authorization_url: str

    @property
    def state(self):
        return query(self.authorization_url)["state"]


def start_send(ours, credential, address):
    page = ours.post(f"/me/backpack/{credential.uuid}/", {"address": address})
    assert page.status_code == 200, page.content.decode()[:2000]
    return Send(ours=ours, authorization_url=page.context["authorization_url"])


def consent_at_host(send, outbox, capture, *, allow=True, email=LEARNER):
    """The learner at the host, in a browser of its own: sent to /me/ there, signed in by the e-mailed link, back on
    the consent page, which they answer. Returns the host's redirect (to our callback)."""
    host = Client()
    start = host.get(path_of(send.authorization_url))
    assert start.status_code == 302 and start["Location"].startswith("/me/")
    with capture(execute=True):
        assert host.post("/me/", {"email": email}).status_code == 200
    token = LINK.search(outbox[-1].body).group(1)
    back = host.post(f"/me/sign-in/{token}/")
    assert back["Location"].startswith(f"{API}/authorize?")
    page = host.get(back["Location"])
    assert page.status_code == 200, page.content.decode()[:2000]
    form = page.context["form"]
    answer = {name: form[name].value() or "" for name in form.fields if name != "allow"}
    if allow:
        answer["allow"] = "Authorize"
    redirect = host.post(f"{API}/authorize", answer)
    assert redirect.status_code == 302
    return redirect
