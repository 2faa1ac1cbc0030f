"""The lists' filters (badges.filters) mean the same on the issuer's pages and in the API: each case runs through
both lists and must select the same rows; an invalid value is reported and ignored by the page, and a 400 naming
the parameter in the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from api.services import token_create
from badges.models import Achievement, Credential
from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend
from tests.actors import owner


@pytest.fixture
def page(client, issuer):
    """A client signed in as the issuer's owner."""
    client.force_login(issuer.memberships.get(role="owner").user)
    return client


@pytest.fixture
def api(issuer):
    """A client sending an API token of the issuer."""
    _, secret = token_create(issuer=issuer, name="filters", actor=owner(issuer))
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _award(achievement, email, *, name="", source="ui"):
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email, name=name),
        source=source,
        actor=owner(achievement.issuer),
    )


@pytest.fixture
def awards(issuer, achievement):
    """Awards in every state, of two achievements and two sources; one was issued 40 days ago."""
    sql = Achievement.objects.create(issuer=issuer, slug="sql", name="SQL", description="d", criteria_narrative="c")
    _award(achievement, "ada@example.com", name="Ada Lovelace")
    _award(sql, "grace@example.com", name="Grace Hopper")
    _award(sql, "alan@example.com", source="api")
    credential_revoke(
        credential=_award(achievement, "rev@example.com"), reason="mistake", actor=owner(achievement.issuer)
    )
    credential_suspend(
        credential=_award(achievement, "sus@example.com"), reason="review", actor=owner(achievement.issuer)
    )
    old = _award(achievement, "old@example.com")
    later = _award(achievement, "later@example.com")
    now = timezone.now()
    Credential.objects.filter(pk=old.pk).update(
        valid_from=now - timedelta(days=400), valid_until=now - timedelta(days=1)
    )
    # Not valid yet: it is still listed as active, as on the page.
    Credential.objects.filter(pk=later.pk).update(valid_from=now + timedelta(days=5))
    Credential.objects.filter(recipient_email="ada@example.com").update(created_at=now - timedelta(days=40))
    return {"python": achievement, "sql": sql}


def _page_emails(page, params):
    """The e-mail addresses the award list shows, and the page."""
    response = page.get("/manage/uni/awards/", params)
    assert response.status_code == 200
    return [row["credential"].recipient_email for row in response.context["rows"]], response.content.decode()


def _api_response(api, params):
    return api.get("/api/v1/issuers/uni/credentials", params)


def _api_emails(api, params):
    response = _api_response(api, params)
    assert response.status_code == 200, response.content
    return [item["recipient_email"] for item in response.json()["results"]]


ALL = ["later", "old", "sus", "rev", "alan", "grace", "ada"]
SINCE = (timezone.now() - timedelta(days=10)).date().isoformat()


@pytest.mark.parametrize(
    ("_case", "params", "expected"),
    [
        ("no filter", {}, ALL),
        ("search in the e-mail, any case", {"q": "GRACE@example"}, ["grace"]),
        ("search in the name", {"q": "lovelace"}, ["ada"]),
        ("active: not expired, not yet valid included", {"status": "active"}, ["later", "alan", "grace", "ada"]),
        ("expired: computed from validUntil", {"status": "expired"}, ["old"]),
        ("suspended as stored", {"status": "suspended"}, ["sus"]),
        ("revoked as stored", {"status": "revoked"}, ["rev"]),
        ("achievement by slug", {"achievement": "sql"}, ["alan", "grace"]),
        ("source", {"source": "api"}, ["alan"]),
        ("issued since a date", {"since": SINCE}, ALL[:-1]),
        ("issued_since, the API's name", {"issued_since": SINCE}, ALL[:-1]),
        ("issued since a date-time", {"issued_since": f"{SINCE}T00:00:00Z"}, ALL[:-1]),
        ("e-mail, any case", {"email": " ADA@example.com "}, ["ada"]),
        ("combined", {"status": "active", "q": "example.com", "source": "ui"}, ["later", "grace", "ada"]),
        ("blank values filter nothing", {"q": "", "status": "", "achievement": " ", "since": ""}, ALL),
    ],
)
def test_the_page_and_the_api_select_the_same_credentials(page, api, awards, _case, params, expected):
    on_page, _ = _page_emails(page, params)
    in_api = _api_emails(api, params)

    assert on_page == [f"{name}@example.com" for name in expected]
    assert in_api == on_page


def test_an_achievement_by_id_uuid_or_slug_is_the_same_filter(page, api, awards):
    sql = awards["sql"]
    for ref in (str(sql.pk), str(sql.uuid), sql.slug):
        on_page, _ = _page_emails(page, {"achievement": ref})
        assert on_page == ["alan@example.com", "grace@example.com"]
        assert _api_emails(api, {"achievement": ref}) == on_page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "pending"}, "Select a valid choice. pending is not one of the available choices."),
        ({"source": "fax"}, "Select a valid choice. fax is not one of the available choices."),
        ({"achievement": "no-such-badge"}, "That achievement is not one of this issuer's."),
        ({"since": "31.01.2030"}, "Enter a date, like 2030-01-31."),
        ({"issued_since": "2026-13-45"}, "An ISO 8601 date-time, such as 2026-06-01T00:00:00Z."),
        ({"q": "a\x00b"}, "Null characters are not allowed."),
    ],
)
def test_an_invalid_value_is_ignored_on_the_page_and_refused_by_the_api(page, api, awards, params, message):
    [name] = params
    # On the page, a valid filter beside it still applies: status=revoked (or, for status itself, none).
    on_page, html = _page_emails(page, params if name == "status" else {**params, "status": "revoked"})
    response = _api_response(api, params)

    assert on_page == ([f"{n}@example.com" for n in ALL] if name == "status" else ["rev@example.com"])
    assert escape(f"{message} This filter was ignored.") in html
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {name: [message]}


# ----- achievements


@pytest.fixture
def catalogue(issuer, achievement):
    def make(slug, name, **fields):
        fields.setdefault("description", f"About {name}.")
        return Achievement.objects.create(issuer=issuer, slug=slug, name=name, criteria_narrative="Do it.", **fields)

    make("sql", "SQL Fundamentals", achievement_type="Course", tags=["sql", "Databases"], human_code="CS-140")
    make("viz", "Data Visualization", achievement_type="Badge", tags=["visualization"], description="Charts.")
    make("stats", "Statistics", achievement_type="Certificate", tags=["math"], description="Uses SQL queries too.")
    make("old", "Old Python", achievement_type="Course", tags=["python"], archived=True)
    return issuer


@pytest.mark.parametrize(
    ("_case", "params", "expected"),
    [
        ("archived hidden by default", {}, ["viz", "python-basics", "sql", "stats"]),
        ("search in name, tag and description", {"q": "sql"}, ["sql", "stats"]),
        ("search in the human code", {"q": "cs-140"}, ["sql"]),
        ("archived only", {"archived": "yes"}, ["old"]),
        ("archived too", {"q": "python", "archived": "any"}, ["old", "python-basics"]),
        ("type", {"type": "Course"}, ["python-basics", "sql"]),
        ("achievement_type, the API's name", {"achievement_type": "Course"}, ["python-basics", "sql"]),
        ("tag in the issuer's spelling", {"tag": "Databases"}, ["sql"]),
        ("tag in any case", {"tag": "databases"}, ["sql"]),
        ("combined", {"type": "Course", "q": "sql"}, ["sql"]),
    ],
)
def test_the_page_and_the_api_select_the_same_achievements(page, api, catalogue, _case, params, expected):
    on_page = [a.slug for a in page.get("/manage/uni/achievements/", params).context["page"]]
    response = api.get("/api/v1/issuers/uni/achievements", params)

    assert on_page == expected
    assert [item["slug"] for item in response.json()["results"]] == on_page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "Diploma"}, "Select a valid choice. Diploma is not one of the available choices."),
        ({"tag": "haskell"}, "Select a valid choice. haskell is not one of the available choices."),
        ({"archived": "maybe"}, "Select a valid choice. maybe is not one of the available choices."),
    ],
)
def test_an_invalid_achievement_filter_is_ignored_on_the_page_and_refused_by_the_api(
    page, api, catalogue, params, message
):
    response = page.get("/manage/uni/achievements/", params)
    refused = api.get("/api/v1/issuers/uni/achievements", params)

    assert [a.slug for a in response.context["page"]] == ["viz", "python-basics", "sql", "stats"]
    assert message in response.content.decode()
    assert refused.status_code == 400
    assert refused.json()["errors"] == {next(iter(params)): [message]}
