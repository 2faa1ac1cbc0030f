"""Staff e-mails are tasks recorded with the change (the outbox): an invitation's link is made again by the task
from the invitation, never stored, so a second send carries the same working link; nothing goes out for an
invitation withdrawn meanwhile; a staff notice names the role the person has when it is sent."""

from __future__ import annotations

import re

import pytest

from issuer.models import Invitation, IssuerMembership
from issuer.services import (
    invitation_accept,
    invitation_email_send,
    invitation_revoke,
    staff_added_email_send,
    staff_invite,
)
from outbox.models import PendingTask

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://badges\.example\.test/invitations/([A-Za-z0-9_-]+)/")


def _token(message) -> str:
    match = LINK.search(message.body)
    assert match is not None, message.body
    return match.group(1)


@pytest.fixture
def invited(issuer, user, django_capture_on_commit_callbacks):
    """An invitation whose e-mail is recorded, not sent yet."""
    with django_capture_on_commit_callbacks(execute=False):
        invitation = staff_invite(issuer=issuer, email="new@example.org", role="awarder", actor=user)
    assert isinstance(invitation, Invitation)
    return invitation


def test_a_second_send_carries_the_same_working_link(invited, mailoutbox):
    assert invitation_email_send(invitation_id=invited.pk) is True
    assert invitation_email_send(invitation_id=invited.pk) is True  # a task delivered twice

    first, second = mailoutbox
    assert first.to == ["new@example.org"]
    assert first.subject == "Invitation to join Test University"
    assert _token(first) == _token(second)
    membership = invitation_accept(token=_token(first), username="newcomer", password="pw-newcomer-123456")
    assert (membership.user.email, membership.role) == ("new@example.org", "awarder")


def test_the_link_is_not_stored_anywhere(invited, mailoutbox):
    invitation_email_send(invitation_id=invited.pk)
    token = _token(mailoutbox[0])

    assert list(PendingTask.objects.values_list("task", "args")) == [("issuer.tasks.send_invitation", [invited.pk])]
    stored = Invitation.objects.filter(pk=invited.pk).values()[0]
    assert token not in str(stored)
    assert stored["token_hash"] == Invitation.hash_token(token)


def test_nothing_is_sent_for_an_invitation_withdrawn_before_its_e_mail(invited, user, mailoutbox):
    invitation_revoke(invitation=invited, actor=user)

    assert invitation_email_send(invitation_id=invited.pk) is False
    assert mailoutbox == []


def test_a_secret_key_changed_before_the_e_mail_still_gives_a_working_link(invited, mailoutbox, settings):
    settings.SECRET_KEY = "another-secret-key-set-by-a-rotation-0123456789abcdefghijklmnop"

    invitation_email_send(invitation_id=invited.pk)

    membership = invitation_accept(token=_token(mailoutbox[0]), username="newcomer", password="pw-newcomer-123456")
    assert membership.role == "awarder"


def test_the_staff_notice_names_the_role_held_when_it_is_sent(
    issuer, user, django_user_model, mailoutbox, django_capture_on_commit_callbacks
):
    django_user_model.objects.create_user("bob", "bob@example.org", "pw-bob-123456")
    with django_capture_on_commit_callbacks(execute=False):
        membership = staff_invite(issuer=issuer, email="bob@example.org", role="viewer", actor=user)
    assert isinstance(membership, IssuerMembership)
    IssuerMembership.objects.filter(pk=membership.pk).update(role="editor")  # changed before the e-mail went out

    assert staff_added_email_send(membership_id=membership.pk) is True
    (message,) = mailoutbox
    assert (message.to, message.subject) == (["bob@example.org"], "You are now on the staff of Test University")
    assert "as editor." in message.body
    IssuerMembership.objects.filter(pk=membership.pk).delete()
    assert staff_added_email_send(membership_id=membership.pk) is False  # removed meanwhile: nothing to tell
