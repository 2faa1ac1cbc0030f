"""The permission matrix of the issuer UI: anonymous, staff of another issuer, and each role of the own issuer."""

from __future__ import annotations

import pytest

from tests.actors import owner

ROLES = ("owner", "editor", "awarder", "viewer")


@pytest.fixture
def staff(db, issuer, other_issuer, django_user_model):
    """username -> user: `owner` (the issuer fixture's owner, alice), `editor`, `awarder`, `viewer`, and
    `stranger` (owner of another issuer)."""
    from issuer.services import membership_set

    users = {"owner": issuer.memberships.get(role="owner").user}
    for role in ("editor", "awarder", "viewer"):
        user = django_user_model.objects.create_user(role, f"{role}@example.com", f"pw-{role}-123456")
        membership_set(issuer=issuer, user=user, role=role, actor=users["owner"])
        users[role] = user
    stranger = django_user_model.objects.create_user("stranger", "stranger@example.com", "pw-stranger-123456")
    membership_set(issuer=other_issuer, user=stranger, role="owner", actor=owner(other_issuer))
    users["stranger"] = stranger
    return users


@pytest.fixture
def client_as(client, staff):
    """client_as(who) -> a test client signed in as `who` (a key of `staff`), or anonymous for None."""

    def login(who: str | None):
        client.logout()
        if who is not None:
            client.force_login(staff[who])
        return client

    return login


def expected_status(who: str | None, allowed_roles: set[str], *, anonymous: int = 302) -> int:
    """What a request by `who` must answer: anonymous → login redirect, strangers → 404,
    own staff without the role → 403, allowed roles → 200 (or what the caller checks)."""
    if who is None:
        return anonymous
    if who == "stranger":
        return 404
    return 200 if who in allowed_roles else 403


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded images of the issuer pages go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
