"""What a German reader gets from the verifier (D53): the headline, the reason and the facts in German, every
check explained in German with the verifier's own English words under it (marked lang="en"), and the verify API
in the language of its request while the checks' messages, codes and ids stay as the verifier wrote them."""

from __future__ import annotations

import json
from html import escape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

import badges.verify
from badges.check_explanations import explanation
from badges.services import credential_revoke
from tests.actors import owner
from tests.paths import SAMPLES
from tests.public.test_verify_page import OfflineClient, issue
from tests.verification.ob2_badges import Site, baked_png, publish_validator_badge
from tests.verification.test_http import LocalServer, local_client
from verification.report import Report

pytestmark = pytest.mark.django_db
GERMAN = "de-DE,de;q=0.9,en;q=0.5"
API = "/api/v1/verify"
# Written out here rather than taken from the code under test: what a German reader expects to read.
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
          "Dezember"]  # fmt: skip
ENGLISH_HEADLINES = ("Valid —", "Not valid —", "Could not be fully checked —")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outer HTTP boundary: every foreign fetch fails, as on a machine without network."""
    monkeypatch.setattr(badges.verify, "outbound_client", OfflineClient)


def german_today() -> str:
    now = timezone.now()
    return f"{now.day}. {MONTHS[now.month - 1]} {now.year}"


def verify_in_german(client: Any, **fields: Any) -> tuple[str, Any]:
    response = client.post("/verify", fields, HTTP_ACCEPT_LANGUAGE=GERMAN)
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    return response.content.decode(), response.context


def assert_every_check_explained_in_german(page: str, report: Report) -> None:
    """Each check: its German explanation, then the verifier's exact message inside lang="en"."""
    assert report.checks
    for check in report.checks:
        with translation.override("de"):
            german = explanation(check)
        row = page.split(f'<tr id="check-{check.id}">', 1)[1].split("</tr>", 1)[0]
        assert f'<p class="flush-top">{escape(german)}</p>' in row, check
        assert f'<span lang="en">{escape(check.message)}</span>' in row, check
        assert row.index(escape(german)) < row.index('lang="en"')
    assert "Im Wortlaut des Prüfprogramms (englisch):" in page


def assert_no_english_headline(page: str, context: Any) -> None:
    headline_html = page.split('id="headline"', 1)[1].split("</div>", 1)[0]
    assert not any(start in headline_html for start in ENGLISH_HEADLINES)
    assert not context["headline"].startswith(ENGLISH_HEADLINES)


# --------------------------------------------------------------------------------------------------------------
# The verify page


def test_a_valid_credential_of_the_platform(client, achievement):
    credential = issue(achievement)

    page, context = verify_in_german(client, credential=credential.document)

    assert context["headline"] == (
        f"Gültig – Lea Rner hat „Python Basics“ von Test University am {german_today()} erworben. Die "
        "E-Mail-Adresse ist gehasht; geben Sie die E-Mail-Adresse der Person im Prüfformular ein, um zu bestätigen, "
        "dass sie es ist."
    )
    assert escape(context["headline"]) in page
    assert context["reason"] == "Alle Prüfschritte sind bestanden."
    assert context["facts"]["issued"] == german_today()
    assert context["facts"]["issuer"]["identityConfirmation"] == (
        "Signiert mit einem Schlüssel, den did:web:badges.example.test:issuers:uni veröffentlicht."
    )
    assert "Die Signatur ist korrekt: Der Nachweis wurde seit dem Signieren nicht verändert." in page
    assert "Der Schlüssel, mit dem der Nachweis signiert wurde, gehört nachweislich dem Aussteller" in page
    assert_every_check_explained_in_german(page, context["report"])
    assert_no_english_headline(page, context)
    assert "Every check passed." not in page


def test_a_revoked_credential(client, achievement):
    credential = issue(achievement)
    credential_revoke(credential=credential, reason="fraud", actor=owner(achievement.issuer))

    page, context = verify_in_german(client, credential=credential.document)

    assert context["headline"] == "Nicht gültig – dieses Badge wurde von Test University widerrufen."
    # The reason under the headline is the failed check's explanation, not the verifier's English sentence.
    assert context["reason"] == (
        "Der Aussteller hat diesen Nachweis widerrufen: Er gilt nicht mehr, auch wenn Signatur und Daten in Ordnung "
        "sind."
    )
    assert f'<p class="reason">{escape(context["reason"])}</p>' in page
    status = context["report"].check("status")
    assert (status.status, status.code) == ("failed", "revoked")
    assert_every_check_explained_in_german(page, context["report"])
    assert_no_english_headline(page, context)
    assert "fraud" not in page


def test_a_tampered_credential(client, achievement):
    document = json.loads(issue(achievement).document)
    document["credentialSubject"]["achievement"]["name"] = "Python Mastery"

    page, context = verify_in_german(client, credential=json.dumps(document))

    assert context["headline"] == (
        "Nicht gültig – die Signatur stimmt nicht: „Python Mastery“ wurde nach der Ausstellung verändert, oder Test "
        "University hat es nicht signiert."
    )
    proof = context["report"].check("proof")
    assert (proof.status, proof.code) == ("failed", "proof_invalid")
    assert context["reason"].startswith("Die Signatur passt nicht zum Nachweis: Er wurde nach dem Signieren verändert")
    assert_every_check_explained_in_german(page, context["report"])
    assert_no_english_headline(page, context)


def test_a_credential_whose_key_cannot_be_retrieved(client):
    """The sample names its key by a URL the offline client cannot fetch: indeterminate, never valid."""
    upload = SimpleUploadedFile("simple-json.png", (SAMPLES / "simple-json.png").read_bytes(), "image/png")

    page, context = verify_in_german(client, file=upload)

    assert context["report"].verdict == "indeterminate"
    assert context["headline"] == (
        "Nicht vollständig prüfbar – der öffentliche Schlüssel des Ausstellers konnte nicht abgerufen werden; "
        "verlassen Sie sich noch nicht darauf. Versuchen Sie es später erneut."
    )
    assert context["reason"] == (
        "Derzeit nicht vollständig prüfbar: der öffentliche Schlüssel des Ausstellers konnte nicht abgerufen werden "
        "– versuchen Sie es später erneut. Bis dahin wird der Nachweis nicht als gültig angezeigt."
    )
    assert "Der Schlüssel, der zum Prüfen der Signatur nötig ist, konnte nicht abgerufen werden (meist" in page
    assert 'aria-label="Nicht vollständig prüfbar"' in page
    assert_every_check_explained_in_german(page, context["report"])
    assert_no_english_headline(page, context)


def test_a_vc_jwt_and_the_verify_by_id_page(client, achievement):
    credential = issue(achievement, format="jwt")

    response = client.get(f"/verify/{credential.uuid}", HTTP_ACCEPT_LANGUAGE=GERMAN)

    page, context = response.content.decode(), response.context
    assert context["report"].format == "jwt"
    assert context["headline"].startswith("Gültig – Lea Rner hat „Python Basics“ von Test University am ")
    assert "Die Signatur des Tokens ist korrekt" in page
    assert_every_check_explained_in_german(page, context["report"])


def test_an_open_badges_2_hosted_badge(client, monkeypatch):
    monkeypatch.setattr(badges.verify, "outbound_client", local_client)
    with LocalServer() as server:
        image = baked_png(json.dumps(publish_validator_badge(Site(server))))
        page, context = verify_in_german(
            client,
            file=SimpleUploadedFile("badge.png", image, "image/png"),
            recipient="Nobody@example.org",
        )

    report = context["report"]
    assert report.format == "ob2-hosted" and report.verdict == "valid"
    issuer = context["summary"]["issuer"]["name"]
    assert context["headline"].startswith(
        f"Gültig – der Inhaber von Nobody@example.org (bestätigt) hat „Awesome Robotics Badge“ von {issuer} am "
    )
    assert context["facts"]["issuer"]["identityConfirmation"] == (
        "Auf der eigenen Website des Ausstellers abgelegt (127.0.0.1)."
    )
    assert "Das Badge wurde vom eigenen Server des Ausstellers abgerufen" in page
    assert_every_check_explained_in_german(page, report)


def test_in_english_the_checks_show_the_verifiers_message_as_before(client, achievement):
    credential = issue(achievement)

    response = client.post("/verify", {"credential": credential.document}, HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    proof = response.context["report"].check("proof")
    assert f"<td>{escape(proof.message)}</td>" in page
    assert '<span lang="en">' not in page and "In the verifier's words" not in page
    assert response.context["headline"].startswith("Valid — Lea Rner earned “Python Basics” from Test University")


def test_the_form_and_its_errors_are_german(client, db):
    form = client.get("/verify", HTTP_ACCEPT_LANGUAGE=GERMAN).content.decode()
    empty = client.post("/verify", {}, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert "Nachweis einfügen" in form and "Oder eine Datei hochladen" in form
    assert "E-Mail-Adresse des Empfängers (optional)" in form
    assert "Paste the credential" not in form
    assert empty.status_code == 400
    assert "Geben Sie einen Nachweis zum Prüfen an" in empty.content.decode()


def test_the_public_credential_page_explains_its_checks_in_german(client, achievement):
    credential = issue(achievement)

    page = client.get(
        f"/credentials/{credential.uuid}", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE=GERMAN
    ).content.decode()

    assert "Alle Prüfschritte sind bestanden." in page
    assert "Die Signatur ist korrekt: Der Nachweis wurde seit dem Signieren nicht verändert." in page
    assert '<span lang="en">The eddsa-rdfc-2022 proof by ' in page


# --------------------------------------------------------------------------------------------------------------
# The verify API


def test_the_api_answers_in_english_by_default_and_in_german_when_asked(client, achievement):
    credential = issue(achievement)
    english = client.post(API, credential.document, content_type="application/json")
    german = client.post(API, credential.document, content_type="application/json", HTTP_ACCEPT_LANGUAGE="de")

    assert (english.status_code, german.status_code) == (200, 200)
    assert english["Content-Language"] == "en" and german["Content-Language"] == "de"
    assert "Accept-Language" in german["Vary"]
    english_body, german_body = english.json(), german.json()
    assert english_body["headline"].startswith("Valid — Lea Rner earned “Python Basics” from Test University on ")
    assert german_body["headline"].startswith("Gültig – Lea Rner hat „Python Basics“ von Test University am ")
    assert (english_body["reason"], german_body["reason"]) == (
        "Every check passed.",
        "Alle Prüfschritte sind bestanden.",
    )
    assert german_body["facts"]["issued"] == german_today()
    assert german_body["facts"]["issuer"]["identityConfirmation"].startswith("Signiert mit einem Schlüssel")
    # The report itself is the verifier's, whatever the language: messages, codes and ids unchanged.
    assert german_body["checks"] == english_body["checks"]
    assert all(check["message"].isascii() for check in german_body["checks"])
    worded = ("headline", "reason", "facts")
    shared = {key: value for key, value in german_body.items() if key not in worded}
    assert shared == {key: value for key, value in english_body.items() if key not in worded}


def test_the_api_says_why_in_german_when_it_is_not_valid(client, achievement):
    credential = issue(achievement)
    credential_revoke(credential=credential, reason="fraud", actor=owner(achievement.issuer))

    german = client.post(API, credential.document, content_type="application/json", HTTP_ACCEPT_LANGUAGE=GERMAN)

    body = german.json()
    assert body["verdict"] == "invalid"
    assert body["headline"] == "Nicht gültig – dieses Badge wurde von Test University widerrufen."
    assert body["reason"].startswith("Der Aussteller hat diesen Nachweis widerrufen")
    status = next(check for check in body["checks"] if check["id"] == "status")
    assert (status["code"], status["message"].startswith("The credential is revoked")) == ("revoked", True)
