"""/learners/<slug>/: only what the learner chose to show, never revoked, never an e-mail address."""

from __future__ import annotations

import re

import pytest

from badges.services import credential_revoke, credential_suspend
from learners.models import LearnerCredentialVisibility, LearnerProfile
from learners.services import (
    LearnerError,
    credential_visibility_set,
    learner_profile_get_or_create,
    learner_profile_publish_set,
)
from tests.actors import owner
from tests.learners.conftest import issue, sign_in

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@pytest.fixture
def credentials(achievement, other_achievement):
    return {
        "uni": issue(achievement, name="Lea Old Name"),
        "other": issue(other_achievement, name="Lea Rner"),
        "bob": issue(achievement, email="bob@example.com", name="Bob Other"),
    }


@pytest.fixture
def lea_client(client, outbox, django_capture_on_commit_callbacks, credentials):
    sign_in(client, outbox, django_capture_on_commit_callbacks)
    return client


@pytest.fixture
def profile(lea_client):
    return LearnerProfile.objects.get(email="lea@example.com")


def _public(client, profile):
    return client.__class__().get(f"/learners/{profile.slug}/")


def _publish(client, value):
    return client.post("/me/profile/", {"value": value})


def _show(client, credential, value="on"):
    return client.post(f"/me/credentials/{credential.uuid}/visibility/", {"value": value})


def test_profile_is_off_until_turned_on(lea_client, profile):
    assert _public(lea_client, profile).status_code == 404
    assert _publish(lea_client, "on").status_code == 302
    assert _public(lea_client, profile).status_code == 200
    assert _publish(lea_client, "off").status_code == 302
    assert _public(lea_client, profile).status_code == 404


def test_credentials_are_hidden_by_default(lea_client, profile, credentials):
    _publish(lea_client, "on")
    response = _public(lea_client, profile)
    assert response.context["rows"] == []
    assert "Nothing is shared here yet." in response.content.decode()
    assert "hidden until you choose to show it" in lea_client.get("/me/credentials/").content.decode()


def test_show_and_hide_change_the_profile(lea_client, profile, credentials):
    _publish(lea_client, "on")
    assert _show(lea_client, credentials["uni"]).status_code == 302
    response = _public(lea_client, profile)
    html = response.content.decode()
    assert [row.credential.pk for row in response.context["rows"]] == [credentials["uni"].pk]
    assert credentials["uni"].public_id in html
    assert credentials["other"].public_id not in html

    _show(lea_client, credentials["uni"], "off")
    _show(lea_client, credentials["other"])
    response = _public(lea_client, profile)
    assert [row.credential.pk for row in response.context["rows"]] == [credentials["other"].pk]
    assert credentials["uni"].public_id not in response.content.decode()


def test_revoked_credentials_never_appear_publicly(lea_client, profile, credentials):
    _publish(lea_client, "on")
    _show(lea_client, credentials["uni"])
    _show(lea_client, credentials["other"])
    credential_revoke(credential=credentials["uni"], reason="Mistake", actor=owner(credentials["uni"].issuer))
    credential_suspend(credential=credentials["other"], reason="Check", actor=owner(credentials["other"].issuer))

    response = _public(lea_client, profile)
    html = response.content.decode()
    assert [(row.credential.pk, row.state) for row in response.context["rows"]] == [
        (credentials["other"].pk, "suspended")
    ]
    assert credentials["uni"].public_id not in html
    assert "Python Basics" not in html


def test_profile_shows_latest_name_and_never_an_email(lea_client, profile, credentials):
    _publish(lea_client, "on")
    _show(lea_client, credentials["uni"])
    _show(lea_client, credentials["other"])
    html = _public(lea_client, profile).content.decode()
    assert "<h1>Lea Rner</h1>" in html
    assert "Lea Old Name" not in html
    assert "lea@example.com" not in html
    assert EMAIL.search(html) is None
    assert 'content="noindex"' in html


def test_profile_without_names_shows_no_name(client, outbox, django_capture_on_commit_callbacks, achievement):
    issue(achievement, email="anon@example.com", name="")
    sign_in(client, outbox, django_capture_on_commit_callbacks, email="anon@example.com")
    _publish(client, "on")
    profile = LearnerProfile.objects.get(email="anon@example.com")
    html = _public(client, profile).content.decode()
    assert "<h1>Credentials</h1>" in html
    assert EMAIL.search(html) is None


def test_unknown_slug_is_not_found(client, db):
    assert client.get("/learners/no-such-learner/").status_code == 404


def test_visibility_service_is_idempotent_and_owner_only(profile, credentials):
    for _ in range(2):
        assert credential_visibility_set(profile=profile, credential=credentials["uni"], shown=True) is True
    assert LearnerCredentialVisibility.objects.filter(profile=profile).count() == 1
    for _ in range(2):
        credential_visibility_set(profile=profile, credential=credentials["uni"], shown=False)
    assert LearnerCredentialVisibility.objects.filter(profile=profile).count() == 0

    with pytest.raises(LearnerError):
        credential_visibility_set(profile=profile, credential=credentials["bob"], shown=True)
    assert LearnerCredentialVisibility.objects.count() == 0


def test_publish_and_profile_services_are_idempotent(profile):
    for _ in range(2):
        learner_profile_publish_set(profile=profile, public=True)
    assert LearnerProfile.objects.get(pk=profile.pk).is_public is True
    assert learner_profile_get_or_create(email=" LEA@example.com ").pk == profile.pk
    assert LearnerProfile.objects.count() == 1
