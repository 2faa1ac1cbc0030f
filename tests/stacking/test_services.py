"""Stacking end to end through the services and the real event path (tasks in-process): saving rules, issuing
the stacked credential once, the revocation cascade and reinstatement, expiry, windows, stacks of stacks,
partnerships, preview and apply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from badges.models import Credential, CredentialStatus
from badges.services import credential_revoke, credential_suspend, credential_unsuspend
from issuer.models import AuditEvent
from stacking.models import OnComponentLoss, StackedAward
from stacking.services import (
    StackingError,
    expired_events,
    partnership_answer,
    partnership_request,
    qualification_apply,
    qualification_preview,
    qualification_progress,
    qualification_save,
    stacking_evaluate,
    stacking_handle_events,
)
from tests.actors import owner
from tests.stacking.conftest import group, leaf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]


@pytest.fixture
def analyst(issuer, make_achievement):
    """Data Analyst certificate: all of Python, SQL; at least 2 of Tableau, Power BI, Looker."""
    parts = {slug: make_achievement(slug) for slug in ("python", "sql", "tableau", "power-bi", "looker")}
    target = make_achievement("data-analyst", name="Data Analyst", achievement_type="Certificate")
    rule = group(
        "all",
        leaf(parts["python"]),
        leaf(parts["sql"]),
        group("at_least", leaf(parts["tableau"]), leaf(parts["power-bi"]), leaf(parts["looker"]), n=2),
    )
    qualification = qualification_save(issuer=issuer, achievement=target, rule=rule, actor=owner(issuer))
    return qualification, parts


def _stacked(qualification, email="ada@example.org"):
    return list(Credential.objects.filter(achievement=qualification.achievement, recipient_email=email))


def _complete(award, parts, email="ada@example.org"):
    return [award(parts[slug], email) for slug in ("python", "sql", "tableau", "looker")]


def test_the_summary_is_stored_with_the_rule(analyst):
    qualification, _ = analyst
    assert qualification.summary == "all of Python, Sql; at least 2 of Tableau, Power Bi, Looker"
    assert qualification.components.count() == 5


def test_completing_the_rule_issues_the_stacked_credential_once(analyst, award):
    qualification, parts = analyst
    components = [award(parts[slug]) for slug in ("python", "sql", "tableau")]
    assert _stacked(qualification) == []  # not yet

    looker = award(parts["looker"])

    (stacked,) = _stacked(qualification)
    assert (stacked.source, stacked.status, stacked.recipient_name) == ("stacking", "active", "Ada Lovelace")
    evidence_ids = [item["id"] for item in stacked.evidence]
    assert evidence_ids == [c.public_id for c in (*components[:3], looker)]
    assert all(item["narrative"].startswith("Component of Data Analyst: all of Python") for item in stacked.evidence)
    assert stacking_evaluate(qualification=qualification, email="ada@example.org") == "unchanged"
    award(parts["power-bi"])  # a further component changes nothing
    assert len(_stacked(qualification)) == 1
    assert StackedAward.objects.get().components == [c.pk for c in (*components[:3], looker)]


def test_another_learner_is_evaluated_on_their_own_awards(analyst, award):
    qualification, parts = analyst
    award(parts["python"], "bob@example.org")
    _complete(award, parts, "ada@example.org")
    assert len(_stacked(qualification, "ada@example.org")) == 1
    assert _stacked(qualification, "bob@example.org") == []


def test_revoking_a_component_revokes_the_stacked_credential_and_a_new_award_reissues(
    analyst, award, django_capture_on_commit_callbacks
):
    qualification, parts = analyst
    components = _complete(award, parts)
    sql = components[1]

    with django_capture_on_commit_callbacks(execute=True):
        credential_revoke(credential=sql, reason="Exam irregularity", actor=owner(sql.issuer))

    (stacked,) = _stacked(qualification)
    assert stacked.status == CredentialStatus.REVOKED
    assert stacked.status_reason == f"Data Analyst no longer holds: component Sql ({sql.public_id}) was revoked."

    award(parts["sql"])  # earned again

    first, second = sorted(_stacked(qualification), key=lambda c: c.pk)
    assert (first.status, second.status) == ("revoked", "active")
    assert StackedAward.objects.get().generation == 2


def test_suspension_cascade_and_reinstatement(analyst, award, django_capture_on_commit_callbacks):
    qualification, parts = analyst
    qualification.on_component_loss = OnComponentLoss.SUSPEND
    qualification.save()
    python = _complete(award, parts)[0]

    with django_capture_on_commit_callbacks(execute=True):
        credential_revoke(credential=python, reason="Mistake", actor=owner(python.issuer))
    (stacked,) = _stacked(qualification)
    assert stacked.status == CredentialStatus.SUSPENDED

    award(parts["python"])
    (stacked,) = _stacked(qualification)
    assert stacked.status == CredentialStatus.ACTIVE  # reinstated, not reissued
    assert StackedAward.objects.get().generation == 1


def test_a_suspended_component_counts_unless_the_rule_requires_valid_ones(
    analyst, award, django_capture_on_commit_callbacks
):
    qualification, parts = analyst
    tableau = _complete(award, parts)[2]
    with django_capture_on_commit_callbacks(execute=True):
        credential_suspend(credential=tableau, reason="Review", actor=owner(tableau.issuer))
    assert _stacked(qualification)[0].status == "active"

    qualification.require_valid = True
    qualification.save()
    with django_capture_on_commit_callbacks(execute=True):
        credential_unsuspend(credential=tableau, actor=owner(tableau.issuer))
        credential_suspend(credential=tableau, reason="Review", actor=owner(tableau.issuer))
    assert _stacked(qualification)[0].status == "revoked"


def test_an_issuer_revoking_the_stacked_credential_by_hand_is_not_undone(
    analyst, award, django_capture_on_commit_callbacks
):
    qualification, parts = analyst
    _complete(award, parts)
    (stacked,) = _stacked(qualification)
    with django_capture_on_commit_callbacks(execute=True):
        credential_revoke(credential=stacked, reason="Plagiarism", actor=owner(stacked.issuer))

    award(parts["power-bi"])

    assert [c.status for c in _stacked(qualification)] == ["revoked"]


def test_expiry_of_a_component_when_valid_ones_are_required(analyst, award):
    qualification, parts = analyst
    qualification.require_valid = True
    qualification.save()
    sql = _complete(award, parts)[1]
    now = timezone.now()
    Credential.objects.filter(pk=sql.pk).update(
        valid_from=now - timedelta(days=2), valid_until=now - timedelta(minutes=5)
    )

    events = expired_events(since=now - timedelta(hours=1), until=now)
    assert [(e["kind"], e["credential_id"]) for e in events] == [("expired", sql.pk)]
    stacking_handle_events(events, now=now)

    (stacked,) = _stacked(qualification)
    assert stacked.status == "revoked" and "expired" in stacked.status_reason


def test_window_requires_components_earned_close_together(issuer, make_achievement, award):
    a, b, target = make_achievement("a"), make_achievement("b"), make_achievement("ab")
    qualification = qualification_save(
        issuer=issuer, achievement=target, rule=group("all", leaf(a), leaf(b)), window_days=30, actor=owner(issuer)
    )
    old = award(a)
    Credential.objects.filter(pk=old.pk).update(valid_from=timezone.now() - timedelta(days=60))
    award(b)
    assert _stacked(qualification) == []
    progress = qualification_progress(qualification, "ada@example.org")
    assert not progress.outcome.satisfied and progress.lines[0] == "✓ all of (2 of 2 met)"

    award(a)  # again, recently
    assert len(_stacked(qualification)) == 1


def test_stacks_of_stacks(issuer, make_achievement, award):
    a, b, c = make_achievement("a"), make_achievement("b"), make_achievement("c")
    certificate, program = make_achievement("certificate"), make_achievement("program")
    first = qualification_save(
        issuer=issuer, achievement=certificate, rule=group("all", leaf(a), leaf(b)), actor=owner(issuer)
    )
    second = qualification_save(
        issuer=issuer, achievement=program, rule=group("all", leaf(certificate), leaf(c)), actor=owner(issuer)
    )
    award(c)
    award(a)
    award(b)
    assert len(_stacked(first)) == 1
    (top,) = _stacked(second)
    assert [item["name"] for item in top.evidence] == ["Certificate", "C"]


def test_cycles_and_self_reference_are_refused(issuer, make_achievement):
    a, b, c = make_achievement("a"), make_achievement("b"), make_achievement("c")
    qualification_save(issuer=issuer, achievement=b, rule=group("all", leaf(a)), actor=owner(issuer))
    qualification_save(issuer=issuer, achievement=c, rule=group("all", leaf(b)), actor=owner(issuer))
    with pytest.raises(StackingError, match="cycle: A needs C needs B needs A"):
        qualification_save(issuer=issuer, achievement=a, rule=group("any", leaf(c)), actor=owner(issuer))
    with pytest.raises(StackingError, match="cannot be a component of its own rule"):
        qualification_save(issuer=issuer, achievement=a, rule=group("any", leaf(a)), actor=owner(issuer))


def test_rule_refusals(issuer, other_issuer, make_achievement):
    a, target = make_achievement("a"), make_achievement("t")
    foreign = make_achievement("foreign", owner=other_issuer)
    with pytest.raises(StackingError, match="Other Academy, which has not accepted a partnership"):
        qualification_save(
            issuer=issuer, achievement=target, rule=group("all", leaf(a), leaf(foreign)), actor=owner(issuer)
        )
    with pytest.raises(StackingError, match="does not exist"):
        qualification_save(
            issuer=issuer,
            achievement=target,
            rule=group("all", {"kind": "achievement", "achievement": "nope"}),
            actor=owner(issuer),
        )
    with pytest.raises(StackingError, match="must be one of this issuer's own"):
        qualification_save(issuer=issuer, achievement=foreign, rule=group("all", leaf(a)), actor=owner(issuer))
    with pytest.raises(StackingError, match="The rule is not valid: root: a group needs at least one member"):
        qualification_save(issuer=issuer, achievement=target, rule=group("all"), actor=owner(issuer))
    qualification_save(issuer=issuer, achievement=target, rule=group("all", leaf(a)), actor=owner(issuer))
    with pytest.raises(StackingError, match="already has a qualification rule"):
        qualification_save(issuer=issuer, achievement=target, rule=group("any", leaf(a)), actor=owner(issuer))
    assert AuditEvent.objects.filter(action="qualification.created").count() == 1


def test_a_partner_issuers_achievements_count_once_accepted(issuer, other_issuer, make_achievement, award):
    mine, target = make_achievement("mine"), make_achievement("target")
    theirs = make_achievement("theirs", owner=other_issuer)
    partnership = partnership_request(issuer=issuer, partner=other_issuer, actor=owner(issuer))
    with pytest.raises(StackingError):
        qualification_save(
            issuer=issuer, achievement=target, rule=group("all", leaf(mine), leaf(theirs)), actor=owner(issuer)
        )
    partnership_answer(partnership=partnership, accept=True, actor=owner(other_issuer))

    qualification = qualification_save(
        issuer=issuer, achievement=target, rule=group("all", leaf(mine), leaf(theirs)), actor=owner(issuer)
    )
    award(theirs)
    award(mine)

    (stacked,) = _stacked(qualification)
    assert stacked.issuer == issuer


def test_only_rules_that_mention_the_achievement_are_evaluated(analyst, make_achievement, award):
    unrelated = award(make_achievement("unrelated"))
    event = {
        "kind": "issued",
        "credential_id": unrelated.pk,
        "issuer_id": unrelated.issuer_id,
        "achievement_id": unrelated.achievement_id,
        "recipient_identity": "ada@example.org",
    }
    assert stacking_handle_events([event]) == {}
    assert StackedAward.objects.count() == 0


def test_preview_counts_and_apply_awards_existing_holders(issuer, make_achievement, award):
    a, b, target = make_achievement("a"), make_achievement("b"), make_achievement("t")
    for email in ("one@example.org", "two@example.org"):
        award(a, email)
        award(b, email)
    award(a, "three@example.org")
    qualification = qualification_save(
        issuer=issuer, achievement=target, rule=group("all", leaf(a), leaf(b)), actor=owner(issuer)
    )
    assert Credential.objects.filter(achievement=target).count() == 0  # a new rule does not act by itself

    assert qualification_preview(qualification) == (2, 3)
    assert qualification_apply(qualification=qualification, actor=owner(qualification.issuer)) == {"issued": 2}
    assert qualification_apply(qualification=qualification, actor=owner(qualification.issuer)) == {"unchanged": 2}
    assert sorted(Credential.objects.filter(achievement=target).values_list("recipient_email", flat=True)) == [
        "one@example.org",
        "two@example.org",
    ]


def test_preview_of_a_rule_not_saved_yet(issuer, make_achievement, award):
    from stacking.services import rule_preview

    a, b = make_achievement("a"), make_achievement("b")
    award(a, "one@example.org")
    award(b, "one@example.org")
    award(b, "two@example.org")
    assert rule_preview(issuer=issuer, rule=group("all", leaf(a), leaf(b))) == (1, 2)
    assert rule_preview(issuer=issuer, rule=group("any", leaf(a), leaf(b))) == (2, 2)
    with pytest.raises(StackingError, match="not valid"):
        rule_preview(issuer=issuer, rule={"kind": "all"})
