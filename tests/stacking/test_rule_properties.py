"""Properties of rule evaluation over generated trees and holdings: the answer depends on the set of credentials
held, never on their order; more credentials never take a satisfied rule away (without a window); a window only
ever narrows; and satisfaction matches a plain reference reading of the rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from stacking.rules import Group, Held, Leaf, evaluate, parse

REFS = ["a", "b", "c", "d", "e", "f"]
T0 = datetime(2026, 1, 1, tzinfo=UTC)
CREDITS = {"a": 1, "b": 2, "c": 3, "d": 0, "e": 5, "f": 1}

leaves = st.sampled_from(REFS).map(lambda ref: {"kind": "achievement", "achievement": ref})


def _groups(children):
    def build(kind_members):
        kind, members = kind_members
        data = {"kind": kind, "children": members}
        if kind == "at_least":
            data["n"] = max(1, len(members) // 2)
        return data

    plain = st.tuples(st.sampled_from(["all", "any", "at_least"]), st.lists(children, min_size=1, max_size=4))
    credits = st.tuples(st.just("credits"), st.lists(leaves, min_size=1, max_size=4)).map(
        lambda km: {"kind": "credits", "children": km[1], "credits": "3"}
    )
    return plain.map(build) | credits


trees = st.recursive(leaves, _groups, max_leaves=12)
holdings = st.lists(st.tuples(st.sampled_from(REFS), st.integers(min_value=0, max_value=90)), max_size=10).map(
    lambda items: [
        Held(credential_id=i + 1, achievement=ref, awarded_at=T0 + timedelta(days=day), credits=Decimal(CREDITS[ref]))
        for i, (ref, day) in enumerate(items)
    ]
)


def reference(node, held_refs: set[str]) -> bool:
    """The rule read literally, over the set of achievements held."""
    if isinstance(node, Leaf):
        return node.achievement in held_refs
    assert isinstance(node, Group)
    met = [reference(child, held_refs) for child in node.children]
    if node.kind == "all":
        return all(met)
    if node.kind == "any":
        return any(met)
    if node.kind == "at_least":
        assert node.n is not None
        return sum(met) >= node.n
    assert node.credits is not None  # a credits group, of leaves only (parse checks both)
    leaves = [c for c in node.children if isinstance(c, Leaf)]
    return sum(CREDITS[c.achievement] for c in leaves if c.achievement in held_refs) >= node.credits


@settings(max_examples=300, deadline=None)
@given(trees, holdings, st.randoms(use_true_random=False))
def test_order_of_the_credentials_does_not_matter(tree, held, random):
    rule = parse(tree)
    shuffled = list(held)
    random.shuffle(shuffled)
    for window in (None, timedelta(days=30)):
        first, second = evaluate(rule, held, window=window), evaluate(rule, shuffled, window=window)
        assert (first.satisfied, first.evidence) == (second.satisfied, second.evidence)


@settings(max_examples=300, deadline=None)
@given(trees, holdings)
def test_evaluation_matches_the_literal_reading(tree, held):
    rule = parse(tree)
    assert evaluate(rule, held).satisfied == reference(rule, {h.achievement for h in held})


@settings(max_examples=300, deadline=None)
@given(trees, holdings, holdings)
def test_more_credentials_never_unsatisfy(tree, held, more):
    rule = parse(tree)
    extra = [Held(h.credential_id + 1000, h.achievement, h.awarded_at, h.credits) for h in more]
    if evaluate(rule, held).satisfied:
        assert evaluate(rule, held + extra).satisfied


@settings(max_examples=300, deadline=None)
@given(trees, holdings, st.integers(min_value=0, max_value=100))
def test_a_window_only_narrows(tree, held, days):
    rule = parse(tree)
    narrow = evaluate(rule, held, window=timedelta(days=days))
    if narrow.satisfied:
        assert evaluate(rule, held, window=timedelta(days=days + 30)).satisfied
        assert evaluate(rule, held).satisfied
        used = [h for h in held if h.credential_id in narrow.evidence]
        assert max(h.awarded_at for h in used) - min(h.awarded_at for h in used) <= timedelta(days=days)


@settings(max_examples=200, deadline=None)
@given(trees, holdings)
def test_the_evidence_alone_satisfies_the_rule(tree, held):
    rule = parse(tree)
    outcome = evaluate(rule, held)
    if outcome.satisfied:
        assert evaluate(rule, [h for h in held if h.credential_id in outcome.evidence]).satisfied
