"""Every refusal of the flow, each with the error code OpenID4VCI 1.0 (and the RFCs it builds on) gives it, as JSON
that is never cached: a replayed or expired pre-authorized code, a wrong or missing transaction code, a wrong,
missing or reused nonce, a proof for another audience, signed by another key than it names, unsigned or signed with
a shared secret, an unknown credential configuration, a bad or expired access token, an award that no longer
holds, and requests that are not the protocol's at all."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from badges.services import credential_revoke
from learners.services import learner_profile_get_or_create
from tests.actors import owner
from tests.wallets.conftest import JWT, LDP, ORIGIN, make_wallet, offer_from_page
from tests.wallets.wallet import PRE_AUTHORIZED_GRANT, HolderKey
from wallets.models import WalletNonce, WalletOffer, WalletTakeUp
from wallets.services import TX_CODE_MAX_FAILURES, offer_create, token_request

pytestmark = pytest.mark.django_db

TOKEN, NONCE, CREDENTIAL = f"{ORIGIN}/oid4vci/token", f"{ORIGIN}/oid4vci/nonce", f"{ORIGIN}/oid4vci/credential"


def refused(answer, status, error):
    """The answer is the JSON refusal `error` with `status`, marked never to be stored."""
    assert answer.status == status, answer.body
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["error"] == error, body
    description = body["error_description"]
    assert description and all(" " <= char <= "~" and char not in '"\\' for char in description), description
    return description


def pre_authorized(offer):
    return {
        "grant_type": PRE_AUTHORIZED_GRANT,
        "pre-authorized_code": offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"],
    }


@pytest.fixture
def offer(learner, wallet, lea_award):
    return wallet.parse_offer(offer_from_page(learner, lea_award))


@pytest.fixture
def access_token(wallet, offer):
    return wallet.token(TOKEN, offer)["access_token"]


def ask(wallet, access_token, proof=None, configuration=LDP, **body):
    request = {"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}, **body}
    return wallet.credential_request(CREDENTIAL, access_token, {k: v for k, v in request.items() if v is not None})


def good_proof(wallet, **changes):
    return wallet.proof(audience=ORIGIN, nonce=wallet.nonce(NONCE), **changes)


# --- the token endpoint (§6.3) ------------------------------------------------------------------------------------


def test_a_replayed_pre_authorized_code_is_refused(wallet, offer):
    wallet.token(TOKEN, offer)
    description = refused(wallet.token_request(TOKEN, pre_authorized(offer)), 400, "invalid_grant")
    assert "already used" in description


def test_an_expired_pre_authorized_code_is_refused(wallet, lea_award):
    eleven_minutes_ago = timezone.now() - timedelta(minutes=11)
    profile = learner_profile_get_or_create(email="lea@example.com")
    made = offer_create(profile=profile, credential=lea_award, now=eleven_minutes_ago)

    description = refused(wallet.token_request(TOKEN, pre_authorized(made.document)), 400, "invalid_grant")
    assert "expired" in description


def test_an_unknown_pre_authorized_code_is_refused(wallet):
    fields = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": "made-up"}
    refused(wallet.token_request(TOKEN, fields), 400, "invalid_grant")


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({}, 400, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "x"}, 400, "unsupported_grant_type"),
        ({"grant_type": PRE_AUTHORIZED_GRANT}, 400, "invalid_request"),
    ],
    ids=["no grant_type", "another grant", "no code"],
)
def test_malformed_token_requests(wallet, fields, status, error):
    refused(wallet.token_request(TOKEN, fields), status, error)


def test_a_repeated_parameter_is_refused(wallet, offer):
    body = "&".join(f"{k}={v}" for k, v in pre_authorized(offer).items()) + "&pre-authorized_code=again"
    answer = wallet.http.post(TOKEN, body.encode(), "application/x-www-form-urlencoded")
    assert "pre-authorized_code" in refused(answer, 400, "invalid_request")
    assert WalletOffer.objects.get().used_at is None


def test_authorization_details_are_refused_rather_than_ignored(wallet, offer):
    fields = {**pre_authorized(offer), "authorization_details": '[{"type":"openid_credential"}]'}
    refused(wallet.token_request(TOKEN, fields), 400, "invalid_request")


def test_the_token_request_must_be_a_form(wallet, offer):
    answer = wallet.http.post(TOKEN, json.dumps(pre_authorized(offer)).encode(), "application/json")
    refused(answer, 400, "invalid_request")


def test_a_transaction_code_that_was_not_asked_for_is_refused(wallet, offer):
    refused(wallet.token_request(TOKEN, {**pre_authorized(offer), "tx_code": "123456"}), 400, "invalid_request")


@pytest.fixture
def tx_offer(settings, wallet, learner, lea_award):
    settings.WALLET_TX_CODE_REQUIRED = True
    profile = learner_profile_get_or_create(email="lea@example.com")
    made = offer_create(profile=profile, credential=lea_award)
    # The code the task would e-mail, set here by the offer's own hashing.
    made.offer.tx_code_hash = made.offer.tx_code_digest("493536")
    made.offer.save(update_fields=["tx_code_hash"])
    return made.document


def test_a_wrong_transaction_code_is_refused_and_counted(wallet, tx_offer):
    description = refused(
        wallet.token_request(TOKEN, {**pre_authorized(tx_offer), "tx_code": "000000"}), 400, "invalid_grant"
    )
    assert "transaction code is wrong" in description
    assert WalletOffer.objects.get().tx_code_failures == 1
    assert wallet.token(TOKEN, tx_offer, tx_code="493536")["access_token"]


def test_a_missing_transaction_code_is_refused(wallet, tx_offer):
    refused(wallet.token_request(TOKEN, pre_authorized(tx_offer)), 400, "invalid_request")


def test_too_many_wrong_transaction_codes_kill_the_offer(wallet, tx_offer):
    for _ in range(TX_CODE_MAX_FAILURES):
        refused(wallet.token_request(TOKEN, {**pre_authorized(tx_offer), "tx_code": "111111"}), 400, "invalid_grant")
    description = refused(
        wallet.token_request(TOKEN, {**pre_authorized(tx_offer), "tx_code": "493536"}), 400, "invalid_grant"
    )
    assert "Too many wrong transaction codes" in description


def test_no_code_matches_before_the_mail_was_sent(settings, wallet, lea_award):
    settings.WALLET_TX_CODE_REQUIRED = True
    made = offer_create(profile=learner_profile_get_or_create(email="lea@example.com"), credential=lea_award)
    assert made.offer.tx_code_hash == ""
    refused(wallet.token_request(TOKEN, {**pre_authorized(made.document), "tx_code": ""}), 400, "invalid_grant")


# --- the key proof (§F.1, §F.4) and the nonce (§7) -------------------------------------------------------------------


def test_a_proof_without_nonce_is_invalid_proof(wallet, access_token):
    description = refused(ask(wallet, access_token, wallet.proof(audience=ORIGIN, nonce=None)), 400, "invalid_proof")
    assert "nonce" in description


def test_a_nonce_not_ours_is_invalid_nonce(wallet, access_token):
    refused(ask(wallet, access_token, wallet.proof(audience=ORIGIN, nonce="made-up")), 400, "invalid_nonce")


def test_a_used_nonce_is_invalid_nonce(wallet, access_token):
    proof = good_proof(wallet)
    assert ask(wallet, access_token, proof).status == 200
    refused(ask(wallet, access_token, proof), 400, "invalid_nonce")
    assert WalletTakeUp.objects.count() == 1


def test_an_expired_nonce_is_invalid_nonce(wallet, access_token):
    proof = good_proof(wallet)
    WalletNonce.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    refused(ask(wallet, access_token, proof), 400, "invalid_nonce")


def test_a_refused_proof_does_not_spend_its_nonce(wallet, access_token):
    nonce = wallet.nonce(NONCE)
    refused(
        ask(wallet, access_token, wallet.proof(audience="https://elsewhere.example", nonce=nonce)), 400, "invalid_proof"
    )
    assert ask(wallet, access_token, wallet.proof(audience=ORIGIN, nonce=nonce)).status == 200


def test_a_proof_for_another_audience_is_refused(wallet, access_token):
    proof = wallet.proof(audience="https://another-issuer.example", nonce=wallet.nonce(NONCE))
    assert "aud" in refused(ask(wallet, access_token, proof), 400, "invalid_proof")


@pytest.mark.parametrize(("binding", "key"), [("did:key", "ed25519"), ("did:jwk", "p256"), ("jwk", "ed25519")])
def test_a_proof_signed_by_another_key_than_it_names_is_refused(phone, access_token, binding, key):
    wallet = make_wallet(phone, binding, key)
    thief = getattr(HolderKey, key)()
    proof = good_proof(wallet, signer=thief)
    assert "signature" in refused(ask(wallet, access_token, proof), 400, "invalid_proof")


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_unsigned_and_shared_secret_proofs_are_refused(wallet, access_token, alg):
    refused(ask(wallet, access_token, good_proof(wallet, alg=alg)), 400, "invalid_proof")


@pytest.mark.parametrize(
    ("header", "claims", "words"),
    [
        ({"typ": "JWT"}, {}, "typ"),
        ({"kid": None}, {}, "exactly one of the kid and jwk"),
        ({"jwk": HolderKey.ed25519().jwk()}, {}, "exactly one of the kid and jwk"),
        ({"kid": "did:web:wallet.example#key-1"}, {}, "did:key or did:jwk"),
        ({"x5c": ["MIIB"]}, {}, "x5c"),
        ({}, {"iat": int(time.time()) - 600}, "too old"),
        ({}, {"iat": int(time.time()) + 600}, "future"),
        ({}, {"iat": "now"}, "iat"),
    ],
    ids=["not typed", "no key", "two keys", "another DID method", "certificate", "old", "future", "iat not a number"],
)
def test_proofs_that_break_a_rule_of_the_proof_type(wallet, access_token, header, claims, words):
    assert words in refused(
        ask(wallet, access_token, good_proof(wallet, header=header, claims=claims)), 400, "invalid_proof"
    )


def test_a_jwk_header_with_private_material_is_refused(phone, access_token):
    wallet = make_wallet(phone, "jwk", "ed25519")
    private = {**wallet.key.jwk(), "d": "c2VjcmV0"}
    assert "private" in refused(
        ask(wallet, access_token, good_proof(wallet, header={"jwk": private})), 400, "invalid_proof"
    )


def test_an_algorithm_that_does_not_fit_the_named_key_is_refused(phone, access_token):
    wallet = make_wallet(phone, "did:key", "p256")
    proof = good_proof(wallet, header={"alg": "EdDSA"}, signer=HolderKey.ed25519())
    refused(ask(wallet, access_token, proof), 400, "invalid_proof")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"proofs": None}, "invalid_proof"),
        ({"proofs": {"jwt": []}}, "invalid_proof"),
        ({"proofs": {"di_vp": [{}]}}, "invalid_proof"),
        ({"credential_configuration_id": None}, "invalid_credential_request"),
        ({"credential_identifier": "x"}, "invalid_credential_request"),
        ({"credential_response_encryption": {"jwk": {}, "enc": "A128GCM"}}, "invalid_encryption_parameters"),
    ],
    ids=["no proofs", "no proof in it", "another proof type", "no configuration", "an identifier", "encryption"],
)
def test_malformed_credential_requests(wallet, access_token, body, error):
    request = {"credential_configuration_id": LDP, "proofs": {"jwt": [good_proof(wallet)]}, **body}
    answer = wallet.credential_request(CREDENTIAL, access_token, {k: v for k, v in request.items() if v is not None})
    refused(answer, 400, error)


def test_the_singular_proof_of_the_drafts_is_not_read(wallet, access_token):
    body = {"credential_configuration_id": LDP, "proof": {"proof_type": "jwt", "jwt": good_proof(wallet)}}
    assert "proofs is missing" in refused(
        wallet.credential_request(CREDENTIAL, access_token, body), 400, "invalid_proof"
    )


def test_two_proofs_in_one_request_are_refused(wallet, access_token):
    proofs = [good_proof(wallet), good_proof(wallet)]
    answer = wallet.credential_request(
        CREDENTIAL, access_token, {"credential_configuration_id": LDP, "proofs": {"jwt": proofs}}
    )
    refused(answer, 400, "invalid_proof")


def test_an_unknown_credential_configuration_is_refused(wallet, access_token):
    refused(
        ask(wallet, access_token, good_proof(wallet), configuration="UniversityDegree"),
        400,
        "unknown_credential_configuration",
    )


def test_the_credential_request_must_be_json(wallet, access_token):
    headers = {"Authorization": f"Bearer {access_token}"}
    answer = wallet.http.post(
        CREDENTIAL, b"credential_configuration_id=x", "application/x-www-form-urlencoded", headers
    )
    refused(answer, 400, "invalid_credential_request")
    refused(wallet.http.post(CREDENTIAL, b"{not json", "application/json", headers), 400, "invalid_credential_request")


# --- the access token (RFC 6750 §3) -------------------------------------------------------------------------------


def test_no_access_token_is_a_bearer_challenge(wallet):
    answer = ask(wallet, None, good_proof(wallet))
    refused(answer, 401, "invalid_token")
    assert answer.headers["www-authenticate"] == "Bearer"


def test_a_made_up_access_token_is_refused(wallet):
    answer = ask(wallet, "made-up", good_proof(wallet))
    refused(answer, 401, "invalid_token")
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_an_expired_access_token_is_refused(wallet, lea_award):
    six_minutes_ago = timezone.now() - timedelta(minutes=6)
    made = offer_create(
        profile=learner_profile_get_or_create(email="lea@example.com"), credential=lea_award, now=six_minutes_ago
    )
    issued = token_request(params={k: [v] for k, v in pre_authorized(made.document).items()}, now=six_minutes_ago)
    assert "expired" in refused(ask(wallet, issued.access_token, good_proof(wallet)), 401, "invalid_token")


def test_the_token_is_checked_before_the_request_is_read(wallet):
    answer = wallet.http.post(CREDENTIAL, b"{not json", "application/json", {"Authorization": "Bearer made-up"})
    refused(answer, 401, "invalid_token")


# --- an award that no longer holds ----------------------------------------------------------------------------------


def test_an_award_revoked_after_the_offer_gets_no_token(wallet, offer, lea_award):
    credential_revoke(credential=lea_award, reason="Awarded by mistake", actor=owner(lea_award.issuer))
    assert "revoked" in refused(wallet.token_request(TOKEN, pre_authorized(offer)), 400, "invalid_grant")


def test_an_award_revoked_after_the_token_is_denied(wallet, access_token, lea_award):
    credential_revoke(credential=lea_award, reason="Awarded by mistake", actor=owner(lea_award.issuer))
    refused(ask(wallet, access_token, good_proof(wallet), configuration=JWT), 400, "credential_request_denied")
    assert WalletTakeUp.objects.count() == 0


# --- the endpoints themselves ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [TOKEN, NONCE, CREDENTIAL])
def test_the_endpoints_take_post_only(wallet, url):
    answer = wallet.http.get(url)
    refused(answer, 405, "invalid_request")
    assert answer.headers["allow"] == "POST"


def test_the_endpoints_are_rate_limited_per_client_address(settings, wallet):
    settings.WALLET_RATE_PER_CLIENT = "2/minute"
    assert wallet.http.post(NONCE, b"", "application/x-www-form-urlencoded").status == 200
    refused(wallet.token_request(TOKEN, {}), 400, "invalid_request")
    answer = wallet.http.post(NONCE, b"", "application/x-www-form-urlencoded")
    refused(answer, 429, "invalid_request")
    assert 0 < int(answer.headers["retry-after"]) <= 60


def test_secrets_are_stored_only_as_hashes(wallet, offer, access_token):
    nonce = wallet.nonce(NONCE)
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    stored = json.dumps(
        [
            list(WalletOffer.objects.values_list("code_hash", flat=True)),
            list(WalletNonce.objects.values_list("nonce_hash", flat=True)),
            [t.token_hash for t in WalletOffer.objects.get().access_tokens.all()],
        ]
    )
    assert code not in stored and nonce not in stored and access_token not in stored
