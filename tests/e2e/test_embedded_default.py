"""The embedded default as `make run` serves it — SQLite in a file, no broker, Django's development server — in a
real browser: a bulk job of a cohort is confirmed, the page answers at once, and the counts move on the page by
themselves until it says finished; then its undo is followed the same way; never a reload (docs/decisions.md D48).

The site runs in a process of its own with a database of its own (the test suite's in-memory one cannot be shared
with the threads this is about); it is set up through the same services as everywhere else.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_issuer_flow import _nav, _sign_in

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1_000  # a cohort: a few seconds of work on the embedded default, seen in several steps
SETUP = """
from django.contrib.auth import get_user_model
from badges.achievements import achievement_create
from issuer.permissions import SystemActor
from issuer.services import issuer_create

alice = get_user_model().objects.create_user("alice", "alice@example.com", "pw-alice-123456")
issuer = issuer_create(
    slug="uni", name="Test University", owner=alice, actor=SystemActor("test setup", on_behalf_of=alice)
)
achievement_create(
    issuer=issuer,
    actor=alice,
    data={"name": "Python Basics", "description": "Writes Python.", "criteria_narrative": "Pass the test."},
)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def embedded_site(tmp_path: Path) -> Iterator[str]:
    """The site on the embedded default: migrated, one issuer with its owner and an achievement, then served."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key not in ("CELERY_BROKER_URL", "REDIS_URL")}
    env.update(
        DJANGO_ENV_FILE="",
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SITE_URL=url,
        MEDIA_ROOT=str(tmp_path / "media"),
        EMAIL_URL="dummymail://",
        LONG_TASKS_IN_THREADS="1",  # the default; the test suite's own processes turn it off
        BULK_CHUNK_SIZE="50",  # several chunks, so that the count can be seen moving
    )
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["shell", "-c", SETUP]):
        done = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [*manage, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped by its id, never by name
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/accounts/login/", timeout=2):  # noqa: S310 - our own server
                    break
            except OSError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "the development server did not start"
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_a_bulk_job_moves_on_the_page_by_itself(embedded_site, page):
    cohort = "email,name,external_id\n" + "".join(f"l{n}@example.org,Learner {n},S-{n}\n" for n in range(ROWS))
    _sign_in(page, embedded_site)
    _nav(page, "Bulk awards")
    page.get_by_role("link", name="Upload a file").click()
    page.get_by_label("Achievement").select_option(label="Python Basics")
    page.get_by_label("File of awards").set_input_files(
        files=[{"name": "cohort.csv", "mimeType": "text/csv", "buffer": cohort.encode()}]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_text(f"Checked {ROWS:,} rows: {ROWS:,} can be issued.")).to_be_visible()

    # when: confirmed — the page comes back at once, the job still to do
    started = time.monotonic()
    page.get_by_role("button", name=f"Issue {ROWS} credentials").click()
    expect(page.get_by_text(f"Started: {ROWS:,} credentials are being issued and e-mailed.")).to_be_visible()
    assert time.monotonic() - started < 10
    page.evaluate("window.stillThisDocument = true")

    # then: the count moves by itself, up to the end
    seen: list[int] = []
    deadline = time.monotonic() + 180
    while page.locator("#bulk-status").inner_text() != "Finished":
        assert time.monotonic() < deadline, f"not finished; counts seen: {seen}"
        done = page.locator("[data-progress=done]")
        if done.count():
            seen.append(int(done.inner_text().replace(",", "")))
        time.sleep(0.1)
    # At least one count on the way, seen on the page before the end (about 450 rows/s here: a poll a second sees
    # two or three), and never going back.
    assert any(0 < count < ROWS for count in seen), f"the count did not move on the page: {seen}"
    assert seen == sorted(seen)
    expect(page.get_by_text(f"{ROWS} of {ROWS} rows done, 0 failed;")).to_be_visible()
    expect(page.get_by_role("link", name="Download results (CSV)")).to_be_visible()
    assert page.evaluate("window.stillThisDocument") is True

    # and: the undo, started from the same page, is followed the same way
    undo = page.get_by_role("region", name="Undo this upload")
    undo.get_by_label("Reason").fill("Uploaded the wrong cohort.")
    undo.get_by_label(f"I understand this revokes {ROWS} credentials").check()
    undo.get_by_role("button", name=f"Undo: revoke {ROWS} credentials").click()
    expect(page.get_by_text("Undo requested: the credentials of this job are being revoked.")).to_be_visible()
    page.evaluate("window.stillThisDocument = true")
    expect(page.get_by_text(f"Undone: {ROWS} credentials revoked. Reason: Uploaded the wrong cohort.")).to_be_visible(
        timeout=120_000
    )
    assert page.evaluate("window.stillThisDocument") is True
