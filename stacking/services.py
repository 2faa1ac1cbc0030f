"""Writes of stacking: saving a qualification's rule, evaluating it for one learner and acting on the answer.

Evaluation is per (qualification, learner) under a row lock on their StackedAward, reads only the learner's own
credentials of the achievements the rule mentions, and is idempotent: evaluating twice, or after events in any
order, leaves the same state. It runs in a task after the award commits (stacking.tasks), never in the request.

A rule awards credentials whenever a learner satisfies it, so writing a rule or a partnership needs Action.AWARD as
well as Action.EDIT_ACHIEVEMENTS (STACKING_WRITE, D34). Evaluation then acts as a system actor naming the rule: the
rule is the authorization its writer had.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from badges.models import Achievement, Credential, CredentialStatus
from badges.services import (
    AwardRequest,
    CredentialError,
    IssueOutcome,
    credential_issue_many,
    credential_revoke,
    credential_suspend,
    credential_unsuspend,
)
from issuer.models import Issuer
from issuer.permissions import STACKING_WRITE, Actor, SystemActor, audit_user, authorize
from issuer.services import audit_record
from stacking import rules
from stacking.models import (
    OnComponentLoss,
    Partnership,
    PartnershipStatus,
    Qualification,
    QualificationComponent,
    StackedAward,
)

logger = logging.getLogger(__name__)


class StackingError(Exception):
    """A qualification cannot be saved as given; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def usable_achievements(issuer: Issuer) -> QuerySet[Achievement]:
    """What `issuer`'s rules may name: its own achievements and those of issuers that accepted a partnership."""
    partners = Partnership.objects.filter(issuer=issuer, status=PartnershipStatus.ACCEPTED).values("partner_id")
    return Achievement.objects.filter(Q(issuer=issuer) | Q(issuer_id__in=partners)).select_related("issuer")


def _resolve(issuer: Issuer, tree: rules.Node) -> dict[str, Achievement]:
    refs = rules.leaves(tree)
    usable = {str(a.uuid): a for a in usable_achievements(issuer).filter(uuid__in=_uuids(refs))}
    for ref in refs:
        if ref not in usable:
            foreign = Achievement.objects.filter(uuid__in=_uuids([ref])).select_related("issuer").first()
            if foreign is not None:
                raise StackingError(
                    f"{foreign.name!r} belongs to {foreign.issuer.name}, which has not accepted a partnership "
                    f"with {issuer.name}.",
                    field="rule",
                )
            raise StackingError(f"The rule names an achievement that does not exist ({ref}).", field="rule")
    return usable


def _uuids(refs: list[str]) -> list[str]:
    import uuid as uuid_module

    valid = []
    for ref in refs:
        try:
            valid.append(str(uuid_module.UUID(ref)))
        except ValueError:
            continue
    return valid


def _cycle(target: Achievement, components: list[Achievement], *, exclude: int | None) -> list[str] | None:
    """The chain of achievement names that would make `target` a component of itself, or None."""
    # Which qualification awards each achievement, and what it needs: the graph as it is, without this rule.
    needs: dict[int, list[int]] = defaultdict(list)
    rows = QualificationComponent.objects.filter(qualification__active=True)
    if exclude is not None:
        rows = rows.exclude(qualification_id=exclude)
    for target_id, component_id in rows.values_list("qualification__achievement_id", "achievement_id"):
        needs[target_id].append(component_id)
    names = dict(
        Achievement.objects.filter(pk__in={target.pk, *needs, *sum(needs.values(), [])}).values_list("pk", "name")
    )
    names.update({c.pk: c.name for c in components})

    def path_to_target(start: int, seen: set[int]) -> list[int] | None:
        if start == target.pk:
            return [start]
        if start in seen:
            return None
        seen.add(start)
        for component in needs.get(start, []):
            rest = path_to_target(component, seen)
            if rest is not None:
                return [start, *rest]
        return None

    for component in components:
        chain = path_to_target(component.pk, set())
        if chain is not None:
            return [target.name, *(names.get(pk, str(pk)) for pk in chain)]
    return None


@transaction.atomic
def qualification_save(
    *,
    issuer: Issuer,
    achievement: Achievement,
    rule: Any,
    window_days: int | None = None,
    require_valid: bool = False,
    on_component_loss: str = OnComponentLoss.REVOKE,
    qualification: Qualification | None = None,
    actor: Actor,
) -> Qualification:
    """Create or change a qualification. The rule is checked (well formed, achievements usable by this issuer,
    no cycle through other rules); a change applies to later events — `qualification_apply` reaches the
    learners who already qualify."""
    authorize(actor, issuer, *STACKING_WRITE)
    if achievement.issuer_id != issuer.pk:
        raise StackingError("The stacked achievement must be one of this issuer's own.", field="achievement")
    if achievement.archived:
        raise StackingError(f"{achievement.name!r} is archived.", field="achievement")
    if qualification is not None and qualification.issuer_id != issuer.pk:
        raise StackingError("No such qualification.")
    other = Qualification.objects.filter(achievement=achievement)
    if qualification is not None:
        other = other.exclude(pk=qualification.pk)
    if other.exists():
        raise StackingError(
            f"{achievement.name!r} already has a qualification rule; edit that one.", field="achievement"
        )
    if window_days is not None and not 1 <= window_days <= 36_500:
        raise StackingError("The time window must be between 1 and 36,500 days.", field="window_days")
    if on_component_loss not in OnComponentLoss.values:
        raise StackingError("Choose revoke or suspend for a lost component.", field="on_component_loss")
    try:
        tree = rules.parse(rule)
    except rules.RuleError as exc:
        raise StackingError(f"The rule is not valid: {exc}", field="rule") from exc
    components = _resolve(issuer, tree)
    if str(achievement.uuid) in components:
        raise StackingError(f"{achievement.name!r} cannot be a component of its own rule.", field="rule")
    chain = _cycle(achievement, list(components.values()), exclude=qualification.pk if qualification else None)
    if chain is not None:
        raise StackingError("The rule would make a cycle: " + " needs ".join(chain) + ".", field="rule")
    names = {ref: a.name for ref, a in components.items()}
    created = qualification is None
    if qualification is None:
        qualification = Qualification(issuer=issuer, created_by=audit_user(actor))
    qualification.achievement = achievement
    qualification.rule = rules.dump(tree)
    qualification.summary = rules.summary(tree, names)
    qualification.window_days = window_days
    qualification.require_valid = require_valid
    qualification.on_component_loss = on_component_loss
    qualification.active = True
    qualification.save()
    QualificationComponent.objects.filter(qualification=qualification).delete()
    QualificationComponent.objects.bulk_create(
        [QualificationComponent(qualification=qualification, achievement=a) for a in components.values()]
    )
    audit_record(
        issuer=issuer,
        action="qualification.created" if created else "qualification.changed",
        obj=qualification,
        actor=actor,
        data={"achievement": achievement.slug, "summary": qualification.summary},
    )
    return qualification


def component_achievements(qualification: Qualification) -> dict[str, Achievement]:
    """The rule's achievements by UUID text."""
    found = Achievement.objects.filter(component_of__qualification=qualification).select_related("issuer")
    return {str(a.uuid): a for a in found}


def _counting(qualification: Qualification, now: datetime) -> QuerySet[Credential]:
    """Credentials that count towards the rule: never revoked ones; with require_valid, only valid ones."""
    credentials = Credential.objects.filter(achievement__component_of__qualification=qualification)
    return _countable(credentials, require_valid=qualification.require_valid, now=now)


def _countable(credentials: QuerySet[Credential], *, require_valid: bool, now: datetime) -> QuerySet[Credential]:
    credentials = credentials.exclude(status=CredentialStatus.REVOKED)
    if require_valid:
        credentials = credentials.filter(status=CredentialStatus.ACTIVE, valid_from__lte=now).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=now)
        )
    return credentials


def _held(rows: Any) -> list[rules.Held]:
    return [
        rules.Held(
            credential_id=pk,
            achievement=str(achievement_uuid),
            awarded_at=valid_from,
            credits=credits if credits is not None else Decimal(0),
        )
        for pk, achievement_uuid, valid_from, credits in rows
    ]


HELD_FIELDS = ("pk", "achievement__uuid", "valid_from", "achievement__credits_available")


def held_by(qualification: Qualification, email: str, *, now: datetime | None = None) -> list[rules.Held]:
    """The learner's credentials that count towards the rule (their own awards only: an indexed lookup)."""
    rows = _counting(qualification, now or timezone.now()).filter(recipient_email=email).values_list(*HELD_FIELDS)
    return _held(rows)


@dataclass
class Progress:
    qualification: Qualification
    outcome: rules.Outcome
    names: dict[str, str]

    @property
    def lines(self) -> list[str]:
        return rules.explain(self.outcome.result, self.names)


def qualification_progress(qualification: Qualification, email: str, *, now: datetime | None = None) -> Progress:
    now = now or timezone.now()
    tree = rules.parse(qualification.rule)
    outcome = rules.evaluate(tree, held_by(qualification, email, now=now), window=_window(qualification))
    names = {ref: a.name for ref, a in component_achievements(qualification).items()}
    return Progress(qualification=qualification, outcome=outcome, names=names)


def _window(qualification: Qualification) -> timedelta | None:
    return timedelta(days=qualification.window_days) if qualification.window_days else None


def rule_actor(qualification: Qualification) -> SystemActor:
    """Who acts when a rule awards, revokes, suspends or reinstates: the rule itself, saved by someone allowed to
    award (`qualification_save`)."""
    return SystemActor(f"stacking rule {qualification.uuid}")


def _key(qualification: Qualification, generation: int, email: str) -> str:
    # Bounded length whatever the address: the key is unique per issuer, the hash keeps it private and short.
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"stack:{qualification.pk}:{generation}:{digest}"


def stacking_evaluate(*, qualification: Qualification, email: str, cause: str = "", now: datetime | None = None) -> str:
    """Evaluate one learner against one rule and act on it (see `stacking_evaluate_many`)."""
    return stacking_evaluate_many(qualification=qualification, causes={email: cause}, now=now)[email]


def stacking_evaluate_many(
    *, qualification: Qualification, causes: dict[str, str], now: datetime | None = None
) -> dict[str, str]:
    """Evaluate learners (e-mail → the event that caused it, for the reason) against one rule, and act: issue the
    stacked credential once, take it away when a component was lost (revoke or suspend, per the rule), or give it
    back. Returns, per learner, "issued", "reissued", "reinstated", "revoked", "suspended", "unchanged" or
    "failed". One transaction: the learners' StackedAward rows are locked (in a fixed order, so concurrent
    evaluations cannot deadlock), their credentials read in one query, and new stacked credentials issued together.
    """
    now = now or timezone.now()
    emails = sorted(causes)
    tree = rules.parse(qualification.rule)
    window = _window(qualification)
    with transaction.atomic():
        StackedAward.objects.bulk_create(
            [StackedAward(qualification=qualification, recipient_email=email) for email in emails],
            ignore_conflicts=True,
        )
        awards = list(
            StackedAward.objects.select_for_update(of=("self",))
            .select_related("credential")
            .filter(qualification=qualification, recipient_email__in=emails)
            .order_by("recipient_email")
        )
        held: dict[str, list[rules.Held]] = defaultdict(list)
        rows = _counting(qualification, now).filter(recipient_email__in=emails)
        for email, *fields in rows.values_list("recipient_email", *HELD_FIELDS):
            held[email].extend(_held([fields]))
        results: dict[str, str] = {}
        to_issue: list[tuple[StackedAward, rules.Outcome]] = []
        for award in awards:
            award.qualification = qualification
            outcome = rules.evaluate(tree, held.get(award.recipient_email, []), window=window)
            credential = award.credential
            if outcome.satisfied:
                if credential is not None and (credential.status == CredentialStatus.ACTIVE or not award.lost_reason):
                    # Held already; or the issuer revoked or suspended it by hand, which stacking does not undo.
                    results[award.recipient_email] = "unchanged"
                elif credential is not None and credential.status == CredentialStatus.SUSPENDED:
                    results[award.recipient_email] = _reinstate(award, credential, outcome)
                elif not qualification.active:
                    results[award.recipient_email] = "unchanged"
                else:
                    to_issue.append((award, outcome))
            elif credential is None or credential.status != CredentialStatus.ACTIVE or not qualification.active:
                results[award.recipient_email] = "unchanged"
            else:
                results[award.recipient_email] = _lost(award, credential, causes.get(award.recipient_email, ""))
        if to_issue:
            results.update(_issue(qualification, to_issue))
    return results


def _reinstate(award: StackedAward, credential: Credential, outcome: rules.Outcome) -> str:
    credential_unsuspend(credential=credential, actor=rule_actor(award.qualification))
    award.lost_reason = ""
    award.components = list(outcome.evidence)
    award.save(update_fields=["lost_reason", "components", "updated_at"])
    return "reinstated"


def _issue(qualification: Qualification, pending: list[tuple[StackedAward, rules.Outcome]]) -> dict[str, str]:
    """Issue the stacked credentials of a batch in one go, each with its components as evidence."""
    component_ids = {pk for _, outcome in pending for pk in outcome.evidence}
    components = Credential.objects.select_related("achievement").in_bulk(list(component_ids))
    narrative = f"Component of {qualification.achievement.name}: {qualification.summary}."
    requests = []
    for award, outcome in pending:
        used = [components[pk] for pk in outcome.evidence]
        latest = max(used, key=lambda c: (c.valid_from, c.pk))
        requests.append(
            AwardRequest(
                achievement=qualification.achievement,
                email=award.recipient_email,
                name=latest.recipient_name,
                evidence=[{"id": c.public_id, "name": c.achievement.name, "narrative": narrative} for c in used],
                idempotency_key=_key(qualification, award.generation + 1, award.recipient_email),
            )
        )
    try:
        outcomes = credential_issue_many(
            issuer=qualification.issuer, requests=requests, source="stacking", actor=rule_actor(qualification)
        )
    except CredentialError as exc:
        outcomes = [IssueOutcome(error=exc) for _ in requests]
    results: dict[str, str] = {}
    for (award, outcome), issued in zip(pending, outcomes, strict=True):
        if issued.error is not None or issued.credential is None:
            # The stacked achievement was archived, or the issuer has no active key: nothing is issued; the next
            # event or an explicit apply tries again. Recorded so that the issuer sees it in the audit log.
            message = issued.error.message if issued.error else "not issued"
            logger.warning("Stacked credential for qualification %s not issued: %s", qualification.pk, message)
            audit_record(
                issuer=qualification.issuer,
                action="qualification.issue_failed",
                obj=qualification,
                actor=rule_actor(qualification),
                data={"error": message},
            )
            results[award.recipient_email] = "failed"
            continue
        results[award.recipient_email] = "reissued" if award.credential_id is not None else "issued"
        award.credential = issued.credential
        award.generation += 1
        award.components = list(outcome.evidence)
        award.lost_reason = ""
    changed = [award for award, _ in pending if results[award.recipient_email] != "failed"]
    StackedAward.objects.bulk_update(changed, ["credential", "generation", "components", "lost_reason", "updated_at"])
    return results


def _lost(award: StackedAward, credential: Credential, cause: str) -> str:
    qualification = award.qualification
    reason = f"{qualification.achievement.name} no longer holds: {cause or 'a component is no longer held'}."
    award.lost_reason = reason[:2000]
    award.save(update_fields=["lost_reason", "updated_at"])
    if qualification.on_component_loss == OnComponentLoss.SUSPEND:
        credential_suspend(credential=credential, reason=reason, actor=rule_actor(qualification))
        return "suspended"
    credential_revoke(credential=credential, reason=reason, actor=rule_actor(qualification))
    return "revoked"


def describe_event(kind: str, credential: Credential | None) -> str:
    """ "component SQL Fundamentals (https://…/credentials/…) was revoked"."""
    if credential is None:
        return ""
    verb = {"revoked": "was revoked", "suspended": "was suspended", "expired": "expired"}.get(kind, kind)
    return f"component {credential.achievement.name} ({credential.public_id}) {verb}"


BATCH = 200


def stacking_handle_events(events: list[dict[str, Any]], *, now: datetime | None = None) -> dict[str, int]:
    """Evaluate, for each event's learner, only the active rules that mention the event's achievement, a batch of
    learners per rule at a time. Returns how many evaluations ended in each outcome."""
    achievement_ids = {event["achievement_id"] for event in events}
    rules_by_achievement: dict[int, list[Qualification]] = defaultdict(list)
    components = QualificationComponent.objects.filter(
        achievement_id__in=achievement_ids, qualification__active=True
    ).select_related("qualification__achievement__issuer", "qualification__issuer")
    for component in components:
        rules_by_achievement[component.achievement_id].append(component.qualification)
    credentials = Credential.objects.select_related("achievement").in_bulk(
        [event["credential_id"] for event in events if event["kind"] != "issued"]
    )
    work: dict[int, tuple[Qualification, dict[str, str]]] = {}
    for event in events:
        cause = describe_event(event["kind"], credentials.get(event["credential_id"]))
        for qualification in rules_by_achievement.get(event["achievement_id"], []):
            _, causes = work.setdefault(qualification.pk, (qualification, {}))
            if not causes.get(event["recipient_identity"]):
                causes[event["recipient_identity"]] = cause
    outcomes: dict[str, int] = defaultdict(int)
    for qualification, causes in work.values():
        emails = sorted(causes)
        for start in range(0, len(emails), BATCH):
            batch = {email: causes[email] for email in emails[start : start + BATCH]}
            for result in stacking_evaluate_many(qualification=qualification, causes=batch, now=now).values():
                outcomes[result] += 1
    return dict(outcomes)


def qualification_preview(qualification: Qualification, *, now: datetime | None = None) -> tuple[int, int]:
    """(learners who satisfy the rule now, learners holding at least one of its components), read in one pass."""
    qualifying, holders = _qualifying(qualification, now=now or timezone.now())
    return len(qualifying), holders


def rule_preview(
    *, issuer: Issuer, rule: Any, window_days: int | None = None, require_valid: bool = False
) -> tuple[int, int]:
    """The same figures for a rule not saved yet (the rule builder's preview). Raises StackingError."""
    try:
        tree = rules.parse(rule)
    except rules.RuleError as exc:
        raise StackingError(f"The rule is not valid: {exc}", field="rule") from exc
    components = _resolve(issuer, tree)
    credentials = Credential.objects.filter(achievement__in=list(components.values()))
    credentials = _countable(credentials, require_valid=require_valid, now=timezone.now())
    window = timedelta(days=window_days) if window_days else None
    qualifying, holders = _evaluate_all(tree, credentials, window)
    return len(qualifying), holders


def _qualifying(qualification: Qualification, *, now: datetime) -> tuple[list[str], int]:
    return _evaluate_all(rules.parse(qualification.rule), _counting(qualification, now), _window(qualification))


def _evaluate_all(
    tree: rules.Node, credentials: QuerySet[Credential], window: timedelta | None
) -> tuple[list[str], int]:
    by_learner: dict[str, list[rules.Held]] = defaultdict(list)
    for email, *fields in credentials.values_list("recipient_email", *HELD_FIELDS).iterator(chunk_size=5_000):
        by_learner[email].extend(_held([fields]))
    qualifying = [email for email, held in by_learner.items() if rules.evaluate(tree, held, window=window).satisfied]
    return sorted(qualifying), len(by_learner)


def qualification_apply(*, qualification: Qualification, actor: Actor) -> dict[str, int]:
    """Award the stacked credential to every learner who already satisfies the rule (the explicit action after
    creating or changing a rule). Safe to run again: those already awarded are unchanged."""
    authorize(actor, qualification.issuer, *STACKING_WRITE)
    now = timezone.now()
    qualifying, _ = _qualifying(qualification, now=now)
    outcomes: dict[str, int] = defaultdict(int)
    for start in range(0, len(qualifying), BATCH):
        batch = dict.fromkeys(qualifying[start : start + BATCH], "")
        for result in stacking_evaluate_many(qualification=qualification, causes=batch, now=now).values():
            outcomes[result] += 1
    with transaction.atomic():
        Qualification.objects.filter(pk=qualification.pk).update(applied_at=now)
        audit_record(
            issuer=qualification.issuer,
            action="qualification.applied",
            obj=qualification,
            actor=actor,
            data={"qualifying": len(qualifying), **outcomes},
        )
    return dict(outcomes)


def expired_events(*, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Events for credentials that expired in (since, until] and count towards a rule requiring valid components."""
    credentials = Credential.objects.filter(
        valid_until__gt=since,
        valid_until__lte=until,
        achievement__component_of__qualification__require_valid=True,
        achievement__component_of__qualification__active=True,
    ).distinct()
    return [
        {
            "kind": "expired",
            "credential_id": pk,
            "issuer_id": issuer_id,
            "achievement_id": achievement_id,
            "recipient_identity": email,
        }
        for pk, issuer_id, achievement_id, email in credentials.values_list(
            "pk", "issuer_id", "achievement_id", "recipient_email"
        )
    ]


@transaction.atomic
def partnership_request(*, issuer: Issuer, partner: Issuer, actor: Actor) -> Partnership:
    """Ask `partner` to let `issuer`'s rules use its achievements (pending until the partner accepts)."""
    authorize(actor, issuer, *STACKING_WRITE)
    if partner.pk == issuer.pk:
        raise StackingError("An issuer does not need a partnership with itself.", field="partner")
    partnership, created = Partnership.objects.get_or_create(
        issuer=issuer,
        partner=partner,
        defaults={"requested_by": audit_user(actor)},
    )
    if not created and partnership.status == PartnershipStatus.ENDED:
        partnership.status = PartnershipStatus.PENDING
        partnership.answered_at = None
        partnership.save(update_fields=["status", "answered_at"])
    audit_record(
        issuer=issuer,
        action="partnership.requested",
        obj=partnership,
        actor=actor,
        data={"partner": partner.slug},
    )
    return partnership


@transaction.atomic
def partnership_answer(*, partnership: Partnership, accept: bool, actor: Actor) -> Partnership:
    """The partner accepts, declines or ends a partnership. Ending it deactivates nothing already issued; rules
    that name its achievements keep them, but no new rule can add them."""
    partnership = Partnership.objects.select_for_update().select_related("issuer", "partner").get(pk=partnership.pk)
    authorize(actor, partnership.partner, *STACKING_WRITE)
    partnership.status = PartnershipStatus.ACCEPTED if accept else PartnershipStatus.ENDED
    partnership.answered_by = audit_user(actor)
    partnership.answered_at = timezone.now()
    partnership.save(update_fields=["status", "answered_by", "answered_at"])
    audit_record(
        issuer=partnership.partner,
        action=f"partnership.{partnership.status}",
        obj=partnership,
        actor=actor,
        data={"issuer": partnership.issuer.slug},
    )
    return partnership


@transaction.atomic
def qualification_deactivate(*, qualification: Qualification, actor: Actor) -> Qualification:
    """Stop evaluating the rule: nothing more is issued or taken away; credentials already issued stay."""
    authorize(actor, qualification.issuer, *STACKING_WRITE)
    qualification.active = False
    qualification.save(update_fields=["active", "updated_at"])
    audit_record(
        issuer=qualification.issuer,
        action="qualification.deactivated",
        obj=qualification,
        actor=actor,
    )
    return qualification
