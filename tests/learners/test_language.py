"""The language e-mails to a learner are written in (D52): taken from the page at their first sign-in, chosen on
the collection page, and used for the award e-mails of every issuer."""

from __future__ import annotations

import pytest

from badges.services import AwardRequest, credential_issue
from issuer.models import AuditEvent
from learners.models import LearnerProfile
from tests.actors import owner
from tests.learners.conftest import issue, request_link

GERMAN = "de-DE,de;q=0.9"


def _sign_in(client, outbox, capture, **headers):
    token = request_link(client, outbox, capture)
    response = client.post(f"/me/sign-in/{token}/", **headers)
    assert response.status_code == 302


def _award(achievement, email="lea@example.com"):
    request = AwardRequest(achievement=achievement, email=email, name="Lea Rner")
    return credential_issue(request=request, source="ui", actor=owner(achievement.issuer), notify=True)


def test_the_first_sign_in_keeps_the_language_of_the_page(
    client, achievement, outbox, django_capture_on_commit_callbacks
):
    issue(achievement)
    _sign_in(client, outbox, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert LearnerProfile.objects.get(email="lea@example.com").language == "de"


def test_a_later_sign_in_in_another_language_does_not_change_it(
    client, achievement, outbox, django_capture_on_commit_callbacks
):
    issue(achievement)
    _sign_in(client, outbox, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE=GERMAN)
    _sign_in(client, outbox, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert LearnerProfile.objects.get(email="lea@example.com").language == "de"


def test_the_learner_chooses_the_language_on_the_collection_page(
    client, achievement, outbox, django_capture_on_commit_callbacks
):
    issue(achievement)
    _sign_in(client, outbox, django_capture_on_commit_callbacks)
    page = client.get("/me/credentials/").content.decode()
    assert "Language of our e-mails to you" in page

    response = client.post("/me/language/", {"language": "de"}, follow=True)

    assert LearnerProfile.objects.get(email="lea@example.com").language == "de"
    assert "We will write to you in Deutsch." in response.content.decode()


@pytest.mark.parametrize("language", ["fr", "", "de-AT"])
def test_a_language_the_site_does_not_offer_is_refused_and_nothing_changes(
    client, achievement, outbox, django_capture_on_commit_callbacks, language
):
    issue(achievement)
    _sign_in(client, outbox, django_capture_on_commit_callbacks)

    response = client.post("/me/language/", {"language": language})

    assert response.status_code == 400
    assert "Choose one of the languages offered." in response.content.decode()
    assert LearnerProfile.objects.get(email="lea@example.com").language == "en"


def test_only_a_signed_in_learner_can_choose(client, db):
    response = client.post("/me/language/", {"language": "de"})

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert not LearnerProfile.objects.exists()


def test_the_award_email_comes_in_the_language_the_learner_chose(
    client, achievement, other_achievement, outbox, django_capture_on_commit_callbacks
):
    issue(achievement)
    _sign_in(client, outbox, django_capture_on_commit_callbacks)
    client.post("/me/language/", {"language": "de"})
    outbox.clear()

    # Awarded by another issuer, in a task without a request: the learner's choice is the only guide.
    with django_capture_on_commit_callbacks(execute=True):
        credential = _award(other_achievement)

    (message,) = outbox
    assert message.subject == "Sie haben SQL Fundamentals von Other Academy erhalten"
    assert "Other Academy hat Ihnen „SQL Fundamentals“ verliehen." in message.body
    emailed = AuditEvent.objects.get(action="credential.emailed", object_id=str(credential.pk))
    assert emailed.data["language"] == "de"


def test_an_unknown_learner_gets_the_award_email_in_the_default_language(
    achievement, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _award(achievement, email="new@example.com")

    (message,) = outbox
    assert message.subject.startswith("You earned ")
