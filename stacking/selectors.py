"""Reads of stacking for the public credential page and the learner's pages.

Public reads (`qualifications_counting`, `stacked_components`) show only what the issuer publishes anyway: the
rules and the evidence of a signed credential. Learner reads take the signed-in learner's e-mail and never reveal
anything about other learners. What they put in words (a rule, where a learner stands, what to do next) is in the
reader's language, unlike the summary a rule keeps and signs into what it awards (stacking.rules).
"""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from badges.models import Achievement, Credential, CredentialSource
from issuer.extensions import AuditSubjects, audit_ids, audit_names, audit_subject_of
from issuer.models import Issuer
from stacking import rules
from stacking.models import Partnership, Qualification, QualificationComponent, StackedAward
from stacking.services import Progress, component_achievements, qualification_progress


def qualifications_counting(achievement: Achievement) -> QuerySet[Qualification]:
    """The active qualifications whose rule mentions `achievement`."""
    mentioning = QualificationComponent.objects.filter(achievement=achievement).values("qualification_id")
    return Qualification.objects.filter(active=True, pk__in=mentioning).select_related("achievement", "issuer")


def rule_summaries(qualifications: list[Qualification]) -> dict[int, str]:
    """Each qualification's rule in words, in the reader's language, by qualification id: the stored `summary` is
    in the site's language, as signed into the evidence of what the rule awards. One query for every name."""
    names = {
        str(uuid): name
        for uuid, name in Achievement.objects.filter(component_of__qualification__in=qualifications)
        .values_list("uuid", "name")
        .distinct()
    }
    return {q.pk: rules.summary(rules.parse(q.rule), names, for_reader=True) for q in qualifications}


def counts_towards_any(achievement: Achievement) -> bool:
    """Whether an active qualification's rule mentions `achievement` (the public page asks this of every credential)."""
    return QualificationComponent.objects.filter(achievement=achievement, qualification__active=True).exists()


def is_stacked(credential: Credential) -> bool:
    return credential.source == CredentialSource.STACKING


def stacked_components(credential: Credential) -> list[Credential]:
    """The credentials a stacked credential was awarded for, in the order its signed evidence lists them.

    Read from the evidence the credential carries (its own signed claim), not from the learner's current
    standing, so an older stacked credential still names what it was awarded for. Only our credentials of the
    same learner count; anything else in the evidence is ignored."""
    if not is_stacked(credential):
        return []
    prefix = f"{settings.SITE_URL}/credentials/"
    order: list[uuid_module.UUID] = []
    for item in credential.evidence if isinstance(credential.evidence, list) else []:
        ref = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ref, str) or not ref.startswith(prefix):
            continue
        try:
            found = uuid_module.UUID(ref[len(prefix) :])
        except ValueError:
            continue
        if found not in order:
            order.append(found)
    by_uuid = {
        c.uuid: c
        for c in Credential.objects.filter(uuid__in=order, recipient_email=credential.recipient_email).select_related(
            "achievement", "issuer"
        )
    }
    return [by_uuid[u] for u in order if u in by_uuid]


def qualifications_for_learner(email: str) -> list[Qualification]:
    """Active qualifications whose rule mentions an achievement the learner holds a credential of (any state:
    a revoked or expired one still tells the learner where they stand), plus those already awarded to them."""
    held = Credential.objects.filter(recipient_email=email).values("achievement_id")
    mentioning = QualificationComponent.objects.filter(achievement_id__in=held).values("qualification_id")
    return list(Qualification.objects.filter(active=True, pk__in=mentioning).select_related("achievement", "issuer"))


def qualification_for_learner(ref: str | uuid_module.UUID, email: str) -> Qualification | None:
    """The active qualification `ref` when the learner holds a credential of one of its components; else None
    (a stranger learns nothing, not even whether the qualification exists)."""
    try:
        wanted = ref if isinstance(ref, uuid_module.UUID) else uuid_module.UUID(str(ref))
    except ValueError:
        return None
    for qualification in qualifications_for_learner(email):
        if qualification.uuid == wanted:
            return qualification
    return None


@dataclass(frozen=True)
class TreeRow:
    """One node of the explanation, in tree order: ✓/✗, its text, its depth, and for a leaf the achievement and
    the credential that counts."""

    depth: int
    satisfied: bool
    text: str
    achievement: Achievement | None = None
    credential: Credential | None = None
    optional: bool = False  # a missing leaf whose group is already met


@dataclass(frozen=True)
class Missing:
    achievement: Achievement
    needed: bool  # False: its group is met without it
    not_counting: list[Credential] = field(default_factory=list)  # the learner's credentials of it that do not count


@dataclass(frozen=True)
class Step:
    """One thing to do next, in words ("Earn SQL.", "Complete 1 more of: Tableau, Looker."), with the
    achievements it names, whose public pages say how to earn them."""

    text: str
    achievements: list[Achievement]


@dataclass(frozen=True)
class LearnerProgress:
    qualification: Qualification
    summary: str  # the rule in words, in the reader's language
    progress: Progress
    satisfied: bool
    rows: list[TreeRow]
    held: list[tuple[Achievement, Credential]]
    missing: list[Missing]
    steps: list[Step]
    window_note: str  # "every component held, but not within the window", when that is why
    stacked: Credential | None
    lost_reason: str

    @property
    def needed(self) -> list[Missing]:
        return [m for m in self.missing if m.needed]

    @property
    def optional(self) -> list[Missing]:
        return [m for m in self.missing if not m.needed]


def learner_progress(qualification: Qualification, email: str, *, now: datetime | None = None) -> LearnerProgress:
    """Where the learner stands with one qualification, from their own credentials only."""
    now = now or timezone.now()
    progress = qualification_progress(qualification, email, now=now)
    achievements = component_achievements(qualification)
    outcome = progress.outcome
    results: list[tuple[rules.NodeResult, int, bool]] = []
    _flatten(outcome.result, 0, False, results)
    counted_ids = {r.evidence[0] for r, _, _ in results if isinstance(r.node, rules.Leaf) and r.satisfied}
    counted = Credential.objects.select_related("achievement", "issuer").in_bulk(list(counted_ids))
    not_counting: dict[str, list[Credential]] = {}
    credential: Credential | None  # a row's credential below may be none
    for credential in Credential.objects.filter(
        recipient_email=email, achievement__in=list(achievements.values())
    ).select_related("achievement"):
        if credential.pk not in counted_ids:
            not_counting.setdefault(str(credential.achievement.uuid), []).append(credential)

    # A leaf may appear twice in a rule; it is needed while any of its places is open in a group not yet met.
    needed_refs = {
        r.node.achievement for r, _, met in results if isinstance(r.node, rules.Leaf) and not r.satisfied and not met
    }
    rows: list[TreeRow] = []
    held: list[tuple[Achievement, Credential]] = []
    missing: list[Missing] = []
    seen: set[str] = set()
    lines = rules.explain(outcome.result, progress.names, for_reader=True)
    for (result, depth, met_above), line in zip(results, lines, strict=True):
        text = line.strip()[2:]  # without the ✓/✗ mark, which the page shows on its own
        node = result.node
        if not isinstance(node, rules.Leaf):
            rows.append(TreeRow(depth=depth, satisfied=result.satisfied, text=text))
            continue
        achievement = achievements.get(node.achievement)
        credential = counted.get(result.evidence[0]) if result.satisfied else None
        optional = not result.satisfied and met_above
        rows.append(TreeRow(depth, result.satisfied, text, achievement, credential, optional))
        if achievement is None or node.achievement in seen:
            continue
        seen.add(node.achievement)
        if credential is not None:
            held.append((achievement, credential))
        else:
            missing.append(
                Missing(achievement, node.achievement in needed_refs, not_counting.get(node.achievement, []))
            )
    window_note = ""
    if not outcome.satisfied and outcome.result.satisfied and qualification.window_days:
        window_note = ngettext(
            "You hold every component the rule needs, but not all earned within %(days)s day of the first one.",
            "You hold every component the rule needs, but not all earned within %(days)s days of the first one.",
            qualification.window_days,
        ) % {"days": qualification.window_days}
    award = (
        StackedAward.objects.filter(qualification=qualification, recipient_email=email)
        .select_related("credential")
        .first()
    )
    stacked = award.credential if award is not None else None
    return LearnerProgress(
        qualification=qualification,
        summary=rules.summary(rules.parse(qualification.rule), progress.names, for_reader=True),
        progress=progress,
        satisfied=outcome.satisfied,
        rows=rows,
        held=held,
        missing=missing,
        steps=[] if outcome.satisfied else _steps(outcome.result, achievements, progress.names),
        window_note=window_note,
        stacked=stacked,
        lost_reason=award.lost_reason if award is not None else "",
    )


def _flatten(
    result: rules.NodeResult, depth: int, met_above: bool, out: list[tuple[rules.NodeResult, int, bool]]
) -> None:
    """Pre-order, like rules.explain, with whether a group above (or this group) is already met."""
    out.append((result, depth, met_above))
    for child in result.children:
        _flatten(child, depth + 1, met_above or result.satisfied, out)


def _steps(result: rules.NodeResult, achievements: dict[str, Achievement], names: dict[str, str]) -> list[Step]:
    """What would satisfy an unmet node, in words: "Earn SQL.", "Complete 1 more of: Tableau, Looker."."""
    node = result.node
    if result.satisfied:
        return []
    if isinstance(node, rules.Leaf):
        achievement = achievements.get(node.achievement)
        name = names.get(node.achievement) or rules.unknown_achievement()
        return [Step(gettext("Earn %(name)s.") % {"name": name}, [achievement] if achievement else [])]
    open_children = [child for child in result.children if not child.satisfied]
    if node.kind == "all":
        return [step for child in open_children for step in _steps(child, achievements, names)]
    if node.kind == "credits":
        short = (node.credits or Decimal(0)) - result.credits_held
        options = [
            achievements[c.node.achievement]
            for c in open_children
            if isinstance(c.node, rules.Leaf) and c.node.achievement in achievements  # a credits group holds leaves
        ]
        listed = ", ".join(_with_credits(a) for a in options)
        text = ngettext(
            "Earn %(credits)s more credit from: %(options)s.",
            "Earn %(credits)s more credits from: %(options)s.",
            rules.plural_count(short),
        ) % {"credits": rules.credits_number(short), "options": listed}
        return [Step(text, options)]
    need = (1 if node.kind == "any" else node.n or 0) - result.held_count
    texts = [
        names.get(c.node.achievement) or rules.unknown_achievement()
        if isinstance(c.node, rules.Leaf)
        else f"({rules.summary(c.node, names, for_reader=True)})"
        for c in open_children
    ]
    leaves = [
        achievements[c.node.achievement]
        for c in open_children
        if isinstance(c.node, rules.Leaf) and c.node.achievement in achievements
    ]
    if len(open_children) == need:
        # No choice left: every open member is needed.
        return [step for child in open_children for step in _steps(child, achievements, names)]
    text = ngettext("Complete %(count)s more of: %(options)s.", "Complete %(count)s more of: %(options)s.", need) % {
        "count": need,
        "options": ", ".join(texts),
    }
    return [Step(text, leaves)]


def _with_credits(achievement: Achievement) -> str:
    """ "Tableau (2 credits)": an option of a credits group with what it brings."""
    value = achievement.credits_available
    if value is None:
        return gettext("%(name)s (no credits)") % {"name": achievement.name}
    return ngettext("%(name)s (%(credits)s credit)", "%(name)s (%(credits)s credits)", rules.plural_count(value)) % {
        "name": achievement.name,
        "credits": rules.credits_number(value),
    }


def learner_overview(email: str) -> list[LearnerProgress]:
    """Every qualification the learner has started, with where they stand: the collection page's list."""
    return [learner_progress(q, email) for q in qualifications_for_learner(email)]


def _qualification_audit_names(issuer: Issuer, ids: list[str]) -> dict[str, dict[str, str]]:
    rules_ = Qualification.objects.filter(issuer=issuer).select_related("achievement").only("achievement__name")
    return audit_names(rules_, ids, lambda q: {"achievement": q.achievement.name})


def _qualification_audit_search(issuer: Issuer, text: str) -> QuerySet[Qualification]:
    return audit_ids(Qualification.objects.filter(issuer=issuer, achievement__name__icontains=text))


def _partnership_audit_names(issuer: Issuer, ids: list[str]) -> dict[str, dict[str, str]]:
    # Recorded for the issuer that asked (partnership.requested) and for the partner that answered.
    partnerships = Partnership.objects.filter(Q(issuer=issuer) | Q(partner=issuer)).select_related("issuer", "partner")
    return audit_names(partnerships, ids, lambda p: {"issuer": p.issuer.name, "partner": p.partner.name})


# How the audit log names qualification rules and partnerships (stacking.apps).
AUDIT_SUBJECTS = [
    AuditSubjects(audit_subject_of(Qualification), _qualification_audit_names, _qualification_audit_search),
    AuditSubjects(audit_subject_of(Partnership), _partnership_audit_names),
]
