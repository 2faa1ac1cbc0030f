"""The achievement pages of the issuer UI: edit, archive, list and detail (permissions and create:
test_achievements.py)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from badges.models import Achievement, Credential
from badges.services import CredentialError, credential_revoke, credential_suspend
from badges.verify import verify_credential
from tests.actors import owner
from tests.ui.achievement_pages import (
    _audit,
    _edit_data,
    _issue,
    _png,
    _state,
    _url,
)

# --- edit ------------------------------------------------------------------------------------------------


def test_edit_page_says_issued_credentials_keep_their_version(client_as, achievement):
    _issue(achievement, "a@example.com")
    _issue(achievement, "b@example.com")
    html = client_as("editor").get(_url("achievement-edit", achievement.issuer, achievement.pk)).content.decode()
    assert "2 credentials already issued keep the version they were signed with" in html
    assert "saving a change that new credentials carry makes it version 2" in html
    assert 'value="Python Basics"' in html and 'value="https://example.org/skills/programming"' in html
    assert 'name="version"' not in html  # counted up, never typed


def test_edit_that_reaches_credentials_bumps_the_version(client_as, achievement):
    data = _edit_data(achievement, description="Writes and tests Python programs.", tags="python, testing")
    response = client_as("editor").post(_url("achievement-edit", achievement.issuer, achievement.pk), data)
    assert response.status_code == 302
    achievement.refresh_from_db()
    assert (achievement.description, achievement.tags, achievement.version) == (
        "Writes and tests Python programs.",
        ["python", "testing"],
        "2",
    )
    assert _audit("achievement.updated") == [
        (str(achievement.pk), "editor", {"changed": ["description", "tags", "version"], "version": "2"})
    ]


def test_edit_outside_the_credential_keeps_the_version(client_as, achievement):
    data = _edit_data(achievement, slug="py-basics", validity_days="30")
    assert (
        client_as("editor").post(_url("achievement-edit", achievement.issuer, achievement.pk), data).status_code == 302
    )
    achievement.refresh_from_db()
    assert (achievement.slug, achievement.validity_days, achievement.version) == ("py-basics", 30, "1")
    assert _audit("achievement.updated")[0][2] == {"changed": ["slug", "validity_days"], "version": "1"}


def test_edit_without_changes_writes_nothing(client_as, achievement):
    before = _state()
    response = client_as("editor").post(
        _url("achievement-edit", achievement.issuer, achievement.pk), _edit_data(achievement), follow=True
    )
    assert response.status_code == 200
    assert _state() == before
    assert "Nothing was changed." in response.content.decode()


def test_a_save_never_silently_overwrites_a_newer_one(client_as, achievement, user):
    from badges.achievements import achievement_update

    data = _edit_data(achievement, description="Mine.")  # the form as loaded before the other save
    achievement_update(achievement=achievement, actor=user, data={"human_code": "THEIRS-1"})
    client = client_as("editor")
    response = client.post(_url("achievement-edit", achievement.issuer, achievement.pk), data)
    assert response.status_code == 200
    assert "Someone else saved this achievement while you were editing it (it is now version 2)" in (
        response.content.decode()
    )
    assert ">\nMine.</textarea>" in response.content.decode()
    achievement.refresh_from_db()
    assert (achievement.description, achievement.human_code) == (
        "Writes small Python programs.\nTests them too.",
        "THEIRS-1",
    )
    # Saving again from the page shown is a deliberate overwrite, and goes through.
    data["edit_token"] = response.context["form"].data["edit_token"]
    assert client.post(_url("achievement-edit", achievement.issuer, achievement.pk), data).status_code == 302
    achievement.refresh_from_db()
    assert (achievement.description, achievement.human_code, achievement.version) == ("Mine.", "", "3")


def test_issued_credential_is_untouched_by_an_edit_and_a_new_one_carries_it(client_as, achievement):
    old = _issue(achievement)
    document_before = old.document
    data = _edit_data(achievement, name="Python Fundamentals", criteria_narrative="Pass the new exam.")
    assert (
        client_as("owner").post(_url("achievement-edit", achievement.issuer, achievement.pk), data).status_code == 302
    )

    old.refresh_from_db()
    assert old.document == document_before
    assert verify_credential(old.document).valid
    embedded_old = json.loads(old.document)["credentialSubject"]["achievement"]
    assert (embedded_old["name"], embedded_old["version"]) == ("Python Basics", "1")

    achievement.refresh_from_db()
    new = _issue(achievement, "next@example.com")
    embedded = json.loads(new.document)["credentialSubject"]["achievement"]
    assert (embedded["name"], embedded["version"], embedded["criteria"]) == (
        "Python Fundamentals",
        "2",
        {"narrative": "Pass the new exam."},
    )
    assert embedded["id"] == embedded_old["id"]
    assert verify_credential(new.document).valid


def test_replacing_the_image_keeps_the_old_file_for_issued_credentials(client_as, achievement):
    from django.core.files.storage import default_storage

    client = client_as("owner")
    data = _edit_data(achievement, image=SimpleUploadedFile("a.png", _png(), content_type="image/png"))
    assert client.post(_url("achievement-edit", achievement.issuer, achievement.pk), data).status_code == 302
    achievement.refresh_from_db()
    first = achievement.image.name
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle cx="4" cy="4" r="4"/></svg>'
    data = _edit_data(achievement, image=SimpleUploadedFile("b.svg", svg, content_type="image/svg+xml"))
    assert client.post(_url("achievement-edit", achievement.issuer, achievement.pk), data).status_code == 302
    achievement.refresh_from_db()
    assert achievement.image.name.endswith(".svg") and achievement.image.name != first
    assert default_storage.exists(first)
    assert achievement.version == "3"
    data = _edit_data(achievement, **{"image-clear": "on"})
    assert client.post(_url("achievement-edit", achievement.issuer, achievement.pk), data).status_code == 302
    achievement.refresh_from_db()
    assert (achievement.image.name, achievement.version) == ("", "4")


# --- archive ---------------------------------------------------------------------------------------------


def test_archived_achievement_is_hidden_and_cannot_be_awarded(client_as, achievement):
    client = client_as("editor")
    client.post(_url("achievement-archive", achievement.issuer, achievement.pk), {"archived": "1"})
    achievement.refresh_from_db()
    with pytest.raises(CredentialError, match="archived"):
        _issue(achievement)
    listed = client.get(_url("achievement-list", achievement.issuer)).context["page"].object_list
    assert list(listed) == []
    listed = client.get(_url("achievement-list", achievement.issuer), {"archived": "yes"}).context["page"]
    assert [a.pk for a in listed] == [achievement.pk]
    # Archiving again changes nothing and records nothing.
    client.post(_url("achievement-archive", achievement.issuer, achievement.pk), {"archived": "1"})
    assert len(_audit("achievement.archived")) == 1
    client.post(_url("achievement-archive", achievement.issuer, achievement.pk), {"archived": "0"})
    achievement.refresh_from_db()
    assert achievement.archived is False
    assert _issue(achievement).achievement_id == achievement.pk


# --- list and detail -------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(issuer, achievement):
    def make(slug, name, **fields):
        fields.setdefault("description", f"About {name}.")
        fields.setdefault("criteria_narrative", "Do it.")
        return Achievement.objects.create(issuer=issuer, slug=slug, name=name, **fields)

    make("sql", "SQL Fundamentals", achievement_type="Course", tags=["sql", "databases"], human_code="CS-140")
    make("viz", "Data Visualization", achievement_type="Badge", tags=["visualization"], description="Charts.")
    make("stats", "Statistics", achievement_type="Certificate", tags=["math"], description="Uses SQL queries too.")
    make("old", "Old Python", achievement_type="Course", tags=["python"], archived=True)
    return issuer


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, ["Data Visualization", "Python Basics", "SQL Fundamentals", "Statistics"]),
        ({"q": "sql"}, ["SQL Fundamentals", "Statistics"]),  # name, tag and description
        ({"q": "cs-140"}, ["SQL Fundamentals"]),  # human code
        ({"q": "DATABASES"}, ["SQL Fundamentals"]),  # a tag, any case
        ({"q": "python"}, ["Python Basics"]),  # archived ones stay hidden
        ({"q": "python", "archived": "any"}, ["Old Python", "Python Basics"]),
        ({"archived": "yes"}, ["Old Python"]),
        ({"type": "Course"}, ["Python Basics", "SQL Fundamentals"]),
        ({"tag": "visualization"}, ["Data Visualization"]),
        ({"tag": "python", "archived": "any"}, ["Old Python", "Python Basics"]),
        ({"type": "Course", "q": "sql"}, ["SQL Fundamentals"]),
        ({"q": "nothing like this"}, []),
        ({"type": "NotAType"}, ["Data Visualization", "Python Basics", "SQL Fundamentals", "Statistics"]),
    ],
)
def test_search_and_filters_return_exactly_the_matching_rows(client_as, catalogue, params, names):
    response = client_as("viewer").get(_url("achievement-list", catalogue), params)
    assert response.status_code == 200
    assert [a.name for a in response.context["page"]] == names


def test_list_rows_show_type_version_count_and_state(client_as, catalogue, achievement):
    _issue(achievement, "a@example.com")
    _issue(achievement, "b@example.com")
    response = client_as("viewer").get(_url("achievement-list", catalogue), {"archived": "any"})
    rows = {a.name: (a.achievement_type, a.version, a.credential_count, a.archived) for a in response.context["page"]}
    assert rows["Python Basics"] == ("Course", "1", 2, False)
    assert rows["Old Python"] == ("Course", "1", 0, True)
    html = response.content.decode()
    assert "Archived</span>" in html
    assert f'href="{_url("achievement-detail", catalogue, achievement.pk)}">Python Basics</a>' in html


def test_list_is_paginated_by_25(client_as, issuer):
    for n in range(30):
        Achievement.objects.create(
            issuer=issuer, slug=f"a{n:02d}", name=f"A{n:02d}", description="d", criteria_narrative="n"
        )
    client = client_as("viewer")
    first = client.get(_url("achievement-list", issuer))
    assert [a.name for a in first.context["page"]] == [f"A{n:02d}" for n in range(25)]
    assert 'href="?page=2"' in first.content.decode()
    second = client.get(_url("achievement-list", issuer), {"page": "2", "q": "A"})
    assert [a.name for a in second.context["page"]] == [f"A{n:02d}" for n in range(25, 30)]
    assert 'href="?page=1&amp;q=A"' in second.content.decode()


def test_detail_shows_every_field_counts_and_links(client_as, achievement):
    Achievement.objects.filter(pk=achievement.pk).update(
        criteria_url="https://example.org/criteria", human_code="CS-101", in_language="en", validity_days=90
    )
    _issue(achievement, "a@example.com")
    credential_revoke(
        credential=_issue(achievement, "b@example.com"), reason="mistake", actor=owner(achievement.issuer)
    )
    credential_suspend(credential=_issue(achievement, "c@example.com"), actor=owner(achievement.issuer))
    _issue(achievement, "d@example.com")
    response = client_as("viewer").get(_url("achievement-detail", achievement.issuer, achievement.pk))
    assert response.status_code == 200
    assert response.context["counts"] == {"active": 2, "suspended": 1, "revoked": 1, "total": 4}
    html = response.content.decode()
    assert "Pass the <strong>final</strong> assessment." in html
    assert f'href="{reverse("badges:award-list", args=[achievement.issuer.slug])}?achievement={achievement.pk}"' in html
    for text in (
        "Writes small Python programs.<br>Tests them too.",
        "Course",
        "python",
        "CS-101",
        ">en<",
        "90 days after the award",
        "https://example.org/criteria",
        "Programming",
        "Example Skills",
        "CFItem",
        "Final",
        "Percent",
        ">70<",
        achievement.public_id,
    ):
        assert text in html, text
    # A viewer sees no edit controls; the server would refuse them anyway.
    assert _url("achievement-edit", achievement.issuer, achievement.pk) not in html
    assert Credential.objects.filter(achievement=achievement).count() == 4
