"""Learners are reminded before their credentials expire: at the issuer's thresholds (30 and 7 days by default),
exactly once per credential and threshold however often the job runs, never for a revoked or suspended credential,
in the learner's language, with an optional copy to the issuer (D58)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from badges.models import ExpiryReminder
from badges.reminders import clean_thresholds, expiry_reminder_send, expiry_reminders_run
from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend
from issuer.models import AuditEvent
from learners.models import LearnerProfile
from tests.actors import owner
from tests.concurrency import in_thread, postgresql_only

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outbox(tasks_in_process):
    mail.outbox.clear()
    return mail.outbox


def _award(achievement, *, days: int, email: str = "lea@example.com", **extra):
    request = AwardRequest(
        achievement=achievement,
        email=email,
        name="Lea Rner",
        valid_until=timezone.now() + timedelta(days=days),
        **extra,
    )
    return credential_issue(request=request, source="ui", actor=owner(achievement.issuer), notify=False)


def _days_before(credential, days: float):
    return credential.valid_until - timedelta(days=days)


def test_the_learner_is_reminded_at_30_and_at_7_days_once_each(achievement, outbox):
    credential = _award(achievement, days=60)

    assert expiry_reminders_run(now=_days_before(credential, 45)).total == 0
    assert expiry_reminders_run(now=_days_before(credential, 29.5)).total == 1
    assert expiry_reminders_run(now=_days_before(credential, 29)).total == 0  # the next hour's run
    assert expiry_reminders_run(now=_days_before(credential, 6.5)).total == 1
    assert expiry_reminders_run(now=_days_before(credential, 6)).total == 0

    assert [message.subject for message in outbox] == ["Python Basics from Test University expires soon"] * 2
    assert sorted(ExpiryReminder.objects.values_list("days", flat=True)) == [7, 30]
    first, second = outbox
    assert first.to == ["lea@example.com"]
    assert "in 29 days" in first.body and "in 6 days" in second.body
    assert credential.public_id in first.body
    reminded = AuditEvent.objects.filter(action="credential.expiry_reminded", object_id=str(credential.pk))
    assert sorted(event.data["days"] for event in reminded) == [7, 30]


def test_a_credential_never_reminded_gets_only_the_nearest_threshold(achievement, outbox):
    credential = _award(achievement, days=60)

    assert expiry_reminders_run(now=_days_before(credential, 5)).total == 1

    assert list(ExpiryReminder.objects.values_list("days", flat=True)) == [7]
    assert len(outbox) == 1
    assert expiry_reminders_run(now=_days_before(credential, 1)).total == 0


def test_a_threshold_the_credential_was_awarded_inside_is_skipped(achievement, outbox):
    credential = _award(achievement, days=20)

    assert expiry_reminders_run(now=_days_before(credential, 19)).total == 0  # within 30, awarded inside it
    assert expiry_reminders_run(now=_days_before(credential, 6)).total == 1
    assert list(ExpiryReminder.objects.values_list("days", flat=True)) == [7]


def test_revoked_and_suspended_credentials_and_ones_without_expiry_are_not_reminded(achievement, outbox):
    revoked = _award(achievement, days=60, email="r@example.com")
    suspended = _award(achievement, days=60, email="s@example.com")
    actor = owner(achievement.issuer)
    credential_revoke(credential=revoked, reason="Issued in error", actor=actor)
    credential_suspend(credential=suspended, reason="Under review", actor=actor)
    request = AwardRequest(achievement=achievement, email="n@example.com", name="No Expiry")
    credential_issue(request=request, source="ui", actor=actor, notify=False)

    assert expiry_reminders_run(now=_days_before(revoked, 6)).total == 0
    assert outbox == []


def test_a_credential_revoked_after_the_run_queued_its_reminder_is_not_emailed(achievement, tasks_queued):
    credential = _award(achievement, days=60)
    expiry_reminders_run(now=_days_before(credential, 6))
    (reminder,) = ExpiryReminder.objects.all()
    credential_revoke(credential=credential, reason="Issued in error", actor=owner(achievement.issuer))
    mail.outbox.clear()

    assert expiry_reminder_send(reminder_id=reminder.pk) is False

    assert mail.outbox == []
    reminder.refresh_from_db()
    assert reminder.error == "Not sent: the credential changed since."


def test_a_reminder_queued_twice_is_sent_once(achievement, tasks_queued):
    credential = _award(achievement, days=60)
    expiry_reminders_run(now=_days_before(credential, 6))
    (reminder,) = ExpiryReminder.objects.all()
    mail.outbox.clear()

    assert expiry_reminder_send(reminder_id=reminder.pk) is True
    assert expiry_reminder_send(reminder_id=reminder.pk) is False
    assert len(mail.outbox) == 1


@postgresql_only
def test_two_runs_at_once_remind_each_learner_once(achievement, outbox):
    credentials = [_award(achievement, days=60, email=f"learner{n}@example.com") for n in range(20)]
    now = _days_before(credentials[0], 6)
    threads = [in_thread(lambda: expiry_reminders_run(now=now)) for _ in range(2)]
    for thread, errors in threads:
        thread.join()
        assert errors == []

    assert ExpiryReminder.objects.count() == 20
    assert sorted(message.to[0] for message in outbox) == sorted(c.recipient_email for c in credentials)


def test_the_reminder_is_in_the_learners_language(achievement, outbox):
    LearnerProfile.objects.create(email="lea@example.com", slug="lea", language="de")
    credential = _award(achievement, days=60)

    expiry_reminders_run(now=_days_before(credential, 6.5))

    (message,) = outbox
    assert message.subject == "Python Basics von Test University läuft bald ab"
    assert "in 6 Tagen" in message.body


def test_the_issuer_chooses_its_thresholds(achievement, outbox):
    issuer = achievement.issuer
    issuer.expiry_reminder_days = [14]
    issuer.save(update_fields=["expiry_reminder_days"])
    credential = _award(achievement, days=60)

    assert expiry_reminders_run(now=_days_before(credential, 20)).total == 0
    assert expiry_reminders_run(now=_days_before(credential, 13)).total == 1
    assert expiry_reminders_run(now=_days_before(credential, 3)).total == 0

    issuer.expiry_reminder_days = []
    issuer.save(update_fields=["expiry_reminder_days"])
    later = _award(achievement, days=60, email="other@example.com")
    assert expiry_reminders_run(now=_days_before(later, 3)).total == 0


def test_the_issuer_gets_a_copy_when_it_asks(achievement, outbox):
    issuer = achievement.issuer
    issuer.expiry_reminder_copy = True
    issuer.email = "badges@example.edu"
    issuer.save(update_fields=["expiry_reminder_copy", "email"])
    first = _award(achievement, days=60)
    _award(achievement, days=60, email="ben@example.com")

    expiry_reminders_run(now=_days_before(first, 6))

    copies = [message for message in outbox if message.to == ["badges@example.edu"]]
    assert len(copies) == 1 and len(outbox) == 3
    assert copies[0].subject == "2 credentials of Test University expire soon"
    assert "lea@example.com" in copies[0].body and "ben@example.com" in copies[0].body


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("30, 7", [30, 7]), ("7;30;30", [30, 7]), ("", []), ([90, 1], [90, 1])],
)
def test_thresholds_as_typed(typed, expected):
    assert clean_thresholds(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("thirty", "Enter whole numbers of days separated by commas, for example 30, 7."),
        ("0, 7", "Each number of days must be between 1 and 365."),
        ("400", "Each number of days must be between 1 and 365."),
        ("1,2,3,4,5,6", "At most 5 reminders per credential."),
        ([True], "Enter whole numbers of days separated by commas, for example 30, 7."),
    ],
)
def test_thresholds_that_make_no_sense_are_refused_in_words(typed, message):
    with pytest.raises(ValueError, match=message):
        clean_thresholds(typed)


def test_the_command_runs_the_job_and_says_what_it_queued(achievement, outbox, monkeypatch):
    credential = _award(achievement, days=5)
    credential.created_at = credential.valid_until - timedelta(days=40)  # awarded long ago
    type(credential).objects.filter(pk=credential.pk).update(created_at=credential.created_at)
    out = StringIO()

    call_command("send_expiry_reminders", stdout=out)

    assert out.getvalue() == f"{achievement.issuer.slug}: 1 reminder(s) queued\n1 reminder(s) queued in all.\n"
    assert len(outbox) == 1
