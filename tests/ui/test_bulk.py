"""The bulk award pages of the issuer UI: permissions, upload and preview, start, progress and results (pause,
resume, cancel, undo and the list: test_bulk_lifecycle.py)."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings

from badges.models import Achievement, Credential, CredentialStatus
from bulk.jobs import bulk_job_pause, bulk_job_start
from bulk.models import BulkJob, BulkJobStatus, BulkRowStatus
from bulk.parsing import MAX_BYTES
from tests.actors import owner
from tests.ui.bulk_pages import (
    AWARDERS,
    EVERYONE,
    MIXED,
    PROGRESS_KEYS,
    VIEWERS,
    _bulk_audit,
    _create,
    _csv,
    _finished,
    _messages,
    _queued,
    _text,
    _upload,
    _url,
)
from tests.ui.conftest import expected_status

# --- the permission matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize(
    ("_case", "suffix", "allowed"),
    [
        ("list", "", VIEWERS),
        ("create", "new/", AWARDERS),
        ("template", "template.csv", VIEWERS),
        ("detail", "{uuid}/", VIEWERS),
        ("progress", "{uuid}/progress.json", VIEWERS),
        ("results", "{uuid}/results.csv", VIEWERS),
    ],
)
def test_pages_permission_matrix(client_as, run, issuer, achievement, who, _case, suffix, allowed):
    job = _finished(run, issuer, achievement)
    response = client_as(who).get(f"/manage/{issuer.slug}/bulk/" + suffix.format(uuid=job.uuid))
    assert response.status_code == expected_status(who, allowed)
    if who is None:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", EVERYONE)
def test_upload_permission_matrix(client_as, staff, issuer, achievement, who):
    response = _upload(client_as(who), issuer, MIXED, achievement=achievement)
    if who in AWARDERS:
        job = BulkJob.objects.get()
        assert response.status_code == 302
        assert response["Location"] == _url(job)
        assert job.created_by == staff[who]
    else:
        assert response.status_code == expected_status(who, AWARDERS)
        assert BulkJob.objects.count() == 0
        assert _bulk_audit() == []


@pytest.mark.parametrize("who", EVERYONE)
def test_start_permission_matrix(client_as, run, issuer, achievement, who):
    job = _create(issuer, achievement)
    response = run(client_as(who).post, _url(job, "start/"))
    job.refresh_from_db()
    if who in AWARDERS:
        assert response.status_code == 302
        assert job.status == BulkJobStatus.FINISHED
        assert Credential.objects.count() == 3
    else:
        assert response.status_code == expected_status(who, AWARDERS)
        assert job.status == BulkJobStatus.VALIDATED
        assert Credential.objects.count() == 0
        assert _bulk_audit() == ["bulk.created"]


@pytest.mark.parametrize("who", EVERYONE)
def test_pause_permission_matrix(client_as, issuer, achievement, who):
    job = _queued(issuer, achievement)
    response = client_as(who).post(_url(job, "pause/"))
    job.refresh_from_db()
    if who in AWARDERS:
        assert response.status_code == 302
        assert job.status == BulkJobStatus.PAUSED
    else:
        assert response.status_code == expected_status(who, AWARDERS)
        assert job.status == BulkJobStatus.QUEUED
        assert _bulk_audit() == ["bulk.created", "bulk.started"]


@pytest.mark.parametrize("who", EVERYONE)
def test_cancel_permission_matrix(client_as, issuer, achievement, who):
    job = _create(issuer, achievement)
    response = client_as(who).post(_url(job, "cancel/"))
    job.refresh_from_db()
    if who in AWARDERS:
        assert response.status_code == 302
        assert job.status == BulkJobStatus.CANCELLED
    else:
        assert response.status_code == expected_status(who, AWARDERS)
        assert job.status == BulkJobStatus.VALIDATED
        assert _bulk_audit() == ["bulk.created"]


@pytest.mark.parametrize("who", EVERYONE)
def test_undo_permission_matrix(client_as, run, issuer, achievement, who):
    job = _finished(run, issuer, achievement)
    data = {"reason": "Wrong cohort", "confirm": "on"}
    response = run(client_as(who).post, _url(job, "undo/"), data)
    job.refresh_from_db()
    statuses = set(Credential.objects.values_list("status", flat=True))
    if who in AWARDERS:
        assert response.status_code == 302
        assert job.undone_at is not None
        assert statuses == {CredentialStatus.REVOKED}
    else:
        assert response.status_code == expected_status(who, AWARDERS)
        assert (job.undo_requested_at, job.undone_at, job.revoked_rows) == (None, None, 0)
        assert statuses == {CredentialStatus.ACTIVE}
        assert "bulk.undo_requested" not in _bulk_audit()


@pytest.mark.parametrize("action", ["start", "pause", "cancel", "undo"])
def test_actions_refuse_get(client_as, issuer, achievement, action):
    job = _create(issuer, achievement)
    response = client_as("owner").get(_url(job, f"{action}/"))
    assert response.status_code == 405
    job.refresh_from_db()
    assert job.status == BulkJobStatus.VALIDATED


@pytest.mark.parametrize(
    ("_case", "method", "suffix"),
    [
        ("detail", "get", ""),
        ("progress", "get", "progress.json"),
        ("results", "get", "results.csv"),
        ("start", "post", "start/"),
        ("cancel", "post", "cancel/"),
    ],
)
def test_another_issuers_job_is_not_found(client_as, run, issuer, other_issuer, _case, method, suffix):
    foreign = Achievement.objects.create(issuer=other_issuer, slug="foreign", name="Foreign")
    job = _finished(run, other_issuer, foreign, _csv("email", "ada@example.org"))
    # Own issuer in the URL, the other issuer's job: as if it did not exist.
    response = getattr(client_as("owner"), method)(f"/manage/{issuer.slug}/bulk/{job.uuid}/{suffix}")
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == BulkJobStatus.FINISHED


# --- upload and preview ---------------------------------------------------------------------------------------


def test_upload_form_offers_only_current_achievements_and_describes_the_columns(client_as, issuer, achievement):
    Achievement.objects.create(issuer=issuer, slug="old", name="Old Course", archived=True)
    response = client_as("awarder").get(f"/manage/{issuer.slug}/bulk/new/")
    form = response.context["form"]
    assert list(form.fields["achievement"].queryset) == [achievement]
    text = _text(response)
    assert "Leave empty when each row names its achievement" in text
    for column in ("email", "name", "evidence_url", "evidence_narrative", "valid_until", "achievement", "external_id"):
        assert f"<code>{column}</code>" in text
    assert f'href="/manage/{issuer.slug}/bulk/template.csv"' in text


def test_upload_with_the_achievement_chosen_shows_the_preview(client_as, issuer, achievement):
    response = _upload(client_as("awarder"), issuer, MIXED, achievement=achievement, follow=True)
    job = BulkJob.objects.get()
    assert response.redirect_chain == [(_url(job), 302)]
    assert (job.status, job.total_rows, job.valid_rows, job.achievement) == ("validated", 5, 3, achievement)
    assert list(job.rows.order_by("line").values_list("line", "status")) == [
        (2, "pending"),
        (3, "invalid"),
        (4, "pending"),
        (5, "invalid"),
        (6, "pending"),
    ]
    text = _text(response)
    assert _messages(response) == [
        "Checked 5 rows: 3 can be issued, 2 cannot (listed below). Nothing is issued until you confirm."
    ]
    assert "Rows that cannot be issued (2)" in text
    assert "<tr><td>3</td><td>'not-an-address' is not a valid e-mail address</td></tr>" in text
    assert "<tr><td>5</td><td>the e-mail address is missing</td></tr>" in text
    assert "Issue 3 credentials</button>" in text
    assert "Discard</button>" in text
    assert Credential.objects.count() == 0


def test_upload_with_an_achievement_column(client_as, issuer, achievement):
    data = _csv(
        "email,achievement",
        "ada@example.org,python-basics",
        f"bob@example.org,{achievement.uuid}",
        "cy@example.org,no-such-course",
        "dee@example.org,",
    )
    response = _upload(client_as("owner"), issuer, data, follow=True)
    job = BulkJob.objects.get()
    assert (job.achievement, job.total_rows, job.valid_rows) == (None, 4, 2)
    assert set(job.rows.filter(status="pending").values_list("achievement", flat=True)) == {achievement.pk}
    text = _text(response)
    assert "<tr><td>4</td><td>unknown achievement 'no-such-course'</td></tr>" in text
    assert "<tr><td>5</td><td>the achievement is missing</td></tr>" in text
    assert "each row names its achievement" in text


def test_upload_json_lines(client_as, issuer, achievement):
    data = b'{"email": "ada@example.org", "name": "Ada"}\n{"email": "bob@"}\n'
    _upload(client_as("owner"), issuer, data, filename="cohort.jsonl", achievement=achievement)
    job = BulkJob.objects.get()
    assert (job.source_name, job.total_rows, job.valid_rows) == ("cohort.jsonl", 2, 1)


@pytest.mark.parametrize(
    ("_case", "data", "message"),
    [
        ("empty", b"", "The file is empty."),
        ("header only", b"email,name\n", "The file has a header but no rows."),
        (
            "binary",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
            "This is not a text file (it contains binary data); upload a CSV or JSON-lines file.",
        ),
        (
            "wrong columns",
            _csv("mail,full name", "ada@example.org,Ada"),
            "Unknown columns: 'mail', 'full name'. Accepted columns: email, name, achievement, evidence_url, "
            "evidence_narrative, valid_until, external_id, language, result, awarded_date, activity_start_date, "
            "activity_end_date, narrative, evidence_name, result:<name>.",
        ),
        ("too large", b"a" * (MAX_BYTES + 1), "The file is larger than 20 MB; split it into smaller files."),
    ],
)
def test_unusable_files_are_refused_and_nothing_is_stored(client_as, issuer, achievement, _case, data, message):
    response = _upload(client_as("awarder"), issuer, data, achievement=achievement)
    assert response.status_code == 400
    text = _text(response)
    assert "Nothing was uploaded." in text
    assert message in text
    assert BulkJob.objects.count() == 0
    assert Credential.objects.count() == 0
    assert _bulk_audit() == []


def test_no_achievement_and_no_column_is_refused(client_as, issuer, achievement):
    response = _upload(client_as("awarder"), issuer, _csv("email", "ada@example.org"))
    assert response.status_code == 400
    assert "The file has no 'achievement' column; choose the achievement to award." in _text(response)
    assert BulkJob.objects.count() == 0


def test_a_huge_request_is_refused_before_it_is_read(client_as, issuer, achievement):
    response = _upload(
        client_as("awarder"), issuer, _csv("email", "a@example.org"), CONTENT_LENGTH=str(50 * 1024 * 1024)
    )
    assert response.status_code == 400
    assert "The file is larger than 20 MB; split it into smaller files." in _text(response)
    assert BulkJob.objects.count() == 0


def test_a_file_of_1000_invalid_rows_offers_only_discard(client_as, issuer, achievement):
    data = _csv("email,name", *(f"learner-{n}-at-example.org,Learner {n}" for n in range(1000)))
    response = _upload(client_as("awarder"), issuer, data, achievement=achievement, follow=True)
    job = BulkJob.objects.get()
    assert (job.status, job.total_rows, job.valid_rows) == ("validated", 1000, 0)
    assert job.rows.filter(status=BulkRowStatus.INVALID).count() == 1000
    text = _text(response)
    assert "Rows that cannot be issued (1000)" in text
    assert "None of the rows can be issued." in text
    assert "Issue 0" not in text and "/start/" not in text
    assert "Discard</button>" in text
    assert text.count("is not a valid e-mail address</td></tr>") == 100  # 100 per page
    assert "Page 1 of 10" in text
    last = client_as("awarder").get(_url(job) + "?page=10")
    assert "<tr><td>1001</td><td>'learner-999-at-example.org' is not a valid e-mail address</td></tr>" in _text(last)

    # Starting it anyway is refused, and nothing is issued.
    refused = client_as("awarder").post(_url(job, "start/"), follow=True)
    assert _messages(refused) == ["The job has no valid rows to issue."]
    job.refresh_from_db()
    assert job.status == BulkJobStatus.VALIDATED
    assert Credential.objects.count() == 0

    discarded = client_as("awarder").post(_url(job, "cancel/"), follow=True)
    assert _messages(discarded) == ["Discarded: nothing was issued."]
    job.refresh_from_db()
    assert job.status == BulkJobStatus.CANCELLED
    assert Credential.objects.count() == 0


# --- start, progress, results --------------------------------------------------------------------------------


def test_confirm_issues_every_valid_row(client_as, run, issuer, achievement, mailoutbox):
    client = client_as("awarder")
    _upload(client, issuer, MIXED, achievement=achievement)
    job = BulkJob.objects.get()
    posted = run(client.post, _url(job, "start/"))
    assert posted["Location"] == _url(job)
    response = client.get(_url(job))
    job.refresh_from_db()
    assert (job.status, job.done_rows, job.failed_rows) == ("finished", 3, 0)
    credentials = Credential.objects.order_by("recipient_email")
    assert [(c.recipient_email, c.recipient_name, c.source) for c in credentials] == [
        ("ada@example.org", "Ada Lovelace", "bulk"),
        ("cy@example.org", "Cy Young", "bulk"),
        ("eve@example.org", "Eve", "bulk"),
    ]
    assert {c.awarded_by.get_username() for c in credentials} == {"awarder"}
    assert sorted(m.to[0] for m in mailoutbox if "example.org" in m.to[0]) == [
        "ada@example.org",
        "cy@example.org",
        "eve@example.org",
    ]
    text = _text(response)
    assert _messages(response)[-1] == "Started: 3 credentials are being issued and e-mailed."
    assert 'Status: <span id="bulk-status">Finished</span>' in text
    assert "Download results (CSV)" in text
    assert "Rows not issued (2)" in text
    assert "I understand this revokes 3 credentials" in text


def test_results_csv(client_as, run, issuer, achievement):
    job = _finished(run, issuer, achievement)
    response = client_as("viewer").get(_url(job, "results.csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="bulk-{job.uuid}-results.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_email = {c.recipient_email: c for c in Credential.objects.all()}

    def issued(email: str) -> list[str]:
        credential = by_email[email]
        return [
            "issued",
            "",
            credential.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            str(credential.uuid),
            f"{settings.SITE_URL}/credentials/{credential.uuid}",
            f"{settings.SITE_URL}/verify/{credential.uuid}",
        ]

    assert rows == [
        ["line", "email", "name", "external_id", "achievement", "status", "reason", "issued_at", "credential_id"]
        + ["public_url", "verification_url"],
        ["2", "ada@example.org", "Ada Lovelace", "S-1", "Python Basics", *issued("ada@example.org")],
        ["3", "not-an-address", "", "", "", "invalid", "'not-an-address' is not a valid e-mail address", *[""] * 4],
        ["4", "cy@example.org", "Cy Young", "S-3", "Python Basics", *issued("cy@example.org")],
        ["5", "", "", "", "", "invalid", "the e-mail address is missing", "", "", "", ""],
        ["6", "eve@example.org", "Eve", "S-5", "Python Basics", *issued("eve@example.org")],
    ]


def test_results_are_not_found_before_the_job_ends(client_as, issuer, achievement):
    job = _queued(issuer, achievement)
    assert client_as("owner").get(_url(job, "results.csv")).status_code == 404


def test_template_csv(client_as, issuer):
    response = client_as("viewer").get(f"/manage/{issuer.slug}/bulk/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="bulk-awards-template.csv"'
    header = response.content.decode().splitlines()[0]
    assert header == (
        "email,name,achievement,evidence_url,evidence_name,evidence_narrative,valid_until,external_id,result,"
        "awarded_date,activity_start_date,activity_end_date,narrative"
    )


def test_progress_json(client_as, run, issuer, achievement):
    job = _queued(issuer, achievement)
    queued = client_as("viewer").get(_url(job, "progress.json"))
    assert queued["Content-Type"] == "application/json"
    assert queued["Cache-Control"] == "no-store"
    body = queued.json()
    assert set(body) == PROGRESS_KEYS
    assert {k: body[k] for k in ("status", "total", "valid", "invalid", "done", "failed", "pending", "percent")} == {
        "status": "queued",
        "total": 5,
        "valid": 3,
        "invalid": 2,
        "done": 0,
        "failed": 0,
        "pending": 3,
        "percent": 0.0,
    }
    assert (body["can_pause"], body["can_resume"], body["can_cancel"], body["can_undo"]) == (True, False, True, False)

    bulk_job_pause(job=job, actor=owner(job.issuer))
    run(bulk_job_start, job=job, actor=owner(job.issuer))
    body = client_as("viewer").get(_url(job, "progress.json")).json()
    assert (body["status"], body["done"], body["pending"], body["percent"]) == ("finished", 3, 0, 100.0)
    assert (body["result_ready"], body["undo"], body["can_undo"], body["can_pause"]) == (True, "none", True, False)


def test_running_page_shows_the_progress_and_polls(client_as, issuer, achievement):
    job = _queued(issuer, achievement)
    response = client_as("awarder").get(_url(job))
    text = _text(response)
    assert '<progress id="bulk-progress-bar" max="100" value="0.0"' in text
    assert "0 of 3 rows done, 0 failed" in text
    assert (
        f'data-progress-url="{_url(job, "progress.json")}" data-status="queued" data-undo="none" data-follow>' in text
    )
    assert '<script src="/static/js/bulk-progress.js" defer></script>' in text
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in text
    assert "Pause</button>" in text and "Cancel the rest</button>" in text
    assert "Resume</button>" not in text
    # A viewer sees the figures, not the buttons.
    viewer = _text(client_as("viewer").get(_url(job)))
    assert "0 of 3 rows done" in viewer and "Pause</button>" not in viewer


def test_finished_page_does_not_poll(client_as, run, issuer, achievement):
    job = _finished(run, issuer, achievement)
    text = _text(client_as("viewer").get(_url(job)))
    assert "bulk-progress.js" not in text and "http-equiv" not in text
    assert "Undo this upload" not in text  # viewers cannot undo
