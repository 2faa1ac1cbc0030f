"""An award's results, dates, narrative and evidence (D65): checked by the service, signed in OB 3.0's shapes."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from badges import results
from badges.models import Credential
from badges.services import AwardRequest, CredentialError, credential_issue
from badges.verify import verify_credential
from issuer.models import AuditEvent
from tests.actors import owner

RESULTS = [
    {"name": "Final", "resultType": "Percent", "valueMin": "0", "valueMax": "100", "requiredValue": "70"},
    {"name": "Grade", "resultType": "LetterGrade", "allowedValue": ["A", "B", "C"]},
    {"name": "Completion", "resultType": "Status"},
]


@pytest.fixture
def graded(achievement):
    achievement.result_descriptions = RESULTS
    achievement.save()
    return achievement


def _issue(achievement, **kwargs):
    params = {"achievement": achievement, "email": "learner@example.com", "name": "Lea Rner"}
    params.update(kwargs)
    return credential_issue(request=AwardRequest(**params), source="api", actor=owner(achievement.issuer))


def test_results_dates_narrative_and_evidence_are_signed_in_the_ob_shapes_and_verify(graded):
    # given
    base = graded.public_id
    # when
    credential = _issue(
        graded,
        results=[
            {"result_description": "Final", "value": "87"},
            {"result_description": f"{base}#result-grade", "value": "B"},
            {"result_description": 2, "status": "Completed"},
        ],
        awarded_date=datetime(2024, 6, 30, 12, 0, tzinfo=UTC),
        activity_start_date=datetime(2024, 4, 1, tzinfo=UTC),
        activity_end_date=datetime(2024, 6, 28, 16, 30, tzinfo=UTC),
        narrative="Built a *parser* for the course.",
        evidence=[
            {
                "id": "https://lms.example.org/work/17",
                "name": "Final project",
                "description": "The parser and its tests.",
                "genre": "Project",
                "narrative": "Graded by two examiners.",
            }
        ],
    )
    # then
    doc = json.loads(credential.document)
    assert doc["awardedDate"] == "2024-06-30T12:00:00Z"
    subject = doc["credentialSubject"]
    assert subject["result"] == [
        {"type": ["Result"], "resultDescription": f"{base}#result-final", "value": "87"},
        {"type": ["Result"], "resultDescription": f"{base}#result-grade", "value": "B"},
        {"type": ["Result"], "resultDescription": f"{base}#result-completion", "status": "Completed"},
    ]
    described = [r["id"] for r in subject["achievement"]["resultDescription"]]
    assert described == [f"{base}#result-final", f"{base}#result-grade", f"{base}#result-completion"]
    assert subject["activityStartDate"] == "2024-04-01T00:00:00Z"
    assert subject["activityEndDate"] == "2024-06-28T16:30:00Z"
    assert subject["narrative"] == "Built a *parser* for the course."
    assert doc["evidence"] == [
        {
            "type": ["Evidence"],
            "id": "https://lms.example.org/work/17",
            "name": "Final project",
            "genre": "Project",
            "narrative": "Graded by two examiners.",
            "description": "The parser and its tests.",
        }
    ]
    report = verify_credential(credential.document)
    assert report.valid, [(c.id, c.message) for c in report.checks if c.status == "failed"]


def test_without_the_new_members_the_document_has_none_of_them(graded):
    doc = json.loads(_issue(graded).document)
    assert "awardedDate" not in doc
    assert not {"result", "activityStartDate", "activityEndDate", "narrative"} & set(doc["credentialSubject"])


@pytest.mark.parametrize(
    ("_case", "results", "field", "words"),
    [
        (
            "unknown description",
            [{"result_description": "Oral", "value": "1"}],
            "results[0].result_description",
            "no result description 'Oral'",
        ),
        (
            "position out of range",
            [{"result_description": 3, "value": "1"}],
            "results[0].result_description",
            "no result description 3",
        ),
        (
            "twice",
            [{"result_description": "Final", "value": "80"}, {"result_description": 0, "value": "81"}],
            "results[1].result_description",
            "given twice",
        ),
        ("above max", [{"result_description": "Final", "value": "101"}], "results[0].value", "outside the range"),
        ("below min", [{"result_description": "Final", "value": "-1"}], "results[0].value", "outside the range"),
        ("not a number", [{"result_description": "Final", "value": "good"}], "results[0].value", "must be a number"),
        (
            "not allowed",
            [{"result_description": "Grade", "value": "F"}],
            "results[0].value",
            "'F' is not an allowed value of 'Grade'; expected one of A, B, C",
        ),
        ("status missing", [{"result_description": "Completion", "value": "yes"}], "results[0].status", "is a status"),
        (
            "status unknown",
            [{"result_description": "Grade", "value": "A", "status": "Done"}],
            "results[0].status",
            "'Done' is not a result status",
        ),
        (
            "level unknown",
            [{"result_description": "Grade", "achieved_level": "https://x.example/l/1"}],
            "results[0].achieved_level",
            "is not one of the levels",
        ),
        ("empty", [{"result_description": "Grade"}], "results[0].value", "needs a value"),
    ],
)
def test_a_result_the_achievement_does_not_allow_is_refused_naming_its_member(graded, _case, results, field, words):
    # when
    with pytest.raises(CredentialError) as caught:
        _issue(graded, results=results)
    # then
    assert caught.value.field == field
    assert words in caught.value.message
    assert Credential.objects.count() == 0
    assert not AuditEvent.objects.filter(action="credential.issued").exists()


def test_an_achieved_level_is_one_of_the_rubric_levels_the_description_lists(graded):
    # A description from elsewhere may list rubric levels; the award's level must be one of their ids.
    level = "https://rubrics.example.org/levels/proficient"
    graded.result_descriptions = [{"name": "Rubric", "resultType": "RubricCriterionLevel"}]
    graded.save()
    description = results.described(graded)[0] | {"rubricCriterionLevel": [{"id": level}]}
    assert results._result(description, {"achieved_level": level}, "results[0]")["achievedLevel"] == level
    with pytest.raises(results.ResultError) as caught:
        results._result(description, {"achieved_level": level + "x"}, "results[0]")
    assert caught.value.field == "results[0].achieved_level"


def test_an_achievement_without_result_descriptions_takes_no_results(achievement):
    achievement.result_descriptions = []
    achievement.save()
    with pytest.raises(CredentialError) as caught:
        _issue(achievement, results=[{"result_description": 0, "value": "1"}])
    assert caught.value.field == "results[0].result_description"
    assert "describes no results" in caught.value.message


def test_an_award_dated_in_the_future_is_refused(graded):
    with pytest.raises(CredentialError) as caught:
        _issue(graded, awarded_date=timezone.now() + timedelta(days=1))
    assert caught.value.field == "awarded_date"
    assert Credential.objects.count() == 0


def test_an_activity_that_ends_before_it_starts_is_refused(graded):
    start = datetime(2024, 4, 1, tzinfo=UTC)
    with pytest.raises(CredentialError) as caught:
        _issue(graded, activity_start_date=start, activity_end_date=start - timedelta(seconds=1))
    assert caught.value.field == "activity_end_date"
    # the same instant is a one-moment activity, allowed
    doc = json.loads(_issue(graded, activity_start_date=start, activity_end_date=start).document)
    assert doc["credentialSubject"]["activityEndDate"] == "2024-04-01T00:00:00Z"
