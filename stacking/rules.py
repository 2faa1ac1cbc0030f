"""Stacking rules as trees, and their evaluation over what a learner holds. Pure: no database.

A rule is a tree of groups — ALL of, ANY of, AT LEAST n of, and CREDITS (the creditsAvailable of the held
achievements among its children reach a total) — whose leaves are achievements, nesting to any depth. It is
stored as JSON:

    {"kind": "all", "children": [
        {"kind": "achievement", "achievement": "<uuid>"},
        {"kind": "at_least", "n": 2, "children": [...]},
        {"kind": "credits", "credits": "6", "children": [<achievements only>]}]}

Texts in words (`summary`, `explain`, the errors of `parse`) are in the site's language (settings.LANGUAGE_CODE)
unless the reader's is asked for (`for_reader=True`, `RuleError.for_reader()`): the summary is kept with the rule
and signed into the evidence of every credential it awards, and the API answers in English (D51), so neither may
depend on the language of whoever happened to save or ask.

Evaluation is a function of the set of held credentials only — never of the order they arrived in — so evaluating
again after any event gives the same answer (tests/stacking/test_rule_properties.py checks it with hypothesis).
When several credentials of one achievement are held, the earliest counts; with a time window, the earliest window
(ordered by its first award) in which the rule holds is the one used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext, gettext_noop, ngettext

T = TypeVar("T")
GroupKind = Literal["all", "any", "at_least", "credits"]
GROUP_KINDS: tuple[str, ...] = ("all", "any", "at_least", "credits")
LEAF = "achievement"
MAX_DEPTH = 8
MAX_NODES = 200


class RuleError(ValueError):
    """The rule is not well formed; `path` locates the node ("root", "root.2.0"). `message` is in the site's
    language, as the services and the API pass it on; `for_reader()` says the same in the reader's language."""

    def __init__(self, message: str, *, path: str = "root", **params: object) -> None:
        # `message` is marked with gettext_noop and translated only when read, so that one error can be told in
        # both languages.
        self.template = message
        self.params = params
        self.path = path
        self.message = _in_site_language(self.for_reader)
        super().__init__(f"{path}: {self.message}")

    def for_reader(self) -> str:
        return gettext(self.template) % self.params


def _in_site_language(make: Callable[[], T]) -> T:
    with translation.override(settings.LANGUAGE_CODE):
        return make()


@dataclass(frozen=True)
class Leaf:
    achievement: str  # the achievement's UUID, as text


@dataclass(frozen=True)
class Group:
    kind: GroupKind
    children: tuple[Node, ...]
    n: int | None = None  # at_least
    credits: Decimal | None = None  # credits


Node = Leaf | Group


def parse(data: Any, *, path: str = "root", depth: int = 0, _count: list[int] | None = None) -> Node:
    """The tree of a rule's JSON, checked: known kinds, N between 1 and the number of children, positive credits,
    credits groups of achievements only, no empty group, at most MAX_DEPTH levels and MAX_NODES nodes."""
    count = _count if _count is not None else [0]
    count[0] += 1
    if count[0] > MAX_NODES:
        raise RuleError(
            gettext_noop("a rule has at most %(count)s groups and achievements"), path="root", count=MAX_NODES
        )
    if depth > MAX_DEPTH:
        raise RuleError(gettext_noop("groups nest at most %(depth)s levels deep"), path=path, depth=MAX_DEPTH)
    if not isinstance(data, dict):
        raise RuleError(gettext_noop("expected an object with a 'kind'"), path=path)
    kind = data.get("kind")
    if kind == LEAF:
        achievement = data.get("achievement")
        if not isinstance(achievement, str) or not achievement:
            raise RuleError(gettext_noop("an achievement node needs the achievement's id"), path=path)
        return Leaf(achievement=achievement)
    if kind not in GROUP_KINDS:
        raise RuleError(
            gettext_noop("unknown kind %(kind)s; expected one of all, any, at_least, credits, achievement"),
            path=path,
            kind=repr(kind),
        )
    raw_children = data.get("children")
    if not isinstance(raw_children, list) or not raw_children:
        raise RuleError(gettext_noop("a group needs at least one member"), path=path)
    children = tuple(
        parse(child, path=f"{path}.{i}", depth=depth + 1, _count=count) for i, child in enumerate(raw_children)
    )
    if kind == "at_least":
        n = data.get("n")
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= len(children):
            raise RuleError(
                gettext_noop("'at least' needs a whole number N from 1 to %(members)s (its members)"),
                path=path,
                members=len(children),
            )
        return Group(kind="at_least", children=children, n=n)
    if kind == "credits":
        try:
            credits = Decimal(str(data.get("credits")))
        except (InvalidOperation, ValueError):
            credits = Decimal(0)
        if not credits.is_finite() or credits <= 0:
            raise RuleError(gettext_noop("'credits' needs a positive number of credits"), path=path)
        if any(isinstance(child, Group) for child in children):
            raise RuleError(
                gettext_noop("a credits group counts achievements: its members must be achievements"), path=path
            )
        return Group(kind="credits", children=children, credits=credits)
    return Group(kind=kind, children=children)


def dump(node: Node) -> dict[str, Any]:
    """The JSON of a tree (the inverse of `parse`)."""
    if isinstance(node, Leaf):
        return {"kind": LEAF, "achievement": node.achievement}
    data: dict[str, Any] = {"kind": node.kind, "children": [dump(child) for child in node.children]}
    if node.kind == "at_least":
        data["n"] = node.n
    if node.kind == "credits":
        data["credits"] = format_credits(node.credits or Decimal(0))
    return data


def format_credits(value: Decimal) -> str:
    """ "6", "7.5": no trailing zeros, no exponent."""
    text = format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def leaves(node: Node) -> list[str]:
    """Every achievement the rule mentions, in tree order, each once."""
    found: list[str] = []

    def walk(current: Node) -> None:
        if isinstance(current, Leaf):
            if current.achievement not in found:
                found.append(current.achievement)
        else:
            for child in current.children:
                walk(child)

    walk(node)
    return found


def credits_number(value: Decimal) -> str:
    """A number of credits as the reader writes it: "7.5" in English, "7,5" in German."""
    return formats.number_format(Decimal(format_credits(value)))


def plural_count(value: Decimal) -> int:
    """The count that chooses a plural form for `value` credits. gettext's plural rules take whole numbers; a
    fraction of a credit reads like several ("1.5 credits", "1,5 Leistungspunkte")."""
    return int(value) if value == value.to_integral_value() else max(2, int(value))


def kind_phrase(kind: str, n: object = None, credits: object = None) -> str:
    """What a group of `kind` asks, in the reader's language: "all of", "at least 2 of". `n` and `credits` may
    be text as typed in the rule builder, shown as they are when they are not numbers."""
    if kind == "all":
        return gettext("all of")
    if kind == "any":
        return gettext("one of")
    if kind == "at_least":
        return gettext("at least %(n)s of") % {"n": n}
    try:
        amount = Decimal(str(credits))
        shown, count = credits_number(amount), plural_count(amount)
    except (InvalidOperation, ValueError, OverflowError):  # not a number (yet): as typed
        shown, count = str(credits), 2
    return ngettext("at least %(credits)s credit from", "at least %(credits)s credits from", count) % {"credits": shown}


def unknown_achievement() -> str:
    return gettext("an unknown achievement")


def summary(node: Node, names: Mapping[str, str], *, for_reader: bool = False) -> str:
    """Readable, e.g. "all of Python Basics, SQL; at least 2 of Tableau, Power BI, Looker": in the site's
    language, as kept with the rule and signed into what it awards, or in the reader's with `for_reader`."""
    if for_reader:
        return _summary(node, names)
    return _in_site_language(lambda: _summary(node, names))


def _summary(node: Node, names: Mapping[str, str]) -> str:
    if isinstance(node, Leaf):
        return names.get(node.achievement) or unknown_achievement()
    leaf_names = [_summary(child, names) for child in node.children if isinstance(child, Leaf)]
    groups = [child for child in node.children if isinstance(child, Group)]
    if node.kind == "all":
        parts = [gettext("all of %(members)s") % {"members": ", ".join(leaf_names)}] if leaf_names else []
        return "; ".join(parts + [_summary(group, names) for group in groups])
    members = ", ".join(
        _summary(child, names) if isinstance(child, Leaf) else f"({_summary(child, names)})" for child in node.children
    )
    if node.kind == "any":
        return gettext("one of %(members)s") % {"members": members}
    if node.kind == "at_least":
        return gettext("at least %(n)s of %(members)s") % {"n": node.n, "members": members}
    credits = node.credits or Decimal(0)
    return ngettext(
        "at least %(credits)s credit from %(members)s",
        "at least %(credits)s credits from %(members)s",
        plural_count(credits),
    ) % {"credits": credits_number(credits), "members": members}


@dataclass(frozen=True)
class Held:
    """One credential that counts towards a rule: its achievement, when it was awarded, its credits."""

    credential_id: int
    achievement: str
    awarded_at: datetime
    credits: Decimal = Decimal(0)


@dataclass
class NodeResult:
    """How one node of the tree stands, with the credentials it uses when satisfied."""

    node: Node
    satisfied: bool
    evidence: tuple[int, ...] = ()
    children: list[NodeResult] = field(default_factory=list)
    held_count: int = 0  # satisfied members (groups) or credits held (credits groups)
    credits_held: Decimal = Decimal(0)


@dataclass
class Outcome:
    satisfied: bool
    evidence: tuple[int, ...]  # credential ids, in tree order
    result: NodeResult  # the explanation: the whole tree, over every held credential when no window fits
    window_start: datetime | None = None


def evaluate(rule: Node, held: Iterable[Held], *, window: timedelta | None = None) -> Outcome:
    """Whether `held` satisfies `rule` (within `window`, when given: every component used awarded within it)."""
    credentials = sorted(held, key=lambda h: (h.awarded_at, h.credential_id))
    if window is None:
        result = _evaluate(rule, _earliest(credentials))
        return Outcome(satisfied=result.satisfied, evidence=result.evidence, result=result)
    for start in sorted({h.awarded_at for h in credentials}):
        inside = [h for h in credentials if start <= h.awarded_at <= start + window]
        result = _evaluate(rule, _earliest(inside))
        if result.satisfied:
            return Outcome(satisfied=True, evidence=result.evidence, result=result, window_start=start)
    result = _evaluate(rule, _earliest(credentials))
    # Every component may be held, yet not within one window: the rule is not satisfied.
    return Outcome(satisfied=False, evidence=(), result=result)


def _earliest(credentials: Sequence[Held]) -> dict[str, Held]:
    chosen: dict[str, Held] = {}
    for credential in credentials:  # sorted by award time: the first one seen is the earliest
        chosen.setdefault(credential.achievement, credential)
    return chosen


def _evaluate(node: Node, held: Mapping[str, Held]) -> NodeResult:
    if isinstance(node, Leaf):
        credential = held.get(node.achievement)
        if credential is None:
            return NodeResult(node=node, satisfied=False)
        return NodeResult(
            node=node,
            satisfied=True,
            evidence=(credential.credential_id,),
            held_count=1,
            credits_held=credential.credits,
        )
    children = [_evaluate(child, held) for child in node.children]
    satisfied_children = [child for child in children if child.satisfied]
    count = len(satisfied_children)
    used: list[NodeResult]
    if node.kind == "all":
        satisfied, used = count == len(children), satisfied_children
    elif node.kind == "any":
        satisfied, used = count >= 1, satisfied_children[:1]
    elif node.kind == "at_least":
        satisfied, used = count >= (node.n or 0), satisfied_children[: node.n]
    else:
        total = sum((child.credits_held for child in satisfied_children), Decimal(0))
        target = node.credits or Decimal(0)
        satisfied, used = total >= target, _credits_prefix(satisfied_children, target)
        return NodeResult(
            node=node,
            satisfied=satisfied,
            evidence=_join(used) if satisfied else (),
            children=children,
            held_count=count,
            credits_held=total,
        )
    return NodeResult(
        node=node,
        satisfied=satisfied,
        evidence=_join(used) if satisfied else (),
        children=children,
        held_count=count,
        credits_held=sum((child.credits_held for child in satisfied_children), Decimal(0)),
    )


def _credits_prefix(children: list[NodeResult], target: Decimal) -> list[NodeResult]:
    """The members, in tree order, up to the first point where their credits reach the target."""
    used, total = [], Decimal(0)
    for child in children:
        if total >= target:
            break
        used.append(child)
        total += child.credits_held
    return used


def _join(results: Iterable[NodeResult]) -> tuple[int, ...]:
    seen: list[int] = []
    for result in results:
        for credential_id in result.evidence:
            if credential_id not in seen:
                seen.append(credential_id)
    return tuple(seen)


def explain(result: NodeResult, names: Mapping[str, str], *, for_reader: bool = False) -> list[str]:
    """One line per node: ✓ or ✗, what it asks, and where it stands ("all of (1 of 3 met)", "at least 2 of (1 met,
    2 needed)"); in the site's language (the API's), or in the reader's with `for_reader`."""
    if for_reader:
        return _explain(result, names, "")
    return _in_site_language(lambda: _explain(result, names, ""))


def _explain(result: NodeResult, names: Mapping[str, str], indent: str) -> list[str]:
    mark = "✓" if result.satisfied else "✗"
    node = result.node
    if isinstance(node, Leaf):
        name = names.get(node.achievement) or unknown_achievement()
        text = gettext("%(name)s (held)") if result.satisfied else gettext("%(name)s (missing)")
        return [f"{indent}{mark} {text % {'name': name}}"]
    if node.kind == "credits":
        target = node.credits or Decimal(0)
        text = ngettext(
            "at least %(target)s credit from (%(held)s of %(target)s credit held)",
            "at least %(target)s credits from (%(held)s of %(target)s credits held)",
            plural_count(target),
        ) % {"target": credits_number(target), "held": credits_number(result.credits_held)}
    elif node.kind == "all":
        text = gettext("all of (%(held)s of %(total)s met)") % {"held": result.held_count, "total": len(node.children)}
    elif node.kind == "any":
        text = gettext("one of (%(held)s met, 1 needed)") % {"held": result.held_count}
    else:
        text = gettext("at least %(n)s of (%(held)s met, %(n)s needed)") % {"n": node.n, "held": result.held_count}
    lines = [f"{indent}{mark} {text}"]
    for child in result.children:
        lines += _explain(child, names, indent + "  ")
    return lines


def walk_results(result: NodeResult, visit: Callable[[NodeResult], None]) -> None:
    visit(result)
    for child in result.children:
        walk_results(child, visit)
