"""The learner's side of stacking: "Counts towards" and "Awarded for" on the public credential page (nothing
private), the private progress page per qualification under /me/, and the collection page's list."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.utils import timezone

from badges.services import credential_revoke, credential_suspend
from learners.views import LEARNER_SESSION_KEY
from stacking.models import StackedAward
from stacking.selectors import learner_progress, qualifications_for_learner
from stacking.services import qualification_deactivate, qualification_save
from tests.actors import owner
from tests.stacking.conftest import group, leaf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

ADA = "ada@example.org"
BROWSER = "text/html,application/xhtml+xml"
SUMMARY = "all of Python, Sql; at least 2 of Tableau, Power Bi, Looker"


@pytest.fixture
def analyst(issuer, make_achievement):
    """Data Analyst: all of Python, SQL; at least 2 of Tableau, Power BI, Looker."""
    parts = {slug: make_achievement(slug) for slug in ("python", "sql", "tableau", "power-bi", "looker")}
    target = make_achievement("data-analyst", name="Data Analyst", achievement_type="Certificate")
    rule = group(
        "all",
        leaf(parts["python"]),
        leaf(parts["sql"]),
        group("at_least", leaf(parts["tableau"]), leaf(parts["power-bi"]), leaf(parts["looker"]), n=2),
    )
    return qualification_save(issuer=issuer, achievement=target, rule=rule, actor=owner(issuer)), parts


def _text(html: str) -> str:
    """The page's text, tags removed and whitespace collapsed, so assertions read like the page."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _public(client, credential) -> str:
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 200
    return response.content.decode()


def _sign_in(client, email=ADA):
    session = client.session
    session[LEARNER_SESSION_KEY] = email
    session.save()


def _progress_page(client, qualification, email=ADA):
    _sign_in(client, email)
    response = client.get(f"/me/qualifications/{qualification.uuid}/")
    assert response.status_code == 200
    return response.content.decode()


# --------------------------------------------------------------------------------------------------------------
# The public credential page


def test_a_component_page_says_what_it_counts_towards(client, analyst, award, issuer):
    qualification, parts = analyst
    credential = award(parts["sql"])
    html = _public(client, credential)
    text = _text(html)
    assert f"Counts towards This badge is part of 1 larger qualification: Data Analyst by {issuer.name}" in text
    assert f"Needs {SUMMARY}." in text
    assert f'<a href="/achievements/{qualification.achievement.uuid}">Data Analyst</a>' in html
    # Public: nothing about this learner's progress.
    assert ADA not in html
    assert "met" not in re.findall(r"\b\w+\b", text)
    assert "Comprehensive Learner Record" not in text
    assert "Awarded for" not in text


def test_only_active_rules_are_listed(client, analyst, award, make_achievement):
    qualification, parts = analyst
    unrelated = award(make_achievement("cooking"))
    assert "Counts towards" not in _public(client, unrelated)
    credential = award(parts["looker"])
    assert "Counts towards" in _public(client, credential)
    qualification_deactivate(qualification=qualification, actor=owner(qualification.issuer))
    assert "Counts towards" not in _public(client, credential)


def test_a_stacked_credential_page_lists_its_components_and_the_clr(client, analyst, award):
    qualification, parts = analyst
    components = [award(parts[slug]) for slug in ("python", "sql", "tableau", "looker")]
    stacked = StackedAward.objects.get(qualification=qualification).credential
    html = _public(client, stacked)
    section = html[html.index('id="stacked-from-title"') : html.index("</section>", html.index("stacked-from-title"))]
    assert re.findall(r'<li><a href="([^"]+)">', section) == [c.public_id for c in components]
    assert "This qualification was awarded for 4 credentials:" in _text(section)
    assert f'href="/credentials/{stacked.uuid}/clr"' in html
    assert "Download the Comprehensive Learner Record (CLR 2.0)" in html
    # A component is no stacked credential: no CLR of its own.
    assert "/clr" not in _public(client, components[0])


def test_a_revoked_stacked_credential_offers_no_clr(client, analyst, award):
    qualification, parts = analyst
    for slug in ("python", "sql", "tableau", "looker"):
        award(parts[slug])
    stacked = StackedAward.objects.get(qualification=qualification).credential
    credential_revoke(credential=stacked, reason="Test.", actor=owner(stacked.issuer))
    html = _public(client, stacked)
    assert "Awarded for" in html
    assert "/clr" not in html


# --------------------------------------------------------------------------------------------------------------
# The learner's progress page


def test_progress_of_a_learner_one_choice_short(client, analyst, award):
    qualification, parts = analyst
    held = {slug: award(parts[slug]) for slug in ("python", "sql", "tableau")}
    html = _progress_page(client, qualification)
    text = _text(html)
    assert "✗ Not completed yet" in text
    assert f"Earn {SUMMARY}." in text
    tree = html[html.index('class="rule-tree"') : html.index("</ul>", html.index('class="rule-tree"'))]
    assert [_text(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", tree, re.S)] == [
        "✗ all of (2 of 3 met)",
        "✓ Python (held)",
        "✓ Sql (held)",
        "✗ at least 2 of (1 met, 2 needed)",
        "✓ Tableau (held)",
        "✗ Power Bi (missing)",
        "✗ Looker (missing)",
    ]
    assert f'<a href="{held["python"].public_id}">Python (held)</a>' in tree
    assert f'<a href="/achievements/{parts["looker"].uuid}">Looker (missing)</a>' in tree
    assert "What to do next Complete 1 more of: Power Bi, Looker. See: Power Bi , Looker" in text
    held_list = html[html.index('class="held"') : html.index("</ul>", html.index('class="held"'))]
    assert re.findall(r'href="([^"]+)"', held_list) == [held[s].public_id for s in ("python", "sql", "tableau")]
    missing = html[html.index('class="missing"') : html.index("</ul>", html.index('class="missing"'))]
    assert re.findall(r'href="([^"]+)"', missing) == [
        f"/achievements/{parts['power-bi'].uuid}",
        f"/achievements/{parts['looker'].uuid}",
    ]
    assert "Not needed" not in text


def test_progress_of_a_learner_missing_exactly_one_component(client, analyst, award):
    qualification, parts = analyst
    for slug in ("python", "tableau", "looker"):
        award(parts[slug])
    standing = learner_progress(qualification, ADA)
    assert [m.achievement.slug for m in standing.needed] == ["sql"]
    assert [m.achievement.slug for m in standing.optional] == ["power-bi"]
    assert [step.text for step in standing.steps] == ["Earn Sql."]
    text = _text(_progress_page(client, qualification))
    assert "What to do next Earn Sql. See: Sql" in text
    assert "Missing Sql by Test University" in text
    assert "Not needed Power Bi its group is met without it" in text
    assert "Power Bi (missing) (not needed: its group is met)" in text


def test_progress_of_a_learner_who_completed_it(client, analyst, award):
    qualification, parts = analyst
    for slug in ("python", "sql", "tableau", "looker"):
        award(parts[slug])
    stacked = StackedAward.objects.get(qualification=qualification).credential
    html = _progress_page(client, qualification)
    text = _text(html)
    assert "✓ Completed" in text
    assert f'<a href="{stacked.public_id}">Data Analyst credential</a>' in html
    assert "What to do next" not in text
    assert "Missing" not in text


def test_the_window_and_validity_rules_in_words(client, issuer, make_achievement, award):
    parts = [make_achievement("a"), make_achievement("b")]
    target = make_achievement("ab", name="AB")
    qualification = qualification_save(
        issuer=issuer,
        achievement=target,
        rule=group("all", *map(leaf, parts)),
        window_days=30,
        require_valid=True,
        actor=owner(issuer),
    )
    award(parts[0])
    text = _text(_progress_page(client, qualification))
    assert "Every component used must be earned within 30 days of the first one." in text
    assert "Components count only while they are valid: an expired or suspended credential does not count." in text
    other = qualification_save(
        issuer=issuer,
        achievement=make_achievement("ba", name="BA"),
        rule=group("any", *map(leaf, parts)),
        actor=owner(issuer),
    )
    text = _text(_progress_page(client, other))
    assert "No time limit: components count whenever you earned them." in text
    assert "Expired or suspended components still count. A revoked credential never counts." in text


def test_a_suspended_component_does_not_count_when_the_rule_requires_valid_ones(
    client, issuer, make_achievement, award
):
    parts = [make_achievement("a", name="Alpha"), make_achievement("b", name="Beta")]
    qualification = qualification_save(
        issuer=issuer,
        achievement=make_achievement("ab", name="AB"),
        rule=group("all", *map(leaf, parts)),
        require_valid=True,
        actor=owner(issuer),
    )
    alpha = award(parts[0])
    credential_suspend(credential=alpha, reason="Review.", actor=owner(alpha.issuer))
    standing = learner_progress(qualification, ADA)
    assert standing.held == []
    assert [(m.achievement.name, m.not_counting) for m in standing.needed] == [("Alpha", [alpha]), ("Beta", [])]
    text = _text(_progress_page(client, qualification))
    assert "Your credential of it is suspended, so it does not count." in text


def test_all_components_held_but_not_within_the_window(client, issuer, make_achievement, award):
    parts = [make_achievement("a", name="Alpha"), make_achievement("b", name="Beta")]
    qualification = qualification_save(
        issuer=issuer,
        achievement=make_achievement("ab", name="AB"),
        rule=group("all", *map(leaf, parts)),
        window_days=30,
        actor=owner(issuer),
    )
    award(parts[0], valid_from=timezone.now() - timedelta(days=100))
    award(parts[1])
    standing = learner_progress(qualification, ADA)
    assert standing.satisfied is False
    assert standing.steps == []
    text = _text(_progress_page(client, qualification))
    assert "✗ Not completed yet" in text
    assert "You hold every component the rule needs, but not all earned within 30 days of the first one." in text


def test_credits_steps_name_the_credits_still_needed(issuer, make_achievement, award):
    parts = [make_achievement(s, name=s.title(), credits=c) for s, c in (("a", 3), ("b", 2), ("c", 2))]
    qualification = qualification_save(
        issuer=issuer,
        achievement=make_achievement("credits", name="Credits"),
        rule=group("credits", *map(leaf, parts), credits="6"),
        actor=owner(issuer),
    )
    award(parts[0])
    standing = learner_progress(qualification, ADA)
    assert [step.text for step in standing.steps] == ["Earn 3 more credits from: B (2 credits), C (2 credits)."]
    assert [row.text for row in standing.rows][0] == "at least 6 credits from (3 of 6 credits held)"


@pytest.mark.parametrize(
    ("_case", "email"),
    [("learner without any component", "bob@example.org"), ("another learner of the issuer", "eve@example.org")],
)
def test_a_learner_without_any_component_gets_404(client, analyst, award, make_achievement, _case, email):
    qualification, parts = analyst
    award(parts["python"])  # Ada's
    award(make_achievement("cooking"), email="eve@example.org")
    _sign_in(client, email)
    assert client.get(f"/me/qualifications/{qualification.uuid}/").status_code == 404


def test_a_deactivated_or_unknown_qualification_is_404(client, analyst, award):
    qualification, parts = analyst
    award(parts["python"])
    _sign_in(client)
    assert client.get("/me/qualifications/00000000-0000-4000-8000-000000000000/").status_code == 404
    qualification_deactivate(qualification=qualification, actor=owner(qualification.issuer))
    assert client.get(f"/me/qualifications/{qualification.uuid}/").status_code == 404


def test_someone_not_signed_in_is_sent_to_sign_in(client, analyst, award):
    qualification, parts = analyst
    award(parts["python"])
    response = client.get(f"/me/qualifications/{qualification.uuid}/")
    assert response.status_code == 302
    assert response["Location"] == "/me/"


def test_the_collection_lists_qualifications_in_progress(
    client, analyst, award, issuer, django_capture_on_commit_callbacks, tasks_in_process
):
    qualification, parts = analyst
    award(parts["python"])
    award(parts["sql"])
    # Through the real e-mailed link, like a learner.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/", {"email": ADA})
    token = re.search(r"/me/sign-in/([A-Za-z0-9_\-]+)/", mail.outbox[-1].body).group(1)
    assert client.post(f"/me/sign-in/{token}/").status_code == 302
    html = client.get("/me/credentials/").content.decode()
    text = _text(html)
    assert "Your qualifications in progress" in text
    assert f"Data Analyst by {issuer.name} : in progress, 2 components held" in text
    assert f'href="/me/qualifications/{qualification.uuid}/"' in html
    assert [q.pk for q in qualifications_for_learner(ADA)] == [qualification.pk]


def test_the_collection_of_a_learner_without_components_has_no_qualifications(client, analyst, award, make_achievement):
    award(make_achievement("cooking"))
    _sign_in(client)
    html = client.get("/me/credentials/").content.decode()
    assert "Your qualifications in progress" not in html
    assert qualifications_for_learner(ADA) == []
