"""Two wallets racing with one pre-authorized code, or one key proof, on PostgreSQL (row locks, CI's service pass):
the code gives one access token and the nonce one credential, whoever comes second is refused."""

from __future__ import annotations

import threading

from learners.services import learner_profile_get_or_create
from tests.concurrency import POSTGRESQL_ONLY, in_thread
from tests.wallets.conftest import ORIGIN, award, make_wallet
from tests.wallets.wallet import PRE_AUTHORIZED_GRANT
from wallets.errors import ProtocolError
from wallets.models import WalletAccessToken, WalletTakeUp
from wallets.services import credential_request, nonce_issue, offer_create, token_request

pytestmark = POSTGRESQL_ONLY


def _race(attempt) -> list[object]:
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def run():
        barrier.wait(30)
        try:
            outcomes.append(attempt())
        except ProtocolError as error:
            outcomes.append(error.error)

    threads = [in_thread(run) for _ in range(2)]
    for thread, errors in threads:
        thread.join(60)
        assert not errors
    return outcomes


def test_one_code_gives_one_token(transactional_db, achievement):
    made = offer_create(profile=learner_profile_get_or_create(email="lea@example.com"), credential=award(achievement))
    code = made.document["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    params = {"grant_type": [PRE_AUTHORIZED_GRANT], "pre-authorized_code": [code]}

    outcomes = _race(lambda: token_request(params=params).access_token)

    assert sorted(outcome == "invalid_grant" for outcome in outcomes) == [False, True]
    assert WalletAccessToken.objects.count() == 1


def test_one_nonce_gives_one_credential(transactional_db, achievement, phone):
    made = offer_create(profile=learner_profile_get_or_create(email="lea@example.com"), credential=award(achievement))
    code = made.document["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    token = token_request(params={"grant_type": [PRE_AUTHORIZED_GRANT], "pre-authorized_code": [code]}).access_token
    wallet = make_wallet(phone)
    body = {
        "credential_configuration_id": "OpenBadgeCredential_jwt_vc_json",
        "proofs": {"jwt": [wallet.proof(audience=ORIGIN, nonce=nonce_issue())]},
    }

    outcomes = _race(lambda: credential_request(access_token=token, body=body))

    assert sorted(outcome == "invalid_nonce" for outcome in outcomes) == [False, True]
    assert WalletTakeUp.objects.count() == 1
