"""Bulk jobs: stored rows, chunked issuance, counters, the result file, re-delivery, pause and cancel."""

from __future__ import annotations

import pytest
from django.conf import settings

from badges.models import Credential
from badges.verify import verify_credential
from bulk.jobs import (
    BulkJobError,
    bulk_job_cancel,
    bulk_job_create,
    bulk_job_pause,
    bulk_job_process_chunk,
    bulk_job_start,
)
from bulk.models import BulkJob, BulkJobStatus, BulkRowStatus
from bulk.parsing import BulkFileError
from bulk.tasks import process_bulk_job
from issuer.models import AuditEvent
from tests.actors import owner

pytestmark = pytest.mark.django_db


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _rows(count: int) -> bytes:
    return _csv("email,name,external id", *(f"l{n}@example.org,Learner {n},S-{n}" for n in range(count)))


def _create(issuer, achievement, data, filename="awards.csv"):
    return bulk_job_create(issuer=issuer, data=data, filename=filename, achievement=achievement, actor=owner(issuer))


def _run(job):
    # The task as a worker runs it, in this process (apply() is eager whatever the broker settings).
    process_bulk_job.apply(args=(job.pk,))
    job.refresh_from_db()
    return job


def _statuses(job):
    return list(job.rows.order_by("line").values_list("line", "status"))


def _links(credential) -> str:
    """The result CSV's last four cells for a credential: issued_at, credential_id, public_url, verification_url."""
    issued = credential.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{issued},{credential.uuid},{settings.SITE_URL}/credentials/{credential.uuid},{settings.SITE_URL}/verify/{credential.uuid}"


MIXED = _csv(
    "email,name,external id",
    "ada@example.org,Ada,S-1",
    "not-an-address,Bob,S-2",
    "cy@example.org,Cy,S-3",
    ",Dee,S-4",
)


def test_create_stores_every_row_invalid_ones_with_their_reasons(issuer, achievement, user):
    # when
    job, preview = bulk_job_create(issuer=issuer, data=MIXED, filename="mixed.csv", achievement=achievement, actor=user)

    # then
    assert [row.line for row in preview.invalid] == [3, 5]
    assert (job.status, job.total_rows, job.valid_rows, job.done_rows, job.failed_rows) == ("validated", 4, 2, 0, 0)
    assert (job.source_name, job.created_by, job.achievement) == ("mixed.csv", user, achievement)
    rows = list(job.rows.order_by("line"))
    assert [(r.line, r.email, r.name, r.idempotency_key, r.status) for r in rows] == [
        (2, "ada@example.org", "Ada", "bulk:ext:S-1", "pending"),
        (3, "not-an-address", "", "", "invalid"),
        (4, "cy@example.org", "Cy", "bulk:ext:S-3", "pending"),
        (5, "", "", "", "invalid"),
    ]
    assert [r.error for r in rows if r.status == "invalid"] == [
        "'not-an-address' is not a valid e-mail address",
        "the e-mail address is missing",
    ]
    assert AuditEvent.objects.filter(action="bulk.created", object_id=str(job.pk)).count() == 1
    assert Credential.objects.count() == 0


def test_create_refuses_an_unusable_file(issuer, achievement):
    with pytest.raises(BulkFileError, match="The file is empty."):
        _create(issuer, achievement, b"")
    with pytest.raises(BulkFileError, match="no 'achievement' column"):
        _create(issuer, None, _csv("email", "a@example.org"))
    assert BulkJob.objects.count() == 0


def test_started_job_issues_every_valid_row(issuer, achievement):
    # given
    job, _ = _create(issuer, achievement, MIXED)

    # when
    bulk_job_start(job=job, actor=owner(issuer))
    job = _run(job)

    # then
    assert (job.status, job.valid_rows, job.done_rows, job.failed_rows) == ("finished", 2, 2, 0)
    assert job.started_at is not None and job.finished_at is not None
    credentials = {c.idempotency_key: c for c in Credential.objects.filter(issuer=issuer)}
    assert sorted(credentials) == ["bulk:ext:S-1", "bulk:ext:S-3"]
    ada = credentials["bulk:ext:S-1"]
    assert (ada.recipient_email, ada.recipient_name, ada.source) == ("ada@example.org", "Ada", "bulk")
    assert verify_credential(ada.document).valid
    assert _statuses(job) == [(2, "issued"), (3, "invalid"), (4, "issued"), (5, "invalid")]
    cy = credentials["bulk:ext:S-3"]
    assert job.result_file.read().decode() == (
        "line,email,name,external_id,achievement,status,reason,issued_at,credential_id,public_url,verification_url\n"
        f"2,ada@example.org,Ada,S-1,Python Basics,issued,,{_links(ada)}\n"
        "3,not-an-address,,,,invalid,'not-an-address' is not a valid e-mail address,,,,\n"
        f"4,cy@example.org,Cy,S-3,Python Basics,issued,,{_links(cy)}\n"
        "5,,,,,invalid,the e-mail address is missing,,,,\n"
    )
    assert job.result_file.name == f"bulk/{job.uuid}.csv"
    assert AuditEvent.objects.filter(action="bulk.finished", object_id=str(job.pk)).count() == 1


def test_a_finished_job_issues_nothing_more(issuer, achievement):
    job, _ = _create(issuer, achievement, MIXED)
    bulk_job_start(job=job, actor=owner(issuer))
    _run(job)

    assert bulk_job_process_chunk(job_id=job.pk) == 0
    _run(job)

    assert Credential.objects.count() == 2
    job.refresh_from_db()
    assert (job.status, job.done_rows) == ("finished", 2)


def test_the_same_file_twice_is_all_already_awarded(issuer, achievement):
    first, _ = _create(issuer, achievement, MIXED)
    bulk_job_start(job=first, actor=owner(issuer))
    _run(first)

    second, preview = _create(issuer, achievement, MIXED)

    assert preview.valid == []
    assert {row.line: row.reasons[0].split(" (")[0] for row in preview.invalid} == {
        2: "already awarded",
        3: "'not-an-address' is not a valid e-mail address",
        4: "already awarded",
        5: "the e-mail address is missing",
    }
    assert (second.valid_rows, second.rows.exclude(status="invalid").count()) == (0, 0)
    with pytest.raises(BulkJobError, match="no valid rows"):
        bulk_job_start(job=second, actor=owner(issuer))


def test_a_redelivered_row_issues_no_duplicate(issuer, achievement):
    # given: a job whose first chunk committed, then a row looks pending again (a crash between award and row)
    job, _ = _create(issuer, achievement, _rows(3))
    bulk_job_start(job=job, actor=owner(issuer))
    assert bulk_job_process_chunk(job_id=job.pk, size=2) == 2
    job.rows.filter(line=2).update(status=BulkRowStatus.PENDING, credential=None)
    BulkJob.objects.filter(pk=job.pk).update(done_rows=1)

    # when
    job = _run(job)

    # then: the key hands back the first credential
    assert Credential.objects.count() == 3
    assert _statuses(job) == [(2, "skipped"), (3, "issued"), (4, "issued")]
    assert (job.status, job.done_rows, job.failed_rows) == ("finished", 3, 0)
    row = job.rows.get(line=2)
    assert row.credential == Credential.objects.get(idempotency_key="bulk:ext:S-0")
    line = f"2,l0@example.org,Learner 0,S-0,Python Basics,issued,already issued,{_links(row.credential)}\n"
    assert line in job.result_file.read().decode()


def test_a_row_that_fails_at_issue_time_is_recorded(issuer, achievement):
    job, _ = _create(issuer, achievement, _rows(2))
    achievement.archived = True
    achievement.save(update_fields=["archived"])

    bulk_job_start(job=job, actor=owner(issuer))
    job = _run(job)

    assert (job.status, job.done_rows, job.failed_rows) == ("finished", 0, 2)
    assert set(job.rows.values_list("status", "error")) == {("failed", "The achievement 'Python Basics' is archived.")}
    assert Credential.objects.count() == 0


def test_pause_stops_between_chunks_and_start_resumes(issuer, achievement):
    job, _ = _create(issuer, achievement, _rows(5))
    bulk_job_start(job=job, actor=owner(issuer))
    bulk_job_process_chunk(job_id=job.pk, size=2)

    bulk_job_pause(job=job, actor=owner(issuer))
    job = _run(job)

    assert bulk_job_process_chunk(job_id=job.pk) == 0
    assert (job.status, job.done_rows, Credential.objects.count()) == ("paused", 2, 2)
    assert [s for _, s in _statuses(job)] == ["issued", "issued", "pending", "pending", "pending"]

    bulk_job_start(job=job, actor=owner(issuer))
    job = _run(job)
    assert (job.status, job.done_rows, Credential.objects.count()) == ("finished", 5, 5)


def test_cancel_leaves_pending_rows_unissued(issuer, achievement):
    job, _ = _create(issuer, achievement, _rows(4))
    bulk_job_start(job=job, actor=owner(issuer))
    bulk_job_process_chunk(job_id=job.pk, size=1)

    bulk_job_cancel(job=job, actor=owner(issuer))
    job = _run(job)

    assert bulk_job_process_chunk(job_id=job.pk) == 0
    assert (job.status, job.done_rows, Credential.objects.count()) == ("cancelled", 1, 1)
    assert [s for _, s in _statuses(job)] == ["issued", "pending", "pending", "pending"]
    assert job.result_file.read().decode().splitlines()[1:] == [
        f"2,l0@example.org,Learner 0,S-0,Python Basics,issued,,{_links(job.rows.get(line=2).credential)}",
        "3,l1@example.org,Learner 1,S-1,Python Basics,not issued,not issued: the job was cancelled first,,,,",
        "4,l2@example.org,Learner 2,S-2,Python Basics,not issued,not issued: the job was cancelled first,,,,",
        "5,l3@example.org,Learner 3,S-3,Python Basics,not issued,not issued: the job was cancelled first,,,,",
    ]
    for change in (bulk_job_start, bulk_job_pause, bulk_job_cancel):
        with pytest.raises(BulkJobError, match="A cancelled job cannot be"):
            change(job=job, actor=owner(issuer))


def test_a_job_cannot_be_paused_before_it_starts(issuer, achievement):
    job, _ = _create(issuer, achievement, _rows(1))
    with pytest.raises(BulkJobError, match="A validated job cannot be paused."):
        bulk_job_pause(job=job, actor=owner(issuer))


def test_a_thousand_rows_complete(issuer, achievement):
    job, _ = _create(issuer, achievement, _rows(1_000))
    bulk_job_start(job=job, actor=owner(issuer))

    job = _run(job)

    assert (job.status, job.valid_rows, job.done_rows, job.failed_rows) == ("finished", 1_000, 1_000, 0)
    assert Credential.objects.filter(issuer=issuer, source="bulk").count() == 1_000
    assert job.rows.exclude(status=BulkRowStatus.ISSUED).count() == 0
    result = job.result_file.read().decode().splitlines()
    assert len(result) == 1_001
    assert result[1].startswith("2,l0@example.org,Learner 0,S-0,Python Basics,issued,,")
    assert BulkJobStatus.FINISHED == job.status


def test_result_cells_that_would_run_as_formulas_are_quoted(issuer, achievement):
    # given: a file whose cells start like spreadsheet formulas
    data = _csv(
        "email,name,external id",
        'ada@example.org,"=HYPERLINK(""https://evil.example"")",@S-1',
        "=1+1,Bob,S-2",
    )
    job, _ = _create(issuer, achievement, data)

    # when
    bulk_job_start(job=job, actor=owner(issuer))
    job = _run(job)

    # then: what the spreadsheet shows is the text that was uploaded, never a formula it runs
    ada = Credential.objects.get()
    assert ada.recipient_name == '=HYPERLINK("https://evil.example")'
    assert job.result_file.read().decode().splitlines()[1:] == [
        f'2,ada@example.org,"\'=HYPERLINK(""https://evil.example"")",\'@S-1,Python Basics,issued,,{_links(ada)}',
        "3,'=1+1,,,,invalid,'=1+1' is not a valid e-mail address,,,,",
    ]


def test_a_language_column_sets_each_award_emails_language_and_a_wrong_one_is_reported(issuer, achievement):
    """D52: the issuer's LMS knows its learners' languages; the credential itself is the same in any language."""
    data = _csv("email,name,language", "ada@example.org,Ada,de", "bo@example.org,Bo,", "cy@example.org,Cy,fr")
    job, preview = _create(issuer, achievement, data)

    assert [row.describe() for row in preview.invalid] == [
        "line 4: language 'fr' is not offered; expected one of en, de, or empty"
    ]
    bulk_job_start(job=job, actor=owner(issuer))
    _run(job)

    languages = dict(Credential.objects.values_list("recipient_email", "language"))
    assert languages == {"ada@example.org": "de", "bo@example.org": ""}
