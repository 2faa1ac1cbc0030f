"""The issuer's achievement, award and bulk pages in German when the browser asks for it (Accept-Language), and in
English without: their words, their form errors, a bulk file's row errors and the figures under the progress bar.
What an award signs does not depend on the language of the page it was made on."""

from __future__ import annotations

import html
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from badges.models import Credential
from badges.services import AwardRequest, credential_issue
from bulk.jobs import bulk_job_create, bulk_job_start
from bulk.models import BulkJob
from bulk.views import progress_text
from tests.actors import owner

pytestmark = pytest.mark.django_db
GERMAN = "de-DE,de;q=0.9"

# Five rows: line 3 has a malformed address, line 5 none.
MIXED = (
    b"email,name,external_id\nada@example.org,Ada,S-1\nnot-an-address,Bob,S-2\ncy@example.org,Cy,S-3\n,Dee,S-4\n"
    b"eve@example.org,Eve,S-5\n"
)


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


def _upload(client: Client, issuer, data: bytes, achievement, **headers):
    form = {"file": SimpleUploadedFile("cohort.csv", data, content_type="text/csv"), "achievement": achievement.pk}
    return client.post(f"/manage/{issuer.slug}/bulk/new/", form, **headers)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


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
        (
            "bulk/",
            ["<h1>Sammelverleihungen</h1>", "Datei hochladen", "0 Uploads.", "Vorlage als CSV herunterladen"],
            ["<h1>Bulk awards</h1>", "Upload a file", "0 uploads.", "Download the template CSV"],
        ),
        (
            "bulk/new/",
            ["<h1>Datei mit Verleihungen hochladen</h1>", "Datei mit Verleihungen", "In jeder Zeile angegeben"],
            ["<h1>Upload a file of awards</h1>", "File of awards", "Named in each row"],
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


def test_the_bulk_upload_page_explains_the_columns_in_german_under_their_own_names(staff_client, issuer):
    page = _page(staff_client, f"/manage/{issuer.slug}/bulk/new/", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert (
        "<code>email</code></th><td>Pflichtfeld. Die E-Mail-Adresse der lernenden Person; sie erhält per E-Mail "
        "einen Link zum Nachweis.</td>"
    ) in page
    assert "<code>external_id</code></th><td>Optional. Ihre eigene ID" in page
    assert "The learner's e-mail address" not in page


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


def test_a_bulk_upload_is_checked_in_german(staff_client, issuer, achievement):
    response = _upload(staff_client, issuer, MIXED, achievement, HTTP_ACCEPT_LANGUAGE=GERMAN, follow=True)

    job = BulkJob.objects.get()
    page = html.unescape(response.content.decode())
    assert _messages(response) == [
        "5 Zeilen geprüft – ausstellbar: 3, nicht ausstellbar: 2 (unten aufgeführt). "
        "Es wird nichts ausgestellt, bevor Sie bestätigen."
    ]
    assert 'Status: <span id="bulk-status">Geprüft</span>' in page
    assert "Zeilen, die nicht ausgestellt werden können (2)" in page
    assert "<tr><td>3</td><td>'not-an-address' ist keine gültige E-Mail-Adresse</td></tr>" in page
    assert "<tr><td>5</td><td>die E-Mail-Adresse fehlt</td></tr>" in page
    assert "3 Nachweise ausstellen</button>" in page
    assert "Rows that cannot be issued" not in page and "is not a valid e-mail address" not in page
    # The reasons are kept as the uploader read them; the page around them follows each reader.
    english = _page(staff_client, f"/manage/{issuer.slug}/bulk/{job.uuid}/")
    assert "Rows that cannot be issued (2)" in english and "Issue 3 credentials</button>" in english


def test_a_file_that_cannot_be_read_is_refused_in_german(staff_client, issuer, achievement):
    response = _upload(staff_client, issuer, b"email,id\nada@example.org,7\n", achievement, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Es wurde nichts hochgeladen." in page
    assert (
        "Unbekannte Spalte: 'id'. Erlaubte Spalten: email, name, achievement, evidence_url, evidence_narrative, "
        "valid_until, external_id, language, result, awarded_date, activity_start_date, activity_end_date, narrative, "
        "evidence_name, result:<name>."
    ) in page
    assert BulkJob.objects.count() == 0


def test_a_running_job_hands_the_progress_script_its_words_in_german(staff_client, issuer, achievement):
    job, _ = bulk_job_create(
        issuer=issuer, data=MIXED, filename="cohort.csv", achievement=achievement, actor=owner(issuer)
    )
    # Outside a run of its tasks the job stays queued: nothing issued yet, the page follows it.
    bulk_job_start(job=job, actor=owner(issuer))

    page = _page(staff_client, f"/manage/{issuer.slug}/bulk/{job.uuid}/", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert 'data-words-done="%(handled)s von %(valid)s Zeilen erledigt"' in page
    assert 'data-words-hours="noch etwa %(hours)s Std. %(minutes)s Min."' in page
    assert ">0 von 3 Zeilen erledigt, 0 fehlgeschlagen</p>" in page
    assert "Pausieren</button>" in page and "Rest abbrechen</button>" in page
    english = _page(staff_client, f"/manage/{issuer.slug}/bulk/{job.uuid}/")
    assert 'data-words-done="%(handled)s of %(valid)s rows done"' in english
    assert ">0 of 3 rows done, 0 failed</p>" in english


def test_the_progress_figures_are_written_as_the_language_writes_numbers():
    progress = {"handled": 1234, "valid": 100_000, "failed": 5, "rate": 12.5, "eta_seconds": 4000}

    with translation.override("de"):
        german = progress_text(progress)
    with translation.override("en"):
        english = progress_text(progress)

    assert german == "1.234 von 100.000 Zeilen erledigt, 5 fehlgeschlagen, 12,5 Zeilen/s, noch etwa 1 Std. 7 Min."
    assert english == "1,234 of 100,000 rows done, 5 failed, 12.5 rows/s, about 1 h 7 min left"
