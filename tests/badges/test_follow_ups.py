"""The award follow-ups (baking, e-mail) reach services only through badges.follow_ups, filled in by the app."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from badges import follow_ups
from badges.models import Credential
from badges.services import AwardRequest, credential_issue
from badges.tasks import AWARD_FOLLOW_UPS
from tests.actors import owner


def test_the_app_registers_the_tasks_follow_ups():
    assert follow_ups._registered == [AWARD_FOLLOW_UPS]


def test_an_award_is_refused_rather_than_issued_without_its_follow_ups(achievement, monkeypatch):
    # given: nothing registered, as when the app's ready() never ran
    monkeypatch.setattr(follow_ups, "_registered", [])
    # when / then: no award that would silently go without its e-mail
    with pytest.raises(ImproperlyConfigured, match="No award follow-ups are registered"):
        credential_issue(
            request=AwardRequest(achievement=achievement, email="lea@example.com"),
            source="ui",
            actor=owner(achievement.issuer),
        )
    assert Credential.objects.count() == 0
