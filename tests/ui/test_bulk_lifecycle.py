"""The bulk award pages of the issuer UI: pause, resume, cancel, undo and the list of jobs."""

from __future__ import annotations

import pytest

from badges.models import Achievement, Credential, CredentialStatus
from bulk.jobs import bulk_job_cancel
from bulk.models import BulkJobStatus, BulkRowStatus
from tests.actors import owner
from tests.ui.bulk_pages import (
    _bulk_audit,
    _create,
    _csv,
    _finished,
    _messages,
    _queued,
    _text,
    _url,
)

# --- pause, resume, cancel -----------------------------------------------------------------------------------


def test_pause_then_resume(client_as, run, issuer, achievement):
    job = _queued(issuer, achievement)
    client = client_as("awarder")
    paused = client.post(_url(job, "pause/"), follow=True)
    job.refresh_from_db()
    assert job.status == BulkJobStatus.PAUSED
    assert _messages(paused) == ["Paused: rows being issued now finish, then nothing more until you resume."]
    text = _text(paused)
    assert "Resume</button>" in text and "Pause</button>" not in text

    resumed = run(client.post, _url(job, "start/"), follow=True)
    job.refresh_from_db()
    assert _messages(resumed) == ["Resumed: the remaining rows are being issued."]
    assert (job.status, job.done_rows) == (BulkJobStatus.FINISHED, 3)
    assert Credential.objects.count() == 3
    assert _bulk_audit() == ["bulk.created", "bulk.finished", "bulk.paused", "bulk.resumed", "bulk.started"]


def test_cancel_a_queued_job_issues_nothing(client_as, run, issuer, achievement):
    job = _queued(issuer, achievement)
    response = run(client_as("owner").post, _url(job, "cancel/"), follow=True)
    job.refresh_from_db()
    assert job.status == BulkJobStatus.CANCELLED
    assert _messages(response) == ["Cancelled: 0 rows were done; the others will not be issued."]
    assert Credential.objects.count() == 0
    assert job.rows.filter(status=BulkRowStatus.PENDING).count() == 3


@pytest.mark.parametrize(
    ("_case", "state", "suffix", "message"),
    [
        ("pause a preview", "validated", "pause/", "A validated job cannot be paused."),
        ("start a finished job", "finished", "start/", "A finished job cannot be started."),
        ("cancel a finished job", "finished", "cancel/", "A finished job cannot be cancelled."),
        ("resume a cancelled job", "cancelled", "start/", "A cancelled job cannot be started."),
    ],
)
def test_refused_transitions_change_nothing(client_as, run, issuer, achievement, _case, state, suffix, message):
    if state == "finished":
        job = _finished(run, issuer, achievement)
    else:
        job = _create(issuer, achievement)
        if state == "cancelled":
            job = bulk_job_cancel(job=job, actor=owner(issuer))
    before = _bulk_audit()
    credentials = Credential.objects.count()
    response = run(client_as("owner").post, _url(job, suffix), follow=True)
    job.refresh_from_db()
    assert response.redirect_chain == [(_url(job), 302)]
    assert _messages(response) == [message]
    assert job.status == state
    assert _bulk_audit() == before
    assert Credential.objects.count() == credentials


# --- undo ----------------------------------------------------------------------------------------------------


def test_undo_revokes_everything_the_job_issued(client_as, run, issuer, achievement):
    job = _finished(run, issuer, achievement)
    issued = set(job.rows.filter(status=BulkRowStatus.ISSUED).values_list("credential", flat=True))
    assert len(issued) == 3
    client = client_as("awarder")
    posted = run(client.post, _url(job, "undo/"), {"reason": "Wrong cohort", "confirm": "on"})
    assert posted["Location"] == _url(job)
    response = client.get(_url(job))
    job.refresh_from_db()
    assert (job.undo_reason, job.revoked_rows) == ("Wrong cohort", 3)
    assert job.undo_requested_at is not None and job.undone_at is not None
    credentials = Credential.objects.filter(pk__in=issued)
    assert [c.status for c in credentials] == [CredentialStatus.REVOKED] * 3
    assert {c.status_reason for c in credentials} == {"Wrong cohort"}
    assert _messages(response) == ["Undo requested: the credentials of this job are being revoked."]
    text = _text(response)
    assert "Undone: 3 credentials revoked. Reason: Wrong cohort" in text
    assert "Undo this upload" not in text


def test_undo_leaves_credentials_the_job_did_not_issue(client_as, run, issuer, achievement):
    first = _finished(run, issuer, achievement, _csv("email,external_id", "ada@example.org,S-1"))
    # The same row again: found already issued (skipped), so it is not this job's to revoke.
    second = _finished(run, issuer, achievement, _csv("email,external_id", "ada@example.org,S-1", "bo@example.org,S-2"))
    assert list(second.rows.order_by("line").values_list("status", flat=True)) in (
        ["invalid", "issued"],
        ["skipped", "issued"],
    )
    run(client_as("owner").post, _url(second, "undo/"), {"reason": "Mistake", "confirm": "on"})
    assert Credential.objects.get(recipient_email="bo@example.org").status == CredentialStatus.REVOKED
    assert Credential.objects.get(recipient_email="ada@example.org").status == CredentialStatus.ACTIVE
    first.refresh_from_db()
    assert first.undo_requested_at is None


@pytest.mark.parametrize(
    ("_case", "data", "error"),
    [
        ("no reason", {"reason": "", "confirm": "on"}, "Give a reason for the undo: it is kept with every revoked"),
        ("blank reason", {"reason": "   ", "confirm": "on"}, "Give a reason for the undo: it is kept with every"),
        ("not confirmed", {"reason": "Wrong cohort"}, "Tick the box to confirm that these credentials are revoked"),
    ],
)
def test_undo_is_refused_without_a_reason_or_confirmation(client_as, run, issuer, achievement, _case, data, error):
    job = _finished(run, issuer, achievement)
    response = run(client_as("owner").post, _url(job, "undo/"), data)
    assert response.status_code == 400
    text = _text(response)
    assert "Nothing was revoked." in text
    assert error in text
    job.refresh_from_db()
    assert (job.undo_requested_at, job.undone_at, job.revoked_rows) == (None, None, 0)
    assert set(Credential.objects.values_list("status", flat=True)) == {CredentialStatus.ACTIVE}
    assert "bulk.undo_requested" not in _bulk_audit()


def test_undo_twice_is_refused(client_as, run, issuer, achievement):
    job = _finished(run, issuer, achievement)
    client = client_as("owner")
    run(client.post, _url(job, "undo/"), {"reason": "Wrong cohort", "confirm": "on"})
    client.get(_url(job))  # shows (and spends) the first undo's message
    again = run(client.post, _url(job, "undo/"), {"reason": "Again", "confirm": "on"}, follow=True)
    assert _messages(again) == ["This job has already been undone."]
    job.refresh_from_db()
    assert (job.undo_reason, job.revoked_rows) == ("Wrong cohort", 3)


def test_undo_of_a_running_job_is_refused(client_as, issuer, achievement):
    job = _queued(issuer, achievement)
    response = client_as("owner").post(_url(job, "undo/"), {"reason": "Stop", "confirm": "on"}, follow=True)
    assert _messages(response) == ["A queued job cannot be undone; pause and cancel it first."]
    job.refresh_from_db()
    assert job.undo_requested_at is None


# --- the list ------------------------------------------------------------------------------------------------


def test_list_newest_first_with_counts(client_as, run, issuer, other_issuer, achievement):
    first = _finished(run, issuer, achievement)
    second = _create(issuer, achievement, _csv("email", "zed@example.org", "bad"), filename="second.csv")
    Achievement.objects.create(issuer=other_issuer, slug="foreign", name="Foreign")
    _create(other_issuer, None, _csv("email,achievement", "x@example.org,foreign"), filename="foreign.csv")
    response = client_as("viewer").get(f"/manage/{issuer.slug}/bulk/")
    rows = response.context["rows"]
    assert [(r["job"].pk, r["percent"], r["invalid"]) for r in rows] == [(second.pk, 0, 1), (first.pk, 100, 2)]
    text = _text(response)
    assert "foreign.csv" not in text
    assert f'href="{_url(second)}">second.csv</a>' in text
    assert 'aria-current="page">Bulk awards</a>' in text
    assert "Upload a file</a>" not in text  # a viewer may not upload
    assert "Upload a file</a>" in _text(client_as("awarder").get(f"/manage/{issuer.slug}/bulk/"))


def test_list_is_paginated(client_as, issuer, achievement):
    for n in range(26):
        _create(issuer, achievement, _csv("email", f"l{n}@example.org"), filename=f"f{n}.csv")
    first = client_as("viewer").get(f"/manage/{issuer.slug}/bulk/")
    assert [r["job"].source_name for r in first.context["rows"]][:2] == ["f25.csv", "f24.csv"]
    assert len(first.context["rows"]) == 25
    second = client_as("viewer").get(f"/manage/{issuer.slug}/bulk/?page=2")
    assert [r["job"].source_name for r in second.context["rows"]] == ["f0.csv"]
