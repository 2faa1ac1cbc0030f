"""A bulk file's result, date, narrative and evidence-name columns (D65): checked row by row like the award
service checks them, each refusal naming its column, and signed into every credential the job issues."""

from __future__ import annotations

import json

import pytest

from badges.models import Credential
from badges.verify import verify_credential
from bulk.jobs import bulk_job_create, bulk_job_start
from bulk.parsing import parse_upload
from bulk.tasks import process_bulk_job
from bulk.validation import validate_rows
from tests.actors import owner

RESULTS = [
    {"name": "Final", "resultType": "Percent", "valueMin": "0", "valueMax": "100"},
    {"name": "Completion", "resultType": "Status"},
]


def _check(achievement, text: str):
    return validate_rows(issuer=achievement.issuer, parsed=parse_upload(text.encode()), achievement=achievement)


@pytest.fixture
def graded(achievement):
    achievement.result_descriptions = RESULTS
    achievement.save()
    return achievement


def test_result_columns_name_the_description_and_each_becomes_a_result(graded):
    preview = _check(
        graded,
        "email,Result: final,result:Completion,awarded_date,activity_start_date,activity_end_date,narrative,"
        "evidence_url,evidence_name\n"
        "ada@example.org,87,Completed,2024-06-30,2024-04-01,2024-06-28T17:00:00+02:00,Built a parser.,"
        "https://lms.example.org/17,Final project\n",
    )
    assert preview.invalid == []
    (row,) = preview.valid
    assert row.results == [
        {"result_description": f"{graded.public_id}#result-final", "value": "87"},
        {"result_description": f"{graded.public_id}#result-completion", "status": "Completed"},
    ]
    assert row.awarded_date.isoformat() == "2024-06-30T00:00:00+00:00"
    assert row.activity_end_date.isoformat() == "2024-06-28T17:00:00+02:00"
    assert row.narrative == "Built a parser."
    assert row.evidence == [{"id": "https://lms.example.org/17", "name": "Final project"}]


def test_a_single_result_column_answers_the_achievements_one_description(achievement):
    # the fixture's achievement has one result description, "Final" (Percent)
    preview = _check(achievement, "email,result\nada@example.org,91\n")
    assert preview.valid[0].results == [{"result_description": f"{achievement.public_id}#result-final", "value": "91"}]


@pytest.mark.parametrize(
    ("_case", "header", "value", "reason"),
    [
        (
            "result with several descriptions",
            "result",
            "87",
            "result: the achievement 'python-basics' has 2 result descriptions; give each in a column result:<name>",
        ),
        (
            "unknown description",
            "result:Oral",
            "87",
            "result:Oral: the achievement 'python-basics' has no result description 'Oral'",
        ),
        ("out of range", "result:Final", "120", "result:Final: 120 is outside the range of 'Final' (0 to 100)."),
        ("not a status", "result:Completion", "Done", "result:Completion: 'Done' is not a result status"),
        ("future award", "awarded_date", "2999-01-01", "awarded_date 2999-01-01 is in the future"),
        (
            "not a date",
            "activity_start_date",
            "30.06.2024",
            "activity_start_date '30.06.2024' is not an ISO 8601 date or date-time",
        ),
    ],
)
def test_a_value_the_rules_refuse_makes_the_row_invalid_naming_its_column(graded, _case, header, value, reason):
    preview = _check(graded, f"email,{header}\nada@example.org,{value}\n")
    assert preview.valid == []
    (invalid,) = preview.invalid
    assert any(r.startswith(reason) for r in invalid.reasons), invalid.reasons


def test_an_activity_ending_before_it_began_is_invalid(graded):
    preview = _check(graded, "email,activity_start_date,activity_end_date\nada@example.org,2024-05-01,2024-04-01\n")
    assert preview.invalid[0].reasons == ["activity_end_date is before activity_start_date"]


def test_a_job_signs_the_rows_results_dates_and_narrative(graded):
    # given
    data = (
        b"email,result:Final,result:Completion,awarded_date,narrative,evidence_name\n"
        b"ada@example.org,87,Completed,2024-06-30,Built a parser.,Final project\n"
        b"bob@example.org,55,Failed,,,\n"
    )
    job, _preview = bulk_job_create(
        issuer=graded.issuer, data=data, filename="cohort.csv", actor=owner(graded.issuer), achievement=graded
    )
    # when
    bulk_job_start(job=job, actor=owner(graded.issuer))
    process_bulk_job.apply(args=(job.pk,))
    # then
    documents = {c.recipient_email: json.loads(c.document) for c in Credential.objects.filter(issuer=graded.issuer)}
    ada, bob = documents["ada@example.org"], documents["bob@example.org"]
    assert [r.get("value") or r.get("status") for r in ada["credentialSubject"]["result"]] == ["87", "Completed"]
    assert ada["awardedDate"] == "2024-06-30T00:00:00Z"
    assert ada["credentialSubject"]["narrative"] == "Built a parser."
    assert ada["evidence"] == [{"type": ["Evidence"], "name": "Final project"}]
    assert bob["credentialSubject"]["result"][1] == {
        "type": ["Result"],
        "resultDescription": f"{graded.public_id}#result-completion",
        "status": "Failed",
    }
    assert "awardedDate" not in bob
    assert verify_credential(json.dumps(ada)).valid
