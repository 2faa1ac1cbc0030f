"""The learner's "Add to wallet" page: only for the learner the award was made to, only while it holds; the offer
as a QR code and a link, its code never stored in clear and never e-mailed."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend
from tests.actors import owner
from tests.wallets.conftest import award, offer_from_page, signed_in
from wallets.models import WalletOffer, secret_hash

pytestmark = pytest.mark.django_db


def test_the_page_explains_and_offers_the_button(learner, lea_award):
    response = learner.get(f"/me/credentials/{lea_award.uuid}/wallet/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Python Basics" in page and "Test University" in page
    assert "Show the QR code" in page
    assert "openid-credential-offer://" not in page
    assert WalletOffer.objects.count() == 0


def test_asking_makes_an_offer_shown_as_a_qr_code_and_a_link(learner, lea_award):
    response = learner.post(f"/me/credentials/{lea_award.uuid}/wallet/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "<svg" in page and 'class="qr offer"' in page
    assert "The offer works once, for 10 minutes." in page
    uri = offer_from_page(learner, lea_award)
    offer = json.loads(parse_qs(urlsplit(uri).query)["credential_offer"][0])
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
    assert len(code) >= 43  # 256 bits
    stored = WalletOffer.objects.order_by("pk").last()
    assert stored.code_hash == secret_hash(code) and code not in stored.code_hash
    assert stored.credential == lea_award and not stored.tx_code_required
    assert (stored.expires_at - stored.created_at).total_seconds() == 600
    assert mail.outbox == []  # no code ever travels by e-mail


def test_each_offer_has_its_own_code(learner, lea_award):
    first, second = offer_from_page(learner, lea_award), offer_from_page(learner, lea_award)
    assert unquote(first) != unquote(second)
    assert WalletOffer.objects.count() == 2


def test_another_learners_award_is_forbidden(lea_award):
    stranger = signed_in("max@example.com")
    assert stranger.get(f"/me/credentials/{lea_award.uuid}/wallet/").status_code == 403
    assert stranger.post(f"/me/credentials/{lea_award.uuid}/wallet/").status_code == 403
    assert WalletOffer.objects.count() == 0


def test_an_award_that_does_not_exist_is_not_found(learner):
    assert learner.get("/me/credentials/00000000-0000-4000-8000-000000000000/wallet/").status_code == 404


def test_someone_not_signed_in_goes_to_the_sign_in_page(client, lea_award):
    response = client.post(f"/me/credentials/{lea_award.uuid}/wallet/")
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert WalletOffer.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda c: credential_revoke(credential=c, reason="Mistake", actor=owner(c.issuer)), "was revoked"),
        (lambda c: credential_suspend(credential=c, reason="Review", actor=owner(c.issuer)), "is suspended"),
    ],
    ids=["revoked", "suspended"],
)
def test_an_award_that_does_not_hold_gets_no_offer(learner, lea_award, change, words):
    change(lea_award)
    shown = learner.get(f"/me/credentials/{lea_award.uuid}/wallet/")
    assert shown.status_code == 200
    assert words in shown.content.decode() and "Show the QR code" not in shown.content.decode()
    asked = learner.post(f"/me/credentials/{lea_award.uuid}/wallet/")
    assert asked.status_code == 409
    assert words in asked.content.decode() and "openid-credential-offer://" not in asked.content.decode()
    assert WalletOffer.objects.count() == 0


def test_an_expired_award_gets_no_offer(learner, achievement):
    expired = award(achievement)
    now = timezone.now()
    type(expired).objects.filter(pk=expired.pk).update(
        valid_from=now - timedelta(days=10), valid_until=now - timedelta(days=1)
    )
    asked = learner.post(f"/me/credentials/{expired.uuid}/wallet/")
    assert asked.status_code == 409 and "has expired" in asked.content.decode()


def test_offers_are_limited_per_learner(settings, learner, lea_award):
    settings.WALLET_OFFER_RATE_PER_LEARNER = "1/hour"
    offer_from_page(learner, lea_award)
    response = learner.post(f"/me/credentials/{lea_award.uuid}/wallet/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "many wallet offers" in response.content.decode()


def test_the_collection_links_each_award_that_holds(learner, lea_award, achievement):
    revoked = award(achievement)
    credential_revoke(credential=revoked, reason="Mistake", actor=owner(revoked.issuer))
    page = learner.get("/me/credentials/").content.decode()
    assert f'href="/me/credentials/{lea_award.uuid}/wallet/"' in page
    assert f'href="/me/credentials/{revoked.uuid}/wallet/"' not in page
    assert "Not available" in page


def test_the_page_reads_in_german(learner, lea_award):
    page = learner.post(f"/me/credentials/{lea_award.uuid}/wallet/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Scannen Sie diesen Code mit Ihrer Wallet-App" in page
    assert re.search(r'<html lang="de"', page)


def test_the_award_email_points_to_the_page_and_carries_no_offer(achievement, run):
    run(
        credential_issue,
        request=AwardRequest(achievement=achievement, email="lea@example.com"),
        source="ui",
        actor=owner(achievement.issuer),
    )
    message = mail.outbox[-1]
    html_body = message.alternatives[0][0]
    for body in (message.body, html_body):
        assert "https://badges.example.test/me/" in body and "Add to wallet" in body
        assert "openid-credential-offer" not in body and "pre-authorized" not in body
    assert WalletOffer.objects.count() == 0
