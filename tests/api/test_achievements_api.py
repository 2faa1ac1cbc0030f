"""/api/v1/issuers/<slug>/achievements: list (search, filters, pages), create (idempotent), retrieve, change,
archive, unarchive; scopes, another issuer's achievements (404, unchanged) and the session roles."""

from __future__ import annotations

import pytest

from badges.models import Achievement
from issuer.models import AuditEvent
from tests.actors import owner
from tests.api.conftest import SITE, ApiClient, assert_problem, make_token
from tests.api.test_issuer_api import patch, session
from tests.ui.conftest import staff  # noqa: F401 - fixture

URL = "/api/v1/issuers/uni/achievements"
NEW = {
    "name": "Data Cleaning",
    "description": "Cleans a data set.",
    "criteria_narrative": "Submit a cleaned data set.",
    "tags": ["data", "Python", "data"],
    "credits_available": "1.50",
    "alignments": [{"target_name": "Wrangling", "target_url": "https://example.org/skills/wrangling"}],
    "result_descriptions": [{"name": "Final", "resultType": "Percent", "requiredValue": "70"}],
}


def url(achievement: Achievement, suffix: str = "") -> str:
    return f"/api/v1/issuers/{achievement.issuer.slug}/achievements/{achievement.uuid}{suffix}"


@pytest.fixture
def other_achievement(other_issuer):
    return Achievement.objects.create(
        issuer=other_issuer, slug="theirs", name="Theirs", description="x", criteria_narrative="x"
    )


@pytest.fixture
def archived(issuer):
    return Achievement.objects.create(
        issuer=issuer, slug="old", name="Old Badge", description="x", criteria_narrative="x", archived=True
    )


def test_create(api, token, issuer, user):
    response = api.post(URL, NEW)

    assert response.status_code == 201, response.content
    created = Achievement.objects.get(issuer=issuer, slug="data-cleaning")
    body = response.json()
    assert response["Location"] == f"{SITE}{URL}/{created.uuid}"
    assert body["id"] == str(created.uuid)
    assert (body["slug"], body["version"], body["archived"], body["credential_count"]) == (
        "data-cleaning",
        "1",
        False,
        0,
    )
    assert body["tags"] == ["data", "Python"]
    assert body["credits_available"] == "1.50"
    assert body["public_id"] == f"{SITE}/achievements/{created.uuid}"
    assert body["alignments"][0]["target_url"] == "https://example.org/skills/wrangling"
    assert body["result_descriptions"] == [{"name": "Final", "resultType": "Percent", "requiredValue": "70"}]
    assert created.alignments.count() == 1
    event = AuditEvent.objects.get(action="achievement.created")
    assert event.actor == user  # the token's creator


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"criteria_narrative": ""}, "criteria_narrative"),
        ({"achievement_type": "Sandwich"}, "achievement_type"),
        ({"slug": "python-basics"}, "slug"),  # taken
        ({"in_language": "english please"}, "in_language"),
        ({"alignments": [{"target_name": "x", "target_url": "nope"}]}, "alignments"),
    ],
)
def test_a_create_the_rules_refuse_is_422_and_creates_nothing(api, achievement, change, field):
    problem = assert_problem(api.post(URL, {**NEW, **change}), 422, "invalid-request")

    assert field in problem["errors"]
    assert not Achievement.objects.filter(name="Data Cleaning").exists()
    assert not AuditEvent.objects.filter(action="achievement.created").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [({"colour": "red"}, "colour"), ({"tags": "a,b"}, "tags"), ({"validity_days": 0}, "validity_days")],
)
def test_a_create_of_the_wrong_shape_is_400(api, issuer, change, field):
    problem = assert_problem(api.post(URL, {**NEW, **change}), 400, "invalid-request")

    assert list(problem["errors"]) == [field]
    assert not Achievement.objects.filter(issuer=issuer, name="Data Cleaning").exists()


def test_create_is_idempotent_with_a_key(api, issuer):
    key = {"Idempotency-Key": "ach-1"}

    first = api.post(URL, NEW, headers=key)
    again = api.post(URL, dict(reversed(list(NEW.items()))), headers=key)  # same members, another order
    other = api.post(URL, {**NEW, "name": "Something Else"}, headers=key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert_problem(other, 422, "idempotency-key-reused")
    assert Achievement.objects.filter(issuer=issuer).count() == 1


def test_list_hides_archived_and_searches(api, achievement, archived):
    assert [a["slug"] for a in api.get(URL).json()["results"]] == ["python-basics"]
    assert [a["slug"] for a in api.get(URL, {"archived": "yes"}).json()["results"]] == ["old"]
    assert [a["slug"] for a in api.get(URL, {"archived": "any"}).json()["results"]] == ["old", "python-basics"]
    assert [a["slug"] for a in api.get(URL, {"q": "haskell"}).json()["results"]] == []
    assert [a["slug"] for a in api.get(URL, {"q": "PYTHON"}).json()["results"]] == ["python-basics"]
    assert [a["slug"] for a in api.get(URL, {"tag": "Python"}).json()["results"]] == ["python-basics"]
    assert api.get(URL, {"achievement_type": "Course"}).json()["count"] == 1
    assert api.get(URL, {"type": "Course"}).json()["count"] == 1
    # Only the types and tags the issuer uses are filters (the issuer's page offers just those).
    assert_problem(api.get(URL, {"achievement_type": "Certificate"}), 400, "invalid-request", "achievement_type")
    assert_problem(api.get(URL, {"tag": "haskell"}), 400, "invalid-request", "tag")
    assert_problem(api.get(URL, {"archived": "maybe"}), 400, "invalid-request", "archived")
    assert_problem(api.get(URL, {"q": "a\x00b"}), 400, "invalid-request", "q: Null characters")


def test_list_pages(api, issuer):
    for number in range(3):
        Achievement.objects.create(
            issuer=issuer, slug=f"a{number}", name=f"A{number}", description="x", criteria_narrative="x"
        )

    page = api.get(URL, {"limit": 2, "offset": 1})

    assert page["X-Total-Count"] == "3"
    body = page.json()
    assert (body["count"], [a["slug"] for a in body["results"]]) == (3, ["a1", "a2"])
    assert body["next"] is None
    assert body["previous"] == f"{SITE}{URL}?limit=2"
    assert api.get(URL, {"offset": 10}).json()["results"] == []
    assert_problem(api.get(URL, {"limit": 0}), 400, "invalid-request", "limit")


def test_retrieve(api, achievement):
    body = api.get(url(achievement)).json()

    assert (body["id"], body["name"], body["achievement_type"]) == (str(achievement.uuid), "Python Basics", "Course")
    assert body["alignments"][0]["target_code"] == "P1"


def test_patch_changes_and_counts_the_version_up(api, achievement):
    response = patch(api, url(achievement), {"name": "Python Fundamentals", "tags": ["python", "intro"]})

    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["version"]) == ("Python Fundamentals", "2")
    achievement.refresh_from_db()
    assert (achievement.name, achievement.tags, achievement.slug) == (
        "Python Fundamentals",
        ["python", "intro"],
        "python-basics",
    )
    assert achievement.alignments.count() == 1  # not named: kept


def test_patch_refusals(api, achievement):
    assert_problem(patch(api, url(achievement), {"version": "9"}), 400, "invalid-request", "version")
    problem = assert_problem(patch(api, url(achievement), {"criteria_narrative": ""}), 422, "invalid-request")
    assert list(problem["errors"]) == ["criteria_narrative"]
    achievement.refresh_from_db()
    assert (achievement.version, achievement.criteria_narrative) == ("1", "Pass the **final** assessment.")


def test_archive_and_unarchive(api, achievement):
    archived = api.post(url(achievement, "/archive"))
    twice = api.post(url(achievement, "/archive"))

    assert (archived.status_code, archived.json()["archived"], twice.status_code) == (200, True, 200)
    assert AuditEvent.objects.filter(action="achievement.archived").count() == 1
    assert api.post(url(achievement, "/unarchive")).json()["archived"] is False
    achievement.refresh_from_db()
    assert achievement.archived is False


def test_a_read_only_token_changes_nothing(issuer, achievement):
    client = ApiClient(make_token(issuer, scopes=["achievements:read"])[1])
    before = Achievement.objects.values().get(pk=achievement.pk)

    for response in (
        client.post(URL, NEW),
        patch(client, url(achievement), {"name": "X"}),
        client.post(url(achievement, "/archive")),
    ):
        assert_problem(response, 403, "insufficient-scope", "achievements:write")

    assert Achievement.objects.values().get(pk=achievement.pk) == before
    assert Achievement.objects.count() == 1
    assert client.get(url(achievement)).status_code == 200


def test_another_issuers_achievement_is_404_and_unchanged(api, other_achievement):
    before = Achievement.objects.values().get(pk=other_achievement.pk)
    theirs = url(other_achievement)
    mine = theirs.replace("/issuers/other/", "/issuers/uni/")

    for path in (theirs, mine):
        assert_problem(api.get(path), 404, "not-found")
        assert_problem(patch(api, path, {"name": "Mine"}), 404, "not-found")
        assert_problem(api.post(f"{path}/archive"), 404, "not-found")
    assert_problem(api.post("/api/v1/issuers/other/achievements", NEW), 404, "not-found", "No such issuer.")
    assert_problem(api.get(mine), 404, "not-found", "No such achievement.")

    assert Achievement.objects.values().get(pk=other_achievement.pk) == before
    assert Achievement.objects.count() == 1


@pytest.mark.parametrize("who", [None, "stranger", "owner", "editor", "awarder", "viewer"])
def test_session_roles(staff, achievement, who):  # noqa: F811
    client = session(staff, who)

    read = client.get(url(achievement))
    create = client.post(URL, NEW)

    expected_read = {None: 401, "stranger": 404}.get(who, 200)
    expected_create = {None: 401, "stranger": 404, "owner": 201, "editor": 201}.get(who, 403)
    assert (read.status_code, create.status_code) == (expected_read, expected_create)
    assert Achievement.objects.filter(name="Data Cleaning").count() == (1 if expected_create == 201 else 0)


@pytest.mark.parametrize("ref", ["²", "9" * 30, "", "  "])
def test_an_unusable_achievement_reference_is_unknown_everywhere(api, achievement, ref):
    # "²" is a digit to str.isdigit() but no number to int(); 30 digits overflow the database's integer.
    award = api.post("/api/v1/issuers/uni/credentials", {"achievement": ref, "email": "ada@example.org"})
    listed = api.get("/api/v1/issuers/uni/credentials", {"achievement": ref})
    job = api.post("/api/v1/issuers/uni/bulk-jobs", {"achievement": ref, "rows": [{"email": "ada@example.org"}]})
    rule = {"kind": "any", "children": [{"kind": "achievement", "achievement": ref}]}
    qualification = api.post("/api/v1/issuers/uni/qualifications", {"achievement": "python-basics", "rule": rule})

    assert award.status_code in (400, 422) and "achievement" in award.json()["errors"]
    assert listed.status_code == 200 if not ref.strip() else listed.status_code == 400
    assert job.status_code == 400 and "achievement" in job.json()["errors"]
    assert qualification.status_code == 422 and list(qualification.json()["errors"]) == ["rule"]


def test_delete_an_achievement_never_used(api, issuer):
    unused = Achievement.objects.create(
        issuer=issuer, slug="draft", name="Draft", description="d", criteria_narrative="c"
    )

    response = api.delete(url(unused))

    assert response.status_code == 204
    assert not Achievement.objects.filter(pk=unused.pk).exists()
    event = AuditEvent.objects.get(action="achievement.deleted")
    assert (event.data["slug"], event.data["uuid"]) == ("draft", str(unused.uuid))
    assert api.get(url(unused)).status_code == 404


def test_an_awarded_achievement_is_archived_not_deleted(api, achievement):
    from badges.services import AwardRequest, credential_issue

    credential_issue(
        request=AwardRequest(achievement=achievement, email="a@example.org"),
        source="api",
        notify=False,
        actor=owner(achievement.issuer),
    )

    response = api.delete(url(achievement))

    assert_problem(
        response,
        409,
        "invalid-state",
        "'Python Basics' has been awarded 1 time: archive it instead (its credentials stay valid).",
    )
    assert Achievement.objects.filter(pk=achievement.pk).exists()
    assert not AuditEvent.objects.filter(action="achievement.deleted").exists()


def test_an_achievement_in_a_stacking_rule_is_not_deleted(api, issuer, achievement):
    from stacking.services import qualification_save

    target = Achievement.objects.create(
        issuer=issuer, slug="cert", name="Cert", description="d", criteria_narrative="c"
    )
    qualification_save(
        issuer=issuer,
        achievement=target,
        rule={"kind": "all", "children": [{"kind": "achievement", "achievement": str(achievement.uuid)}]},
        actor=owner(issuer),
    )

    assert_problem(
        api.delete(url(achievement)),
        409,
        "invalid-state",
        "'Python Basics' is part of a stacking rule: archive it instead.",
    )
    assert_problem(
        api.delete(url(target)), 409, "invalid-state", "'Cert' is part of a stacking rule: archive it instead."
    )
    assert Achievement.objects.filter(pk__in=[achievement.pk, target.pk]).count() == 2


@pytest.mark.parametrize(
    ("_case", "job_achievement", "data"),
    [
        ("named by the job", True, b"email\nada@example.org\n"),
        ("named by a row only", False, b"email,achievement\nada@example.org,python-basics\n"),
    ],
)
def test_an_achievement_in_a_bulk_job_is_not_deleted(api, issuer, achievement, _case, job_achievement, data):
    from bulk.jobs import bulk_job_create

    bulk_job_create(
        issuer=issuer,
        data=data,
        filename="cohort.csv",
        achievement=achievement if job_achievement else None,
        actor=owner(issuer),
    )

    assert_problem(
        api.delete(url(achievement)),
        409,
        "invalid-state",
        "'Python Basics' is named by a bulk job: archive it instead.",
    )
    assert Achievement.objects.filter(pk=achievement.pk).exists()
    assert not AuditEvent.objects.filter(action="achievement.deleted").exists()


def test_deleting_needs_the_write_scope_and_the_own_issuer(issuer, other_issuer, achievement):
    read_only = ApiClient(make_token(issuer, scopes=["achievements:read"])[1])
    stranger = ApiClient(make_token(other_issuer)[1])

    assert read_only.delete(url(achievement)).status_code == 403
    assert stranger.delete(url(achievement).replace("/uni/", "/other/")).status_code == 404
    assert Achievement.objects.filter(pk=achievement.pk).exists()
