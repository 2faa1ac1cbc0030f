"""A learner adds an award to a wallet, in Chromium on a phone's screen: from their collection to the offer's QR code,
which fits the screen and passes axe; then a wallet (tests/wallets/wallet.py) takes the offer over real HTTP from the
served platform and receives the award bound to its key. The page is photographed for docs/wallets.md."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from badges.services import AwardRequest, credential_issue
from learners.views import LEARNER_SESSION_KEY
from tests.actors import owner
from tests.e2e.test_design import Findings
from tests.wallets.wallet import HolderKey, HttpTransport, Wallet

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 800}


def test_a_learner_shows_an_offer_on_a_phone_and_a_wallet_takes_it(page, live_server, achievement, screenshot):
    from axe_playwright_python.sync_playwright import Axe

    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="lea@example.com", name="Lea Rner"),
        source="ui",
        notify=False,
        actor=owner(achievement.issuer),
    )
    session = SessionStore()
    session[LEARNER_SESSION_KEY] = "lea@example.com"
    session.create()
    page.set_viewport_size(PHONE)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/me/credentials/")
    page.get_by_role("link", name="Add to wallet: Python Basics").click()
    page.get_by_role("button", name="Show the QR code").click()
    expect(page.get_by_role("heading", name="Scan this code with your wallet app")).to_be_visible()
    expect(page.locator("figure.qr.offer svg")).to_be_visible()

    # The design test's checks (tests/e2e/test_design.py): no sideways scroll, no text under 12 px, axe.
    findings = Findings()
    findings.check(page, "wallets:offer, with its QR code", Axe())
    assert findings.by_page == {}, findings.report()
    screenshot("wallet-offer-phone", target=page)

    offer_uri = page.get_by_role("link", name="Open in a wallet app on this device").get_attribute("href")
    assert offer_uri and offer_uri.startswith("openid-credential-offer://?credential_offer=")
    wallet = Wallet(http=HttpTransport(), key=HolderKey.p256(), binding="did:jwk")
    issued = wallet.receive(offer_uri, "OpenBadgeCredential_ldp_vc")
    assert issued["credentialSubject"]["id"] == wallet.did
    assert issued["id"] == credential.public_id
