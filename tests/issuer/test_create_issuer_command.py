"""`create_issuer`: the first issuer and its owner on a new installation, with no password on the command line."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from issuer.models import AuditEvent, Issuer, IssuerMembership, KeyPurpose, Role, SigningKey


def _run(*args: str) -> str:
    out = StringIO()
    call_command("create_issuer", *args, stdout=out)
    return out.getvalue()


def test_new_owner_chooses_a_password_through_the_printed_link(client, db, settings):
    out = _run("--slug", "acme", "--name", "Acme Academy", "--owner-email", "Owner@Acme.example")
    issuer = Issuer.objects.get(slug="acme")
    owner = get_user_model().objects.get()
    assert (owner.username, owner.email, owner.has_usable_password()) == ("Owner@acme.example",) * 2 + (False,)
    assert IssuerMembership.objects.get(issuer=issuer).role == Role.OWNER
    assert SigningKey.objects.filter(issuer=issuer, purpose=KeyPurpose.DATA_INTEGRITY).count() == 1
    assert AuditEvent.objects.filter(issuer=issuer, action="issuer.created", actor_label="create_issuer").exists()
    assert f"Its dashboard: {settings.SITE_URL}/manage/acme/" in out

    link = re.search(r"Choose the owner's password here \(the link works once\): (\S+)", out).group(1)
    form = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-new-password-42", "new_password2": "a-long-new-password-42"},
    )
    assert done.status_code == 302
    signed_in = client.post(
        "/accounts/login/", {"username": "owner@acme.example", "password": "a-long-new-password-42"}
    )
    assert signed_in.status_code == 302
    assert client.get("/manage/acme/").status_code == 200


def test_an_existing_account_becomes_the_owner_and_keeps_its_password(db):
    user = get_user_model().objects.create_user("ada", "ada@example.com", "her-own-password-1")
    out = _run("--slug", "acme", "--name", "Acme", "--owner-email", "ada@example.com", "--superuser")
    user.refresh_from_db()
    assert IssuerMembership.objects.get(issuer__slug="acme").user == user
    assert user.check_password("her-own-password-1") and user.is_superuser and user.is_staff
    assert "Choose the owner's password" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--slug", "uni", "--name", "Again", "--owner-email", "x@example.com"), "exists already"),
        (("--slug", "Not A Slug", "--name", "Bad", "--owner-email", "x@example.com"), "slug:"),
        (("--slug", "fine", "--name", "Fine", "--owner-email", "not-an-address"), "is not an e-mail address"),
    ],
)
def test_refusals_change_nothing(issuer, args, message):
    users = get_user_model().objects.count()
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert list(Issuer.objects.values_list("slug", flat=True)) == ["uni"]
    assert get_user_model().objects.count() == users
