"""The role table and the service-level check (issuer.permissions.authorize, D34): who may do what in an issuer,
with real memberships; API-token-like scoped actors; the platform's system actors; what audit rows record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from issuer.models import Role
from issuer.permissions import (
    ROLE_ACTIONS,
    STACKING_WRITE,
    Action,
    NotAuthorized,
    ScopedActor,
    SystemActor,
    actions_of,
    audit_label,
    audit_user,
    authorize,
    authorize_platform,
    ensure_of_issuer,
)
from issuer.services import membership_set
from tests.actors import owner

EXPECTED = {
    Role.OWNER: set(Action),
    Role.EDITOR: {Action.VIEW, Action.EDIT_ACHIEVEMENTS},
    Role.AWARDER: {Action.VIEW, Action.AWARD},
    Role.VIEWER: {Action.VIEW},
}


@pytest.fixture
def member(issuer, django_user_model):
    """member(role) -> a new user with that role in `issuer`, given by its owner."""

    def make(role: str):
        user = django_user_model.objects.create_user(f"{role}-member", f"{role}@example.com", "pw-member-123456")
        membership_set(issuer=issuer, user=user, role=role, actor=owner(issuer))
        return user

    return make


def test_the_table_is_the_documented_one():
    assert {role: set(actions) for role, actions in ROLE_ACTIONS.items()} == EXPECTED
    assert set(STACKING_WRITE) == {Action.EDIT_ACHIEVEMENTS, Action.AWARD}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_a_member_acts_through_their_role(issuer, member, role, action):
    user = member(role)
    if action in EXPECTED[role]:
        authorize(user, issuer, action)
    else:
        with pytest.raises(NotAuthorized, match=f"{user.username} may not"):
            authorize(user, issuer, action)


def test_every_action_asked_for_must_be_allowed(issuer, member):
    with pytest.raises(NotAuthorized, match="may not award, revoke or suspend credentials in Test University"):
        authorize(member(Role.EDITOR), issuer, *STACKING_WRITE)
    with pytest.raises(NotAuthorized, match="may not edit achievements in Test University"):
        authorize(member(Role.AWARDER), issuer, *STACKING_WRITE)
    authorize(owner(issuer), issuer, *STACKING_WRITE)


def test_no_actions_to_check_is_a_programming_error(issuer):
    with pytest.raises(ValueError, match="needs the actions"):
        authorize(owner(issuer), issuer)


def test_strangers_superusers_inactive_and_anonymous_users_and_no_one_may_do_nothing(
    issuer, other_issuer, django_user_model
):
    from django.contrib.auth.models import AnonymousUser

    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123456")
    inactive = owner(issuer)
    inactive.is_active = False
    for actor in (owner(other_issuer), root, inactive, AnonymousUser(), None):
        assert actions_of(actor, issuer) == frozenset()
        with pytest.raises(NotAuthorized):
            authorize(actor, issuer, Action.VIEW)


def test_the_refusal_is_a_permission_denied(issuer):
    # Django's views and DRF answer PermissionDenied with 403.
    assert issubclass(NotAuthorized, PermissionDenied)
    with pytest.raises(PermissionDenied, match="No one may"):
        authorize(None, issuer, Action.AWARD)


def test_a_scoped_actor_acts_only_in_its_own_issuer_with_its_own_actions(issuer, other_issuer):
    token = ScopedActor(issuer_id=issuer.pk, actions=frozenset({Action.VIEW, Action.AWARD}), label="API token x")
    authorize(token, issuer, Action.AWARD)
    with pytest.raises(NotAuthorized, match="API token x may not edit achievements"):
        authorize(token, issuer, Action.EDIT_ACHIEVEMENTS)
    with pytest.raises(NotAuthorized, match="API token x may not award"):
        authorize(token, other_issuer, Action.AWARD)


def test_a_system_actor_names_its_cause_and_may_act_anywhere(issuer, other_issuer):
    rule = SystemActor("stacking rule 1234")
    for target in (issuer, other_issuer):
        authorize(rule, target, *Action)
    with pytest.raises(ValueError, match="names its cause"):
        SystemActor("  ")


def test_only_the_platform_creates_issuers(issuer, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123456")
    authorize_platform(SystemActor("create_issuer"), what="create an issuer")
    for actor in (root, owner(issuer), None):
        with pytest.raises(NotAuthorized, match="may not create an issuer: only the platform does"):
            authorize_platform(actor, what="create an issuer")


def test_objects_of_another_issuer_are_refused(issuer, other_issuer, achievement):
    from badges.models import Achievement

    ensure_of_issuer(issuer, [achievement])
    theirs = Achievement.objects.create(issuer=other_issuer, slug="theirs", name="Theirs", description="x")
    with pytest.raises(NotAuthorized, match="This achievement belongs to another issuer than Test University"):
        ensure_of_issuer(issuer, [achievement, theirs])


def test_what_audit_rows_record_for_each_kind_of_actor(issuer, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    alice = owner(issuer)
    token = ScopedActor(issuer_id=issuer.pk, actions=frozenset(), label="API token abc (LMS)", on_behalf_of=alice)
    cases = [
        (alice, alice, ""),
        (token, alice, "API token abc (LMS)"),
        (SystemActor("bulk job 42", on_behalf_of=alice), alice, "bulk job 42"),
        (SystemActor("seed_demo"), None, "seed_demo"),
        (AnonymousUser(), None, ""),
        (None, None, ""),
    ]
    for actor, user, label in cases:
        assert (audit_user(actor), audit_label(actor)) == (user, label)
