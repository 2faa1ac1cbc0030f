"""/me/: a sign-in link by e-mail, sent only for known addresses, usable once, for 30 minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learners.models import LearnerProfile, SignInToken
from learners.services import SIGN_IN_LINK_VALIDITY, SignInLinkUnusable, sign_in_token_use
from learners.views import LEARNER_SESSION_KEY
from tests.conftest import RECORDED_AND_HANDED_OVER, cache_warnings, statement_kinds, statement_shapes
from tests.learners.conftest import issue, request_link, sign_in


@pytest.fixture
def lea_credential(achievement):
    return issue(achievement)


def test_mail_only_for_known_address_and_same_answer(
    client, outbox, django_capture_on_commit_callbacks, lea_credential
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/me/", {"email": "Lea@Example.com "})
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/me/", {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert "a sign-in link is on its way" in known.content.decode()
    assert len(outbox) == 1
    assert outbox[0].to == ["lea@example.com"]
    assert outbox[0].subject == "Your sign-in link"
    assert "https://badges.example.test/me/sign-in/" in outbox[0].body
    assert SignInToken.objects.count() == 1
    assert SignInToken.objects.get().email == "lea@example.com"


def test_token_is_stored_only_as_hash(client, outbox, django_capture_on_commit_callbacks, lea_credential):
    token = request_link(client, outbox, django_capture_on_commit_callbacks)
    record = SignInToken.objects.get()
    assert record.token_hash == SignInToken.hash_token(token)
    assert token not in record.token_hash
    assert record.expires_at - record.created_at == SIGN_IN_LINK_VALIDITY


def test_opening_the_link_does_not_use_it(client, outbox, django_capture_on_commit_callbacks, lea_credential):
    token = request_link(client, outbox, django_capture_on_commit_callbacks)
    response = client.get(f"/me/sign-in/{token}/")
    assert response.status_code == 200
    assert SignInToken.objects.get().used_at is None
    assert LEARNER_SESSION_KEY not in client.session


def test_link_signs_in_once(client, outbox, django_capture_on_commit_callbacks, lea_credential):
    token = sign_in(client, outbox, django_capture_on_commit_callbacks)
    assert client.session[LEARNER_SESSION_KEY] == "lea@example.com"
    assert SignInToken.objects.get().used_at is not None
    profile = LearnerProfile.objects.get()
    assert profile.email == "lea@example.com"
    assert len(profile.slug) >= 20
    assert profile.is_public is False

    other = client.__class__()
    again = other.post(f"/me/sign-in/{token}/")
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert LEARNER_SESSION_KEY not in other.session
    assert LearnerProfile.objects.count() == 1


def test_second_sign_in_keeps_the_profile(client, outbox, django_capture_on_commit_callbacks, lea_credential):
    sign_in(client, outbox, django_capture_on_commit_callbacks)
    slug = LearnerProfile.objects.get().slug
    sign_in(client, outbox, django_capture_on_commit_callbacks)
    assert list(LearnerProfile.objects.values_list("slug", flat=True)) == [slug]


def test_link_expires_after_30_minutes(client, outbox, django_capture_on_commit_callbacks, lea_credential):
    token = request_link(client, outbox, django_capture_on_commit_callbacks)
    record = SignInToken.objects.get()

    with pytest.raises(SignInLinkUnusable) as excinfo:
        sign_in_token_use(token=token, now=record.created_at + timedelta(minutes=30))
    assert excinfo.value.reason == "expired"

    past = timezone.now() - timedelta(minutes=31)
    SignInToken.objects.filter(pk=record.pk).update(created_at=past, expires_at=past + SIGN_IN_LINK_VALIDITY)
    response = client.post(f"/me/sign-in/{token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert LEARNER_SESSION_KEY not in client.session
    assert SignInToken.objects.get().used_at is None
    assert LearnerProfile.objects.count() == 0


def test_link_just_before_expiry_works(outbox, client, django_capture_on_commit_callbacks, lea_credential):
    token = request_link(client, outbox, django_capture_on_commit_callbacks)
    record = SignInToken.objects.get()
    profile = sign_in_token_use(token=token, now=record.created_at + timedelta(minutes=29, seconds=59))
    assert profile.email == "lea@example.com"


def test_unknown_link_is_refused(client, db):
    response = client.post("/me/sign-in/not-a-real-token/")
    assert response.status_code == 404
    assert LEARNER_SESSION_KEY not in client.session


def test_invalid_address_is_a_form_error(client, outbox, db):
    response = client.post("/me/", {"email": "not an address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert outbox == []


def test_over_the_limit_per_address_the_answer_is_the_same_and_nothing_is_sent(
    client, outbox, django_capture_on_commit_callbacks, lea_credential
):
    for _ in range(5):
        request_link(client, outbox, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        over = client.post("/me/", {"email": "LEA@example.com"})
    unknown = client.post("/me/", {"email": "nobody@example.com"})

    assert over.status_code == unknown.status_code == 200
    assert over.content == unknown.content  # never tells that the address is known, nor that it is over its limit
    assert len(outbox) == 5
    assert SignInToken.objects.count() == 5


def test_the_request_does_the_same_work_for_every_address(
    client, lea_credential, tasks_queued, django_capture_on_commit_callbacks
):
    # With the task queued rather than run, what the request itself does is all a client can time: the task's
    # outbox row, and its hand-over to the broker once the request commits.
    with CaptureQueriesContext(connection) as known_queries, django_capture_on_commit_callbacks(execute=True):
        known = client.post("/me/", {"email": "lea@example.com"})
    with CaptureQueriesContext(connection) as unknown_queries, django_capture_on_commit_callbacks(execute=True):
        unknown = client.post("/me/", {"email": "nobody@example.com"})

    assert known.content == unknown.content
    assert statement_shapes(known_queries) == statement_shapes(unknown_queries)
    assert statement_kinds(known_queries) == RECORDED_AND_HANDED_OVER
    assert not any("credential" in query["sql"] or "signintoken" in query["sql"] for query in known_queries)
    assert SignInToken.objects.count() == 0


def test_unknown_addresses_get_the_same_answer_over_their_limit(client, outbox, db):
    answers = [client.post("/me/", {"email": "nobody@example.com"}) for _ in range(7)]
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.content for answer in answers}) == 1
    assert outbox == []


def test_rate_limit_per_ip(client, outbox, django_capture_on_commit_callbacks, lea_credential):
    for number in range(20):
        assert client.post("/me/", {"email": f"someone{number}@example.com"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/me/", {"email": "lea@example.com"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many sign-in links were asked for from your network" in response.content.decode()
    assert outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        other_ip = client.post("/me/", {"email": "lea@example.com"}, REMOTE_ADDR="10.0.0.2")
    assert other_ip.status_code == 200
    assert len(outbox) == 1


def test_a_cache_that_is_down_leaves_sign_in_links_working(
    client, outbox, django_capture_on_commit_callbacks, lea_credential, cache_down
):
    for _ in range(7):
        request_link(client, outbox, django_capture_on_commit_callbacks)
    assert len(outbox) == 7
    assert cache_warnings(cache_down)


def test_staff_login_is_unaffected(client, user, issuer, outbox, django_capture_on_commit_callbacks, achievement):
    issue(achievement)
    client.force_login(user)
    sign_in(client, outbox, django_capture_on_commit_callbacks)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/manage/uni/").status_code == 200

    response = client.post("/me/sign-out/")
    assert response.status_code == 302
    assert LEARNER_SESSION_KEY not in client.session
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/manage/uni/").status_code == 200
    assert client.get("/me/credentials/")["Location"] == "/me/"


def test_learner_session_is_not_a_staff_login(client, outbox, django_capture_on_commit_callbacks, lea_credential):
    sign_in(client, outbox, django_capture_on_commit_callbacks)
    assert "_auth_user_id" not in client.session
    response = client.get("/manage/uni/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_expired_tokens_are_purged_and_live_ones_kept():
    from learners.services import sign_in_tokens_purge
    from learners.tasks import purge_sign_in_tokens

    now = timezone.now()

    def token(name: str, created: timedelta) -> SignInToken:
        start = now - created
        return SignInToken.objects.create(
            email=f"{name}@example.org",
            token_hash=SignInToken.hash_token(name),
            created_at=start,
            expires_at=start + timedelta(minutes=30),
        )

    old, recent, live = token("old", timedelta(days=3)), token("recent", timedelta(hours=2)), token("live", timedelta())

    assert sign_in_tokens_purge(now=now) == 1
    assert set(SignInToken.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
    assert old.pk not in SignInToken.objects.values_list("pk", flat=True)
    assert purge_sign_in_tokens.apply().get() == 0  # the beat task: nothing left to purge
