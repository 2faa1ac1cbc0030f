"""Renew, correct, resend (badges.lifecycle, D64): new credentials linked to their predecessors, a correction that
revokes what it supersedes, an award e-mail sent again — each once however often it is asked for."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from badges.achievements import achievement_update
from badges.lifecycle import (
    RESEND_LIMIT,
    ResendLimited,
    credential_correct,
    credential_renew,
    credential_resend,
    renewal_default_until,
)
from badges.models import Credential, CredentialStatus, Replacement
from badges.services import AwardRequest, CredentialError, credential_issue, credential_revoke, credential_suspend
from badges.verify import verify_credential
from issuer.models import AuditEvent
from issuer.permissions import NotAuthorized
from tests.actors import owner

pytestmark = pytest.mark.django_db


def _issue(achievement, *, run=None, **kwargs):
    params = {
        "achievement": achievement,
        "email": "lea@example.com",
        "name": "Lea Rnr",
        "evidence": [{"id": "https://portfolio.example.org/lea", "name": "Portfolio"}],
        "valid_until": timezone.now().replace(microsecond=0) + timedelta(days=30),
        "language": "de",
        "format": "both",
    }
    params.update(kwargs)
    call = run or (lambda function, **kw: function(**kw))
    return call(credential_issue, request=AwardRequest(**params), source="ui", actor=owner(achievement.issuer))


def _subject(credential: Credential) -> dict:
    return json.loads(credential.document)["credentialSubject"]


# ----- renew


def test_renewal_is_a_new_credential_with_a_later_end_linked_to_its_predecessor(achievement):
    old = _issue(achievement)
    until = (old.valid_until + timedelta(days=365)).replace(microsecond=0)
    new = credential_renew(credential=old, valid_until=until, actor=owner(achievement.issuer), source="ui")
    assert new.pk != old.pk
    assert (new.replaces_id, new.replacement) == (old.pk, Replacement.RENEWAL)
    assert new.valid_until == until
    assert json.loads(new.document)["validUntil"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (new.recipient_email, new.recipient_name, new.language) == ("lea@example.com", "Lea Rnr", "de")
    assert new.evidence == old.evidence
    assert new.formats == ["Data Integrity", "VC-JWT"]
    old.refresh_from_db()
    assert old.status == CredentialStatus.ACTIVE  # valid until it ends
    assert verify_credential(new.document).verdict == "valid"
    event = AuditEvent.objects.get(action="credential.renewed")
    assert (event.object_id, event.data["successor"]) == (str(old.pk), new.public_id)


def test_renewing_twice_renews_once(achievement):
    old = _issue(achievement)
    until = (old.valid_until + timedelta(days=90)).replace(microsecond=0)
    first = credential_renew(credential=old, valid_until=until, actor=owner(achievement.issuer), source="ui")
    again = credential_renew(credential=old, valid_until=until, actor=owner(achievement.issuer), source="ui")
    assert again.pk == first.pk
    assert Credential.objects.count() == 2
    assert AuditEvent.objects.filter(action="credential.renewed").count() == 1


def test_a_second_renewal_with_another_date_names_the_first(achievement):
    old = _issue(achievement)
    first = credential_renew(
        credential=old, valid_until=old.valid_until + timedelta(days=90), actor=owner(achievement.issuer), source="ui"
    )
    with pytest.raises(CredentialError, match=f"already renewed as {first.public_id}"):
        credential_renew(
            credential=old,
            valid_until=old.valid_until + timedelta(days=9),
            actor=owner(achievement.issuer),
            source="ui",
        )
    assert Credential.objects.count() == 2


def test_renewal_without_a_date_adds_one_more_period(achievement):
    old = _issue(achievement)
    expected = renewal_default_until(old)
    new = credential_renew(credential=old, actor=owner(achievement.issuer), source="ui")
    assert new.valid_until == expected
    assert expected - old.valid_until == old.valid_until - old.valid_from


@pytest.mark.parametrize(
    ("_case", "days", "message"),
    [
        ("earlier", -1, "valid_until must be later than the credential's current end"),
        ("the same", 0, "valid_until must be later than the credential's current end"),
    ],
)
def test_renewal_must_end_later(achievement, _case, days, message):
    old = _issue(achievement)
    with pytest.raises(CredentialError, match=message) as caught:
        credential_renew(
            credential=old,
            valid_until=old.valid_until + timedelta(days=days),
            actor=owner(achievement.issuer),
            source="ui",
        )
    assert caught.value.field == "valid_until"
    assert Credential.objects.count() == 1


def test_a_credential_without_an_end_is_not_renewed(achievement):
    old = _issue(achievement, valid_until=None)
    with pytest.raises(CredentialError, match="does not expire") as caught:
        credential_renew(credential=old, actor=owner(achievement.issuer), source="ui")
    assert caught.value.field == "valid_until"


def test_revoked_and_suspended_credentials_are_not_renewed_or_corrected(achievement):
    ana = owner(achievement.issuer)
    revoked = credential_revoke(credential=_issue(achievement), reason="mistake", actor=ana)
    suspended = credential_suspend(credential=_issue(achievement, email="max@example.com"), actor=ana)
    with pytest.raises(CredentialError, match="A revoked credential cannot be renewed"):
        credential_renew(credential=revoked, actor=ana, source="ui")
    with pytest.raises(CredentialError, match="A suspended credential cannot be corrected; reinstate it first"):
        credential_correct(credential=suspended, name="Max", actor=ana, source="ui")
    assert Credential.objects.count() == 2
    assert not AuditEvent.objects.filter(action__in=["credential.renewed", "credential.corrected"]).exists()


def test_an_expired_credential_is_renewed(achievement):
    old = _issue(achievement)
    Credential.objects.filter(pk=old.pk).update(
        valid_from=timezone.now() - timedelta(days=400), valid_until=timezone.now() - timedelta(days=35)
    )
    old.refresh_from_db()
    assert old.state() == "expired"
    new = credential_renew(credential=old, actor=owner(achievement.issuer), source="ui")
    assert new.state() == "active"


def test_another_issuers_owner_cannot_renew(achievement, other_issuer):
    old = _issue(achievement)
    with pytest.raises(NotAuthorized):
        credential_renew(credential=old, actor=owner(other_issuer), source="ui")
    assert Credential.objects.count() == 1


# ----- correct


def test_correction_replaces_the_credential_and_revokes_it_as_superseded(achievement):
    old = _issue(achievement)
    new = credential_correct(credential=old, name="Lea Rner", actor=owner(achievement.issuer), source="ui")
    assert (new.replaces_id, new.replacement) == (old.pk, Replacement.CORRECTION)
    assert _subject(new)["name"] == "Lea Rner"
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    old.refresh_from_db()
    assert old.status == CredentialStatus.REVOKED
    assert old.status_reason == f"Superseded by {new.public_id}"
    report = verify_credential(old.document)
    assert report.verdict == "invalid"
    event = AuditEvent.objects.get(action="credential.corrected")
    assert event.data == {"successor": new.public_id, "name": ["Lea Rnr", "Lea Rner"]}


def test_correction_to_the_achievements_current_version(achievement):
    ana = owner(achievement.issuer)
    old = _issue(achievement)
    achievement_update(achievement=achievement, data={"description": "Writes and tests Python programs."}, actor=ana)
    achievement.refresh_from_db()
    new = credential_correct(credential=old, actor=ana, source="ui")
    assert _subject(new)["achievement"]["version"] == "2"
    assert _subject(new)["name"] == "Lea Rnr"
    assert AuditEvent.objects.get(action="credential.corrected").data["version"] == ["1", "2"]


def test_correction_to_another_achievement(achievement):
    from badges.models import Achievement

    other = Achievement.objects.create(
        issuer=achievement.issuer, slug="sql", name="SQL", description="d", criteria_narrative="c"
    )
    old = _issue(achievement)
    new = credential_correct(credential=old, achievement=other, actor=owner(achievement.issuer), source="ui")
    assert new.achievement == other
    assert _subject(new)["achievement"]["name"] == "SQL"


def test_another_issuers_achievement_is_refused(achievement, other_issuer):
    from badges.models import Achievement

    theirs = Achievement.objects.create(
        issuer=other_issuer, slug="x", name="X", description="d", criteria_narrative="c"
    )
    with pytest.raises(NotAuthorized):
        credential_correct(
            credential=_issue(achievement), achievement=theirs, actor=owner(achievement.issuer), source="ui"
        )
    assert Credential.objects.count() == 1


def test_nothing_to_correct_is_refused(achievement):
    old = _issue(achievement)
    with pytest.raises(CredentialError, match="Nothing to correct") as caught:
        credential_correct(credential=old, name=" Lea Rnr ", actor=owner(achievement.issuer), source="ui")
    assert caught.value.field == "name"
    old.refresh_from_db()
    assert old.status == CredentialStatus.ACTIVE


def test_correcting_twice_corrects_once(achievement):
    old = _issue(achievement)
    ana = owner(achievement.issuer)
    first = credential_correct(credential=old, name="Lea Rner", actor=ana, source="ui")
    again = credential_correct(credential=old, name="Lea Rner", actor=ana, source="ui")
    assert again.pk == first.pk
    assert Credential.objects.count() == 2
    assert AuditEvent.objects.filter(action="credential.revoked").count() == 1


def test_a_renewed_credential_is_corrected_through_its_successor(achievement):
    old = _issue(achievement)
    ana = owner(achievement.issuer)
    renewal = credential_renew(credential=old, actor=ana, source="ui")
    with pytest.raises(CredentialError, match=f"already renewed as {renewal.public_id}"):
        credential_correct(credential=old, name="Lea Rner", actor=ana, source="ui")
    corrected = credential_correct(credential=renewal, name="Lea Rner", actor=ana, source="ui")
    assert corrected.replaces == renewal


# ----- resend


def test_resend_sends_the_award_email_again_for_the_same_credential(achievement, run, mailoutbox):
    credential = _issue(achievement, run=run)
    assert len(mailoutbox) == 1
    run(credential_resend, credential=credential, actor=owner(achievement.issuer))
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == ["lea@example.com"]
    assert mailoutbox[1].subject == mailoutbox[0].subject
    assert Credential.objects.count() == 1
    assert AuditEvent.objects.filter(action="credential.resent").count() == 1
    assert AuditEvent.objects.filter(action="credential.emailed").count() == 2


def test_a_resend_task_delivered_twice_sends_once(achievement, run, mailoutbox):
    from badges.tasks import resend_award_email

    credential = _issue(achievement, run=run)
    requested = timezone.now().isoformat()
    resend_award_email.apply(args=[credential.pk, requested])
    resend_award_email.apply(args=[credential.pk, requested])
    assert len(mailoutbox) == 2


def test_resend_is_refused_for_revoked_and_suspended_credentials(achievement, run, mailoutbox):
    ana = owner(achievement.issuer)
    revoked = credential_revoke(credential=_issue(achievement, run=run), reason="mistake", actor=ana)
    suspended = credential_suspend(credential=_issue(achievement, run=run, email="max@example.com"), actor=ana)
    with pytest.raises(CredentialError, match="revoked: its award e-mail is not sent again"):
        run(credential_resend, credential=revoked, actor=ana)
    with pytest.raises(CredentialError, match="suspended"):
        run(credential_resend, credential=suspended, actor=ana)
    assert len(mailoutbox) == 2
    assert not AuditEvent.objects.filter(action="credential.resent").exists()


def test_resend_is_limited_per_credential(achievement, run, mailoutbox):
    ana = owner(achievement.issuer)
    credential = _issue(achievement, run=run)
    other = _issue(achievement, run=run, email="max@example.com")
    for _ in range(RESEND_LIMIT):
        run(credential_resend, credential=credential, actor=ana)
    with pytest.raises(ResendLimited, match="try again in 24 hours") as caught:
        run(credential_resend, credential=credential, actor=ana)
    assert 86_000 < caught.value.retry_after <= 86_400
    run(credential_resend, credential=other, actor=ana)  # the limit is per credential
    assert len(mailoutbox) == 2 + RESEND_LIMIT + 1
    # The window slides: the first resend a day ago no longer counts.
    first = AuditEvent.objects.filter(action="credential.resent", object_id=str(credential.pk)).order_by("pk").first()
    AuditEvent.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    run(credential_resend, credential=credential, actor=ana)
    assert len(mailoutbox) == 2 + RESEND_LIMIT + 2
