"""Renew, correct and resend on the issuer's award pages (badges.views_lifecycle, D64)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from badges.models import Achievement, Credential, CredentialStatus, Replacement
from badges.services import AwardRequest, credential_issue, credential_revoke
from issuer.models import AuditEvent
from tests.actors import owner
from tests.ui.conftest import expected_status

EVERYONE = [None, "stranger", "owner", "editor", "awarder", "viewer"]
AWARDERS = {"owner", "awarder"}


def _issue(achievement, email="lea@example.com", **kwargs):
    kwargs.setdefault("valid_until", timezone.now().replace(microsecond=0) + timedelta(days=30))
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email, name="Lea Rnr", **kwargs),
        source="ui",
        actor=owner(achievement.issuer),
    )


def _local(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("step", ["renew", "correct", "resend"])
def test_pages_permission_matrix(client_as, achievement, who, step):
    credential = _issue(achievement)
    url = f"/manage/uni/awards/{credential.uuid}/{step}/"
    assert client_as(who).get(url).status_code == expected_status(who, AWARDERS)
    posted = client_as(who).post(url, {}).status_code
    assert posted in ((200, 302) if who in AWARDERS else (expected_status(who, AWARDERS),))
    if who not in AWARDERS:
        assert Credential.objects.count() == 1
        assert not AuditEvent.objects.filter(action__startswith="credential.re").exists()


def test_the_detail_page_offers_the_three_actions_to_awarders_only(client_as, achievement):
    credential = _issue(achievement)
    url = f"/manage/uni/awards/{credential.uuid}/"
    page = client_as("awarder").get(url).content.decode()
    for step in ("renew", "correct", "resend"):
        assert f'href="/manage/uni/awards/{credential.uuid}/{step}/"' in page
    page = client_as("viewer").get(url).content.decode()
    assert f"/awards/{credential.uuid}/renew/" not in page


def test_renew_from_the_page(client_as, achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks):
    credential = _issue(achievement)
    client = client_as("awarder")
    page = client.get(f"/manage/uni/awards/{credential.uuid}/renew/")
    suggested = _local(credential.valid_until + timedelta(days=30))
    assert f'value="{suggested}"' in page.content.decode()
    until = credential.valid_until + timedelta(days=365)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/manage/uni/awards/{credential.uuid}/renew/", {"valid_until": _local(until)}, follow=True
        )
    renewal = Credential.objects.get(replaces=credential)
    assert response.redirect_chain == [(f"/manage/uni/awards/{renewal.uuid}/", 302)]
    html = response.content.decode()
    assert "Renewed: this is the new credential." in html
    assert "Renews" in html and credential.public_id in html
    assert renewal.replacement == Replacement.RENEWAL
    assert renewal.valid_until == until.replace(second=0)
    assert [message.to for message in mailoutbox] == [["lea@example.com"]]
    old_page = client.get(f"/manage/uni/awards/{credential.uuid}/").content.decode()
    assert "Renewed by" in old_page and renewal.public_id in old_page


def test_a_double_submitted_renewal_renews_once(client_as, achievement):
    credential = _issue(achievement)
    client = client_as("owner")
    form = {"valid_until": _local(credential.valid_until + timedelta(days=90))}
    first = client.post(f"/manage/uni/awards/{credential.uuid}/renew/", form)
    second = client.post(f"/manage/uni/awards/{credential.uuid}/renew/", form)
    assert first["Location"] == second["Location"]
    assert Credential.objects.filter(replaces=credential).count() == 1
    assert AuditEvent.objects.filter(action="credential.renewed").count() == 1


def test_renewal_must_end_later_shown_at_the_field(client_as, achievement):
    credential = _issue(achievement)
    response = client_as("owner").post(
        f"/manage/uni/awards/{credential.uuid}/renew/",
        {"valid_until": _local(credential.valid_until - timedelta(days=1))},
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["valid_until"]
    assert error.startswith("valid_until must be later than the credential's current end")
    assert Credential.objects.count() == 1


def test_correct_from_the_page(client_as, achievement):
    credential = _issue(achievement)
    response = client_as("awarder").post(
        f"/manage/uni/awards/{credential.uuid}/correct/",
        {"name": "Lea Rner", "achievement": str(achievement.pk)},
        follow=True,
    )
    correction = Credential.objects.get(replaces=credential)
    assert response.redirect_chain == [(f"/manage/uni/awards/{correction.uuid}/", 302)]
    assert "the old one is revoked as superseded" in response.content.decode()
    assert json.loads(correction.document)["credentialSubject"]["name"] == "Lea Rner"
    credential.refresh_from_db()
    assert (credential.status, credential.status_reason) == (
        CredentialStatus.REVOKED,
        f"Superseded by {correction.public_id}",
    )


def test_nothing_to_correct_is_shown_at_the_name(client_as, achievement):
    credential = _issue(achievement)
    response = client_as("owner").post(
        f"/manage/uni/awards/{credential.uuid}/correct/", {"name": "Lea Rnr", "achievement": str(achievement.pk)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"][0].startswith("Nothing to correct")
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ACTIVE


def test_another_issuers_achievement_is_not_offered(client_as, achievement, other_issuer):
    theirs = Achievement.objects.create(
        issuer=other_issuer, slug="x", name="X", description="d", criteria_narrative="c"
    )
    credential = _issue(achievement)
    response = client_as("owner").post(
        f"/manage/uni/awards/{credential.uuid}/correct/", {"name": "Lea", "achievement": str(theirs.pk)}
    )
    assert response.context["form"].errors["achievement"] == ["Choose one of this issuer's current achievements."]
    assert Credential.objects.count() == 1


def test_resend_from_the_page(client_as, achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks):
    credential = _issue(achievement)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("awarder").post(f"/manage/uni/awards/{credential.uuid}/resend/", follow=True)
    assert response.redirect_chain == [(f"/manage/uni/awards/{credential.uuid}/", 302)]
    assert "The award e-mail is being sent again to lea@example.com." in response.content.decode()
    assert [message.to for message in mailoutbox] == [["lea@example.com"]]
    assert Credential.objects.count() == 1


def test_resend_of_a_revoked_award_is_refused(client_as, achievement, mailoutbox):
    credential = credential_revoke(credential=_issue(achievement), reason="mistake", actor=owner(achievement.issuer))
    client = client_as("owner")
    page = client.get(f"/manage/uni/awards/{credential.uuid}/resend/").content.decode()
    assert "This award is revoked, so it cannot be renewed, corrected or e-mailed again." in page
    response = client.post(f"/manage/uni/awards/{credential.uuid}/resend/", follow=True)
    assert "This credential is revoked: its award e-mail is not sent again." in response.content.decode()
    assert mailoutbox == []


def test_the_resend_limit_is_shown(client_as, achievement):
    credential = _issue(achievement)
    client = client_as("owner")
    for _ in range(3):
        client.post(f"/manage/uni/awards/{credential.uuid}/resend/")
    response = client.post(f"/manage/uni/awards/{credential.uuid}/resend/", follow=True)
    assert "already sent again 3 times in the last 24 hours" in response.content.decode()
    assert AuditEvent.objects.filter(action="credential.resent").count() == 3


def test_the_pages_speak_german(client_as, achievement):
    credential = _issue(achievement)
    client = client_as("owner")
    client.cookies["django_language"] = "de"
    for step in ("renew", "correct", "resend"):
        html = client.get(f"/manage/uni/awards/{credential.uuid}/{step}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
        assert 'lang="de"' in html
    html = client.get(f"/manage/uni/awards/{credential.uuid}/renew/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Diese Verleihung verlängern" in html
