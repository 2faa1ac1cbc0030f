"""What a German reader gets: the credential page, the verify pages and the e-mails in German when the browser asks
for it (Accept-Language) or the switcher's cookie says so, and in English by default (D51)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from badges.notifications import award_email_message
from badges.services import AwardRequest, credential_issue, credential_revoke
from tests.actors import owner

pytestmark = pytest.mark.django_db
HTML = "text/html"
GERMAN = "de-DE,de;q=0.9,en;q=0.5"


@pytest.fixture
def credential(achievement):
    request = AwardRequest(achievement=achievement, email="lea@example.com", name="Lea Rner")
    return credential_issue(request=request, source="ui", notify=False, actor=owner(achievement.issuer))


def _page(client: Client, credential, **headers) -> str:
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_credential_page_is_english_by_default(client, credential):
    page = _page(client, credential)

    assert '<html lang="en">' in page
    assert "Awarded to <strong>Lea Rner</strong>" in page
    assert "Download the credential (JSON)" in page


def test_the_credential_page_is_german_when_the_browser_asks(client, credential):
    page = _page(client, credential, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert '<html lang="de">' in page
    assert "Verliehen an <strong>Lea Rner</strong>" in page
    assert "Nachweis herunterladen (JSON)" in page
    assert ">Gültig</span>" in page
    assert "Awarded to" not in page


def test_each_language_gets_its_own_page_from_a_warm_cache(client, credential):
    """The fragments are cached (D40): the key names the language, so the first reader's language is not
    everyone's."""
    english = _page(client, credential)
    german = _page(Client(), credential, HTTP_ACCEPT_LANGUAGE=GERMAN)
    english_again = _page(Client(), credential, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    german_again = _page(Client(), credential, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert "Awarded to" in english and "Awarded to" in english_again
    assert "Verliehen an" in german and "Verliehen an" in german_again
    assert "Verliehen an" not in english_again
    assert "Awarded to" not in german_again


def test_a_revoked_credential_says_so_in_german(client, credential):
    credential_revoke(credential=credential, reason="test", actor=owner(credential.issuer))

    page = _page(client, credential, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert ">Widerrufen</span> Dieses Badge ist nicht mehr gültig." in page
    assert "hat dieses Badge am <time" in page


def test_the_page_varies_on_language_and_cookie(client, credential):
    """A shared cache keeps one copy per language: the switcher's choice is a cookie, the browser's a header."""
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML)

    vary = {value.strip() for value in response["Vary"].split(",")}
    assert {"Accept", "Accept-Language", "Cookie"} <= vary


def test_the_switcher_keeps_the_choice_in_a_cookie_and_returns_to_the_page(credential):
    client = Client(enforce_csrf_checks=True)
    url = f"/credentials/{credential.uuid}"
    assert 'name="next" value="' + url + '"' in _page(client, credential)

    switched = client.post("/i18n/setlang/", {"language": "de", "next": url})

    assert switched.status_code == 302
    assert switched["Location"] == url
    assert switched.cookies["django_language"].value == "de"
    assert "Verliehen an" in _page(client, credential, HTTP_ACCEPT_LANGUAGE="en")


def test_the_switcher_follows_no_next_off_the_site(client):
    switched = client.post("/i18n/setlang/", {"language": "de", "next": "https://elsewhere.example/"})

    assert switched.status_code == 302
    assert switched["Location"] == "/"


def test_the_verify_pages_are_german(client, credential):
    form = client.get("/verify", HTTP_ACCEPT_LANGUAGE=GERMAN)
    result = client.get(f"/verify/{credential.uuid}", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert "<h1>Nachweis prüfen</h1>" in form.content.decode()
    assert "<h1>Prüfergebnis</h1>" in result.content.decode()
    assert "Technische Prüfschritte" in result.content.decode()


def test_the_verify_pages_are_english_by_default(client, credential):
    form = client.get("/verify")
    result = client.get(f"/verify/{credential.uuid}")

    assert "<h1>Verify a credential</h1>" in form.content.decode()
    assert "<h1>Verification result</h1>" in result.content.decode()


def test_the_sign_in_email_is_in_the_language_of_the_page_it_was_asked_from(
    client, credential, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        german = client.post("/me/", {"email": "lea@example.com"}, HTTP_ACCEPT_LANGUAGE=GERMAN)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/", {"email": "lea@example.com"})

    assert "ist ein Anmeldelink unterwegs" in german.content.decode()
    first, second = mail.outbox
    assert first.subject == "Ihr Anmeldelink"
    assert first.body.startswith("Hallo,\n")
    assert second.subject == "Your sign-in link"
    assert second.body.startswith("Hello,\n")


def test_the_award_email_renders_in_the_active_language(credential):
    with translation.override("de"):
        german = award_email_message(credential=credential)
    english = award_email_message(credential=credential)

    assert german.subject.startswith("Sie haben ")
    assert "Hallo Lea Rner," in german.body
    assert "Hallo Lea Rner," in german.alternatives[0][0]
    assert '<html lang="de">' in german.alternatives[0][0]
    assert english.body.startswith("Hello Lea Rner,")


def test_error_pages_are_german(client):
    response = client.get("/no-such-page", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert response.status_code == 404
    assert "<h1>Seite nicht gefunden</h1>" in response.content.decode()
