"""Redis down — the cache and the broker, which the production default puts on one Redis — and the site answers
as usual: rate limits let requests through with one warning, awards and sign-in e-mails are kept in the outbox,
and nothing answers 500 (docs/decisions.md D37).

"Down" is a Redis address where nothing listens (tests/conftest.py `redis_down`), for the configured fail-safe
cache backend and the broker alike; nothing is mocked.
"""

from __future__ import annotations

import json

import pytest

from badges.models import Credential
from badges.services import AwardRequest, credential_issue
from outbox.models import PendingTask
from tests.actors import owner
from tests.api.conftest import make_token

pytestmark = pytest.mark.django_db
SITE = "https://badges.example.test"


@pytest.fixture
def credential(achievement):
    return credential_issue(
        request=AwardRequest(achievement=achievement, email="lea@example.com", name="Lea Rner"),
        source="ui",
        notify=False,
        actor=owner(achievement.issuer),
    )


@pytest.fixture
def bearer(issuer, user):
    return {"Authorization": f"Bearer {make_token(issuer, actor=user)[1]}"}


def _cache_warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "config.cache"]


def test_the_api_answers_as_usual(redis_down, caplog, client, bearer, credential, django_capture_on_commit_callbacks):
    listed = client.get("/api/v1/issuers/uni/credentials", headers=bearer)
    one = client.get(f"/api/v1/issuers/uni/credentials/{credential.uuid}", headers=bearer)
    with django_capture_on_commit_callbacks(execute=True):  # the award's tasks are handed over after its commit
        awarded = client.post(
            "/api/v1/issuers/uni/credentials",
            {"achievement": "python-basics", "email": "ada@example.org", "name": "Ada Lovelace"},
            content_type="application/json",
            headers=bearer,
        )
    verified = client.post("/api/v1/verify", credential.document, content_type="application/json")

    assert listed.status_code == 200, listed.content
    assert [item["id"] for item in listed.json()["results"]] == [str(credential.uuid)]
    assert one.status_code == 200
    assert awarded.status_code == 201, awarded.content
    assert verified.status_code == 200
    assert (verified.json()["valid"], verified.json()["verdict"]) == (True, "valid")
    # the new award's e-mail waits in the outbox for the broker
    new = Credential.objects.get(recipient_email="ada@example.org")
    assert ("badges.tasks.send_award_email", [new.pk]) in PendingTask.objects.values_list("task", "args")
    # every rate limit was let through on a cache miss, and said so once, not once per call
    (warning,) = _cache_warnings(caplog)
    assert warning.startswith("The cache is unavailable (ConnectionError: ")


def test_the_public_pages_and_sign_in_answer_as_usual(redis_down, caplog, client, user, credential):
    page = client.get(f"/credentials/{credential.uuid}", headers={"Accept": "text/html"})
    home = client.get("/")
    verify_page = client.post("/verify", {"credential": credential.document})
    signed_in = client.post("/accounts/login/", {"username": "alice", "password": "pw-alice-123456"})

    assert page.status_code == 200
    assert "Lea Rner" in page.content.decode()
    assert home.status_code == 200
    assert verify_page.status_code == 200
    assert signed_in.status_code == 302
    assert "_auth_user_id" in client.session  # sessions live in the database, not in Redis
    assert len(_cache_warnings(caplog)) == 1


def test_an_award_from_the_issuer_pages_succeeds(
    redis_down, client, user, achievement, django_capture_on_commit_callbacks
):
    client.force_login(user)
    form = {"achievement": str(achievement.pk), "email": "ada@example.org", "name": "Ada", "format": "ldp"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/manage/uni/awards/new/", {**form, "idempotency_key": "k-1"})

    credential = Credential.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/manage/uni/awards/{credential.uuid}/"
    assert list(PendingTask.objects.values_list("task", "args", "attempts")) == [
        ("badges.tasks.bake_credentials", [[credential.pk]], 1),
        ("badges.tasks.send_award_email", [credential.pk], 0),  # not tried: the hand-over stops at the first failure
    ]


def test_sign_in_e_mails_are_kept_for_the_broker(
    redis_down, client, user, credential, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        learner = client.post("/me/", {"email": "lea@example.com"})
        reset = client.post("/accounts/password-reset/", {"email": "alice@example.com"})

    assert learner.status_code == 200
    assert (reset.status_code, reset["Location"]) == (302, "/accounts/password-reset/sent/")
    # only the addresses travel: the link and its token are made when the task runs
    sign_in_mails = PendingTask.objects.exclude(task="badges.tasks.bake_credentials").order_by("pk")
    assert list(sign_in_mails.values_list("task", "args")) == [
        ("learners.tasks.send_sign_in_link", ["lea@example.com", "en"]),
        ("accounts.tasks.send_password_reset", ["alice@example.com", "en"]),
    ]
    assert not any("token" in json.dumps(args) for args in PendingTask.objects.values_list("args", flat=True))
