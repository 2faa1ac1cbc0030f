"""The award e-mail: sent once after the award commits, recorded on the credential, never able to undo it."""

from __future__ import annotations

import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from badges.models import Credential
from badges.notifications import award_email_send
from badges.services import AwardRequest, credential_issue, credential_revoke
from badges.tasks import send_award_email
from issuer.models import AuditEvent
from tests.actors import owner

FAILING_BACKEND = "tests.badges.test_notifications.FailingBackend"


class FailingBackend(BaseEmailBackend):
    """The SMTP boundary, refusing: what an unreachable or rejecting mail server looks like to Django."""

    attempts = 0

    def send_messages(self, email_messages):
        FailingBackend.attempts += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def failing_smtp(settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    FailingBackend.attempts = 0
    return FailingBackend


def _issue(achievement, **kwargs):
    params = {"achievement": achievement, "email": "Lea@Example.com", "name": "Lea Rner"}
    params.update(kwargs)
    return credential_issue(request=AwardRequest(**params), source="ui", actor=owner(achievement.issuer))


def test_award_email_content(achievement, mailoutbox):
    credential = _issue(achievement)
    award_email_send(credential=credential)
    (message,) = mailoutbox
    link = f"https://badges.example.test/credentials/{credential.uuid}"
    assert message.subject == "You earned Python Basics from Test University"
    assert message.to == ["lea@example.com"]
    assert message.reply_to == ["badges@uni.example.org"]
    assert message.from_email == "badges@badges.example.test"
    assert message.body.startswith('Hello Lea Rner,\n\nTest University has awarded you "Python Basics".')
    assert f"\n{link}\n" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert f'<a href="{link}"' in html
    credential.refresh_from_db()
    assert credential.notified_at is not None
    assert credential.notification_error == ""
    event = AuditEvent.objects.get(action="credential.emailed")
    assert (event.object_id, event.data) == (str(credential.pk), {"to": "lea@example.com", "language": "en"})


def test_a_notified_credential_is_not_emailed_again(achievement, mailoutbox):
    credential = _issue(achievement)
    award_email_send(credential=credential)
    award_email_send(credential=Credential.objects.get(pk=credential.pk))
    assert len(mailoutbox) == 1


def test_a_revoked_credential_is_not_announced(achievement, mailoutbox):
    credential = credential_revoke(credential=_issue(achievement), reason="mistake", actor=owner(achievement.issuer))
    award_email_send(credential=credential)
    assert mailoutbox == []
    credential.refresh_from_db()
    assert credential.notified_at is None
    assert credential.notification_error == "Not sent: the credential was revoked before the e-mail went out."


def test_send_failure_is_recorded_and_not_raised(achievement, failing_smtp):
    credential = _issue(achievement)
    award_email_send(credential=credential)
    credential.refresh_from_db()
    assert credential.notified_at is None
    assert credential.notification_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert AuditEvent.objects.get(action="credential.email_failed").data == {
        "to": "lea@example.com",
        "error": "SMTPServerDisconnected: Connection unexpectedly closed",
    }


def test_transient_failure_is_raised_for_the_task_to_retry(achievement, failing_smtp):
    credential = _issue(achievement)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        award_email_send(credential=credential, raise_transient=True)
    credential.refresh_from_db()
    assert credential.notification_error == "SMTPServerDisconnected: Connection unexpectedly closed"


def test_issue_queues_the_email_after_commit(
    achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        credential = _issue(achievement)
    assert mailoutbox == []  # nothing leaves before the award is durable
    for callback in callbacks:
        callback()
    assert [m.to for m in mailoutbox] == [["lea@example.com"]]
    credential.refresh_from_db()
    assert credential.notified_at is not None


def test_issue_with_notify_false_sends_nothing(
    achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        credential_issue(
            request=AwardRequest(achievement=achievement, email="lea@example.com"),
            source="command",
            notify=False,
            actor=owner(achievement.issuer),
        )
    assert mailoutbox == []


def test_repeated_idempotency_key_sends_once(
    achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _issue(achievement, idempotency_key="k1")
    with django_capture_on_commit_callbacks(execute=True):
        again = _issue(achievement, idempotency_key="k1")
    assert first.pk == again.pk
    assert len(mailoutbox) == 1


def test_failed_email_keeps_the_award(achievement, failing_smtp, tasks_in_process, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        credential = _issue(achievement)
    credential.refresh_from_db()
    assert credential.status == "active"
    assert credential.notified_at is None
    assert credential.notification_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert failing_smtp.attempts == 1  # in-process: recorded at once, no retries holding up the request
    actions = AuditEvent.objects.filter(object_type="credential").values_list("action", flat=True)
    assert list(actions) == ["credential.email_failed", "credential.issued"]


def test_task_options():
    assert (send_award_email.acks_late, send_award_email.max_retries) == (True, 3)
    assert send_award_email.autoretry_for == (smtplib.SMTPException, ConnectionError, TimeoutError)


@pytest.mark.parametrize(("retries", "retried"), [(0, True), (2, True), (3, False)])
def test_task_on_a_worker_retries_transient_failures_three_times(achievement, failing_smtp, retries, retried):
    # As a worker runs it (not eagerly), on its `retries`-th retry: the failure goes back to Celery for
    # another attempt while attempts remain; the last one only records it.
    credential = _issue(achievement)
    send_award_email.push_request(is_eager=False, retries=retries)
    try:
        if retried:
            with pytest.raises(smtplib.SMTPServerDisconnected):
                send_award_email.run(credential.pk)
        else:
            send_award_email.run(credential.pk)
    finally:
        send_award_email.pop_request()
    credential.refresh_from_db()
    assert credential.notification_error == "SMTPServerDisconnected: Connection unexpectedly closed"


def test_task_ignores_a_missing_credential(db, mailoutbox, tasks_in_process):
    send_award_email.delay(999_999)
    assert mailoutbox == []
