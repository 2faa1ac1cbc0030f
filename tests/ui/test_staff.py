"""Staff pages: members see the staff list; owners invite, change roles, remove and revoke invitations."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from issuer.models import AuditEvent, Invitation, Issuer, IssuerMembership
from tests.actors import owner
from tests.ui.conftest import expected_status

WHO = [None, "stranger", "owner", "editor", "awarder", "viewer"]
ALL_STAFF = {"owner", "editor", "awarder", "viewer"}
LINK = re.compile(r"https://badges\.example\.test(/invitations/([A-Za-z0-9_-]+)/)")
# The staff e-mails are tasks sent after commit (issuer.tasks): run here, even where a broker is configured.
pytestmark = pytest.mark.usefixtures("tasks_in_process")


def members(issuer: Issuer) -> dict[str, str]:
    return dict(IssuerMembership.objects.filter(issuer=issuer).values_list("user__username", "role"))


def state(issuer: Issuer) -> tuple[dict[str, str], list[tuple], int]:
    invitations = list(Invitation.objects.order_by("pk").values_list("email", "role", "accepted_at", "revoked_at"))
    return members(issuer), invitations, AuditEvent.objects.count()


def expected_write(who: str | None, allowed: set[str]) -> int:
    status = expected_status(who, allowed)
    return 302 if status == 200 else status


@pytest.fixture
def invite(issuer, user, mailoutbox, django_capture_on_commit_callbacks):
    """invite(email, role) -> (invitation, token), sent by the owner through the service."""
    from issuer.services import staff_invite

    def make(email: str, role: str = "editor") -> tuple[Invitation, str]:
        with django_capture_on_commit_callbacks(execute=True):
            invitation = staff_invite(issuer=issuer, email=email, role=role, actor=user)
        match = LINK.search(mailoutbox[-1].body)
        assert match is not None and isinstance(invitation, Invitation)
        return invitation, match.group(2)

    return make


@pytest.mark.parametrize("who", WHO)
def test_staff_page_permission_matrix(client_as, issuer, who):
    response = client_as(who).get(f"/manage/{issuer.slug}/staff/")
    assert response.status_code == expected_status(who, ALL_STAFF)
    if response.status_code == 200:
        listed = {m.user.username: m.role for m in response.context["memberships"]}
        assert listed == {"alice": "owner", "editor": "editor", "awarder": "awarder", "viewer": "viewer"}
        assert (response.context["invite_form"] is not None) == (who == "owner")
        assert (b"/staff/invite/" in response.content) == (who == "owner")


@pytest.mark.parametrize("who", WHO)
def test_invite_permission_matrix(client_as, issuer, who, mailoutbox, django_capture_on_commit_callbacks):
    before = state(issuer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(who).post(
            f"/manage/{issuer.slug}/staff/invite/", {"email": "new.person@example.com", "role": "awarder"}
        )
    assert response.status_code == expected_write(who, {"owner"})
    if who == "owner":
        invitation = Invitation.objects.get()
        assert (invitation.issuer, invitation.email, invitation.role, invitation.invited_by.username) == (
            issuer,
            "new.person@example.com",
            "awarder",
            "alice",
        )
        assert invitation.expires_at - invitation.created_at == timedelta(days=7)
        event = AuditEvent.objects.get(action="staff.invited")
        assert event.data == {"email": "new.person@example.com", "role": "awarder", "replaces": None}
        assert len(mailoutbox) == 1
    else:
        assert state(issuer) == before
        assert mailoutbox == []


def test_invite_new_email_then_accept_with_a_new_account(
    client_as, client, issuer, mailoutbox, django_capture_on_commit_callbacks, django_user_model
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("owner").post(
            f"/manage/{issuer.slug}/staff/invite/", {"email": "  Grace@Example.com ", "role": "editor"}
        )
    assert response.status_code == 302
    [message] = mailoutbox
    assert (message.to, message.subject) == (["grace@example.com"], "Invitation to join Test University")
    path, token = LINK.search(message.body).groups()
    invitation = Invitation.objects.get()
    # Only a hash of the token is stored.
    assert invitation.token_hash == Invitation.hash_token(token) != token
    assert token not in str(list(Invitation.objects.values()))

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert page.context["mode"] == "new-account"
    assert b"<strong>Test University</strong> as <strong>editor</strong>" in page.content

    response = client.post(
        path, {"username": "grace", "password1": "a-Long-pass-phrase-9", "password2": "a-Long-pass-phrase-9"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/manage/{issuer.slug}/"
    grace = django_user_model.objects.get(username="grace")
    assert grace.email == "grace@example.com"
    assert members(issuer)["grace"] == "editor"
    invitation.refresh_from_db()
    assert (invitation.accepted_by, invitation.accepted_at is not None) == (grace, True)
    accepted = AuditEvent.objects.get(action="staff.invitation_accepted")
    assert (accepted.actor, accepted.data) == (grace, {"email": "grace@example.com", "user": "grace", "role": "editor"})
    assert AuditEvent.objects.get(action="staff.added", data__user="grace").actor == grace
    # Signed in as the new account.
    assert client.get(f"/manage/{issuer.slug}/").status_code == 200

    used = client.get(path)
    assert used.status_code == 410
    assert b"This invitation has already been accepted." in used.content


def test_new_account_errors_keep_the_typed_username(client, issuer, invite):
    _, token = invite("henry@example.com")
    events = AuditEvent.objects.count()
    response = client.post(
        f"/invitations/{token}/", {"username": "henry", "password1": "a-Long-pass-phrase-9", "password2": "different-9"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"password2": ["The two password fields didn’t match."]}
    assert b'value="henry"' in response.content
    assert not IssuerMembership.objects.filter(user__username="henry").exists()
    assert Invitation.objects.get().accepted_at is None
    assert AuditEvent.objects.count() == events


def test_invite_existing_user_adds_them_at_once(
    client_as, issuer, mailoutbox, django_capture_on_commit_callbacks, django_user_model
):
    bob = django_user_model.objects.create_user("bob", "Bob@Example.com", "pw-bob-123456")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("owner").post(
            f"/manage/{issuer.slug}/staff/invite/", {"email": "bob@example.com", "role": "awarder"}
        )
    assert response.status_code == 302
    assert members(issuer)["bob"] == "awarder"
    assert not Invitation.objects.exists()
    event = AuditEvent.objects.get(action="staff.added", data__user="bob")
    assert (event.actor.username, event.data) == ("alice", {"user": "bob", "role": "awarder", "previous": None})
    [message] = mailoutbox
    assert (message.to, message.subject) == (["Bob@example.com"], "You are now on the staff of Test University")
    assert "as awarder" in message.body
    assert "https://badges.example.test/manage/" in message.body
    assert bob.issuer_memberships.count() == 1


def test_invite_errors_show_on_the_email_field_and_keep_it(client_as, issuer, invite, mailoutbox):
    invite("pending@example.com")
    before = state(issuer)
    cases = {
        "viewer@example.com": "viewer@example.com is already on the staff of Test University; change their role in the list.",
        "pending@example.com": "pending@example.com already has a pending invitation",
        "not-an-address": "Enter a valid email address.",
    }
    for typed, message in cases.items():
        response = client_as("owner").post(f"/manage/{issuer.slug}/staff/invite/", {"email": typed, "role": "editor"})
        assert response.status_code == 200
        [error] = response.context["invite_form"].errors["email"]
        assert error.startswith(message)
        assert f'value="{typed}"'.encode() in response.content
        assert b'<option value="editor" selected>' in response.content
    assert state(issuer) == before


def test_an_expired_invitation_is_replaced_by_a_new_one(client_as, issuer, invite):
    old, _ = invite("late@example.com")
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client_as("owner").post(
        f"/manage/{issuer.slug}/staff/invite/", {"email": "late@example.com", "role": "viewer"}
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new = Invitation.objects.get(revoked_at__isnull=True)
    assert (old.revoked_at is not None, new.role) == (True, "viewer")
    assert AuditEvent.objects.filter(action="staff.invited").latest("id").data["replaces"] == old.pk


def test_expired_unknown_and_revoked_links_explain_themselves(client, issuer, invite):
    from issuer.services import invitation_revoke

    expired, expired_token = invite("old@example.com")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked, revoked_token = invite("gone@example.com")
    invitation_revoke(invitation=revoked, actor=owner(issuer))

    response = client.get(f"/invitations/{expired_token}/")
    assert response.status_code == 410
    assert b"This invitation has expired" in response.content
    response = client.post(
        f"/invitations/{expired_token}/",
        {"username": "old", "password1": "a-Long-pass-9", "password2": "a-Long-pass-9"},
    )
    assert response.status_code == 410
    assert not IssuerMembership.objects.filter(user__username="old").exists()

    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert b"This invitation link is not valid" in response.content

    response = client.get(f"/invitations/{revoked_token}/")
    assert response.status_code == 410
    assert b"This invitation was withdrawn" in response.content


def test_existing_account_signs_in_then_joins(client, issuer, invite, django_user_model):
    _, token = invite("dora@example.com", role="viewer")
    dora = django_user_model.objects.create_user("dora", "dora@example.com", "pw-dora-123456")
    page = client.get(f"/invitations/{token}/")
    assert page.context["mode"] == "sign-in"
    assert f'href="/accounts/login/?next=/invitations/{token}/"'.encode() in page.content

    client.force_login(dora)
    assert client.get(f"/invitations/{token}/").context["mode"] == "join"
    response = client.post(f"/invitations/{token}/")
    assert response.status_code == 302
    assert members(issuer)["dora"] == "viewer"


def test_signed_in_as_someone_else_cannot_accept(client_as, issuer, invite):
    _, token = invite("erin@example.com")
    before = state(issuer)
    client = client_as("viewer")
    assert client.get(f"/invitations/{token}/").context["mode"] == "wrong-account"
    response = client.post(f"/invitations/{token}/")
    assert response.status_code == 200
    assert b"whose e-mail address is not erin@example.com" in response.content
    assert state(issuer) == before


@pytest.mark.parametrize("who", WHO)
def test_role_change_permission_matrix(client_as, issuer, staff, who):
    target = IssuerMembership.objects.get(issuer=issuer, user=staff["viewer"])
    before = state(issuer)
    response = client_as(who).post(f"/manage/{issuer.slug}/staff/{target.pk}/role/", {"role": "editor"})
    assert response.status_code == expected_write(who, {"owner"})
    if who == "owner":
        assert members(issuer)["viewer"] == "editor"
        event = AuditEvent.objects.get(action="staff.role_changed")
        assert (event.actor.username, event.data) == (
            "alice",
            {"user": "viewer", "role": "editor", "previous": "viewer"},
        )
    else:
        assert state(issuer) == before


@pytest.mark.parametrize("who", WHO)
def test_remove_confirmation_page_permission_matrix(client_as, issuer, staff, who):
    target = IssuerMembership.objects.get(issuer=issuer, user=staff["viewer"])
    response = client_as(who).get(f"/manage/{issuer.slug}/staff/{target.pk}/remove/")
    assert response.status_code == expected_status(who, {"owner"})
    if who == "owner":
        assert b"Remove viewer from the staff?" in response.content


@pytest.mark.parametrize("who", WHO)
def test_remove_permission_matrix(client_as, issuer, staff, who):
    target = IssuerMembership.objects.get(issuer=issuer, user=staff["awarder"])
    before = state(issuer)
    response = client_as(who).post(f"/manage/{issuer.slug}/staff/{target.pk}/remove/")
    assert response.status_code == expected_write(who, {"owner"})
    if who == "owner":
        assert "awarder" not in members(issuer)
        event = AuditEvent.objects.get(action="staff.removed")
        assert (event.actor.username, event.object_id, event.data) == (
            "alice",
            str(target.pk),
            {"user": "awarder", "role": "awarder"},
        )
    else:
        assert state(issuer) == before


@pytest.mark.parametrize("who", WHO)
def test_revoke_invitation_permission_matrix(client_as, issuer, invite, who):
    invitation, token = invite("frank@example.com")
    before = state(issuer)
    response = client_as(who).post(f"/manage/{issuer.slug}/staff/invitations/{invitation.pk}/revoke/")
    assert response.status_code == expected_write(who, {"owner"})
    invitation.refresh_from_db()
    if who == "owner":
        assert invitation.revoked_at is not None
        event = AuditEvent.objects.get(action="staff.invitation_revoked")
        assert (event.actor.username, event.data) == ("alice", {"email": "frank@example.com", "role": "editor"})
    else:
        assert invitation.revoked_at is None
        assert state(issuer) == before


def test_pending_invitations_are_listed(client_as, issuer, invite):
    invite("listed@example.com", role="awarder")
    response = client_as("viewer").get(f"/manage/{issuer.slug}/staff/")
    assert [(i.email, i.role) for i in response.context["invitations"]] == [("listed@example.com", "awarder")]
    assert b"/revoke/" not in response.content  # viewers see the list, not the button


def test_last_owner_can_be_neither_demoted_nor_removed(client_as, issuer, staff):
    owner = IssuerMembership.objects.get(issuer=issuer, user=staff["owner"])
    before = state(issuer)
    response = client_as("owner").post(f"/manage/{issuer.slug}/staff/{owner.pk}/role/", {"role": "viewer"}, follow=True)
    assert b"alice is the last owner of this issuer and cannot be demoted." in response.content
    response = client_as("owner").post(f"/manage/{issuer.slug}/staff/{owner.pk}/remove/")
    assert response.status_code == 200
    assert response.context["error"] == (
        "alice is the last owner of this issuer and cannot be removed. Make someone else an owner first."
    )
    assert state(issuer) == before


def test_last_owner_rule_in_the_services(issuer, staff):
    from issuer.services import IssuerError, membership_remove, membership_set

    owner = IssuerMembership.objects.get(issuer=issuer, user=staff["owner"])
    before = state(issuer)
    with pytest.raises(IssuerError, match="last owner"):
        membership_set(issuer=issuer, user=staff["owner"], role="editor", actor=staff["owner"])
    with pytest.raises(IssuerError, match="last owner"):
        membership_remove(membership=owner, actor=staff["owner"])
    assert state(issuer) == before
    # With a second owner, the first may step down.
    membership_set(issuer=issuer, user=staff["editor"], role="owner", actor=staff["owner"])
    membership_set(issuer=issuer, user=staff["owner"], role="viewer", actor=staff["owner"])
    assert members(issuer) == {"alice": "viewer", "editor": "owner", "awarder": "awarder", "viewer": "viewer"}


def test_removing_yourself_leaves_the_issuer(client_as, issuer, staff):
    from issuer.services import membership_set

    membership_set(issuer=issuer, user=staff["editor"], role="owner", actor=staff["owner"])
    own = IssuerMembership.objects.get(issuer=issuer, user=staff["owner"])
    response = client_as("owner").post(f"/manage/{issuer.slug}/staff/{own.pk}/remove/")
    assert (response.status_code, response["Location"]) == (302, "/manage/")
    assert "alice" not in members(issuer)


def test_membership_of_another_issuer_is_not_found(client_as, issuer, other_issuer, staff):
    foreign = IssuerMembership.objects.get(issuer=other_issuer, user=staff["stranger"])
    before = state(issuer)
    response = client_as("owner").post(f"/manage/{issuer.slug}/staff/{foreign.pk}/role/", {"role": "viewer"})
    assert response.status_code == 404
    assert client_as("owner").post(f"/manage/{issuer.slug}/staff/{foreign.pk}/remove/").status_code == 404
    assert state(issuer) == before
    assert IssuerMembership.objects.get(pk=foreign.pk).role == "owner"
