"""Stacking in a real browser: sign in, build a rule with a nested group in the builder (no JavaScript needed),
save it, see how many current learners qualify, apply it, and find the stacked credential among the awards. The
database is only used to create the starting achievements and awards and to check the outcome."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from badges.models import Achievement, Credential
from badges.services import AwardRequest, credential_issue
from stacking.models import Qualification
from tests.actors import owner
from tests.e2e import test_issuer_flow as issuer_flow

_sign_in = issuer_flow._sign_in
_nav = issuer_flow._nav
a11y = issuer_flow.a11y
tasks_in_process = issuer_flow.tasks_in_process

PARTS = {"python": "Python Basics", "sql": "SQL", "tableau": "Tableau", "power-bi": "Power BI", "looker": "Looker"}
SUMMARY = "Data Analyst: all of Python Basics, SQL; at least 2 of Tableau, Power BI, Looker"


@pytest.fixture
def catalogue(issuer):
    """The five courses and the certificate; ada holds enough of them, bob lacks a second tool."""
    made = {
        slug: Achievement.objects.create(
            issuer=issuer, slug=slug, name=name, description=f"{name}.", achievement_type="Course"
        )
        for slug, name in {**PARTS, "data-analyst": "Data Analyst"}.items()
    }
    for email, slugs in {
        "ada@example.org": ("python", "sql", "tableau", "looker"),
        "bob@example.org": ("python", "sql", "tableau"),
    }.items():
        for slug in slugs:
            credential_issue(
                request=AwardRequest(achievement=made[slug], email=email),
                source="ui",
                notify=False,
                actor=owner(issuer),
            )
    return made


def _add_achievement(page: Page, name: str) -> None:
    adder = page.get_by_role("group", name="Add an achievement")
    adder.get_by_label("Achievement", exact=True).select_option(label=name)
    adder.get_by_role("button", name="Add achievement").click()
    expect(page.locator(".rule-leaf", has_text=name)).to_have_count(1)


def test_issuer_builds_and_applies_a_qualification(
    live_server, transactional_db, issuer, catalogue, page, screenshot, tasks_in_process, a11y
):
    base = live_server.url
    _sign_in(page, base)
    expect(page).to_have_url(f"{base}/manage/uni/")

    # 1. The qualifications page, then a new one.
    _nav(page, "Qualifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Qualifications")
    expect(page.get_by_text("No qualification yet.")).to_be_visible()
    a11y(page)
    page.get_by_role("link", name="New qualification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New qualification")
    page.get_by_label("Achievement awarded").select_option(label="Data Analyst")

    # 2. Build: two achievements in the top group, then a nested "at least N" group with three tools.
    _add_achievement(page, "Python Basics")
    _add_achievement(page, "SQL")
    adder = page.get_by_role("group", name="Add a group")
    adder.get_by_label("Kind of group").select_option("at_least")
    adder.get_by_role("button", name="Add group").click()
    expect(page.get_by_role("group", name="Group 3")).to_be_visible()
    expect(page.get_by_text("group 3 — a group needs at least one member")).to_be_visible()
    for name in ("Tableau", "Power BI", "Looker"):
        _add_achievement(page, name)  # into the group just added
    nested = page.get_by_role("group", name="Group 3")
    expect(nested.locator(".rule-leaf")).to_have_count(3)
    page.get_by_label("N for group 3").fill("2")
    page.get_by_role("button", name="Update", exact=True).click()

    # 3. The summary and the preview, before anything is saved.
    summary = page.get_by_role("region", name="Summary")
    expect(summary.locator(".summary")).to_have_text(SUMMARY)
    expect(summary).to_contain_text("1 learner already qualifies, of 2 holding at least one component.")
    expect(page.get_by_label("Achievement awarded")).to_have_value(str(catalogue["data-analyst"].pk))
    assert Qualification.objects.count() == 0
    a11y(page)
    screenshot("qualification-builder")

    # 4. Save: the count comes first, then the explicit action.
    page.get_by_role("button", name="Create the qualification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply to current learners")
    expect(page.get_by_text("Created the qualification for Data Analyst.")).to_be_visible()
    expect(page.locator("#apply-count")).to_contain_text(
        "1 learner already qualifies and will be awarded Data Analyst now"
    )
    a11y(page)
    page.get_by_role("button", name="Award Data Analyst to 1 learner").click()
    expect(page.get_by_text("Applying the rule: 1 learner is being awarded Data Analyst.")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Data Analyst"))
    expect(row).to_contain_text(SUMMARY)
    expect(row.get_by_role("cell").nth(3)).to_have_text("1")

    # 5. The stacked credential is among the awards.
    _nav(page, "Awards")
    awarded = page.get_by_role("row", name=re.compile("ada@example.org.*Data Analyst"))
    expect(awarded).to_have_count(1)
    expect(awarded).to_contain_text("Active")
    expect(page.get_by_role("row", name=re.compile("bob@example.org.*Data Analyst"))).to_have_count(0)
    a11y(page)

    stacked = Credential.objects.get(achievement=catalogue["data-analyst"])
    assert (stacked.recipient_email, stacked.source) == ("ada@example.org", "stacking")
    assert a11y.offenders == []
