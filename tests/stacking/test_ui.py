"""The issuer's stacking pages: the permission matrix, the rule builder (without JavaScript), saving, the
preview and apply counts, deactivation and partnerships."""

from __future__ import annotations

import json
import re

import pytest

from badges.models import Achievement, Credential
from badges.services import AwardRequest, credential_issue
from issuer.models import AuditEvent
from stacking.models import Partnership, PartnershipStatus, Qualification
from stacking.services import partnership_answer, partnership_request, qualification_save
from tests.actors import owner
from tests.stacking.conftest import group, leaf
from tests.ui import conftest as ui
from tests.ui.conftest import expected_status

staff = ui.staff
client_as = ui.client_as

EVERYONE = [None, "stranger", "owner", "editor", "awarder", "viewer"]
VIEWERS = {"owner", "editor", "awarder", "viewer"}
# A rule awards credentials, so writing rules and partnerships takes both EDIT_ACHIEVEMENTS and AWARD (D34): of
# the roles, only owners have both. Editors may not: they cannot award.
RULE_WRITERS = {"owner"}
SUMMARY = "Data Analyst: all of Python Basics, SQL; at least 2 of Tableau, Power BI, Looker"


@pytest.fixture
def parts(make_achievement):
    names = {
        "python": "Python Basics",
        "sql": "SQL",
        "tableau": "Tableau",
        "power-bi": "Power BI",
        "looker": "Looker",
    }
    return {slug: make_achievement(slug, name=name) for slug, name in names.items()}


@pytest.fixture
def target(make_achievement):
    return make_achievement("data-analyst", name="Data Analyst", achievement_type="Certificate")


def analyst_rule(parts):
    return group(
        "all",
        leaf(parts["python"]),
        leaf(parts["sql"]),
        group("at_least", leaf(parts["tableau"]), leaf(parts["power-bi"]), leaf(parts["looker"]), n=2),
    )


@pytest.fixture
def qualification(issuer, parts, target):
    return qualification_save(issuer=issuer, achievement=target, rule=analyst_rule(parts), actor=owner(issuer))


def _issue(achievement, email):
    # No on-commit callbacks run here: stacking's listener does not see these awards (they are "existing").
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email),
        source="ui",
        notify=False,
        actor=owner(achievement.issuer),
    )


def _base(issuer):
    return f"/manage/{issuer.slug}/"


def _data(target=None, rule=None, op="update", **extra):
    data = {
        "achievement": str(target.pk) if target else "",
        "window_days": "",
        "on_component_loss": "revoke",
        "rule": json.dumps(rule) if rule is not None else "",
        "op": op,
    }
    data.update(extra)
    return data


def _rule(response):
    return json.loads(response.context["rule_json"])


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- the permission matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize(
    ("_case", "path", "allowed"),
    [
        ("list", "qualifications/", VIEWERS),
        ("create", "qualifications/new/", RULE_WRITERS),
        ("edit", "qualifications/{uuid}/", RULE_WRITERS),
        ("apply", "qualifications/{uuid}/apply/", RULE_WRITERS),
        ("deactivate", "qualifications/{uuid}/deactivate/", RULE_WRITERS),
        ("partnerships", "partnerships/", VIEWERS),
    ],
)
def test_pages_permission_matrix(client_as, issuer, qualification, who, _case, path, allowed):
    response = client_as(who).get(_base(issuer) + path.format(uuid=qualification.uuid))
    assert response.status_code == expected_status(who, allowed)
    if who is None:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", EVERYONE)
def test_create_post_permission_matrix(client_as, issuer, parts, target, who):
    data = _data(target, analyst_rule(parts), op="save")
    response = client_as(who).post(_base(issuer) + "qualifications/new/", data)
    if who in RULE_WRITERS:
        created = Qualification.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/manage/uni/qualifications/{created.uuid}/apply/"
        assert created.summary == SUMMARY.removeprefix("Data Analyst: ")
        assert AuditEvent.objects.filter(action="qualification.created").count() == 1
    else:
        assert response.status_code == expected_status(who, RULE_WRITERS)
        assert Qualification.objects.count() == 0
        assert AuditEvent.objects.filter(action="qualification.created").count() == 0


@pytest.mark.parametrize("who", EVERYONE)
def test_edit_post_permission_matrix(client_as, issuer, parts, qualification, who):
    rule = group("all", leaf(parts["python"]))
    response = client_as(who).post(_base(issuer) + f"qualifications/{qualification.uuid}/", _data(rule=rule, op="save"))
    qualification.refresh_from_db()
    if who in RULE_WRITERS:
        assert response.status_code == 302
        assert qualification.summary == "all of Python Basics"
    else:
        assert response.status_code == expected_status(who, RULE_WRITERS)
        assert qualification.summary == SUMMARY.removeprefix("Data Analyst: ")


@pytest.mark.parametrize("who", EVERYONE)
def test_apply_post_permission_matrix(
    client_as, issuer, parts, target, qualification, who, tasks_in_process, django_capture_on_commit_callbacks
):
    for slug in ("python", "sql", "tableau", "looker"):
        _issue(parts[slug], "ada@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(who).post(_base(issuer) + f"qualifications/{qualification.uuid}/apply/")
    stacked = Credential.objects.filter(achievement=target).count()
    if who in RULE_WRITERS:
        assert response.status_code == 302
        assert stacked == 1
    else:
        assert response.status_code == expected_status(who, RULE_WRITERS)
        assert stacked == 0
        assert AuditEvent.objects.filter(action="qualification.applied").count() == 0


@pytest.mark.parametrize("who", EVERYONE)
def test_deactivate_post_permission_matrix(client_as, issuer, qualification, who):
    response = client_as(who).post(_base(issuer) + f"qualifications/{qualification.uuid}/deactivate/")
    qualification.refresh_from_db()
    if who in RULE_WRITERS:
        assert response.status_code == 302
        assert qualification.active is False
    else:
        assert response.status_code == expected_status(who, RULE_WRITERS)
        assert qualification.active is True


@pytest.mark.parametrize("who", EVERYONE)
def test_partnership_request_permission_matrix(client_as, issuer, other_issuer, who):
    response = client_as(who).post(_base(issuer) + "partnerships/request/", {"partner": "other"})
    if who in RULE_WRITERS:
        assert response.status_code == 302
        assert Partnership.objects.get().status == PartnershipStatus.PENDING
    else:
        assert response.status_code == expected_status(who, RULE_WRITERS)
        assert Partnership.objects.count() == 0


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_partnership_answer_permission_matrix(client_as, issuer, other_issuer, who, decision):
    # `other` asks `uni`: uni's staff decide.
    partnership = partnership_request(issuer=other_issuer, partner=issuer, actor=owner(other_issuer))
    response = client_as(who).post(_base(issuer) + f"partnerships/{partnership.pk}/{decision}/")
    partnership.refresh_from_db()
    if who in RULE_WRITERS:
        assert response.status_code == 302
        expected = PartnershipStatus.ACCEPTED if decision == "accept" else PartnershipStatus.ENDED
        assert partnership.status == expected
    else:
        assert response.status_code == expected_status(who, RULE_WRITERS)
        assert partnership.status == PartnershipStatus.PENDING


def test_the_requester_cannot_answer_its_own_request(client_as, issuer, other_issuer):
    partnership = partnership_request(issuer=issuer, partner=other_issuer, actor=owner(issuer))
    response = client_as("owner").post(_base(issuer) + f"partnerships/{partnership.pk}/accept/")
    assert response.status_code == 404
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.PENDING


def test_another_issuers_qualification_is_a_404(client_as, other_issuer, qualification):
    response = client_as("stranger").get(f"/manage/{other_issuer.slug}/qualifications/{qualification.uuid}/")
    assert response.status_code == 404


def test_the_nav_links_to_qualifications(client_as, issuer):
    response = client_as("viewer").get(_base(issuer))
    assert f'href="/manage/{issuer.slug}/qualifications/"' in response.content.decode()


# --- the builder, through POSTs --------------------------------------------------------------------------


def _add(client, url, rule, *, achievement=None, kind=None, under="root", target=None):
    if achievement is not None:
        extra = {"new_achievement": str(achievement.uuid), "achievement_parent": under}
        response = client.post(url, _data(target, rule, op="add_achievement", **extra))
    else:
        response = client.post(url, _data(target, rule, op="add_group", group_kind=kind, group_parent=under))
    assert response.status_code == 200, response.context.get("notice")
    return response


def test_building_the_data_analyst_rule_step_by_step(client_as, issuer, parts, target):
    client = client_as("owner")
    url = _base(issuer) + "qualifications/new/"
    response = client.get(url)
    assert response.status_code == 200
    assert _rule(response) == {"kind": "all", "children": []}
    assert "The rule is not complete yet: the top group — a group needs at least one member." in _text(response)

    rule = _rule(_add(client, url, None, achievement=parts["python"], target=target))
    rule = _rule(_add(client, url, rule, achievement=parts["sql"], target=target))
    response = _add(client, url, rule, kind="at_least", target=target)
    rule = _rule(response)
    assert rule["children"][2] == {"kind": "at_least", "children": [], "n": 1}
    # The next achievement goes into the group just added, unless chosen otherwise.
    assert response.context["controls"]["achievement_parent"].value() == "2"
    assert "group 3 — a group needs at least one member" in _text(response)
    for slug in ("tableau", "power-bi", "looker"):
        rule = _rule(_add(client, url, rule, achievement=parts[slug], under="2", target=target))
    response = client.post(url, _data(target, rule, op="update", **{"n-2": "2"}))

    assert response.status_code == 200
    assert response.context["summary"] == SUMMARY
    assert f"<strong>{SUMMARY}</strong>" in _text(response)
    assert response.context["rule_error"] == ""
    assert _rule(response) == analyst_rule(parts)
    assert Qualification.objects.count() == 0  # building saves nothing

    response = client.post(url, _data(target, _rule(response), op="save"))
    created = Qualification.objects.get()
    assert response["Location"] == f"/manage/uni/qualifications/{created.uuid}/apply/"
    assert (created.achievement, created.rule) == (target, analyst_rule(parts))


def test_inline_changes_and_removal(client_as, issuer, parts, target):
    client = client_as("owner")
    url = _base(issuer) + "qualifications/new/"
    rule = analyst_rule(parts)
    # Changing the top group to "one of" and removing Power BI in the same round trip.
    response = client.post(url, _data(target, rule, op="remove:2.1", **{"kind-root": "any", "n-2": "1"}))
    assert response.context["summary"] == "Data Analyst: one of Python Basics, SQL, (at least 1 of Tableau, Looker)"
    response = client.post(url, _data(target, _rule(response), op="remove:2"))
    assert response.context["summary"] == "Data Analyst: one of Python Basics, SQL"
    response = client.post(url, _data(target, _rule(response), op="update", **{"kind-root": "credits"}))
    assert _rule(response)["credits"] == "1"
    assert 'id="credits-root"' in response.content.decode()
    assert response.context["summary"] == "Data Analyst: at least 1 credit from Python Basics, SQL"


@pytest.mark.parametrize(
    ("_case", "op", "extra", "message"),
    [
        ("remove a missing node", "remove:7", {}, "There is no node at 7."),
        ("add under a leaf", "add_achievement", {"achievement_parent": "0", "new_achievement": "{sql}"}, "not a group"),
        ("add an unknown achievement", "add_achievement", {"new_achievement": "{foreign}"}, "Choose an achievement"),
        ("add an unknown kind", "add_group", {"group_kind": "most", "group_parent": "root"}, "not a kind of group"),
    ],
)
def test_bad_builder_edits_are_refused(
    client_as, issuer, other_issuer, parts, target, make_achievement, _case, op, extra, message
):
    foreign = make_achievement("foreign", owner=other_issuer)
    rule = group("all", leaf(parts["python"]))
    values = {k: v.format(sql=parts["sql"].uuid, foreign=foreign.uuid) for k, v in extra.items()}
    response = client_as("owner").post(_base(issuer) + "qualifications/new/", _data(target, rule, op=op, **values))
    assert response.status_code == 400
    assert message in response.context["notice"]
    assert _rule(response) == rule


def test_a_tampered_rule_starts_over(client_as, issuer, target):
    response = client_as("owner").post(
        _base(issuer) + "qualifications/new/", {**_data(target), "rule": '{"kind": "eval"}'}
    )
    assert response.status_code == 400
    assert "The builder started again from an empty rule." in response.context["notice"]
    assert _rule(response) == {"kind": "all", "children": []}


def test_choices_are_own_unarchived_achievements_and_targets_without_a_rule(
    client_as, issuer, other_issuer, parts, target, qualification, make_achievement
):
    archived = make_achievement("old", name="Old Course")
    archived.archived = True
    archived.save()
    make_achievement("foreign", name="Foreign Course", owner=other_issuer)
    free = make_achievement("bi-analyst", name="BI Analyst")
    response = client_as("owner").get(_base(issuer) + "qualifications/new/")
    names = [
        name for _, options in response.context["controls"].fields["new_achievement"].choices[1:] for _, name in options
    ]
    assert names == ["BI Analyst", "Data Analyst", "Looker", "Power BI", "Python Basics", "SQL", "Tableau"]
    targets = list(response.context["form"].fields["achievement"].queryset.order_by("name"))
    assert free in targets and target not in targets and archived not in targets
    assert len(targets) == 6  # the five parts and BI Analyst


# --- saving ----------------------------------------------------------------------------------------------


def test_saving_a_cycle_is_refused(client_as, issuer, parts, target, qualification):
    # Python Basics awarded for holding Data Analyst, which needs Python Basics.
    rule = group("all", leaf(target))
    response = client_as("owner").post(_base(issuer) + "qualifications/new/", _data(parts["python"], rule, op="save"))
    assert response.status_code == 400
    assert response.context["rule_error"] == (
        "The rule would make a cycle: Python Basics needs Data Analyst needs Python Basics."
    )
    assert Qualification.objects.count() == 1


def test_saving_with_a_partner_that_has_not_accepted_is_refused(client_as, issuer, other_issuer, parts, target):
    course = Achievement.objects.create(issuer=other_issuer, slug="stats", name="Statistics", description="d")
    partnership_request(issuer=issuer, partner=other_issuer, actor=owner(issuer))  # pending, not accepted
    rule = group("all", leaf(parts["python"]), leaf(course))
    response = client_as("owner").post(_base(issuer) + "qualifications/new/", _data(target, rule, op="save"))
    assert response.status_code == 400
    assert response.context["rule_error"] == (
        "'Statistics' belongs to Other Academy, which has not accepted a partnership with Test University."
    )
    assert "Statistics" in response.content.decode()
    assert Qualification.objects.count() == 0


@pytest.mark.parametrize("n", ["4", "0", "two"])
def test_saving_an_invalid_n_is_refused(client_as, issuer, parts, target, n):
    response = client_as("owner").post(
        _base(issuer) + "qualifications/new/", _data(target, analyst_rule(parts), op="save", **{"n-2": n})
    )
    assert response.status_code == 400
    assert response.context["rule_error"] == (
        "The rule is not complete yet: group 3 — 'at least' needs a whole number N from 1 to 3 (its members)."
    )
    assert Qualification.objects.count() == 0


def test_saving_without_a_target_or_with_a_bad_window_is_refused(client_as, issuer, parts, target):
    url = _base(issuer) + "qualifications/new/"
    response = client_as("owner").post(url, _data(None, analyst_rule(parts), op="save"))
    assert response.status_code == 400
    assert response.context["form"].errors["achievement"] == ["This field is required."]
    response = client_as("owner").post(url, _data(target, analyst_rule(parts), op="save", window_days="0"))
    assert response.status_code == 400
    assert "window_days" in response.context["form"].errors
    assert Qualification.objects.count() == 0


def test_editing_keeps_the_target_and_saves_the_settings(client_as, issuer, parts, target, qualification):
    url = _base(issuer) + f"qualifications/{qualification.uuid}/"
    response = client_as("owner").get(url)
    assert response.context["summary"] == SUMMARY
    assert _rule(response) == analyst_rule(parts)
    data = _data(None, analyst_rule(parts), op="save", window_days="90", require_valid="on")
    data["on_component_loss"] = "suspend"
    data["achievement"] = str(parts["sql"].pk)  # ignored: the target of a rule is fixed
    response = client_as("owner").post(url, data)
    assert response.status_code == 302
    qualification.refresh_from_db()
    assert (qualification.achievement, qualification.window_days, qualification.require_valid) == (target, 90, True)
    assert qualification.on_component_loss == "suspend"


# --- preview and apply -----------------------------------------------------------------------------------


@pytest.fixture
def learners(parts):
    """ada qualifies; bob lacks a second tool; cy holds only SQL; dee qualifies with Power BI and Looker."""
    held = {
        "ada@example.org": ("python", "sql", "tableau", "looker"),
        "bob@example.org": ("python", "sql", "tableau"),
        "cy@example.org": ("sql",),
        "dee@example.org": ("python", "sql", "power-bi", "looker"),
    }
    for email, slugs in held.items():
        for slug in slugs:
            _issue(parts[slug], email)
    return held


def test_the_builder_preview_counts_current_learners(client_as, issuer, parts, target, learners):
    response = client_as("owner").post(_base(issuer) + "qualifications/new/", _data(target, analyst_rule(parts)))
    assert response.context["preview"] == (2, 4)
    assert "2 learners already qualify, of 4 holding at least one component." in _text(response)
    # One tool is enough: bob qualifies too.
    response = client_as("owner").post(
        _base(issuer) + "qualifications/new/", _data(target, analyst_rule(parts), **{"n-2": "1"})
    )
    assert "3 learners already qualify, of 4 holding at least one component." in _text(response)


def test_apply_shows_the_count_then_awards_exactly_those_who_qualify(
    client_as, issuer, parts, target, qualification, learners, tasks_in_process, django_capture_on_commit_callbacks
):
    url = _base(issuer) + f"qualifications/{qualification.uuid}/apply/"
    response = client_as("owner").get(url)
    assert "2 learners already qualify and will be awarded Data Analyst now" in _text(response)
    assert "Award Data Analyst to 2 learners" in _text(response)
    assert Credential.objects.filter(achievement=target).count() == 0  # the GET changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("owner").post(url, follow=True)
    assert "Applying the rule: 2 learners are being awarded Data Analyst." in _text(response)
    stacked = Credential.objects.filter(achievement=target)
    assert sorted(stacked.values_list("recipient_email", flat=True)) == ["ada@example.org", "dee@example.org"]
    assert set(stacked.values_list("source", flat=True)) == {"stacking"}
    # The list counts the stacked credentials.
    row = response.context["qualifications"].get()
    assert row.stacked == 2

    # Applying again awards nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        client_as("owner").post(url)
    assert Credential.objects.filter(achievement=target).count() == 2


def test_apply_with_nobody_qualifying_offers_no_button(client_as, issuer, parts, qualification, tasks_in_process):
    _issue(parts["sql"], "cy@example.org")
    url = _base(issuer) + f"qualifications/{qualification.uuid}/apply/"
    response = client_as("owner").get(url)
    text = _text(response)
    assert "No learner qualifies yet (1 holds at least one component)" in text
    assert "<button" not in text.split('id="apply-count"')[1].split("</main>")[0]
    response = client_as("owner").post(url)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="qualification.applied").count() == 0


def test_an_inactive_qualification_is_listed_and_not_applied(client_as, issuer, parts, qualification, learners):
    client_as("owner").post(_base(issuer) + f"qualifications/{qualification.uuid}/deactivate/")
    response = client_as("viewer").get(_base(issuer) + "qualifications/")
    text = _text(response)
    assert f"{SUMMARY}" in text and "Inactive" in text
    response = client_as("owner").get(_base(issuer) + f"qualifications/{qualification.uuid}/apply/")
    assert "This qualification is inactive, so it cannot be applied." in _text(response)
    client_as("owner").post(_base(issuer) + f"qualifications/{qualification.uuid}/apply/")
    assert AuditEvent.objects.filter(action="qualification.applied").count() == 0


# --- partnerships ----------------------------------------------------------------------------------------


def test_requesting_an_unknown_or_own_issuer_is_a_form_error(client_as, issuer):
    url = _base(issuer) + "partnerships/request/"
    response = client_as("owner").post(url, {"partner": "nowhere"})
    assert response.status_code == 400
    assert response.context["form"].errors["partner"] == ["There is no issuer “nowhere” on this platform."]
    response = client_as("owner").post(url, {"partner": "uni"})
    assert response.status_code == 400
    assert Partnership.objects.count() == 0


def test_partnership_request_accept_and_the_builder_choices(client_as, issuer, other_issuer, make_achievement):
    make_achievement("stats", name="Statistics", owner=other_issuer)
    make_achievement("python", name="Python Basics")
    builder_url = _base(issuer) + "qualifications/new/"

    def offered():
        response = client_as("owner").get(builder_url)
        choices = response.context["controls"].fields["new_achievement"].choices[1:]
        return [(label, [name for _, name in options]) for label, options in choices]

    client_as("owner").post(_base(issuer) + "partnerships/request/", {"partner": "other"})
    assert offered() == [("Test University", ["Python Basics"])]  # own only while pending
    # The partner sees the request and accepts it.
    partnership = Partnership.objects.get()
    page = client_as("stranger").get("/manage/other/partnerships/")
    assert "Test University" in _text(page) and "Accept" in _text(page)
    response = client_as("stranger").post(f"/manage/other/partnerships/{partnership.pk}/accept/", follow=True)
    assert "Test University may now use your achievements in its rules." in _text(response)
    assert offered() == [("Test University", ["Python Basics"]), ("Partner: Other Academy", ["Statistics"])]
    page = client_as("viewer").get(_base(issuer) + "partnerships/")
    assert "Accepted" in _text(page)
    # The partner ends it: the achievements are no longer offered.
    client_as("stranger").post(f"/manage/other/partnerships/{partnership.pk}/end/")
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ENDED
    assert offered() == [("Test University", ["Python Basics"])]


def test_declining_and_impossible_decisions(client_as, issuer, other_issuer):
    partnership = partnership_request(issuer=other_issuer, partner=issuer, actor=owner(other_issuer))
    client_as("owner").post(_base(issuer) + f"partnerships/{partnership.pk}/decline/")
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ENDED
    # A declined request cannot be accepted (the requester asks again); an unknown decision is a 404.
    response = client_as("owner").post(_base(issuer) + f"partnerships/{partnership.pk}/accept/", follow=True)
    assert "This partnership is ended: cannot accept." in _text(response)
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ENDED
    assert client_as("owner").post(_base(issuer) + f"partnerships/{partnership.pk}/approve/").status_code == 404


def test_an_accepted_partners_achievement_can_be_saved_in_a_rule(client_as, issuer, other_issuer, parts, target):
    course = Achievement.objects.create(issuer=other_issuer, slug="stats", name="Statistics", description="d")
    partnership_answer(
        partnership=partnership_request(issuer=issuer, partner=other_issuer, actor=owner(issuer)),
        accept=True,
        actor=owner(other_issuer),
    )
    rule = group("all", leaf(parts["python"]), leaf(course))
    response = client_as("owner").post(_base(issuer) + "qualifications/new/", _data(target, rule, op="save"))
    assert response.status_code == 302
    assert Qualification.objects.get().summary == "all of Python Basics, Statistics"
