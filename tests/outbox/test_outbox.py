"""The outbox: tasks recorded in the transaction of the write that needs them, handed over once it commits, and
swept when the broker was down — so an award's e-mail is neither lost nor sent twice (docs/decisions.md D37).

"Down" is a real broker address where nothing listens (tests/conftest.py BrokerSwitch); nothing is mocked. Once it
is back, the tasks run here in-process; tests/worker/test_outbox_worker.py does the same with a real broker and
worker.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from celery.exceptions import NotRegistered
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from badges.models import Credential
from badges.services import AwardRequest, credential_issue, credential_issue_many
from config.tasks import enqueue
from issuer.services import staff_invite
from outbox.models import PendingTask
from outbox.services import HAND_OVER_GRACE, hand_over, sweep
from tests.actors import owner

pytestmark = pytest.mark.django_db

EMAIL = "badges.tasks.send_award_email"
BAKE = "badges.tasks.bake_credentials"


def _award(achievement, email="lea@example.com"):
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email, name="Lea Rner"),
        source="ui",
        actor=owner(achievement.issuer),
    )


def _pending() -> list[tuple[str, list, int]]:
    return list(PendingTask.objects.order_by("pk").values_list("task", "args", "attempts"))


def _warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "outbox.services"]


# --- recorded with the write -------------------------------------------------------------------------------------


def test_an_award_records_its_tasks_in_its_own_transaction(achievement, django_capture_on_commit_callbacks):
    # when: the award, without what follows its commit
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        credential = _award(achievement)

    # then: its baking and its e-mail are rows of the same transaction (one insert), handed over together once it
    # commits
    assert _pending() == [(BAKE, [[credential.pk]], 0), (EMAIL, [credential.pk], 0)]
    assert [getattr(callback, "func", None) for callback in after_commit].count(hand_over) == 1


def test_a_rolled_back_award_owes_nothing(
    achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    # when: the request fails after the award, inside its transaction
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):  # noqa: PT012
        with transaction.atomic():
            _award(achievement)
            raise RuntimeError("the request failed after the award")

    # then
    assert Credential.objects.count() == 0
    assert PendingTask.objects.count() == 0
    assert mailoutbox == []


def test_after_commit_each_task_runs_once_and_leaves_no_row(
    achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        credential = _award(achievement)

    assert PendingTask.objects.count() == 0
    assert [message.to for message in mailoutbox] == [["lea@example.com"]]
    credential.refresh_from_db()
    assert credential.notified_at is not None
    # and a sweep finds nothing to send again
    assert sweep(everything=True).handed == 0
    assert len(mailoutbox) == 1


def test_an_unknown_task_name_fails_the_write(db):
    with pytest.raises(NotRegistered):
        enqueue("badges.tasks.no_such_task", 1)
    assert PendingTask.objects.count() == 0


def test_a_bulk_chunk_records_one_e_mail_task_that_fans_out_through_the_outbox(
    issuer, achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    requests = [AwardRequest(achievement=achievement, email=f"l{n}@example.org") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=False):
        outcomes = credential_issue_many(
            issuer=issuer, requests=requests, source="bulk", bake=False, actor=owner(issuer)
        )
    ids = [outcome.credential.pk for outcome in outcomes]
    assert _pending() == [("badges.tasks.send_award_emails", [ids], 0)]

    # the fan-out records one e-mail task per award (in its own transaction), which run in turn
    sweep(everything=True)

    assert sorted(message.to[0] for message in mailoutbox) == ["l0@example.org", "l1@example.org", "l2@example.org"]
    assert PendingTask.objects.count() == 0


def test_an_invitation_records_its_e_mail_and_no_secret(issuer, user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        invitation = staff_invite(issuer=issuer, email="new@example.org", role="awarder", actor=user)

    # only the invitation's id is recorded: its link's token is made again when the e-mail is sent
    assert _pending() == [("issuer.tasks.send_invitation", [invitation.pk], 0)]


# --- the broker is down ------------------------------------------------------------------------------------------


def test_broker_down_the_award_succeeds_and_its_tasks_wait(
    achievement, broker_down, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    # when: the award commits while the broker refuses connections
    with django_capture_on_commit_callbacks(execute=True):
        credential = _award(achievement)

    # then: the award stands, and both tasks wait in the outbox, not before a while. The first attempt failed with
    # the reason; the hand-over stopped there (the second would only wait for the same broker), so the e-mail's row
    # was not tried and waits for the sweep.
    assert Credential.objects.filter(pk=credential.pk).exists()
    assert _pending() == [(BAKE, [[credential.pk]], 1), (EMAIL, [credential.pk], 0)]
    failed = PendingTask.objects.get(task=BAKE)
    assert failed.last_error.startswith("OperationalError:")
    assert "Connection refused" in failed.last_error
    assert all(row.available_at > timezone.now() for row in PendingTask.objects.all())
    assert mailoutbox == []
    assert _warnings(caplog) == ["1 task(s) could not be handed to the broker; the outbox sweep will retry them."]


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers, as a hung broker does. Each connection is closed
    after `patience` seconds, so that a client without a timeout of its own ends with a reset instead of hanging the
    test run."""

    def __init__(self, patience: float = 20) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.url = f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"
        self.patience = patience
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        held: list[tuple[socket.socket, float]] = []
        while not self.stopping.is_set():
            try:
                held.append((self.listener.accept()[0], time.monotonic()))
            except TimeoutError:
                pass
            for connection, since in [pair for pair in held if time.monotonic() - pair[1] > self.patience]:
                connection.close()
                held.remove((connection, since))
        for connection, _ in held:
            connection.close()

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()


@pytest.fixture
def silent_broker(broker_down):
    server = SilentServer()
    broker_down.point_at(server.url)
    try:
        yield server
    finally:
        server.close()


def test_a_broker_that_hangs_is_given_up_at_the_timeout_and_the_award_succeeds(
    achievement, silent_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        credential = credential_issue(
            request=AwardRequest(achievement=achievement, email="lea@example.com"),
            source="ui",
            notify=False,
            actor=owner(achievement.issuer),
        )

    # given up by the broker's socket timeout (settings.BROKER_TIMEOUT), not by the server closing on us
    ((task, error),) = PendingTask.objects.values_list("task", "last_error")
    assert task == BAKE
    assert error.startswith("OperationalError: Timeout reading from 127.0.0.1:"), error
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_a_sweep_while_the_broker_is_still_down_stops_at_the_first_failure(
    achievement, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _award(achievement)
        _award(achievement, email="max@example.com")

    outcome = sweep(everything=True)

    assert (outcome.handed, outcome.failed, outcome.broker_down) == (0, 1, True)
    # each award's hand-over tried its first row and stopped; the sweep tried the oldest row once more, and stopped
    assert sorted(attempts for _, _, attempts in _pending()) == [0, 0, 1, 2]
    with pytest.raises(CommandError, match="The broker cannot be reached"):
        call_command("outbox_sweep", "--all")


def test_once_the_broker_is_back_the_sweep_sends_the_e_mail_exactly_once(
    achievement, broker_down, mailoutbox, django_capture_on_commit_callbacks
):
    # given: an award made while the broker was down
    with django_capture_on_commit_callbacks(execute=True):
        credential = _award(achievement)
    assert sweep().handed == 0  # waiting after its failed attempt: not due yet

    # when: the broker is back (the tasks run here), and two sweeps follow
    broker_down.in_process()
    first, second = sweep(everything=True), sweep(everything=True)

    # then
    assert (first.handed, second.handed) == (2, 0)
    assert PendingTask.objects.count() == 0
    assert [message.to for message in mailoutbox] == [["lea@example.com"]]
    credential.refresh_from_db()
    assert credential.notified_at is not None


def test_the_sweep_leaves_rows_in_their_grace_to_the_process_that_committed_them(tasks_in_process, mailoutbox):
    PendingTask.objects.create(task=EMAIL, args=[1], available_at=timezone.now() + HAND_OVER_GRACE)

    assert sweep().handed == 0
    assert PendingTask.objects.count() == 1


def test_a_row_that_cannot_be_sent_does_not_hold_up_the_others(tasks_queued):
    # given: a row naming a task that no longer exists (a release removed it), and a good one after it
    now = timezone.now()
    PendingTask.objects.create(task="badges.tasks.removed_in_a_release", args=[1], available_at=now)
    PendingTask.objects.create(task=EMAIL, args=[2], available_at=now)

    outcome = sweep()

    assert (outcome.handed, outcome.failed, outcome.broker_down) == (1, 1, False)
    (left,) = PendingTask.objects.all()
    assert (left.task, left.attempts) == ("badges.tasks.removed_in_a_release", 1)
    assert left.last_error.startswith("NotRegistered")


def test_the_command_reports_what_it_handed_over(tasks_queued, capsys):
    now = timezone.now()
    PendingTask.objects.bulk_create([PendingTask(task=EMAIL, args=[n], available_at=now) for n in range(3)])

    call_command("outbox_sweep")

    assert capsys.readouterr().out == "Handed over 3 task(s); 0 failed; 0 pending.\n"
