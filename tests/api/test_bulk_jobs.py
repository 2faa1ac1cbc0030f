"""Bulk jobs through the API: create from a file or JSON rows, rows, progress, start → finished → results,
pause / cancel / undo and their refusals, unusable files."""

from __future__ import annotations

import csv
import io

import pytest

from badges.models import Credential, CredentialStatus
from bulk import parsing
from bulk.models import BulkJob, BulkJobStatus, BulkRow
from issuer.models import AuditEvent
from tests.actors import owner
from tests.api.conftest import CSV, SITE, assert_problem, job_url, jobs_url, upload

JOB_KEYS = {"id", "status", "file_name", "created_at", "created_by", "achievement", "progress", "links"}


def test_create_from_a_csv_file(api, token, issuer, achievement, user):
    response = api.post(jobs_url(), upload(achievement="python-basics"))

    assert response.status_code == 201, response.content
    body = response.json()
    job = BulkJob.objects.get(issuer=issuer)
    assert set(body) == JOB_KEYS
    assert body["id"] == str(job.uuid)
    assert response["Location"] == f"{SITE}/api/v1/issuers/uni/bulk-jobs/{job.uuid}"
    assert body["status"] == "validated"
    assert body["file_name"] == "cohort.csv"
    assert body["achievement"] == {"id": str(achievement.uuid), "slug": "python-basics", "name": "Python Basics"}
    assert body["created_by"] == f"API token {token[0].prefix} (ci)"
    assert (body["progress"]["total"], body["progress"]["valid"], body["progress"]["invalid"]) == (3, 2, 1)
    assert body["progress"]["can_start"] is True
    assert body["links"] == {
        "self": f"{SITE}/api/v1/issuers/uni/bulk-jobs/{job.uuid}",
        "rows": f"{SITE}/api/v1/issuers/uni/bulk-jobs/{job.uuid}/rows",
    }
    assert job.created_by == user  # the token's creator is the actor
    event = AuditEvent.objects.get(action="bulk.created", object_id=str(job.pk))
    assert (event.actor, event.actor_label) == (user, f"API token {token[0].prefix} (ci)")
    assert Credential.objects.count() == 0  # nothing issued before the start


def test_invalid_rows_are_listed_with_line_and_reason(api, job):
    response = api.get(job_url(job, "/rows"), {"status": "invalid"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"] == [
        {"line": 3, "status": "invalid", "email": "bob@", "error": body["results"][0]["error"], "credential": None}
    ]
    assert "e-mail" in body["results"][0]["error"]


def test_create_from_json_rows(api, issuer, achievement):
    rows = [
        {"email": "ada@example.org", "name": "Ada", "external_id": "J-1"},
        {"email": "not-an-address", "external_id": "J-2"},
        {"email": "cy@example.org", "evidence_url": "https://example.org/work", "valid_until": "2099-01-01"},
    ]
    response = api.post(jobs_url(), {"achievement": str(achievement.uuid), "rows": rows})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["file_name"] == "rows.jsonl"
    assert (body["progress"]["total"], body["progress"]["valid"], body["progress"]["invalid"]) == (3, 2, 1)
    invalid = api.get(body["links"]["rows"].removeprefix(SITE), {"status": "invalid"}).json()["results"]
    assert [(row["line"], row["email"]) for row in invalid] == [(2, "not-an-address")]
    pending = BulkRow.objects.filter(job__uuid=body["id"], status="pending").order_by("line")
    assert [(row.line, row.email, row.external_id) for row in pending] == [
        (1, "ada@example.org", "J-1"),
        (3, "cy@example.org", ""),
    ]
    assert pending[1].evidence[0]["id"] == "https://example.org/work"


def test_rows_naming_their_own_achievement(api, achievement):
    rows = [{"email": "ada@example.org", "achievement": "python-basics"}, {"email": "b@example.org"}]
    body = api.post(jobs_url(), {"rows": rows}).json()

    assert (body["progress"]["valid"], body["progress"]["invalid"]) == (1, 1)
    assert body["achievement"] is None


def test_start_true_issues_and_the_job_finishes(api, issuer, achievement):
    response = api.post(jobs_url(), upload(achievement="python-basics", start="true"))

    assert response.status_code == 201
    assert response.json()["status"] == "queued"  # as committed; the in-process run follows the commit
    detail = api.get(response["Location"].removeprefix(SITE)).json()
    assert detail["status"] == "finished"
    assert (detail["progress"]["done"], detail["progress"]["failed"]) == (2, 0)
    assert Credential.objects.filter(issuer=issuer, achievement=achievement).count() == 2
    results = api.get(detail["links"]["results"].removeprefix(SITE))
    assert results.status_code == 200
    assert results["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(b"".join(results.streaming_content).decode())))
    header = "line,email,name,external_id,achievement,status,reason,issued_at,credential_id,public_url,verification_url"
    assert lines[0] == header.split(",")
    assert [(line[0], line[5]) for line in lines[1:]] == [("2", "issued"), ("3", "invalid"), ("4", "issued")]
    assert lines[1][9] == f"{SITE}/credentials/{lines[1][8]}"
    assert lines[1][10] == f"{SITE}/verify/{lines[1][8]}"


def test_start_true_without_a_valid_row_does_not_start(api, achievement):
    response = api.post(jobs_url(), upload(b"email\nnope\n", achievement="python-basics", start="true"))

    assert response.status_code == 201
    assert response.json()["status"] == "validated"
    assert response.json()["progress"]["can_start"] is False


def test_start_then_results_and_issued_rows(api, job):
    assert_problem(api.get(job_url(job, "/results")), 404, "results-not-ready")

    response = api.post(job_url(job, "/start"))

    assert response.status_code == 200
    assert response.json()["status"] == "queued"  # the test's transaction: the run follows the response
    detail = api.get(job_url(job)).json()
    assert detail["status"] == "finished"
    assert detail["links"]["results"] == f"{SITE}{job_url(job, '/results')}"
    issued = api.get(job_url(job, "/rows"), {"status": "issued"}).json()
    assert [row["line"] for row in issued["results"]] == [2, 4]
    uuids = {str(c.uuid) for c in Credential.objects.all()}
    assert {row["credential"].rsplit("/", 1)[1] for row in issued["results"]} == uuids
    assert api.get(job_url(job, "/results")).status_code == 200
    assert_problem(api.post(job_url(job, "/start")), 409, "invalid-state", "A finished job cannot be started.")


def test_pause_and_resume(api, job):
    assert_problem(api.post(job_url(job, "/pause")), 409, "invalid-state", "A validated job cannot be paused.")
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJobStatus.RUNNING)  # caught mid-run

    paused = api.post(job_url(job, "/pause"))

    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    assert paused.json()["progress"]["can_resume"] is True
    assert Credential.objects.count() == 0
    resumed = api.post(job_url(job, "/start"))
    assert resumed.status_code == 200
    assert api.get(job_url(job)).json()["status"] == "finished"
    assert Credential.objects.count() == 2


def test_cancel_a_validated_job_and_refuse_a_second_cancel(api, job):
    response = api.post(job_url(job, "/cancel"))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert_problem(api.post(job_url(job, "/cancel")), 409, "invalid-state", "A cancelled job cannot be cancelled.")
    assert_problem(api.post(job_url(job, "/start")), 409, "invalid-state")
    assert Credential.objects.count() == 0


def test_undo_revokes_what_the_job_issued(api, job):
    assert_problem(api.post(job_url(job, "/undo"), {"reason": "wrong cohort"}), 409, "invalid-state", "validated")
    api.post(job_url(job, "/start"))

    response = api.post(job_url(job, "/undo"), {"reason": "wrong cohort"})

    assert response.status_code == 200
    assert response.json()["progress"]["undo"] in {"requested", "done"}
    statuses = list(Credential.objects.values_list("status", flat=True))
    assert statuses == [CredentialStatus.REVOKED] * 2
    job.refresh_from_db()
    assert (job.undo_reason, job.revoked_rows) == ("wrong cohort", 2)
    again = api.post(job_url(job, "/undo"), {"reason": "again"})
    assert_problem(again, 409, "invalid-state", "already been undone")


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_undo_needs_a_reason(api, job, body):
    api.post(job_url(job, "/start"))

    response = api.post(job_url(job, "/undo"), body)

    problem = assert_problem(response, 422, "invalid-request")
    assert list(problem["errors"]) == ["reason"]
    job.refresh_from_db()
    assert job.undo_requested_at is None
    assert Credential.objects.filter(status=CredentialStatus.REVOKED).count() == 0


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"   \n\n", "blank.csv", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", "not a text file"),
        (b"email,name\n", "header.csv", "The file has a header but no rows."),
        (b"mail,student\nada@example.org,Ada\n", "cols.csv", "Unknown columns: 'mail', 'student'"),
        (b"name\nAda\n", "noemail.csv", "The required column 'email' is missing"),
        (b'{"email": "a@example.org"}\nnot json\n', "rows.jsonl", "Line 2: not valid JSON"),
    ],
)
def test_unusable_files_are_refused_and_nothing_is_stored(api, achievement, data, name, message):
    response = api.post(jobs_url(), upload(data, name, achievement="python-basics"))

    problem = assert_problem(response, 400, "invalid-file")
    assert message in problem["detail"]
    assert BulkJob.objects.count() == 0
    assert BulkRow.objects.count() == 0
    assert not AuditEvent.objects.filter(action="bulk.created").exists()


def test_a_file_over_the_limit_is_413_and_nothing_is_stored(api, achievement):
    data = b"email\n" + b"a" * (parsing.MAX_BYTES - 5)  # MAX_BYTES + 1 bytes

    response = api.post(jobs_url(), upload(data, achievement="python-basics"))

    assert_problem(response, 413, "payload-too-large", "larger than 20 MB")
    assert BulkJob.objects.count() == 0


@pytest.mark.parametrize(
    ("content_type", "declared", "message"),
    [
        ("multipart/form-data; boundary=X", parsing.MAX_BYTES + 64 * 1024 + 1, "larger than 20 MB"),
        ("application/json", 5 * 1024 * 1024 + 1, "A JSON body is limited to 5 MB"),
    ],
)
def test_a_declared_body_over_the_limit_is_refused_unread(api, achievement, content_type, declared, message):
    # The declared length is far larger than the body sent: the view answers without reading it.
    response = api.generic("POST", jobs_url(), b"{}", content_type=content_type, CONTENT_LENGTH=str(declared))

    assert_problem(response, 413, "payload-too-large", message)
    assert BulkJob.objects.count() == 0


def test_a_json_body_too_big_for_memory_is_413_not_500(api, job, settings):
    # An endpoint without its own check: Django refuses to read the body into memory, and that is a 413 too.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = api.post(job_url(job, "/undo"), {"reason": "x" * 200})

    assert_problem(response, 413, "payload-too-large", "The request body is larger than 100 bytes.")
    job.refresh_from_db()
    assert job.undo_requested_at is None


def test_json_rows_over_the_limit_are_413(api, achievement, monkeypatch):
    monkeypatch.setattr(parsing, "MAX_BYTES", 200)
    rows = [{"email": f"learner{n}@example.org"} for n in range(20)]

    response = api.post(jobs_url(), {"achievement": "python-basics", "rows": rows})

    assert_problem(response, 413, "payload-too-large")
    assert BulkJob.objects.count() == 0


def test_unknown_achievement_is_a_field_error(api, issuer, other_issuer):
    response = api.post(jobs_url(), upload(achievement="no-such-badge"))

    problem = assert_problem(response, 400, "invalid-request")
    assert problem["errors"] == {"achievement": ["This issuer has no achievement 'no-such-badge' (id, UUID or slug)."]}
    assert BulkJob.objects.count() == 0


def test_another_issuers_achievement_is_unknown(api, other_job):
    response = api.post(jobs_url(), upload(achievement="other-badge"))

    assert assert_problem(response, 400, "invalid-request")["errors"].keys() == {"achievement"}
    assert BulkJob.objects.filter(issuer__slug="uni").count() == 0


def test_no_achievement_and_no_column_is_refused(api, achievement):
    response = api.post(jobs_url(), upload())

    assert_problem(response, 400, "invalid-file", "no 'achievement' column")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"rows": []}, {"rows"}),
        ({}, {"rows"}),
        ({"rows": [{"email": "a@example.org", "colour": "red"}]}, {"rows[0].colour"}),
        ({"rows": [{"email": "a@example.org"}, {"email": True}]}, {"rows[1].email"}),
        ({"rows": ["a@example.org"]}, {"rows[0].non_field_errors"}),
        ({"rows": [{"email": "a@example.org"}], "row": []}, {"row"}),
        ({"rows": [{"email": "a@example.org"}], "start": "maybe"}, {"start"}),
    ],
)
def test_malformed_json_rows_are_field_errors(api, achievement, body, errors):
    body = {"achievement": "python-basics", **body}

    response = api.post(jobs_url(), body)

    problem = assert_problem(response, 400, "invalid-request")
    assert set(problem["errors"]) == errors
    assert BulkJob.objects.count() == 0


def test_list_newest_first_with_a_status_filter(api, issuer, achievement, job, other_job):
    from bulk.jobs import bulk_job_cancel, bulk_job_create

    newer, _ = bulk_job_create(
        issuer=issuer, data=CSV, filename="second.csv", achievement=achievement, actor=owner(issuer)
    )
    bulk_job_cancel(job=newer, actor=owner(issuer))

    listed = api.get(jobs_url()).json()
    assert [item["id"] for item in listed["results"]] == [str(newer.uuid), str(job.uuid)]
    assert listed["results"][1]["created_by"] == "alice"  # made by a service call as the owner, not by a token
    cancelled = api.get(jobs_url(), {"status": "cancelled"}).json()
    assert [item["id"] for item in cancelled["results"]] == [str(newer.uuid)]
    problem = assert_problem(api.get(jobs_url(), {"status": "done"}), 400, "invalid-request")
    assert list(problem["errors"]) == ["status"]


def test_detail_shows_the_progress(api, job):
    body = api.get(job_url(job)).json()

    assert body["id"] == str(job.uuid)
    assert body["progress"]["status"] == "validated"
    assert (body["progress"]["pending"], body["progress"]["done"]) == (2, 0)


def test_without_a_broker_start_answers_with_the_finished_job(transactional_db, issuer, user, achievement):
    # Real commits (no test transaction): the in-process run happens when the start commits, before the response.
    from api.services import token_create
    from bulk.jobs import bulk_job_create
    from tests.api.conftest import ApiClient

    job, _ = bulk_job_create(
        issuer=issuer, data=CSV, filename="cohort.csv", achievement=achievement, actor=owner(issuer)
    )
    client = ApiClient(token_create(issuer=issuer, name="ci", actor=user)[1])

    response = client.post(job_url(job, "/start"))

    assert response.status_code == 200
    assert response.json()["status"] == "finished"
    assert response.json()["progress"]["done"] == 2


def test_json_rows_with_results_dates_and_narrative(api, issuer, achievement):
    # given: the fixture's achievement has one result description, "Final"; a second makes `results` necessary
    achievement.result_descriptions = [*achievement.result_descriptions, {"name": "Completion", "resultType": "Status"}]
    achievement.save()
    rows = [
        {
            "email": "ada@example.org",
            "results": {"Final": "87", "Completion": "Completed"},
            "awarded_date": "2024-06-30",
            "activity_start_date": "2024-04-01",
            "activity_end_date": "2024-06-28",
            "narrative": "Built a parser.",
            "evidence_name": "Final project",
            "evidence_url": "https://example.org/work",
        },
        {"email": "bob@example.org", "result": "87"},
        {"email": "cy@example.org", "results": {"Final": "lots"}},
    ]
    # when
    body = api.post(jobs_url(), {"achievement": str(achievement.uuid), "rows": rows}).json()
    # then
    assert (body["progress"]["valid"], body["progress"]["invalid"]) == (1, 2)
    invalid = api.get(body["links"]["rows"].removeprefix(SITE), {"status": "invalid"}).json()["results"]
    assert [(row["line"], row["error"]) for row in invalid] == [
        (
            2,
            "result: the achievement 'python-basics' has 2 result descriptions; give each in a column result:<name>",
        ),
        (3, "result:Final: The value of 'Final' must be a number, like 87 or 3.5; 'lots' is not."),
    ]
    row = BulkRow.objects.get(job__uuid=body["id"], status="pending")
    assert row.results == [
        {"result_description": f"{achievement.public_id}#result-final", "value": "87"},
        {"result_description": f"{achievement.public_id}#result-completion", "status": "Completed"},
    ]
    assert (row.awarded_date.isoformat(), row.narrative) == ("2024-06-30T00:00:00+00:00", "Built a parser.")
    assert row.evidence == [{"id": "https://example.org/work", "name": "Final project"}]
