"""PKCE is required, S256 only, and the verifier must match (OB 3.0 §6.2.4, RFC 7636)."""

from __future__ import annotations

from oauth2_provider.models import AccessToken, Grant

from tests.ob_api.conftest import API, REDIRECT_URI, pkce_pair, query


def test_authorization_without_challenge_is_refused(wallet):
    response = wallet.browser.get(f"{API}/authorize", wallet.authorize_params(None, code_challenge_method=None))
    assert response.status_code == 302
    answer = query(response["Location"])
    assert response["Location"].startswith(REDIRECT_URI)
    assert answer["error"] == "invalid_request"
    assert answer["state"] == "st-123"
    assert "code" not in answer


def test_plain_method_is_refused(wallet):
    verifier, _ = pkce_pair()
    response = wallet.browser.get(f"{API}/authorize", wallet.authorize_params(verifier, code_challenge_method="plain"))
    assert response.status_code == 302
    assert query(response["Location"])["error"] == "invalid_request"


def test_missing_method_means_plain_and_is_refused(wallet):
    _, challenge = pkce_pair()
    response = wallet.browser.get(f"{API}/authorize", wallet.authorize_params(challenge, code_challenge_method=None))
    assert response.status_code == 302
    assert query(response["Location"])["error"] == "invalid_request"


def test_plain_smuggled_into_the_consent_form_issues_no_code(wallet):
    verifier, challenge = pkce_pair()
    page = wallet.browser.get(f"{API}/authorize", wallet.authorize_params(challenge))
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "allow"}
    data.update(allow="Authorize", code_challenge=verifier, code_challenge_method="plain")
    response = wallet.browser.post(f"{API}/authorize", data)
    assert "code" not in query(response["Location"])
    assert Grant.objects.count() == 0


def test_wrong_verifier_is_invalid_grant(wallet):
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    code = query(wallet.consent(challenge)["Location"])["code"]
    response = wallet.token(
        grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=other_verifier
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert AccessToken.objects.count() == 0


def test_missing_verifier_is_refused(wallet):
    _, challenge = pkce_pair()
    code = query(wallet.consent(challenge)["Location"])["code"]
    response = wallet.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_request", "invalid_grant"}
    assert AccessToken.objects.count() == 0


def test_code_works_once(wallet):
    verifier, challenge = pkce_pair()
    code = query(wallet.consent(challenge)["Location"])["code"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    assert wallet.token(**data).status_code == 200
    again = wallet.token(**data)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
