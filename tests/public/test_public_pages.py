"""Public issuer and achievement pages."""

from __future__ import annotations

import uuid

import pytest

from badges.models import Achievement


@pytest.fixture
def archived(issuer):
    return Achievement.objects.create(
        issuer=issuer,
        slug="old-course",
        name="Old Course",
        description="Retired.",
        criteria_narrative="Did it.",
        archived=True,
    )


@pytest.fixture
def elsewhere(other_issuer):
    return Achievement.objects.create(
        issuer=other_issuer, slug="theirs", name="Their Badge", description="Not ours.", criteria_narrative="x"
    )


def test_issuer_page_lists_its_current_achievements(client, issuer, achievement, archived, elsewhere):
    response = client.get("/issuers/uni/")
    html = response.content.decode()
    assert response.status_code == 200
    assert [a.pk for a in response.context["achievements"]] == [achievement.pk]
    assert '<article class="issuer-profile" aria-labelledby="issuer-profile-uni">' in html
    assert '<h1 id="issuer-profile-uni" class="profile-name">Test University</h1>' in html
    assert '<a href="https://uni.example.org" rel="nofollow noopener">https://uni.example.org</a>' in html
    assert f'<a href="/achievements/{achievement.uuid}">Python Basics</a>' in html
    assert "Old Course" not in html
    assert "Their Badge" not in html


def test_issuer_page_without_achievements(client, other_issuer):
    html = client.get("/issuers/other/").content.decode()
    assert "No badges are listed yet." in html


def test_unknown_issuer_is_404(client, db):
    assert client.get("/issuers/nobody/").status_code == 404


def test_achievement_page(client, achievement):
    response = client.get(f"/achievements/{achievement.uuid}")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="achievement-title">Python Basics</h1>' in html
    assert "Writes small Python programs.<br>Tests them too." in html
    assert "Pass the <strong>final</strong> assessment." in html
    assert "<dt>Type</dt><dd>Course</dd>" in html
    assert "<dt>Credits</dt><dd>3</dd>" in html
    assert (
        '<a href="https://example.org/skills/programming" rel="nofollow noopener">Programming</a> '
        '<span class="muted">(Example Skills, <code>P1</code>)</span>'
    ) in html
    assert '<span>Awarded by <a href="/issuers/uni/">Test University</a>.</span>' in html
    assert "no longer awards" not in html


def test_achievement_public_id_is_its_page(client, achievement):
    path = achievement.public_id.removeprefix("https://badges.example.test")
    assert client.get(path).status_code == 200


def test_archived_achievement_keeps_its_page(client, archived):
    html = client.get(f"/achievements/{archived.uuid}").content.decode()
    assert "Test University no longer awards this badge." in html


def test_unknown_achievement_is_404(client, db):
    assert client.get(f"/achievements/{uuid.uuid4()}").status_code == 404


def test_public_pages_are_read_only(client, achievement):
    assert client.post("/issuers/uni/").status_code == 405
    assert client.post(f"/achievements/{achievement.uuid}").status_code == 405
