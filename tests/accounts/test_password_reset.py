"""Password reset: the same answer for every address (known or not, within its limit or over it), the e-mail sent
by a task after the answer, limits per address and per client, and a cache outage that changes nothing."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from tests.conftest import RECORDED_AND_HANDED_OVER, cache_warnings, statement_kinds, statement_shapes

RESET = "/accounts/password-reset/"
DONE = "/accounts/password-reset/sent/"
LINK = re.compile(r"https://badges\.example\.test(/accounts/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def outbox(db, mailoutbox, tasks_in_process):
    return mailoutbox


def ask(client, email, address="203.0.113.9"):
    """The request, then what follows its commit (the task's hand-over), as in production: the test's transaction
    never commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_known_and_unknown_addresses_get_the_same_answer(client, user, outbox):
    known = ask(client, "alice@example.com")
    unknown = ask(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == DONE
    assert known.content == unknown.content
    assert client.get(DONE).content == client.get(DONE).content
    assert [message.to for message in outbox] == [["alice@example.com"]]


def test_the_link_names_the_site_and_sets_a_new_password(client, user, outbox):
    ask(client, "Alice@Example.com ", address="198.51.100.1")
    message = outbox[0]
    assert message.subject == "Reset your password for badges.example.test"
    path = LINK.search(message.body).group(1)  # SITE_URL's host, never the request's Host header
    form = client.get(path, follow=True)
    new = "a-new-Passw0rd-xyz"
    assert client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}).status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_the_request_does_the_same_work_for_every_address(client, user, tasks_queued):
    # With the task queued rather than run, what the request itself does is all a client can time: the task's
    # outbox row, and its hand-over to the broker once the request commits (`ask` runs that too).
    with CaptureQueriesContext(connection) as known_queries:
        known = ask(client, "alice@example.com")
    with CaptureQueriesContext(connection) as unknown_queries:
        unknown = ask(client, "nobody@example.com")

    assert known.content == unknown.content
    assert statement_shapes(known_queries) == statement_shapes(unknown_queries)
    assert statement_kinds(known_queries) == RECORDED_AND_HANDED_OVER
    assert not any("auth_user" in query["sql"] for query in known_queries)


def test_over_the_limit_per_address_the_answer_is_the_same_and_nothing_is_sent(client, user, outbox):
    answers = [ask(client, "alice@example.com", address=f"198.51.100.{number}") for number in range(7)]
    unknown = ask(client, "nobody@example.com")

    assert {(answer.status_code, answer["Location"]) for answer in [*answers, unknown]} == {(302, DONE)}
    assert len({answer.content for answer in [*answers, unknown]}) == 1
    assert len(outbox) == 5  # SIGN_IN_MAIL_RATE_PER_ADDRESS, counted over every client address


def test_the_limit_per_address_is_configurable(client, user, outbox, settings):
    settings.SIGN_IN_MAIL_RATE_PER_ADDRESS = "2/hour"
    for _ in range(4):
        assert ask(client, "alice@example.com").status_code == 302
    assert len(outbox) == 2


def test_over_the_limit_per_client_the_answer_is_429(client, user, outbox, settings):
    settings.SIGN_IN_MAIL_RATE_PER_CLIENT = "3/hour"
    for number in range(3):
        assert ask(client, f"someone{number}@example.com").status_code == 302

    refused = ask(client, "alice@example.com")
    assert refused.status_code == 429
    assert 3540 < int(refused["Retry-After"]) <= 3600
    assert "Too many reset links were asked for from your network. Try again in 60 min." in refused.content.decode()
    assert outbox == []

    assert ask(client, "alice@example.com", address="192.0.2.7").status_code == 302
    assert len(outbox) == 1


def test_accounts_that_cannot_reset_get_the_same_answer_and_no_mail(client, user, outbox, django_user_model):
    inactive = django_user_model.objects.create_user("ina", "ina@example.com", "pw-ina-123456", is_active=False)
    unusable = django_user_model.objects.create_user("una", "una@example.com")
    answers = [ask(client, account.email) for account in (inactive, unusable)] + [ask(client, "nobody@example.com")]
    assert len({(answer.status_code, answer["Location"], answer.content) for answer in answers}) == 1
    assert outbox == []


def test_a_cache_that_is_down_leaves_password_reset_working(client, user, outbox, cache_down):
    for _ in range(7):
        assert ask(client, "alice@example.com").status_code == 302
    assert len(outbox) == 7
    assert cache_warnings(cache_down)
