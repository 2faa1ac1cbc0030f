"""Stacking and webhooks in German: the issuer's qualification, partnership and webhook pages, the rule builder's
errors, and the texts the rules compose for the learner (what a qualification needs, where the learner stands,
what to do next), with German plurals; English without the header. What a rule signs into the credentials it
awards, and what the API says, stay in the site's language whoever reads or saves (D51)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.utils import translation

from badges.models import Achievement, Credential
from badges.services import AwardRequest, credential_issue
from learners.views import LEARNER_SESSION_KEY
from stacking import rules
from stacking.services import partnership_request, qualification_progress, qualification_save
from tests.actors import owner
from webhooks.services import endpoint_create, endpoint_send_ping

pytestmark = pytest.mark.django_db
GERMAN = "de-DE,de;q=0.9"
ADA = "ada@example.org"
ENGLISH_SUMMARY = "all of Python Basics, SQL; at least 2 of Tableau, Power BI, Looker"
GERMAN_SUMMARY = "alle von Python Basics, SQL; mindestens 2 von Tableau, Power BI, Looker"


def _text(response) -> str:
    """The page's text, tags removed and whitespace collapsed, so assertions read like the page."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture
def parts(issuer):
    names = {"python": "Python Basics", "sql": "SQL", "tableau": "Tableau", "power-bi": "Power BI", "looker": "Looker"}
    return {
        slug: Achievement.objects.create(
            issuer=issuer,
            slug=slug,
            name=name,
            description=name,
            criteria_narrative="Pass it.",
            achievement_type="Course",
        )
        for slug, name in names.items()
    }


@pytest.fixture
def target(issuer):
    return Achievement.objects.create(
        issuer=issuer,
        slug="data-analyst",
        name="Data Analyst",
        description="Data Analyst",
        criteria_narrative="Complete the rule.",
        achievement_type="Certificate",
    )


def _leaf(achievement):
    return {"kind": "achievement", "achievement": str(achievement.uuid)}


def _analyst_rule(parts):
    return {
        "kind": "all",
        "children": [
            _leaf(parts["python"]),
            _leaf(parts["sql"]),
            {"kind": "at_least", "n": 2, "children": [_leaf(parts[s]) for s in ("tableau", "power-bi", "looker")]},
        ],
    }


@pytest.fixture
def qualification(issuer, parts, target):
    return qualification_save(issuer=issuer, achievement=target, rule=_analyst_rule(parts), actor=owner(issuer))


@pytest.fixture
def staff_client(client, issuer):
    client.force_login(owner(issuer))
    return client


def _award(achievement, email=ADA):
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email, name="Ada Lovelace"),
        source="ui",
        notify=False,
        actor=owner(achievement.issuer),
    )


def _learner_page(client, qualification, email=ADA, **headers):
    session = client.session
    session[LEARNER_SESSION_KEY] = email
    session.save()
    response = client.get(f"/me/qualifications/{qualification.uuid}/", **headers)
    assert response.status_code == 200
    return _text(response)


# --------------------------------------------------------------------------------------------------------------
# The issuer's pages


def test_the_qualification_list_is_german(staff_client, qualification):
    response = staff_client.get("/manage/uni/qualifications/", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert response.status_code == 200
    text = _text(response)
    assert "Qualifikationen" in text and "Neue Qualifikation" in text
    assert f"Data Analyst: {GERMAN_SUMMARY}" in text
    assert "Aktiv" in text
    assert "at least" not in text


def test_the_qualification_form_is_german(staff_client, qualification):
    response = staff_client.get(f"/manage/uni/qualifications/{qualification.uuid}/", HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Qualifikation für Data Analyst bearbeiten</h1>" in html
    assert "Verliehene Leistung" in html
    assert '<option value="at_least">Mindestens N von</option>' in html
    assert 'aria-label="SQL entfernen (die oberste Gruppe)"' in html
    assert '<label class="inline" for="n-2">N für Gruppe 3</label>' in html
    assert "Den kombinierten Nachweis widerrufen" in html
    assert f"Data Analyst: {GERMAN_SUMMARY}" in _text(response)


def test_a_rule_builder_error_is_german(staff_client, target):
    data = {"achievement": str(target.pk), "on_component_loss": "revoke", "rule": "", "op": "save"}

    response = staff_client.post("/manage/uni/qualifications/new/", data, HTTP_ACCEPT_LANGUAGE=GERMAN)
    edited = staff_client.post(
        "/manage/uni/qualifications/new/", {**data, "op": "remove:7"}, HTTP_ACCEPT_LANGUAGE=GERMAN
    )

    assert response.status_code == 400
    assert response.context["rule_error"] == (
        "Die Regel ist noch nicht vollständig: die oberste Gruppe – eine Gruppe braucht mindestens ein Mitglied."
    )
    assert edited.status_code == 400
    assert edited.context["notice"] == "An der Stelle 7 gibt es keinen Knoten."


def test_the_partnerships_page_is_german(staff_client, issuer, other_issuer):
    partnership_request(issuer=issuer, partner=other_issuer, actor=owner(issuer))

    response = staff_client.get("/manage/uni/partnerships/", HTTP_ACCEPT_LANGUAGE=GERMAN)
    refused = staff_client.post(
        "/manage/uni/partnerships/request/", {"partner": "nowhere"}, HTTP_ACCEPT_LANGUAGE=GERMAN
    )

    text = _text(response)
    assert "Partnerschaften" in text and "Ihre Anfragen" in text
    assert "Other Academy (other) Offen" in text
    assert refused.status_code == 400
    assert refused.context["form"].errors["partner"] == ["Auf dieser Plattform gibt es keinen Aussteller „nowhere“."]


def test_the_webhook_pages_are_german(staff_client, issuer):
    endpoint, _ = endpoint_create(
        issuer=issuer, url="https://hooks.example.org/badges", events=["credential.issued"], actor=owner(issuer)
    )
    endpoint_send_ping(endpoint=endpoint, actor=owner(issuer))  # its delivery waits for a commit this test never makes

    listing = staff_client.get("/manage/uni/webhooks/", HTTP_ACCEPT_LANGUAGE=GERMAN)
    detail = staff_client.get(f"/manage/uni/webhooks/{endpoint.uuid}/", HTTP_ACCEPT_LANGUAGE=GERMAN)
    refused = staff_client.post(
        "/manage/uni/webhooks/", {"url": "https://hooks.example.org/x", "events": ["ping"]}, HTTP_ACCEPT_LANGUAGE=GERMAN
    )

    assert "Endpunkt registrieren" in _text(listing)
    assert "Ein Nachweis wurde ausgestellt" in _text(listing)
    assert "Webhook-Endpunkt" in _text(detail) and "Letzte Zustellungen" in _text(detail)
    assert ">Ausstehend</span>" in detail.content.decode()
    assert refused.context["form"].errors["events"] == [
        "Bitte eine gültige Auswahl treffen. ping ist keine gültige Auswahl."
    ]


def test_the_issuer_pages_are_english_without_the_header(staff_client, qualification):
    listing = staff_client.get("/manage/uni/qualifications/")
    webhooks = staff_client.get("/manage/uni/webhooks/")

    assert f"Data Analyst: {ENGLISH_SUMMARY}" in _text(listing)
    assert "Register the endpoint" in _text(webhooks)
    assert "Qualifikationen" not in _text(listing)


# --------------------------------------------------------------------------------------------------------------
# The learner's qualification page


def test_the_learner_reads_where_they_stand_in_german_with_one_left(client, qualification, parts):
    for slug in ("python", "sql", "tableau"):
        _award(parts[slug])

    text = _learner_page(client, qualification, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert f"Erwerben Sie {GERMAN_SUMMARY}." in text
    assert "Erwerben Sie noch 1 weiteren Bestandteil aus: Power BI, Looker." in text
    assert "alle von (2 von 3 erfüllt)" in text
    assert "mindestens 2 von (1 erfüllt, 2 nötig)" in text
    assert "Python Basics (vorhanden)" in text and "Looker (fehlt)" in text


def test_the_learner_reads_the_plural_when_several_are_left(client, qualification, parts):
    _award(parts["python"])

    text = _learner_page(client, qualification, HTTP_ACCEPT_LANGUAGE=GERMAN)

    assert "Erwerben Sie SQL." in text
    assert "Erwerben Sie noch 2 weitere Bestandteile aus: Tableau, Power BI, Looker." in text


def test_the_learner_page_is_english_without_the_header(client, qualification, parts):
    for slug in ("python", "sql", "tableau"):
        _award(parts[slug])

    text = _learner_page(client, qualification)

    assert f"Earn {ENGLISH_SUMMARY}." in text
    assert "Complete 1 more of: Power BI, Looker." in text
    assert "all of (2 of 3 met)" in text


def test_the_public_page_says_what_a_badge_counts_towards_in_german(client, qualification, parts):
    credential = _award(parts["sql"])

    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE=GERMAN)

    text = _text(response)
    assert "Zählt zu Dieses Badge ist Teil von 1 größeren Qualifikation: Data Analyst von Test University" in text
    assert f"Erfordert {GERMAN_SUMMARY}." in text


def test_credits_read_with_the_reader_s_plural_and_decimal_comma():
    names = {"a": "A", "b": "B"}
    one = rules.parse({"kind": "credits", "credits": "1", "children": [{"kind": "achievement", "achievement": "a"}]})
    some = rules.parse({"kind": "credits", "credits": "7.5", "children": [{"kind": "achievement", "achievement": "b"}]})

    with translation.override("de"):
        assert rules.summary(one, names, for_reader=True) == "mindestens 1 Leistungspunkt aus A"
        assert rules.summary(some, names, for_reader=True) == "mindestens 7,5 Leistungspunkte aus B"
        assert rules.credits_number(Decimal("7.50")) == "7,5"
    with translation.override("en"):
        assert rules.summary(one, names, for_reader=True) == "at least 1 credit from A"
        assert rules.summary(some, names, for_reader=True) == "at least 7.5 credits from B"


# --------------------------------------------------------------------------------------------------------------
# What is signed, and what the API says, does not follow the reader


def test_a_qualification_saved_and_awarded_in_german_signs_the_same_text_as_in_english(
    issuer, parts, target, tasks_in_process, django_capture_on_commit_callbacks
):
    expected = f"Component of Data Analyst: {ENGLISH_SUMMARY}."
    with translation.override("de"):
        saved = qualification_save(issuer=issuer, achievement=target, rule=_analyst_rule(parts), actor=owner(issuer))
        with django_capture_on_commit_callbacks(execute=True):
            for slug in ("python", "sql", "tableau", "looker"):
                _award(parts[slug], "ada@example.org")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        for slug in ("python", "sql", "tableau", "looker"):
            _award(parts[slug], "bob@example.org")

    assert saved.summary == ENGLISH_SUMMARY
    stacked = Credential.objects.filter(achievement=target).order_by("recipient_email")
    assert [c.recipient_email for c in stacked] == ["ada@example.org", "bob@example.org"]
    narratives = [[item["narrative"] for item in json.loads(c.document)["evidence"]] for c in stacked]
    assert narratives == [[expected] * 4, [expected] * 4]


def test_the_api_s_words_stay_in_the_site_language_while_german_is_active(qualification, parts):
    _award(parts["python"])

    with translation.override("de"):
        lines = qualification_progress(qualification, ADA).lines
        with pytest.raises(rules.RuleError) as refused:
            rules.parse({"kind": "all", "children": []})

    assert lines[0] == "✗ all of (1 of 3 met)"
    assert str(refused.value) == "root: a group needs at least one member"
    with translation.override("de"):
        assert refused.value.for_reader() == "eine Gruppe braucht mindestens ein Mitglied"
