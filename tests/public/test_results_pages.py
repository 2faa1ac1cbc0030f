"""What the learner achieved (D65) on the public credential page and the verify page, in English and German:
results, awarded and activity dates, the award's narrative and evidence with its kind — read from the signed
document, so another platform's credential shows them too; its text shown as it is, escaped, never translated."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

import badges.verify
from badges.verify_headline import achieved
from tests.public.test_verify_page import OfflineClient, issue

RESULTS = [
    {"name": "Final", "resultType": "Percent", "valueMin": "0", "valueMax": "100"},
    {"name": "Grade", "resultType": "LetterGrade", "allowedValue": ["A", "B", "<b>C</b>"]},
    {"name": "Completion", "resultType": "Status"},
]


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(badges.verify, "outbound_client", OfflineClient)


@pytest.fixture
def credential(achievement):
    achievement.result_descriptions = RESULTS
    achievement.save()
    return issue(
        achievement,
        results=[
            {"result_description": "Final", "value": "87"},
            {"result_description": "Grade", "value": "<b>C</b>"},
            {"result_description": "Completion", "status": "Completed"},
        ],
        awarded_date=datetime(2024, 6, 30, 12, tzinfo=UTC),
        activity_start_date=datetime(2024, 4, 1, tzinfo=UTC),
        activity_end_date=datetime(2024, 6, 28, tzinfo=UTC),
        narrative="Built a **parser**.",
        evidence=[{"id": "https://lms.example.org/work/17", "name": "Final project", "genre": "Project"}],
    )


def text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


ENGLISH = [
    "Final — Score: 87 / 100",
    "Grade — Grade: <b>C</b>",
    "Completion — Status: Completed",
    "Awarded on 30 June 2024",
    "Activity From 1 April 2024 to 28 June 2024",
    "Final project (Project)",
]
GERMAN = [
    "Final — Punktzahl: 87 / 100",
    "Grade — Note: <b>C</b>",
    "Completion — Status: Abgeschlossen",
    "Verliehen am 30. Juni 2024",
    "Aktivität Vom 1. April 2024 bis zum 28. Juni 2024",
    "Final project (Project)",
]


@pytest.mark.parametrize(("language", "expected"), [("en", ENGLISH), ("de", GERMAN)])
def test_the_public_page_shows_what_was_achieved(client, credential, language, expected):
    client.cookies["django_language"] = language
    page = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="text/html").content.decode()
    shown = text(page)
    for line in expected:
        assert line in shown, line
    assert "<strong>parser</strong>" in page  # the narrative, Markdown rendered
    assert "&lt;b&gt;C&lt;/b&gt;" in page  # the credential's text is data, escaped
    assert "<b>C</b>" not in page


@pytest.mark.parametrize(("language", "expected"), [("en", ENGLISH), ("de", GERMAN)])
def test_the_verify_page_shows_what_was_achieved(client, credential, language, expected):
    client.cookies["django_language"] = language
    response = client.post("/verify", {"credential": credential.document})
    page = response.content.decode()
    shown = text(page)
    for line in expected:
        assert line in shown, line
    assert "Built a **parser**." in shown  # the narrative as written: the verify page renders no Markdown
    assert "<b>C</b>" not in page


def test_a_credential_without_them_shows_none_of_them(client, achievement):
    credential = issue(achievement)
    shown = text(client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="text/html").content.decode())
    assert "Results" not in shown
    assert "Awarded on" not in shown
    assert "Activity" not in shown


def test_another_platforms_results_read_with_their_rubric_levels_and_statuses():
    # given: a document as another platform writes it (a rubric with named levels, a level and a status together)
    document = {
        "awardedDate": "2023-01-15T00:00:00Z",
        "credentialSubject": {
            "achievement": {
                "resultDescription": [
                    {
                        "id": "urn:uuid:rd-1",
                        "type": ["ResultDescription"],
                        "name": "Teamwork",
                        "resultType": "RubricCriterionLevel",
                        "rubricCriterionLevel": [
                            {"id": "urn:uuid:lvl-1", "type": ["RubricCriterionLevel"], "name": "Proficient"}
                        ],
                    },
                    {"id": "urn:uuid:rd-2", "name": "GPA", "resultType": "GradePointAverage"},
                ]
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": "urn:uuid:rd-1",
                    "achievedLevel": "urn:uuid:lvl-1",
                    "status": "Completed",
                },
                {"type": ["Result"], "resultDescription": "urn:uuid:rd-2", "value": "3.7"},
                {"type": ["Result"], "resultDescription": "urn:uuid:unknown", "value": "Pass"},
                {"type": ["Result"], "resultDescription": "urn:uuid:rd-1"},
                "not a result",
            ],
            "activityEndDate": "2022-12-20T00:00:00Z",
        },
    }
    # when
    found = achieved(document)
    # then
    assert found["results"] == [
        {"name": "Teamwork", "kind": "Level", "value": "Proficient", "status": "Completed"},
        {"name": "GPA", "kind": "Grade", "value": "3.7", "status": None},
        {"name": None, "kind": "Result", "value": "Pass", "status": None},
    ]
    assert (found["awarded"], found["activityStart"], found["activityEnd"]) == (
        "15 January 2023",
        None,
        "20 December 2022",
    )
