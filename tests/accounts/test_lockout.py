"""The sign-in lockout (django-axes): per account and per client address, each on its own; even the right password
is refused until the cool-off ends or an administrator unlocks; the page says when; every lockout is audited
without the address in clear."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F

from issuer.models import AuditEvent
from tests.test_settings_defaults import _python

LOGIN = "/accounts/login/"
PASSWORD = "pw-alice-123456"  # the `user` fixture's


def sign_in(client, username, password, address="203.0.113.9", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, username, times, address="203.0.113.9"):
    return [sign_in(client, username, "wrong-password", address) for _ in range(times)]


def assert_locked_out(response, minutes=15):
    assert response.status_code == 429
    text = response.content.decode()
    assert "Signing in is paused" in text
    assert f"Try again in {minutes} minute{'s' if minutes > 1 else ''}, after " in text
    assert "even the right password is refused" in text
    assert minutes * 60 - 60 < int(response["Retry-After"]) <= minutes * 60
    assert "Traceback" not in text


def age_attempts(minutes):
    """The counted failures as if they had happened `minutes` earlier: the cool-off is measured from them."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_four_failures_still_let_the_right_password_in(client, user):
    answers = fail(client, "alice", 4)
    assert [answer.status_code for answer in answers] == [200] * 4
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_fifth_failure_locks_the_account_and_the_right_password_is_refused(client, user):
    *_, fifth = fail(client, "alice", 5)
    assert_locked_out(fifth)

    refused = sign_in(client, "alice", PASSWORD)
    assert_locked_out(refused)
    assert not signed_in(client)


def test_the_username_and_the_e_mail_address_count_as_one_account(client, user):
    fail(client, "alice", 3)
    *_, last = fail(client, "ALICE@example.com", 2)
    assert_locked_out(last)
    assert_locked_out(sign_in(client, "alice@example.com", PASSWORD))


def test_the_account_is_locked_from_every_address(client, user):
    for number in range(5):
        sign_in(client, "alice", "wrong-password", address=f"198.51.100.{number}")

    assert_locked_out(sign_in(client, "alice", PASSWORD, address="192.0.2.200"))
    assert not signed_in(client)


def test_an_address_is_locked_for_every_account(client, user, django_user_model):
    django_user_model.objects.create_user("bob", "bob@example.com", "pw-bob-123456")
    for name in ("carol", "dave", "erin", "frank", "grace"):
        sign_in(client, name, "wrong-password")

    assert_locked_out(sign_in(client, "bob", "pw-bob-123456"))
    assert sign_in(client, "bob", "pw-bob-123456", address="192.0.2.200").status_code == 302


def test_the_lock_lasts_the_cool_off_from_the_last_counted_failure(client, user):
    fail(client, "alice", 5)

    age_attempts(14)
    locked = sign_in(client, "alice", PASSWORD)
    assert_locked_out(locked, minutes=1)  # what is left, in plain words
    assert not signed_in(client)

    age_attempts(1)
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    assert signed_in(client)


def test_attempts_during_the_lockout_do_not_extend_it(client, user):
    fail(client, "alice", 5)
    age_attempts(10)
    fail(client, "alice", 3)  # refused without being counted

    age_attempts(6)
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_the_page_is_the_same_for_an_account_that_does_not_exist(client, user):
    *_, known = fail(client, "alice", 5)
    *_, unknown = fail(client, "nobody-here", 5, address="192.0.2.77")

    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content
    assert b"alice" not in known.content


def test_the_admin_sign_in_is_locked_too(client, user):
    for _ in range(5):
        response = client.post(
            "/admin/login/", {"username": "alice", "password": "wrong-password"}, REMOTE_ADDR="203.0.113.9"
        )
    assert_locked_out(response)
    assert_locked_out(sign_in(client, "alice", PASSWORD))


def test_the_address_is_the_platforms_client_address(client, user, settings):
    settings.TRUSTED_PROXIES = 1
    for _ in range(5):
        sign_in(client, "nobody", "wrong-password", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}
    # Another client behind the same proxy is not locked out; a made-up first hop does not dodge the lock.
    assert sign_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
    client.logout()
    assert_locked_out(sign_in(client, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="7.7.7.7, 198.51.100.1"))


# Unlocking


def test_axes_reset_unlocks(client, user):
    fail(client, "alice", 5)
    call_command("axes_reset", stdout=io.StringIO())
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_axes_reset_username_unlocks_one_account(client, user):
    fail(client, "alice", 5, address="198.51.100.1")
    call_command("axes_reset_username", "alice", stdout=io.StringIO())
    assert sign_in(client, "alice", PASSWORD, address="198.51.100.2").status_code == 302


def test_an_administrator_unlocks_in_django_admin(client, user, admin_client):
    fail(client, "alice", 5)
    changelist = admin_client.get("/admin/axes/accessattempt/")
    assert changelist.status_code == 200
    assert b"alice" in changelist.content

    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    confirm = admin_client.post(
        "/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert confirm.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_a_new_password_from_the_e_mailed_link_lifts_the_accounts_lock(
    client, user, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    import re

    fail(client, "alice", 5, address="198.51.100.1")
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail is sent once the request commits
        assert client.post("/accounts/password-reset/", {"email": "alice@example.com"}).status_code == 302
    link = re.search(r"https://badges\.example\.test(/accounts/reset/\S+)", mailoutbox[-1].body).group(1)
    form = client.get(link, follow=True)
    new = "a-new-Passw0rd-for-alice"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302

    assert sign_in(client, "alice", new, address="198.51.100.1").status_code == 302
    assert not AccessAttempt.objects.exists()  # the failures at this account are forgotten


def test_a_new_password_leaves_other_locks_alone(
    client, user, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    import re

    fail(client, "mallory-guess", 5, address="198.51.100.1")  # the address is locked, by another account
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail is sent once the request commits
        assert client.post("/accounts/password-reset/", {"email": "alice@example.com"}).status_code == 302
    link = re.search(r"https://badges\.example\.test(/accounts/reset/\S+)", mailoutbox[-1].body).group(1)
    form = client.get(link, follow=True)
    new = "a-new-Passw0rd-for-alice"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})

    assert_locked_out(sign_in(client, "alice", new, address="198.51.100.1"))


# The audit log


def test_each_lockout_is_audited_once_without_the_address(client, user):
    fail(client, "alice", 5, address="203.0.113.9")
    fail(client, "alice", 3, address="203.0.113.9")  # refused during the lockout: not a new lockout

    event = AuditEvent.objects.get(action="account.locked_out")
    assert event.issuer is None
    assert event.object_type == "user"
    assert event.object_id == str(user.pk)
    assert event.data["username"] == "alice"
    assert event.data["failure_limit"] == 5
    assert event.data["minutes"] == 15
    assert len(event.data["client_address_hash"]) == 32
    stored = json.dumps(event.data) + event.actor_label + event.object_id
    assert "203.0.113.9" not in stored


def test_the_address_hash_tells_lockouts_from_one_address_apart(client, user):
    for name in ("carol", "dave"):
        fail(client, name, 5, address="203.0.113.9")  # the second lockout: the address, at carol's fifth
    fail(client, "erin", 5, address="198.51.100.1")

    events = AuditEvent.objects.filter(action="account.locked_out").order_by("id")
    hashes = [event.data["client_address_hash"] for event in events]
    assert [event.data["username"] for event in events] == ["carol", "erin"]
    assert hashes[0] != hashes[1]
    assert all(event.object_id == "" for event in events)  # no such accounts


# Settings


def test_the_limits_come_from_the_environment():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), "
        "s.SIGN_IN_MAIL_RATE_PER_ADDRESS, s.SIGN_IN_MAIL_RATE_PER_CLIENT]))"
    )
    defaults = _python(code, DJANGO_DEBUG="1")
    assert defaults.returncode == 0, defaults.stderr
    assert json.loads(defaults.stdout.splitlines()[-1]) == [5, 900.0, "5/hour", "20/hour"]
    changed = _python(
        code,
        DJANGO_DEBUG="1",
        LOGIN_FAILURE_LIMIT="3",
        LOGIN_LOCKOUT_MINUTES="60",
        SIGN_IN_MAIL_RATE_PER_ADDRESS="2/hour",
        SIGN_IN_MAIL_RATE_PER_CLIENT="10/hour",
    )
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout.splitlines()[-1]) == [3, 3600.0, "2/hour", "10/hour"]


@pytest.mark.parametrize("limit", [3])
def test_a_lower_limit_locks_sooner(client, user, settings, limit):
    settings.AXES_FAILURE_LIMIT = limit
    *_, last = fail(client, "alice", limit)
    assert_locked_out(last)
