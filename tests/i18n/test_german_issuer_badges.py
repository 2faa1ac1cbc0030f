"""The issuer's achievement and award pages in German when the browser asks for it (Accept-Language), and in English
without: their words, their dates and their form errors. What an award signs does not depend on the language of the
page it was made on."""

from __future__ import annotations

import html
import json

import pytest
from django.test import Client
from django.utils import translation

from badges.models import Credential
from badges.services import AwardRequest, credential_issue
from tests.actors import owner

pytestmark = pytest.mark.django_db
GERMAN = "de-DE,de;q=0.9"


@pytest.fixture
def staff_client(issuer) -> Client:
    client = Client()
    client.force_login(owner(issuer))
    return client


@pytest.fixture
def credential(achievement):
    request = AwardRequest(achievement=achievement, email="lea@example.com", name="Lea Rner")
    return credential_issue(request=request, source="ui", notify=False, actor=owner(achievement.issuer))


def _page(client: Client, url: str, *, status: int = 200, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == status
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("path", "german", "english"),
    [
        (
            "achievements/",
            ["<h1>Leistungen</h1>", "Neue Leistung", "Leistungen finden", "1 Leistung.", "Verleihbar"],
            ["<h1>Achievements</h1>", "New achievement", "Find achievements", "1 achievement.", "Awardable"],
        ),
        (
            "achievements/new/",
            ["<h1>Neue Leistung</h1>", "(Pflichtfeld)", "Leistung anlegen", "Trennen Sie Schlagwörter durch Kommas."],
            ["<h1>New achievement</h1>", "(required)", "Create achievement", "Separate tags with commas."],
        ),
        (
            "awards/new/",
            ["<h1>Nachweis verleihen</h1>", "E-Mail-Adresse des Empfängers", "Nur VC-JWT", "Leistung wählen"],
            ["<h1>Award a credential</h1>", "Recipient e-mail", "VC-JWT only", "Choose an achievement"],
        ),
    ],
)
def test_an_issuer_page_is_german_when_the_browser_asks_and_english_without(
    staff_client, issuer, achievement, path, german, english
):
    url = f"/manage/{issuer.slug}/{path}"

    in_german = _page(staff_client, url, HTTP_ACCEPT_LANGUAGE=GERMAN)
    in_english = _page(staff_client, url)

    assert '<html lang="de">' in in_german
    assert [phrase for phrase in german if phrase not in in_german] == []
    assert [phrase for phrase in english if phrase in in_german] == []
    assert [phrase for phrase in english if phrase not in in_english] == []
    assert [phrase for phrase in german if phrase in in_english] == []


def test_the_award_page_is_german_with_its_dates_and_the_signed_document_unchanged(staff_client, issuer, credential):
    url = f"/manage/{issuer.slug}/awards/{credential.uuid}/"
    day = credential.created_at

    page = _page(staff_client, url, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert '<span class="badge-status status-active">Gültig</span>' in page
    assert "<h2>Verleihung</h2>" in page and "Signiertes Dokument" in page and "<h2>Verlauf</h2>" in page
    assert "(Weboberfläche des Ausstellers)" in page
    with translation.override("de"):
        month = translation.gettext(day.strftime("%B"))  # Django's own catalogue names the month
    assert f"{day.day}. {month} {day.year}, {day:%H:%M} UTC" in page
    assert json.dumps(json.loads(credential.document), indent=2, ensure_ascii=False) in page
    english = _page(staff_client, url)
    assert ">Signed document</h2>" in english and f"{day.day} {day:%B} {day.year}, {day:%H:%M} UTC" in english
    assert "Signiertes Dokument" not in english


def test_a_refused_award_says_why_in_german(staff_client, issuer, achievement):
    form = {"achievement": achievement.pk, "email": "bob@", "format": "ldp", "idempotency_key": "k-1"}

    response = staff_client.post(f"/manage/{issuer.slug}/awards/new/", form, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Noch wurde nichts verliehen. Bitte korrigieren Sie das unten markierte Feld." in page
    assert "Geben Sie eine gültige E-Mail-Adresse ein, etwa name@example.org." in page
    assert "Enter a valid e-mail address" not in page
    assert Credential.objects.count() == 0


def test_a_status_change_refused_by_its_state_is_worded_in_german(staff_client, issuer, credential):
    from badges.services import credential_revoke

    credential_revoke(credential=credential, reason="test", actor=owner(issuer))

    page = _page(staff_client, f"/manage/{issuer.slug}/awards/{credential.uuid}/suspend/", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert "Diese Verleihung ist widerrufen und kann deshalb nicht ausgesetzt werden." in page
    assert "<h1>Diese Verleihung aussetzen</h1>" in page


def test_an_award_made_on_a_german_page_signs_what_an_english_one_does(staff_client, issuer, achievement):
    """Only what differs between any two awards (ids, dates, the salted hash, the status slot, the proof) may
    differ: nothing the platform words goes into a credential."""

    def award(key: str, **headers) -> dict:
        form = {"achievement": achievement.pk, "email": "lea@example.com", "name": "Lea", "format": "ldp"}
        response = staff_client.post(f"/manage/{issuer.slug}/awards/new/", {**form, "idempotency_key": key}, **headers)
        assert response.status_code == 302
        document = json.loads(Credential.objects.get(idempotency_key=key).document)
        for varying in ("id", "validFrom", "credentialStatus", "proof"):
            document.pop(varying)
        document["credentialSubject"].pop("identifier")
        return document

    assert award("de-1", HTTP_ACCEPT_LANGUAGE=GERMAN) == award("en-1")
