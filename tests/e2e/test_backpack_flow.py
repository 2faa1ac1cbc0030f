"""Send to my backpack in Chromium, with this platform's own Open Badges 3.0 API as the learner's host (one origin
plays both: the learner signed in once is signed in at the host too). Every page on the way is checked against the
Content-Security-Policy (the `page` fixture): the form, the page with the link to the host, the host's consent page,
and the callback's redirect back to the credential's page."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from backpack.models import BackpackSend
from learners.views import LEARNER_SESSION_KEY
from ob_api.models import StoredCredential
from tests.learners.conftest import issue

pytestmark = pytest.mark.django_db(transaction=True)
LEARNER = "lea@example.com"


@pytest.fixture
def reachable(settings):
    """The platform may reach itself as its learner's host: plain http and a loopback address, as under DEBUG."""
    settings.DEBUG = True
    settings.OUTBOUND_HTTP_ALLOW_PRIVATE = True
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]}


def _signed_in(page, live_server):
    session = Client().session
    session[LEARNER_SESSION_KEY] = LEARNER
    session.save()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )


def test_a_learner_sends_a_credential_to_their_backpack(live_server, reachable, achievement, page, screenshot):
    credential = issue(achievement)
    _signed_in(page, live_server)
    host = live_server.url.split("//")[1]

    page.goto(f"{live_server.url}/me/credentials/")
    page.get_by_role("link", name="Send to my backpack").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send to my backpack")
    page.get_by_label("Your backpack's address").fill(live_server.url)
    screenshot("backpack-send")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("link", name=f"Continue to {host}")).to_be_visible()
    screenshot("backpack-continue")
    page.get_by_role("link", name=f"Continue to {host}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Connect Open Badges \(.+\) to your"))
    screenshot("backpack-consent")
    page.get_by_role("button", name="Allow").click()

    expect(page.get_by_text(f"Python Basics is now in your backpack at {host}.")).to_be_visible()
    assert page.url == f"{live_server.url}/me/backpack/{credential.uuid}/"
    screenshot("backpack-sent")
    assert StoredCredential.objects.get().credential_id == credential.public_id
    assert BackpackSend.objects.get().outcome == "stored"
