"""The callback's refusals, with this platform's own API as the host (tests/backpack/conftest.py): a state that is
missing, unknown, another session's or too old finishes nothing; a code the host no longer honours, a learner who
says no at the host, a credential the host refuses, and one revoked meanwhile each end the send with that outcome,
told to the learner, and nothing stored at the host."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant

from backpack.models import BackpackSend
from badges.models import Credential
from badges.services import credential_revoke
from ob_api.models import StoredCredential
from tests.actors import owner
from tests.backpack.conftest import LEARNER, consent_at_host, path_of, query, signed_in, start_send

REFUSED_STATE = "This answer from a host does not belong to a send started in this browser."


@pytest.fixture
def started(hosted, credential, outbox, django_capture_on_commit_callbacks):
    """A send started by the signed-in learner, waiting for the host's answer."""
    return start_send(signed_in(outbox, django_capture_on_commit_callbacks), credential, hosted.url)


def _nothing_sent():
    assert StoredCredential.objects.count() == 0
    assert AccessToken.objects.count() == 0


def test_a_state_from_another_session_is_refused_and_the_send_stays_its_sessions(
    started, credential, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    redirect = consent_at_host(started, outbox, capture)
    # The same learner signed in in another browser, given the answer (a link passed on, a forged page).
    elsewhere = signed_in(outbox, capture)

    refused = elsewhere.get(path_of(redirect["Location"]))

    assert refused.status_code == 400
    assert REFUSED_STATE in refused.content.decode()
    pending = BackpackSend.objects.get()
    assert (pending.outcome, pending.claimed_at) == ("pending", None)
    _nothing_sent()
    # The session that started it still finishes it.
    assert started.ours.get(path_of(redirect["Location"])).status_code == 302
    assert BackpackSend.objects.get().outcome == "stored"
    assert StoredCredential.objects.get().credential_id == credential.public_id


def test_another_learners_answer_is_refused(started, achievement, outbox, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    redirect = consent_at_host(started, outbox, capture)
    other = "ola@example.com"
    from tests.learners.conftest import issue

    issue(achievement, email=other)
    intruder = signed_in(outbox, capture, email=other)
    # Even with the state in the intruder's own session, the send is Lea's.
    session = intruder.session
    session["backpack_pending"] = [BackpackSend.hash_state(started.state)]
    session.save()

    refused = intruder.get(path_of(redirect["Location"]))

    assert refused.status_code == 400
    assert REFUSED_STATE in refused.content.decode()
    assert BackpackSend.objects.get().claimed_at is None
    _nothing_sent()


@pytest.mark.parametrize("answer", ["", "?code=abc", "?code=abc&state=made-up-state"])
def test_a_missing_or_unknown_state_is_refused(started, answer):
    refused = started.ours.get(f"/me/backpack/callback/{answer}")

    assert refused.status_code == 400
    assert REFUSED_STATE in refused.content.decode()
    assert BackpackSend.objects.get().claimed_at is None
    _nothing_sent()


def test_an_answer_after_ten_minutes_is_refused_and_the_send_is_stopped(
    started, outbox, django_capture_on_commit_callbacks
):
    redirect = consent_at_host(started, outbox, django_capture_on_commit_callbacks)
    # The learner took eleven minutes at the host.
    eleven_minutes_ago = timezone.now() - timedelta(minutes=11)
    BackpackSend.objects.update(started_at=eleven_minutes_ago, expires_at=eleven_minutes_ago + timedelta(minutes=10))

    refused = started.ours.get(path_of(redirect["Location"]))

    assert refused.status_code == 400
    assert "more than 10 minutes after starting" in refused.content.decode()
    stopped = BackpackSend.objects.get()
    assert (stopped.outcome, bytes(stopped.code_verifier_encrypted)) == ("expired", b"")
    _nothing_sent()
    # Once stopped, the same answer is spent.
    again = started.ours.get(path_of(redirect["Location"]))
    assert again.status_code == 400
    assert "already used" in again.content.decode()


def test_a_code_the_host_no_longer_honours_ends_the_send(
    started, credential, outbox, django_capture_on_commit_callbacks
):
    redirect = consent_at_host(started, outbox, django_capture_on_commit_callbacks)
    # The host's code lives 60 s; this one has run out.
    Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))

    back = started.ours.get(path_of(redirect["Location"]))

    assert back.status_code == 302
    ended = BackpackSend.objects.get()
    assert ended.outcome == "token_refused"
    assert ended.detail.startswith("The token request was refused (HTTP 400): invalid_grant")
    page = started.ours.get(back["Location"]).content.decode()
    host = started.authorization_url.split("//")[1].split("/")[0]
    assert f"Python Basics was not sent: {host} did not give access after you allowed it." in page
    assert "No access from the host" in page  # the row of the history
    _nothing_sent()


def test_a_learner_who_says_no_at_the_host_is_told_so(started, outbox, django_capture_on_commit_callbacks):
    redirect = consent_at_host(started, outbox, django_capture_on_commit_callbacks, allow=False)
    assert query(redirect["Location"])["error"] == "access_denied"

    back = started.ours.get(path_of(redirect["Location"]))

    assert back.status_code == 302
    assert (BackpackSend.objects.get().outcome, BackpackSend.objects.get().detail) == ("denied", "access_denied")
    page = started.ours.get(back["Location"]).content.decode()
    assert "Python Basics was not sent: the permission was not given at" in page
    _nothing_sent()


def test_the_hosts_refusal_of_the_credential_is_shown_with_its_reason(
    started, credential, outbox, django_capture_on_commit_callbacks
):
    redirect = consent_at_host(started, outbox, django_capture_on_commit_callbacks)
    # Our stored copy was damaged after signing: the host verifies it first and refuses it (400).
    Credential.objects.filter(pk=credential.pk).update(
        document=credential.document.replace("Writes small Python programs.", "Writes large Python programs.", 1)
    )

    back = started.ours.get(path_of(redirect["Location"]))

    assert back.status_code == 302
    refused = BackpackSend.objects.get()
    assert (refused.outcome, refused.host_status) == ("refused", 400)
    assert refused.detail.startswith("The credential did not verify.")
    page = started.ours.get(back["Location"]).content.decode()
    assert "refused Python Basics. It said: The credential did not verify. proof: The eddsa-rdfc-2022 signature" in page
    assert StoredCredential.objects.count() == 0


def test_a_credential_revoked_while_the_learner_is_at_the_host_is_not_sent(
    started, credential, outbox, django_capture_on_commit_callbacks
):
    redirect = consent_at_host(started, outbox, django_capture_on_commit_callbacks)
    credential_revoke(credential=credential, reason="Awarded by mistake", actor=owner(credential.issuer))

    back = started.ours.get(path_of(redirect["Location"]))

    assert back.status_code == 302
    assert BackpackSend.objects.get().outcome == "withdrawn"
    assert "it was revoked or suspended while you were at" in started.ours.get(back["Location"]).content.decode()
    _nothing_sent()


def test_the_learner_must_be_signed_in_for_the_callback(started, client):
    answer = client.get(f"/me/backpack/callback/?code=abc&state={started.state}")

    assert (answer.status_code, answer["Location"]) == (302, "/me/")
    assert BackpackSend.objects.get().claimed_at is None
    assert LEARNER == BackpackSend.objects.get().learner_email
