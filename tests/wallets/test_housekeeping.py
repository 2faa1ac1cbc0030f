"""What the wallet flow leaves behind: expired nonces, tokens and offers never taken up go a day after they expired
(beat, daily); an offer something was handed out under stays with its take-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from learners.services import learner_profile_get_or_create
from tests.wallets.conftest import LDP, offer_from_page
from wallets.models import WalletAccessToken, WalletNonce, WalletOffer, WalletTakeUp
from wallets.services import nonce_issue, offer_create, wallet_secrets_purge
from wallets.tasks import purge_wallet_secrets

pytestmark = pytest.mark.django_db


def test_expired_secrets_and_unused_offers_are_purged_a_day_later(learner, wallet, lea_award):
    wallet.receive(offer_from_page(learner, lea_award), LDP)  # an offer taken up, its token, a spent nonce
    two_days_ago = timezone.now() - timedelta(days=2)
    profile = learner_profile_get_or_create(email="lea@example.com")
    offer_create(profile=profile, credential=lea_award, now=two_days_ago)  # never taken up
    nonce_issue(now=two_days_ago)

    # A day and a bit after everything of today expired too.
    deleted = wallet_secrets_purge(now=timezone.now() + timedelta(days=1, minutes=20))

    assert deleted == 4  # the unused offer, both nonces (the spent one and the old one), the token
    assert WalletNonce.objects.count() == WalletAccessToken.objects.count() == 0
    taken = WalletTakeUp.objects.get()
    assert list(WalletOffer.objects.values_list("pk", flat=True)) == [taken.offer_id]


def test_nothing_younger_than_a_day_past_its_expiry_goes(learner, wallet, lea_award):
    wallet.receive(offer_from_page(learner, lea_award), LDP)
    nonce_issue()
    assert purge_wallet_secrets() == 0
    assert WalletNonce.objects.count() == 2


def test_beat_runs_the_purge_daily():
    assert settings.CELERY_BEAT_SCHEDULE["purge-wallet-secrets"] == {
        "task": "wallets.tasks.purge_wallet_secrets",
        "schedule": 24 * 3600.0,
    }
