"""The award form's results, dates, narrative and evidence (D65), in English and German, without JavaScript."""

from __future__ import annotations

import json
import re

import pytest

from badges.models import Credential
from badges.verify import verify_credential

RESULTS = [
    {"name": "Final", "resultType": "Percent", "valueMin": "0", "valueMax": "100"},
    {"name": "Grade", "resultType": "LetterGrade", "allowedValue": ["A", "B", "C"]},
    {"name": "Completion", "resultType": "Status"},
]


@pytest.fixture
def graded(achievement):
    achievement.result_descriptions = RESULTS
    achievement.save()
    return achievement


def _url(achievement):
    return f"/manage/{achievement.issuer.slug}/awards/new/"


def _form(achievement, **overrides):
    data = {
        "achievement": str(achievement.pk),
        "results_for": str(achievement.pk),
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "format": "ldp",
        "idempotency_key": "key-results-1",
    }
    data.update(overrides)
    return data


def test_the_chosen_achievements_results_are_inputs_of_their_kind(client_as, graded):
    # when
    page = client_as("awarder").get(f"{_url(graded)}?achievement={graded.pk}").content.decode()
    # then
    assert re.search(r'<input type="number" name="result_0"[^>]* min="0" max="100"', page)
    assert "A number from 0 to 100." in page
    assert '<option value="B">B</option>' in page
    assert '<option value="Completed">Completed</option>' in page
    assert f'<input type="hidden" name="results_for" value="{graded.pk}"' in page


def test_the_inputs_read_in_german_while_the_values_stay_as_signed(client_as, graded):
    client = client_as("awarder")
    client.cookies["django_language"] = "de"
    page = client.get(f"{_url(graded)}?achievement={graded.pk}").content.decode()
    assert '<option value="InProgress">In Bearbeitung</option>' in page
    assert "Eine Zahl von 0 bis 100." in page
    assert "Verliehen am" in page


def test_an_award_with_results_dates_narrative_and_evidence(client_as, graded):
    # when
    response = client_as("awarder").post(
        _url(graded),
        _form(
            graded,
            result_0="87",
            result_1="B",
            result_2="Completed",
            awarded_date="2024-06-30T12:00",
            activity_start_date="2024-04-01T09:00",
            activity_end_date="2024-06-28T17:00",
            narrative="Built a parser.",
            evidence_url="https://portfolio.example.org/ada",
            evidence_name="Final project",
            evidence_genre="Project",
            evidence_description="The parser and its tests.",
        ),
    )
    # then
    credential = Credential.objects.get()
    assert response.status_code == 302
    doc = json.loads(credential.document)
    base = graded.public_id
    assert doc["credentialSubject"]["result"] == [
        {"type": ["Result"], "resultDescription": f"{base}#result-final", "value": "87"},
        {"type": ["Result"], "resultDescription": f"{base}#result-grade", "value": "B"},
        {"type": ["Result"], "resultDescription": f"{base}#result-completion", "status": "Completed"},
    ]
    assert doc["awardedDate"] == "2024-06-30T12:00:00Z"
    assert doc["credentialSubject"]["activityStartDate"] == "2024-04-01T09:00:00Z"
    assert doc["credentialSubject"]["narrative"] == "Built a parser."
    assert doc["evidence"] == [
        {
            "type": ["Evidence"],
            "id": "https://portfolio.example.org/ada",
            "name": "Final project",
            "genre": "Project",
            "description": "The parser and its tests.",
        }
    ]
    assert verify_credential(credential.document).valid


def test_results_left_empty_are_not_signed(client_as, graded):
    client_as("awarder").post(_url(graded), _form(graded, result_0="", result_1="", result_2=""))
    assert "result" not in json.loads(Credential.objects.get().document)["credentialSubject"]


@pytest.mark.parametrize(
    ("_case", "change", "field", "message"),
    [
        ("out of range", {"result_0": "101"}, "result_0", "&#x27;101&#x27; is outside the range"),
        ("not a number", {"result_0": "lots"}, "result_0", "must be a number"),
        ("not allowed", {"result_1": "F"}, "result_1", "Choose one of the values listed."),
        ("future award", {"awarded_date": "2999-01-01T00:00"}, "awarded_date", "This date is in the future"),
        (
            "ends before it began",
            {"activity_start_date": "2024-04-01T09:00", "activity_end_date": "2024-03-01T09:00"},
            "activity_end_date",
            "The activity cannot end before it began.",
        ),
    ],
)
def test_a_refused_value_is_shown_beside_its_input(client_as, graded, _case, change, field, message):
    page = client_as("awarder").post(_url(graded), _form(graded, **change)).content.decode()
    assert Credential.objects.count() == 0
    errors = re.search(rf'<ul class="errorlist" id="id_{field}_error"><li>(.*?)</li>', page)
    assert errors is not None, page
    assert message.replace("&#x27;", "") in errors.group(1).replace("&#x27;", "")


def test_an_achievement_chosen_on_the_page_draws_its_results_before_awarding(client_as, graded):
    # given: the page was drawn with no achievement chosen, so without result inputs
    # when
    page = client_as("awarder").post(_url(graded), _form(graded, results_for="")).content.decode()
    # then: nothing awarded, the inputs drawn, what was typed kept
    assert Credential.objects.count() == 0
    assert "Nothing was awarded yet: this achievement describes results." in page
    assert 'name="result_0"' in page
    assert 'value="ada@example.com"' in page
    assert f'<input type="hidden" name="results_for" value="{graded.pk}"' in page
    # and the next submission awards
    client_as("awarder").post(_url(graded), _form(graded, result_0="90"))
    assert json.loads(Credential.objects.get().document)["credentialSubject"]["result"][0]["value"] == "90"
