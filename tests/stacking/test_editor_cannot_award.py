"""Issue 17: an editor — a role that may not award — awarded credentials by creating a qualification and applying
it. A rule awards whoever satisfies it, so writing or applying one needs AWARD as well as EDIT_ACHIEVEMENTS (D34),
checked by the pages, by the services, and again by the task that applies a rule later.

Each test shows the refusal and that nothing was awarded, then that an owner doing the same awards: the refusal
is the role's, not a broken path."""

from __future__ import annotations

import json

import pytest

from badges.models import Credential
from badges.services import AwardRequest, credential_issue
from issuer.models import AuditEvent
from issuer.permissions import NotAuthorized
from stacking.models import Partnership, Qualification
from stacking.services import (
    partnership_request,
    qualification_apply,
    qualification_deactivate,
    qualification_save,
)
from stacking.tasks import apply_qualification
from tests.actors import owner
from tests.stacking.conftest import group, leaf
from tests.ui import conftest as ui

staff = ui.staff
client_as = ui.client_as
LEARNERS = ("ada@example.org", "bob@example.org", "cy@example.org")


@pytest.fixture
def held(make_achievement):
    """A component three learners already hold (awarded by the owner) and a certificate no one has yet."""
    part = make_achievement("python")
    target = make_achievement("certificate", achievement_type="Certificate")
    for email in LEARNERS:
        credential_issue(
            request=AwardRequest(achievement=part, email=email), source="ui", notify=False, actor=owner(part.issuer)
        )
    return part, target


def _certificates(target) -> int:
    return Credential.objects.filter(achievement=target).count()


def _save_form(target, part) -> dict[str, str]:
    return {
        "achievement": str(target.pk),
        "window_days": "",
        "on_component_loss": "revoke",
        "rule": json.dumps(group("all", leaf(part))),
        "op": "save",
    }


def test_an_editor_cannot_create_a_rule_on_the_page(client_as, issuer, held):
    part, target = held
    url = f"/manage/{issuer.slug}/qualifications/new/"

    response = client_as("editor").post(url, _save_form(target, part))

    assert response.status_code == 403
    assert Qualification.objects.count() == 0
    assert not AuditEvent.objects.filter(action="qualification.created").exists()
    assert client_as("owner").post(url, _save_form(target, part)).status_code == 302
    assert Qualification.objects.count() == 1


def test_an_editor_cannot_apply_a_rule_on_the_page(
    client_as, issuer, held, tasks_in_process, django_capture_on_commit_callbacks
):
    part, target = held
    qualification = qualification_save(issuer=issuer, achievement=target, rule=leaf(part), actor=owner(issuer))
    url = f"/manage/{issuer.slug}/qualifications/{qualification.uuid}/apply/"

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("editor").post(url)

    assert response.status_code == 403
    assert _certificates(target) == 0
    assert not AuditEvent.objects.filter(action="qualification.applied").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_as("owner").post(url).status_code == 302
    assert _certificates(target) == len(LEARNERS)


def test_an_editor_cannot_change_a_rule_into_one_that_awards(client_as, issuer, held, make_achievement):
    part, target = held
    unheld = make_achievement("nobody-has-it")
    qualification = qualification_save(issuer=issuer, achievement=target, rule=leaf(unheld), actor=owner(issuer))
    url = f"/manage/{issuer.slug}/qualifications/{qualification.uuid}/"

    response = client_as("editor").post(url, _save_form(target, part))

    assert response.status_code == 403
    qualification.refresh_from_db()
    assert qualification.rule == leaf(unheld)


def test_the_services_refuse_an_editor_whoever_calls_them(issuer, staff, held, other_issuer):
    part, target = held
    editor = staff["editor"]

    with pytest.raises(NotAuthorized, match="editor may not award, revoke or suspend credentials"):
        qualification_save(issuer=issuer, achievement=target, rule=leaf(part), actor=editor)
    assert Qualification.objects.count() == 0

    qualification = qualification_save(issuer=issuer, achievement=target, rule=leaf(part), actor=owner(issuer))
    for write in (
        lambda: qualification_apply(qualification=qualification, actor=editor),
        lambda: qualification_deactivate(qualification=qualification, actor=editor),
        lambda: partnership_request(issuer=issuer, partner=other_issuer, actor=editor),
    ):
        with pytest.raises(NotAuthorized):
            write()
    qualification.refresh_from_db()
    assert (qualification.active, qualification.applied_at, _certificates(target)) == (True, None, 0)
    assert Partnership.objects.count() == 0

    assert qualification_apply(qualification=qualification, actor=owner(issuer)) == {"issued": len(LEARNERS)}


def test_a_queued_apply_asks_again_for_whoever_requested_it(issuer, staff, held, tasks_in_process):
    # The page enqueues the apply with the id of who asked; a role lost meanwhile (or an id that never could)
    # applies nothing.
    part, target = held
    qualification = qualification_save(issuer=issuer, achievement=target, rule=leaf(part), actor=owner(issuer))

    with pytest.raises(NotAuthorized):
        apply_qualification.run(qualification.pk, staff["editor"].pk)
    with pytest.raises(NotAuthorized):
        apply_qualification.run(qualification.pk, None)
    assert _certificates(target) == 0

    assert apply_qualification.run(qualification.pk, owner(issuer).pk) == {"issued": len(LEARNERS)}
