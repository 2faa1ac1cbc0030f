"""The whole OpenID4VCI pre-authorized code flow as a wallet runs it (tests/wallets/wallet.py): the learner asks
for an offer on their page, the phone scans it and receives the award bound to its key, in both formats and with
every way of naming the key; the credential verifies with the platform's verifier, names the wallet's DID, and is
revoked with the award."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.core import mail

from badges.services import credential_revoke, credential_suspend
from badges.verify import verify_credential
from issuer.models import AuditEvent
from tests.actors import owner
from tests.conftest import cache_warnings
from tests.wallets.conftest import JWT, KEYS, LDP, OFFER_LINK, ORIGIN, make_wallet, offer_from_page
from tests.wallets.wallet import jwt_payload, verify_vc_jwt_with_issuer_did
from wallets.models import WalletOffer, WalletTakeUp
from wallets.selectors import take_up_counts

pytestmark = pytest.mark.django_db


def _document(issued):
    return issued if isinstance(issued, dict) else jwt_payload(issued)


@pytest.mark.parametrize("configuration", [LDP, JWT])
@pytest.mark.parametrize(("binding", "key"), KEYS, ids=[f"{b}-{k}" for b, k in KEYS])
def test_a_wallet_receives_the_award_bound_to_its_key(learner, phone, lea_award, configuration, binding, key):
    wallet = make_wallet(phone, binding, key)
    issued = wallet.receive(offer_from_page(learner, lea_award), configuration)

    document = _document(issued)
    assert document["credentialSubject"]["id"] == wallet.did
    # The same award: its id, its status entry, its dates, its achievement and the hashed e-mail, as awarded.
    awarded = json.loads(lea_award.document)
    for member in ("id", "issuer", "validFrom", "credentialStatus", "credentialSchema", "@context", "type"):
        assert document[member] == awarded[member], member
    assert {k: v for k, v in document["credentialSubject"].items() if k != "id"} == awarded["credentialSubject"]

    report = verify_credential(issued)
    assert report.verdict == "valid", [c for c in report.checks if c.status != "passed"]
    if configuration == JWT:
        assert jwt_payload(issued)["sub"] == wallet.did
        # A relying wallet checks it the same way, with the issuer's did:web document over HTTP and PyJWT.
        assert verify_vc_jwt_with_issuer_did(phone, issued)["sub"] == wallet.did
    else:
        assert issued["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_the_copy_is_freshly_signed_and_nothing_of_the_award_changes(learner, wallet, lea_award):
    stored = (lea_award.document, lea_award.jws)
    issued = wallet.receive(offer_from_page(learner, lea_award), LDP)

    lea_award.refresh_from_db()
    assert (lea_award.document, lea_award.jws) == stored
    assert issued["proof"][0]["proofValue"] != json.loads(stored[0])["proof"][0]["proofValue"]


@pytest.mark.parametrize("configuration", [LDP, JWT])
def test_revoking_the_award_revokes_the_copy_in_the_wallet(learner, wallet, lea_award, configuration):
    issued = wallet.receive(offer_from_page(learner, lea_award), configuration)
    credential_revoke(credential=lea_award, reason="Awarded by mistake", actor=owner(lea_award.issuer))

    report = verify_credential(issued)
    assert report.verdict == "invalid"
    assert [(check.status, check.code) for check in report.checks if check.id == "status"] == [("failed", "revoked")]


def test_suspending_the_award_suspends_the_copy(learner, wallet, lea_award):
    issued = wallet.receive(offer_from_page(learner, lea_award), LDP)
    credential_suspend(credential=lea_award, reason="Under review", actor=owner(lea_award.issuer))

    report = verify_credential(issued)
    assert [(check.status, check.code) for check in report.checks if check.id == "status"] == [("failed", "suspended")]


def test_every_take_up_is_recorded_for_the_issuer(learner, phone, lea_award):
    did_key, did_jwk = make_wallet(phone, "did:key"), make_wallet(phone, "jwk", "p256")
    did_key.receive(offer_from_page(learner, lea_award), LDP)
    did_jwk.receive(offer_from_page(learner, lea_award), JWT)

    take_ups = WalletTakeUp.objects.filter(credential=lea_award).order_by("pk")
    assert [(t.protocol, t.format, t.binding) for t in take_ups] == [
        ("oid4vci", "ldp_vc", "did:key"),
        ("oid4vci", "jwt_vc_json", "jwk"),
    ]
    assert take_up_counts(issuer=lea_award.issuer) == {"jwt_vc_json": 1, "ldp_vc": 1}
    rows = AuditEvent.objects.filter(action="credential.added_to_wallet", object_id=str(lea_award.pk))
    assert sorted(row.data["format"] for row in rows) == ["jwt_vc_json", "ldp_vc"]
    assert all(row.issuer_id == lea_award.issuer_id and row.actor is None for row in rows)
    # The offer remembers what its last credential was bound to; the statistics row does not.
    last = WalletOffer.objects.get(pk=take_ups[1].offer_id)
    assert (last.issued_format, last.holder_did) == ("jwt_vc_json", did_jwk.did)
    assert not {f.name for f in WalletTakeUp._meta.fields} & {"holder_did", "email"}


def test_one_token_serves_both_formats_each_with_its_own_nonce(learner, wallet, lea_award):
    offer = wallet.parse_offer(offer_from_page(learner, lea_award))
    metadata = wallet.issuer_metadata(offer["credential_issuer"])
    token = wallet.token(f"{ORIGIN}/oid4vci/token", offer)["access_token"]
    for configuration in (LDP, JWT):
        proof = wallet.proof(audience=ORIGIN, nonce=wallet.nonce(metadata["nonce_endpoint"]))
        answer = wallet.credential_request(
            metadata["credential_endpoint"],
            token,
            {"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}},
        )
        assert answer.status == 200, answer.body
        assert answer.headers["cache-control"] == "no-store"
    assert WalletTakeUp.objects.filter(credential=lea_award).count() == 2


# --- the transaction code (§4.1.1, §6.1) ---------------------------------------------------------------------------

CODE = re.compile(r"^\s+(\d{6})\s*$", re.MULTILINE)


@pytest.fixture
def tx_code_required(settings, tasks_in_process):
    settings.WALLET_TX_CODE_REQUIRED = True


def _mailed_code() -> str:
    found = CODE.search(str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return found.group(1)


def test_with_a_transaction_code_it_is_mailed_apart_and_the_wallet_needs_it(
    tx_code_required, learner, wallet, lea_award, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = learner.post(f"/me/credentials/{lea_award.uuid}/wallet/")
    page = response.content.decode()
    assert "We have sent it to lea@example.com in a separate e-mail" in page
    found = OFFER_LINK.search(page)
    assert found
    uri = html.unescape(found.group(1))
    offer = wallet.parse_offer(uri)
    assert offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": "Enter the 6-digit code we sent to your e-mail address.",
    }
    message = mail.outbox[-1]
    assert message.to == ["lea@example.com"]
    assert message.subject == "Your code for adding a credential to your wallet"
    code = _mailed_code()
    # Neither the page nor the offer carries it; the database holds only its keyed hash.
    assert code not in page
    stored = WalletOffer.objects.get()
    assert code not in stored.tx_code_hash and stored.tx_code_hash == stored.tx_code_digest(code)

    issued = wallet.receive(uri, LDP, tx_code=code)
    assert issued["credentialSubject"]["id"] == wallet.did


def test_the_code_mail_is_in_the_language_of_the_page(
    tx_code_required, learner, lea_award, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        learner.post(f"/me/credentials/{lea_award.uuid}/wallet/", HTTP_ACCEPT_LANGUAGE="de")
    assert mail.outbox[-1].subject == "Ihr Code zum Hinzufügen eines Nachweises zu Ihrer Wallet"
    assert _mailed_code()


def test_with_the_cache_down_the_rate_limits_let_the_wallet_through(cache_down, learner, wallet, lea_award):
    issued = wallet.receive(offer_from_page(learner, lea_award), JWT)
    assert jwt_payload(issued)["sub"] == wallet.did
    assert any("wallets:" in warning for warning in cache_warnings(cache_down))


def test_take_ups_are_in_the_issuers_analytics(learner, phone, lea_award):
    from analytics.sources import daily_counts

    make_wallet(phone, "did:key").receive(offer_from_page(learner, lea_award), LDP)
    counts = [(kind, count) for _day, achievement_id, kind, count in daily_counts(lea_award.issuer)]
    assert ("wallet", 1) in counts
    assert {kind for kind, _ in counts} == {"issued", "wallet"}
