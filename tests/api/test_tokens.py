"""create_api_token: prints the token once, stores only its hash, records who and what; bad input exits 2."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api.models import SCOPES, ApiToken
from api.services import ApiTokenError, token_create
from issuer.models import AuditEvent
from tests.actors import owner
from tests.api.conftest import ApiClient, jobs_url


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_the_token_once_and_stores_its_hash(issuer):
    out, err = _run("--issuer", "uni", "--name", "LMS sync")

    secret = out.strip()
    assert out.count("obp_") == 1 and "\n" not in secret
    token = ApiToken.objects.get()
    assert secret.startswith(f"obp_{token.prefix}_")
    assert len(token.prefix) == 8
    assert token.secret_hash == hashlib.sha256(secret.split("_", 2)[2].encode()).hexdigest()
    assert secret not in err and secret.split("_", 2)[2] not in str(ApiToken.objects.values().get())
    assert token.scopes == list(SCOPES)  # default: everything
    assert (token.issuer, token.name, token.created_by) == (issuer, "LMS sync", None)
    assert "not shown again" in err
    event = AuditEvent.objects.get(action="api_token.created")
    assert (event.issuer, event.actor_label, event.data["prefix"]) == (issuer, "create_api_token", token.prefix)
    assert ApiClient(secret).get(jobs_url()).status_code == 200


def test_scopes_and_user(issuer, user):
    out, _ = _run("--issuer", "uni", "--name", "reader", "--scopes", "bulk:read,issuer:read", "--user", "alice")

    token = ApiToken.objects.get()
    assert token.scopes == ["issuer:read", "bulk:read"]
    assert token.created_by == user
    assert AuditEvent.objects.get(action="api_token.created").actor == user


def test_every_token_is_different(issuer):
    first, _ = _run("--issuer", "uni", "--name", "a")
    second, _ = _run("--issuer", "uni", "--name", "a")

    assert first != second
    assert ApiToken.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--issuer", "nope", "--name", "x"], "No issuer with slug 'nope'."),
        (["--issuer", "uni", "--name", "x", "--scopes", "bulk:delete"], "Unknown scope: bulk:delete"),
        (["--issuer", "uni", "--name", "   "], "A token needs a name"),
        (["--issuer", "uni", "--name", "x", "--user", "mallory"], "No staff member 'mallory'"),
    ],
)
def test_bad_input_exits_2_and_creates_nothing(issuer, args, message):
    with pytest.raises(CommandError, match=message) as caught:
        _run(*args)

    assert caught.value.returncode == 2
    assert ApiToken.objects.count() == 0


def test_a_staff_member_of_another_issuer_is_refused(issuer, other_issuer, django_user_model):
    django_user_model.objects.create_user("bob", "bob@example.com", "pw-bob-123456")

    with pytest.raises(CommandError, match="No staff member 'bob'"):
        _run("--issuer", "uni", "--name", "x", "--user", "bob")


def test_service_refuses_no_scope(issuer):
    with pytest.raises(ApiTokenError, match="at least one scope"):
        token_create(issuer=issuer, name="x", scopes=[], actor=owner(issuer))


def test_admin_revokes_and_cannot_add(client, issuer, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123456")
    stored, secret = token_create(issuer=issuer, name="lms", actor=owner(issuer))
    client.force_login(admin)

    assert client.get("/admin/api/apitoken/add/").status_code == 403
    assert client.get(f"/admin/api/apitoken/{stored.pk}/change/").status_code == 200
    response = client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [stored.pk]})

    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    assert AuditEvent.objects.get(action="api_token.revoked").actor == admin
    assert ApiClient(secret).get(jobs_url()).status_code == 401
