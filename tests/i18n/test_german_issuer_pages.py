"""What an issuer's staff and an employer get in German: sign-in, the issuer's settings, staff, keys, API tokens and
audit log, and the public issuer and achievement pages, when the browser asks for German (Accept-Language); English
without it (D51). The audit log is worded when it is read, so one stored row reads in either language, its names,
titles and reasons as they were written."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from badges.services import AwardRequest, credential_issue, credential_revoke
from issuer.audit_sentences import audit_sentence
from issuer.models import AuditEvent
from issuer.services import membership_set, staff_invite
from tests.actors import owner
from tests.ui.test_profile import form_data

pytestmark = pytest.mark.django_db
GERMAN = "de-DE,de;q=0.9"


@pytest.fixture
def alice(client, issuer):
    client.force_login(owner(issuer))
    return client


@pytest.fixture
def revoked(issuer, achievement):
    """Jane's credential, awarded and revoked by alice: two rows of the audit log."""
    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="jane@example.org", name="Jane Doe"),
        source="ui",
        notify=False,
        actor=owner(issuer),
    )
    credential_revoke(credential=credential, reason="Awarded to the wrong cohort", actor=owner(issuer))
    return credential


def _page(client, path: str, status: int = 200, **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == status
    return response.content.decode()


# ----- signing in


def test_the_sign_in_page_is_german_when_the_browser_asks(client):
    page = _page(client, "/accounts/login/", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert '<html lang="de">' in page
    assert "<h1>Anmelden</h1>" in page
    assert '<label for="id_username">Benutzername oder E-Mail</label>' in page
    assert ">Passwort vergessen?</a>" in page
    assert "Username or e-mail" not in page


def test_the_sign_in_page_is_english_by_default(client):
    page = _page(client, "/accounts/login/")

    assert '<html lang="en">' in page
    assert '<label for="id_username">Username or e-mail</label>' in page


def test_the_lockout_page_says_when_to_try_again_in_german(client, user):
    for _ in range(5):
        response = client.post(
            "/accounts/login/", {"username": "alice", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE=GERMAN
        )

    page = response.content.decode()
    assert response.status_code == 429
    assert "<h1>Die Anmeldung ist pausiert</h1>" in page
    assert "Versuchen Sie es in 15 Minuten erneut, nach " in page
    assert "Bis dahin wird sogar das richtige Passwort abgelehnt." in page


def test_the_password_reset_link_is_e_mailed_in_the_language_it_was_asked_in(
    client, user, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        german = client.post("/accounts/password-reset/", {"email": "alice@example.com"}, HTTP_ACCEPT_LANGUAGE=GERMAN)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password-reset/", {"email": "alice@example.com"})

    assert german.status_code == 302
    first, second = mailoutbox
    assert first.subject == "Setzen Sie Ihr Passwort für badges.example.test zurück"
    assert first.body.startswith("Jemand hat angefordert, das Passwort des Kontos „alice“ auf badges.example.test")
    assert "Wählen Sie hier ein neues Passwort (der Link funktioniert einmal):\nhttps://" in first.body
    assert second.subject == "Reset your password for badges.example.test"
    assert second.body.startswith('Someone asked to reset the password of the account "alice" on ')


# ----- the issuer's own pages


ISSUER_PAGES = [
    # path, German that must be there, the same place in English
    ("/manage/uni/", '<h2 id="recent-title">Letzte Aktivitäten</h2>', '<h2 id="recent-title">Recent activity</h2>'),
    ("/manage/uni/profile/", "<h1>Profil des Ausstellers</h1>", "<h1>Issuer profile</h1>"),
    (
        "/manage/uni/profile/",
        '<label for="id_email">Kontakt-E-Mail</label>',
        '<label for="id_email">Contact e-mail</label>',
    ),
    ("/manage/uni/keys/", "<h1>Signaturschlüssel</h1>", "<h1>Signing keys</h1>"),
    ("/manage/uni/keys/", 'status-active">Aktiv</span>', 'status-active">Active</span>'),
    ("/manage/uni/staff/", "<h1>Mitarbeitende</h1>", "<h1>Staff</h1>"),
    (
        "/manage/uni/staff/",
        '<option value="owner" selected>Inhaber</option>',
        '<option value="owner" selected>Owner</option>',
    ),
    ("/manage/uni/audit/", "<h1>Änderungsprotokoll</h1>", "<h1>Audit log</h1>"),
    ("/manage/uni/api-tokens/", "<h1>API-Tokens</h1>", "<h1>API tokens</h1>"),
    ("/manage/uni/api-tokens/", "<h2>Neues Token</h2>", "<h2>New token</h2>"),
]


@pytest.mark.parametrize(("path", "german", "english"), ISSUER_PAGES)
def test_the_issuers_pages_are_german_when_the_browser_asks(alice, path, german, english):
    page = _page(alice, path, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert '<html lang="de">' in page
    assert german in page
    assert english not in page
    # The navigation of the issuer's area, and the issuer's own name as it is.
    assert ">Änderungsprotokoll</a></li>" in page
    assert ">Test University</a></li>" in page


@pytest.mark.parametrize(("path", "german", "english"), ISSUER_PAGES)
def test_the_issuers_pages_are_english_by_default(alice, path, german, english):
    page = _page(alice, path)

    assert english in page
    assert german not in page


def test_the_audit_log_words_a_revocation_and_an_award_in_german(alice, issuer, revoked):
    page = _page(alice, "/manage/uni/audit/", HTTP_ACCEPT_LANGUAGE=GERMAN)

    # The names, the achievement's title and the reason are the people's own words: never translated.
    assert (
        "<td>alice hat den Nachweis „Python Basics“ für Jane Doe widerrufen – Grund: Awarded to the wrong cohort</td>"
        in page
    )
    assert "<td>alice hat „Python Basics“ an Jane Doe verliehen</td>" in page
    assert "<td>alice über test setup hat alice als Inhaber zu den Mitarbeitenden hinzugefügt</td>" in page
    assert "5 Einträge." in page
    assert '<th scope="col">Was passiert ist</th>' in page


def test_the_same_rows_read_in_english_by_default(alice, issuer, revoked):
    page = _page(alice, "/manage/uni/audit/")

    assert "<td>alice revoked Jane Doe&#x27;s “Python Basics” — reason: Awarded to the wrong cohort</td>" in page
    assert "<td>alice awarded “Python Basics” to Jane Doe</td>" in page


def test_the_dashboard_shows_recent_activity_in_german(alice, issuer, revoked):
    page = _page(alice, "/manage/uni/", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert "<td>alice hat „Python Basics“ an Jane Doe verliehen</td>" in page


def test_an_audit_sentence_counts_in_the_readers_language(issuer):
    """Numbers take the reader's separators and the word its plural; the file name is data."""
    event = AuditEvent.objects.create(
        issuer=issuer,
        action="bulk.created",
        object_type="bulkjob",
        object_id="1",
        data={"file": "cohort.csv", "total": 1234, "valid": 1},
    )

    with translation.override("de"):
        german = audit_sentence(event)
    with translation.override("en"):
        english = audit_sentence(event)

    assert german == "Die Plattform hat cohort.csv hochgeladen: 1.234 Zeilen, davon kann 1 ausgestellt werden"
    assert english == "The platform uploaded cohort.csv: 1,234 rows, 1 can be issued"
    assert AuditEvent.objects.get(pk=event.pk).data == {"file": "cohort.csv", "total": 1234, "valid": 1}


def test_an_actor_the_platform_records_is_worded_in_german(issuer, achievement):
    """A label the platform writes (a bulk job's, a token's) is worded for the reader; the row keeps what it
    recorded."""
    event = AuditEvent.objects.create(
        issuer=issuer,
        action="credential.issued",
        object_type="credential",
        object_id="1",
        actor_label="bulk job 6f1c2d3e-0000-4000-8000-000000000000",
        data={"to": "ada@example.org", "achievement": "Python Basics"},
    )

    with translation.override("de"):
        german = audit_sentence(event)

    assert german == "Sammelauftrag 6f1c2d3e… hat „Python Basics“ an ada@example.org verliehen"
    assert AuditEvent.objects.get(pk=event.pk).actor_label == "bulk job 6f1c2d3e-0000-4000-8000-000000000000"


# ----- form errors and messages


def test_a_profile_form_error_is_german(alice, issuer):
    response = alice.post("/manage/uni/profile/", form_data(address_country_code="D1"), HTTP_ACCEPT_LANGUAGE=GERMAN)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Es wurde nichts gespeichert: Bitte korrigieren Sie die unten markierten Felder." in page
    assert "<li>Geben Sie den zweibuchstabigen Ländercode ein, zum Beispiel DE oder AT.</li>" in page


def test_a_staff_invite_error_is_german(alice, issuer):
    response = alice.post(
        "/manage/uni/staff/invite/", {"email": "alice@example.com", "role": "viewer"}, HTTP_ACCEPT_LANGUAGE=GERMAN
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "<li>alice@example.com gehört bereits zu den Mitarbeitenden von Test University; "
        "ändern Sie die Rolle in der Liste.</li>"
    ) in page


def test_a_staff_invite_error_is_english_by_default(alice, issuer):
    response = alice.post("/manage/uni/staff/invite/", {"email": "alice@example.com", "role": "viewer"})

    assert (
        "<li>alice@example.com is already on the staff of Test University; change their role in the list.</li>"
    ) in response.content.decode()


def test_a_role_change_is_confirmed_in_german(alice, issuer, django_user_model):
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "pw-bob-123456")
    membership = membership_set(issuer=issuer, user=bob, role="viewer", actor=owner(issuer))

    response = alice.post(
        f"/manage/uni/staff/{membership.pk}/role/", {"role": "awarder"}, HTTP_ACCEPT_LANGUAGE=GERMAN, follow=True
    )

    page = response.content.decode()
    assert '<li class="success">bob ist jetzt Vergeber.</li>' in page
    assert '<option value="awarder" selected>Vergeber</option>' in page


def test_an_invitation_reads_in_german(client, issuer, run, mailoutbox):
    run(staff_invite, issuer=issuer, email="new@example.org", role="editor", actor=owner(issuer))
    token = re.search(r"/invitations/([A-Za-z0-9_-]+)/", mailoutbox[-1].body).group(1)

    page = _page(client, f"/invitations/{token}/", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert "<h1>Test University beitreten</h1>" in page
    assert (
        "alice lädt Sie als <strong>Bearbeiter</strong> zu den Mitarbeitenden von <strong>Test University</strong> ein."
        in page
    )
    assert ">Konto anlegen und beitreten</button>" in page


# ----- the public pages an employer reads


def test_the_public_issuer_page_is_german(client, issuer, achievement):
    response = client.get("/issuers/uni/", HTTP_ACCEPT_LANGUAGE=GERMAN)

    page = response.content.decode()
    assert '<html lang="de">' in page
    assert '<h2 id="issuer-achievements">Von Test University verliehene Badges</h2>' in page
    assert "<dt>Website</dt>" in page and "<dt>E-Mail</dt>" in page
    # The issuer's and the achievement's own texts are theirs, in their language.
    assert "Writes small Python programs." in page
    assert "Accept-Language" in response["Vary"]


def test_the_public_achievement_page_is_german(client, issuer, achievement):
    page = _page(client, f"/achievements/{achievement.uuid}", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert '<html lang="de">' in page
    assert 'Verliehen von <a href="/issuers/uni/">Test University</a>.' in page
    assert "<dt>Leistungspunkte</dt>" in page
    assert "<h2>Über diese Leistung</h2>" in page
    assert '<h1 id="achievement-title">Python Basics</h1>' in page


def test_the_public_pages_are_english_by_default(client, issuer, achievement):
    issuer_page = _page(client, "/issuers/uni/")
    achievement_page = _page(client, f"/achievements/{achievement.uuid}")

    assert '<h2 id="issuer-achievements">Badges awarded by Test University</h2>' in issuer_page
    assert 'Awarded by <a href="/issuers/uni/">Test University</a>.' in achievement_page
    assert "<h2>About this achievement</h2>" in achievement_page


# ----- the API's error pages: the page in German, the API's answer as it was


def test_an_error_type_page_is_german_and_the_apis_title_stays_english(client):
    page = _page(client, "/errors/not-authenticated", HTTP_ACCEPT_LANGUAGE=GERMAN)
    answer = client.get("/api/v1/issuers/nobody/credentials", HTTP_ACCEPT_LANGUAGE=GERMAN).json()

    assert "<h1>Anmeldung erforderlich</h1>" in page
    assert answer["title"] == "Authentication required"
    assert answer["type"].endswith("/errors/not-authenticated")
