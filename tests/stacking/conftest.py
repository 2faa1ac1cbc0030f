"""Fixtures for stacking: achievements of a Data Analyst certificate, a way to award them, and in-process tasks."""

from __future__ import annotations

import pytest

from badges.models import Achievement
from badges.services import AwardRequest, credential_issue
from tests.actors import owner


@pytest.fixture
def make_achievement(issuer):
    def make(slug, *, name=None, credits=None, owner=None, achievement_type="Course"):
        return Achievement.objects.create(
            issuer=owner or issuer,
            slug=slug,
            name=name or slug.replace("-", " ").title(),
            description=f"{slug} description",
            criteria_narrative="Pass it.",
            achievement_type=achievement_type,
            credits_available=credits,
        )

    return make


@pytest.fixture
def award(django_capture_on_commit_callbacks):
    """Award as the UI does, with everything queued after commit run (stacking's listener and task included)."""

    def give(achievement, email="ada@example.org", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return credential_issue(
                request=AwardRequest(achievement=achievement, email=email, name="Ada Lovelace", **extra),
                source="ui",
                notify=False,
                actor=owner(achievement.issuer),
            )

    return give


def leaf(achievement):
    return {"kind": "achievement", "achievement": str(achievement.uuid)}


def group(kind, *children, **extra):
    return {"kind": kind, "children": list(children), **extra}
