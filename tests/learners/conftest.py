"""Learners with credentials from two issuers, and a helper that signs a learner in through the real link."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from badges.models import Achievement
from badges.services import AwardRequest, credential_issue
from tests.actors import owner

LINK = re.compile(r"/me/sign-in/([A-Za-z0-9_\-]+)/")


@pytest.fixture
def outbox(db, mailoutbox, tasks_in_process):
    """The sent mail. pytest-django's `mailoutbox` goes stale when it is set up before the database, which
    empties the outbox by replacing it; this one is read after the database is ready. Sign-in links are sent by a
    task: it runs here even when a broker is configured."""
    return mail.outbox


@pytest.fixture
def other_achievement(other_issuer):
    return Achievement.objects.create(
        issuer=other_issuer,
        slug="sql-fundamentals",
        name="SQL Fundamentals",
        description="Queries relational data.",
        criteria_narrative="Pass the exam.",
    )


def issue(achievement, email="lea@example.com", name="Lea Rner", **kwargs):
    request = AwardRequest(achievement=achievement, email=email, name=name, **kwargs)
    return credential_issue(request=request, source="ui", actor=owner(achievement.issuer), notify=False)


def request_link(client, outbox, capture, email="lea@example.com"):
    """Ask for a sign-in link as a learner would and return the token from the e-mail."""
    with capture(execute=True):
        response = client.post("/me/", {"email": email})
    assert response.status_code == 200
    return LINK.search(outbox[-1].body).group(1)


def sign_in(client, outbox, capture, email="lea@example.com"):
    token = request_link(client, outbox, capture, email)
    response = client.post(f"/me/sign-in/{token}/")
    assert response.status_code == 302
    assert response["Location"] == "/me/credentials/"
    return token
