"""The consent page a learner reads before an app gets at their credentials is in the learner's language (D51); the
scopes it asks for are worded for the learner, while the service description keeps the specification's English."""

from __future__ import annotations

from tests.ob_api.conftest import API, pkce_pair

GERMAN = "de-DE,de;q=0.9"


def test_the_consent_page_is_german_when_the_browser_asks(wallet):
    _, challenge = pkce_pair()

    response = wallet.browser.get(f"{API}/authorize", wallet.authorize_params(challenge), HTTP_ACCEPT_LANGUAGE=GERMAN)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Sie bittet darum,</h2>" in page
    assert (
        "<li>Alle Ihre Badges und Nachweise auf dieser Plattform sehen, auch die, die Sie hier abgelegt haben</li>"
        in page
    )
    assert '<button type="submit" name="allow" value="Authorize">Erlauben</button>' in page


def test_the_consent_page_is_english_by_default(wallet):
    _, challenge = pkce_pair()

    page = wallet.browser.get(f"{API}/authorize", wallet.authorize_params(challenge)).content.decode()

    assert "<li>See all your badges and credentials on this platform, and those you stored here</li>" in page
    assert '<button type="submit" name="allow" value="Authorize">Allow</button>' in page


def test_the_service_description_keeps_the_specifications_words(client):
    description = client.get(f"{API}/discovery", HTTP_ACCEPT_LANGUAGE=GERMAN).json()

    scopes = description["components"]["securitySchemes"]["OAuth2ACG"]["flows"]["authorizationCode"]["scopes"]
    assert "Permission to read AchievementCredentials for the authenticated entity." in scopes.values()
