"""A real Celery worker, started as a process, takes the award e-mail from the real broker.

Runs in CI's service pass (REQUIRE_SERVICES=1, PostgreSQL + Redis), where a missing broker is a failure.
Without a broker configured (the embedded default) tasks run in-process and this test does not apply.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.actors import owner
from tests.worker.conftest import wait_until_notified

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        settings.CELERY_TASK_ALWAYS_EAGER and not REQUIRED, reason="no broker configured: tasks run in-process"
    ),
]


def test_the_worker_sends_the_award_email(worker, achievement):
    from badges.services import AwardRequest, credential_issue

    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="learner@example.com", name="Lea"),
        source="ui",
        actor=owner(achievement.issuer),
    )
    wait_until_notified(credential.pk)
    credential.refresh_from_db()
    assert credential.notification_error == ""
    mails = [path.read_text() for path in worker.iterdir()]
    assert len(mails) == 1
    assert "learner@example.com" in mails[0]
    assert credential.public_id in mails[0]
