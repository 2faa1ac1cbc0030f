"""The learner behind a grant: a stand-in Django user per address, and the way back from /me/ sign-in."""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model

from ob_api.middleware import safe_next
from ob_api.models import LearnerAccount
from ob_api.services import learner_email_for_user, learner_user_get_or_create
from tests.ob_api.conftest import API, pkce_pair


def test_learner_user_is_made_once_and_can_never_sign_in(db):
    user = learner_user_get_or_create(email=" Lea@Example.com ")
    again = learner_user_get_or_create(email="lea@example.com")
    assert again.pk == user.pk
    assert get_user_model().objects.count() == 1
    assert user.username == "learner-" + hashlib.sha256(b"lea@example.com").hexdigest()[:32]
    assert "example" not in user.username
    assert user.email == ""
    assert not user.has_usable_password()
    assert not user.is_staff and not user.is_superuser
    assert LearnerAccount.objects.get().email == "lea@example.com"
    assert learner_email_for_user(user) == "lea@example.com"


def test_staff_users_are_not_learners(user):
    assert learner_email_for_user(user) is None


def test_signed_out_learner_is_sent_to_me_and_nothing_is_made(client, db):
    _, challenge = pkce_pair()
    response = client.get(f"{API}/authorize", {"client_id": "x", "code_challenge": challenge})
    assert response.status_code == 302
    assert response["Location"] == "/me/?next=%2Fims%2Fob%2Fv3p0%2Fauthorize"
    assert get_user_model().objects.count() == 0


def test_consent_page_shows_the_client_and_plain_scopes(wallet):
    _, challenge = pkce_pair()
    page = wallet.browser.get(f"{API}/authorize", wallet.authorize_params(challenge))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Example Wallet" in text
    assert "https://wallet.example.org/terms" in text
    assert "See all your badges and credentials" in text
    assert "Store credentials in your collection" in text
    assert "learner-" not in text  # the stand-in user is never shown


def test_unknown_client_gets_an_error_page_not_a_redirect(signed_in):
    _, challenge = pkce_pair()
    response = signed_in.get(
        f"{API}/authorize",
        {
            "response_type": "code",
            "client_id": "nobody",
            "redirect_uri": "https://evil.example.net/cb",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 400
    assert "This app cannot connect" in response.content.decode()
    assert "learner-" not in response.content.decode()


def test_only_our_authorization_endpoint_is_a_place_to_return_to():
    assert safe_next("/ims/ob/v3p0/authorize?client_id=x") == "/ims/ob/v3p0/authorize?client_id=x"
    assert safe_next("https://evil.example.net/ims/ob/v3p0/authorize") is None
    assert safe_next("//evil.example.net/") is None
    assert safe_next("/ims/ob/v3p0/authorizex") is None
    assert safe_next(None) is None


def test_sign_in_without_an_authorization_request_still_lands_on_the_collection(signed_in):
    # tests.learners.conftest.sign_in asserts the redirect to /me/credentials/ for the plain sign-in.
    assert signed_in.get("/me/credentials/").status_code == 200
