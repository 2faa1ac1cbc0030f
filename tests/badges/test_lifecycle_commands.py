"""manage.py renew_credential, correct_credential, resend_credential and lifecycle_bulk (D64)."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from badges.models import Credential, CredentialStatus, Replacement
from badges.services import AwardRequest, credential_issue, credential_revoke
from issuer.models import AuditEvent
from tests.actors import owner

pytestmark = pytest.mark.django_db


def _issue(achievement, email="lea@example.com"):
    return credential_issue(
        request=AwardRequest(
            achievement=achievement,
            email=email,
            name="Lea Rnr",
            valid_until=timezone.now().replace(microsecond=0) + timedelta(days=30),
        ),
        source="ui",
        notify=False,
        actor=owner(achievement.issuer),
    )


def _run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_renew_credential(achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks):
    credential = _issue(achievement)
    with django_capture_on_commit_callbacks(execute=True):
        out = _run("renew_credential", credential.public_id, "--valid-until", "2031-01-31T00:00:00Z")
    renewal = Credential.objects.get(replaces=credential)
    assert out == f"{credential.public_id}: renewed as {renewal.public_id}\n"
    assert (renewal.replacement, renewal.source) == (Replacement.RENEWAL, "command")
    assert json.loads(renewal.document)["validUntil"] == "2031-01-31T00:00:00Z"
    assert AuditEvent.objects.get(action="credential.renewed").actor_label == "renew_credential"
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("_case", "args", "message"),
    [
        ("no offset", ["--valid-until", "2031-01-31"], "is not an ISO 8601 date-time with an offset"),
        ("earlier", ["--valid-until", "2001-01-31T00:00Z"], "valid_until must be later"),
    ],
)
def test_renew_credential_refusals(achievement, _case, args, message):
    credential = _issue(achievement)
    with pytest.raises(CommandError, match=message):
        _run("renew_credential", str(credential.uuid), *args)
    assert Credential.objects.count() == 1


def test_correct_credential(achievement):
    credential = _issue(achievement)
    out = _run("correct_credential", str(credential.uuid), "--name", "Lea Rner")
    correction = Credential.objects.get(replaces=credential)
    assert out.startswith(f"{credential.public_id}: corrected as {correction.public_id}")
    credential.refresh_from_db()
    assert (credential.status, credential.status_reason) == (
        CredentialStatus.REVOKED,
        f"Superseded by {correction.public_id}",
    )
    with pytest.raises(CommandError, match="already corrected"):
        _run("correct_credential", str(credential.uuid), "--name", "Someone else")


def test_correct_credential_with_an_unknown_achievement(achievement):
    credential = _issue(achievement)
    with pytest.raises(CommandError, match="uni has no achievement 'nope'"):
        _run("correct_credential", str(credential.uuid), "--achievement", "nope")


def test_resend_credential(achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks):
    credential = _issue(achievement)
    with django_capture_on_commit_callbacks(execute=True):
        out = _run("resend_credential", str(credential.uuid))
    assert out == f"{credential.public_id}: award e-mail queued to lea@example.com\n"
    assert len(mailoutbox) == 1
    credential_revoke(credential=credential, reason="mistake", actor=owner(achievement.issuer))
    with pytest.raises(CommandError, match="revoked"):
        _run("resend_credential", str(credential.uuid))


def test_lifecycle_bulk_renews_and_reports_each_line(achievement, tmp_path):
    first, second = _issue(achievement), _issue(achievement, "max@example.com")
    revoked = credential_revoke(
        credential=_issue(achievement, "ina@example.com"), reason="x", actor=owner(achievement.issuer)
    )
    ids = tmp_path / "ids.csv"
    ids.write_text(f"id\n{first.uuid}\nnot-an-id\n{second.public_id}\n\n{revoked.uuid}\n")
    out = StringIO()
    with pytest.raises(CommandError, match="2 line") as caught:
        call_command("lifecycle_bulk", "--action", "renew", "--file", str(ids), stdout=out)
    assert caught.value.returncode == 1
    lines = out.getvalue().splitlines()
    renewals = {c.replaces_id: c for c in Credential.objects.filter(replaces__isnull=False)}
    assert set(renewals) == {first.pk, second.pk}
    assert lines == [
        f"line 2: {first.uuid}: renewed as {renewals[first.pk].public_id}",
        "line 3: not-an-id: refused: No credential 'not-an-id'.",
        f"line 4: {second.public_id}: renewed as {renewals[second.pk].public_id}",
        f"line 6: {revoked.uuid}: refused: A revoked credential cannot be renewed; award it again instead.",
        "2 done, 2 refused.",
    ]
    # Run again: the same renewals, nothing new.
    with pytest.raises(CommandError):
        call_command("lifecycle_bulk", "--action", "renew", "--file", str(ids), stdout=StringIO())
    assert Credential.objects.count() == 5


def test_lifecycle_bulk_resends(
    achievement, tmp_path, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    first, second = _issue(achievement), _issue(achievement, "max@example.com")
    ids = tmp_path / "ids.csv"
    ids.write_text(f"{first.uuid}\n{second.uuid}\n")
    with django_capture_on_commit_callbacks(execute=True):
        out = _run("lifecycle_bulk", "--action", "resend", "--file", str(ids))
    assert out.splitlines()[-1] == "2 done, 0 refused."
    assert sorted(message.to[0] for message in mailoutbox) == ["lea@example.com", "max@example.com"]


def test_lifecycle_bulk_refuses_an_unreadable_file_and_a_date_for_resend(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        _run("lifecycle_bulk", "--action", "renew", "--file", str(tmp_path / "missing.csv"))
    ids = tmp_path / "ids.csv"
    ids.write_text("x\n")
    with pytest.raises(CommandError, match="--valid-until is for --action renew only"):
        _run("lifecycle_bulk", "--action", "resend", "--file", str(ids), "--valid-until", "2031-01-01T00:00Z")
