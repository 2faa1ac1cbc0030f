"""The broker is down while an award commits: the award stands, its e-mail waits in the outbox, and once the broker
is back the sweep hands it to a real worker, which sends it exactly once.

Runs in CI's service pass (REQUIRE_SERVICES=1, PostgreSQL + Redis), where a missing broker is a failure. "Down" is
the test process pointed at a Redis port where nothing listens; the worker keeps the real broker throughout.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.management import call_command

from badges.models import Credential
from badges.services import AwardRequest, credential_issue
from outbox.models import PendingTask
from tests.actors import owner
from tests.worker.conftest import wait_until_notified

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        settings.CELERY_TASK_ALWAYS_EAGER and not REQUIRED, reason="no broker configured: tasks run in-process"
    ),
]


def test_an_award_made_while_the_broker_is_down_is_e_mailed_once_it_is_back(worker, broker_down, achievement, capsys):
    # when: the award commits while the broker refuses connections
    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="learner@example.com", name="Lea"),
        source="ui",
        actor=owner(achievement.issuer),
    )

    # then: it stands, and its tasks wait in the outbox
    assert Credential.objects.filter(pk=credential.pk).exists()
    pending = list(PendingTask.objects.order_by("pk").values_list("task", "attempts"))
    # (the hand-over stops at the first refusal: the e-mail's row was not tried, and waits all the same)
    assert pending == [("badges.tasks.bake_credentials", 1), ("badges.tasks.send_award_email", 0)]
    assert not worker.exists()  # the worker has written no e-mail (its folder is made by the first)

    # when: the broker is back, and an operator sweeps (beat does the same every 30 s)
    broker_down.back()
    call_command("outbox_sweep", "--all")

    # then: the worker sends the e-mail, once
    assert capsys.readouterr().out == "Handed over 2 task(s); 0 failed; 0 pending.\n"
    wait_until_notified(credential.pk)
    credential.refresh_from_db()
    assert credential.notification_error == ""
    call_command("outbox_sweep", "--all")  # a second sweep has nothing left to send
    assert capsys.readouterr().out == "Handed over 0 task(s); 0 failed; 0 pending.\n"
    mails = [path.read_text() for path in worker.iterdir()]
    assert len(mails) == 1
    assert "learner@example.com" in mails[0]
    assert credential.public_id in mails[0]
