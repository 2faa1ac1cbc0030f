"""/api/v1/issuers/<slug>/qualifications: list, create (idempotent), retrieve, change, deactivate, a learner's
progress; scopes, another issuer's qualifications (404, unchanged) and the session roles."""

from __future__ import annotations

import pytest

from badges.models import Achievement, Credential
from badges.services import AwardRequest, credential_issue
from issuer.models import AuditEvent
from stacking.models import Qualification
from stacking.services import qualification_save
from tests.actors import owner
from tests.api.conftest import SITE, ApiClient, assert_problem, make_token
from tests.api.test_issuer_api import patch, session
from tests.ui.conftest import staff  # noqa: F401 - fixture

URL = "/api/v1/issuers/uni/qualifications"


def url(qualification: Qualification, suffix: str = "") -> str:
    return f"/api/v1/issuers/{qualification.issuer.slug}/qualifications/{qualification.uuid}{suffix}"


def make(issuer, slug: str, **fields) -> Achievement:
    return Achievement.objects.create(
        issuer=issuer, slug=slug, name=slug.title(), description="x", criteria_narrative="x", **fields
    )


@pytest.fixture
def sql(issuer):
    return make(issuer, "sql")


@pytest.fixture
def developer(issuer):
    return make(issuer, "developer")


def both(*achievements: Achievement) -> dict:
    return {"kind": "all", "children": [{"kind": "achievement", "achievement": a.slug} for a in achievements]}


@pytest.fixture
def qualification(issuer, achievement, sql, developer):
    rule = {
        "kind": "all",
        "children": [{"kind": "achievement", "achievement": str(a.uuid)} for a in (achievement, sql)],
    }
    return qualification_save(issuer=issuer, achievement=developer, rule=rule, actor=owner(issuer))


@pytest.fixture
def other_qualification(other_issuer):
    part, whole = make(other_issuer, "part"), make(other_issuer, "whole")
    rule = {"kind": "any", "children": [{"kind": "achievement", "achievement": str(part.uuid)}]}
    return qualification_save(issuer=other_issuer, achievement=whole, rule=rule, actor=owner(other_issuer))


def test_create_with_slugs_in_the_rule(api, token, achievement, sql, developer):
    body = {"achievement": "developer", "rule": both(achievement, sql), "window_days": 365, "require_valid": True}

    response = api.post(URL, body)

    assert response.status_code == 201, response.content
    created = Qualification.objects.get()
    assert response["Location"] == f"{SITE}{URL}/{created.uuid}"
    answer = response.json()
    assert answer["achievement"]["slug"] == "developer"
    assert answer["rule"] == {
        "kind": "all",
        "children": [
            {"kind": "achievement", "achievement": str(achievement.uuid)},
            {"kind": "achievement", "achievement": str(sql.uuid)},
        ],
    }
    assert answer["summary"] == created.summary and "Python Basics" in created.summary
    assert (answer["window_days"], answer["require_valid"], answer["on_component_loss"], answer["active"]) == (
        365,
        True,
        "revoke",
        True,
    )
    assert AuditEvent.objects.get(action="qualification.created").actor_label == token[0].label


def test_create_is_idempotent_with_a_key(api, achievement, sql, developer):
    key = {"Idempotency-Key": "q-1"}
    body = {"achievement": "developer", "rule": both(achievement, sql)}

    first, again = api.post(URL, body, headers=key), api.post(URL, body, headers=key)

    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert Qualification.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"rule": {"kind": "all", "children": []}}, 400, "achievement"),
        ({"achievement": "developer"}, 400, "rule"),
        ({"achievement": "developer", "rule": {"kind": "some"}}, 422, "rule"),
        ({"achievement": "developer", "rule": {"kind": "all", "children": []}}, 422, "rule"),
        ({"achievement": "developer", "rule": both(Achievement(slug="nope"))}, 422, "rule"),
        ({"achievement": "nope", "rule": both(Achievement(slug="sql"))}, 422, "achievement"),
        ({"achievement": "sql", "rule": both(Achievement(slug="sql"))}, 422, "rule"),  # its own component
        ({"achievement": "developer", "rule": both(Achievement(slug="sql")), "window_days": 0}, 422, "window_days"),
        ({"achievement": "developer", "rule": both(Achievement(slug="sql")), "on_component_loss": "x"}, 400, None),
    ],
)
def test_create_refusals_create_nothing(api, sql, developer, body, status, field):
    problem = assert_problem(api.post(URL, body), status, "invalid-request")

    if field is not None:
        assert list(problem["errors"]) == [field]
    assert Qualification.objects.count() == 0


def test_a_second_rule_for_the_same_achievement_is_refused(api, qualification, sql):
    body = {"achievement": "developer", "rule": both(sql)}

    problem = assert_problem(api.post(URL, body), 422, "invalid-request", "already has a qualification rule")

    assert list(problem["errors"]) == ["achievement"]
    assert Qualification.objects.count() == 1


def test_list_retrieve_and_the_active_filter(api, qualification):
    listed = api.get(URL).json()

    assert (listed["count"], listed["results"][0]["id"]) == (1, str(qualification.uuid))
    assert api.get(url(qualification)).json() == listed["results"][0]
    assert api.get(URL, {"active": "no"}).json()["count"] == 0
    assert_problem(api.get(URL, {"active": "perhaps"}), 400, "invalid-request", "active")


def test_patch_keeps_what_it_does_not_name(api, qualification, sql):
    response = patch(api, url(qualification), {"window_days": 30, "on_component_loss": "suspend"})

    assert response.status_code == 200, response.content
    qualification.refresh_from_db()
    assert (qualification.window_days, qualification.on_component_loss) == (30, "suspend")
    assert len(qualification.rule["children"]) == 2
    changed = patch(api, url(qualification), {"rule": both(sql)})
    assert changed.json()["rule"]["children"] == [{"kind": "achievement", "achievement": str(sql.uuid)}]
    assert changed.json()["window_days"] == 30


def test_patch_with_a_bad_rule_changes_nothing(api, qualification):
    before = Qualification.objects.values().get(pk=qualification.pk)

    assert_problem(patch(api, url(qualification), {"rule": {"kind": "at_least", "n": 5}}), 422, "invalid-request")

    assert Qualification.objects.values().get(pk=qualification.pk) == before


def test_deactivate(api, qualification):
    response = api.post(url(qualification, "/deactivate"))

    assert (response.status_code, response.json()["active"]) == (200, False)
    assert api.post(url(qualification, "/deactivate")).status_code == 200
    assert AuditEvent.objects.filter(action="qualification.deactivated").count() == 1
    assert api.get(URL, {"active": "no"}).json()["count"] == 1


def test_progress(api, qualification, achievement, sql):
    nothing = api.get(url(qualification, "/progress"), {"email": "Ada@example.org"}).json()
    assert (nothing["email"], nothing["satisfied"], nothing["evidence"]) == ("ada@example.org", False, [])
    assert nothing["lines"]

    held = [
        credential_issue(
            request=AwardRequest(achievement=a, email="ada@example.org"),
            source="ui",
            notify=False,
            actor=owner(a.issuer),
        )
        for a in (achievement, sql)
    ]
    done = api.get(url(qualification, "/progress"), {"email": "ada@example.org"}).json()

    assert done["satisfied"] is True
    assert sorted(done["evidence"]) == sorted(c.public_id for c in held)


@pytest.mark.parametrize("params", [{}, {"email": "nobody"}, {"email": "a\x00@example.org"}])
def test_progress_needs_an_email(api, qualification, params):
    problem = assert_problem(api.get(url(qualification, "/progress"), params), 400, "invalid-request")

    assert list(problem["errors"]) == ["email"]


def _writes(client: ApiClient, qualification: Qualification, component: Achievement) -> tuple:
    """A create, a change and a deactivation: every write of the qualifications API."""
    return (
        client.post(URL, {"achievement": "sql", "rule": both(component)}),
        patch(client, url(qualification), {"window_days": 3}),
        client.post(url(qualification, "/deactivate")),
    )


def test_a_read_only_token_changes_nothing(issuer, qualification, sql):
    client = ApiClient(make_token(issuer, scopes=["stacking:read"])[1])
    before = Qualification.objects.values().get(pk=qualification.pk)

    for response in _writes(client, qualification, sql):
        assert_problem(response, 403, "insufficient-scope", "stacking:write")

    assert Qualification.objects.values().get(pk=qualification.pk) == before
    assert client.get(url(qualification, "/progress"), {"email": "a@example.org"}).status_code == 200


def test_another_issuers_qualification_is_404_and_unchanged(api, other_qualification):
    before = Qualification.objects.values().get(pk=other_qualification.pk)
    theirs = url(other_qualification)
    mine = theirs.replace("/issuers/other/", "/issuers/uni/")

    for path in (theirs, mine):
        assert_problem(api.get(path), 404, "not-found")
        assert_problem(patch(api, path, {"window_days": 3}), 404, "not-found")
        assert_problem(api.post(f"{path}/deactivate"), 404, "not-found")
        assert_problem(api.get(f"{path}/progress", {"email": "a@example.org"}), 404, "not-found")
    # another issuer's achievement named in a body is unknown too
    assert_problem(
        api.post(URL, {"achievement": "whole", "rule": both(Achievement(slug="part"))}), 422, "invalid-request"
    )

    assert Qualification.objects.values().get(pk=other_qualification.pk) == before
    assert Qualification.objects.count() == 1
    assert Credential.objects.count() == 0


@pytest.mark.parametrize("who", [None, "stranger", "owner", "editor", "awarder", "viewer"])
def test_session_roles(staff, issuer, achievement, sql, developer, who):  # noqa: F811
    client = session(staff, who)

    listed = client.get(URL)
    created = client.post(URL, {"achievement": "developer", "rule": both(achievement, sql)})

    expected_read = {None: 401, "stranger": 404}.get(who, 200)
    # A rule awards credentials: only owners have both EDIT_ACHIEVEMENTS and AWARD (D34); editors may not award.
    expected_create = {None: 401, "stranger": 404, "owner": 201}.get(who, 403)
    assert (listed.status_code, created.status_code) == (expected_read, expected_create)
    assert Qualification.objects.count() == (1 if expected_create == 201 else 0)


def test_a_token_writes_rules_only_with_a_scope_that_awards(issuer, achievement, sql, developer, qualification):
    # A rule awards credentials (D34): stacking:write alone is refused, as an editor is.
    rules_only = ApiClient(make_token(issuer, scopes=["stacking:write"])[1])
    before = Qualification.objects.values().get(pk=qualification.pk)

    for response in _writes(rules_only, qualification, achievement):
        assert_problem(response, 403, "insufficient-scope", "credentials:write or bulk:write")
    assert Qualification.objects.values().get(pk=qualification.pk) == before
    assert Qualification.objects.count() == 1

    awarding = ApiClient(make_token(issuer, scopes=["stacking:write", "credentials:write"])[1])
    assert awarding.post(URL, {"achievement": "sql", "rule": both(achievement)}).status_code == 201
