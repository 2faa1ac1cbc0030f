"""Rule trees: parsing and its refusals, the summary in words, and evaluation of every node kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from stacking import rules
from stacking.rules import Held, RuleError, evaluate, parse

T0 = datetime(2026, 1, 1, tzinfo=UTC)
NAMES = {"py": "Python Basics", "sql": "SQL", "tab": "Tableau", "pbi": "Power BI", "look": "Looker", "cap": "Capstone"}


def leaf(ref):
    return {"kind": "achievement", "achievement": ref}


def group(kind, *children, **extra):
    return {"kind": kind, "children": list(children), **extra}


def held(*refs, day=0, credits=None):
    credits = credits or {}
    return [
        Held(
            credential_id=i + 1 + 100 * day,
            achievement=ref,
            awarded_at=T0 + timedelta(days=day),
            credits=Decimal(credits.get(ref, 0)),
        )
        for i, ref in enumerate(refs)
    ]


ANALYST = group("all", leaf("py"), leaf("sql"), group("at_least", leaf("tab"), leaf("pbi"), leaf("look"), n=2))


def test_summary_in_words():
    assert rules.summary(parse(ANALYST), NAMES) == "all of Python Basics, SQL; at least 2 of Tableau, Power BI, Looker"
    nested = group("any", leaf("cap"), group("all", leaf("py"), leaf("sql")))
    assert rules.summary(parse(nested), NAMES) == "one of Capstone, (all of Python Basics, SQL)"
    credits = group("credits", leaf("py"), leaf("sql"), credits="7.50")
    assert rules.summary(parse(credits), NAMES) == "at least 7.5 credits from Python Basics, SQL"


def test_dump_is_the_inverse_of_parse():
    tree = group("all", ANALYST, group("credits", leaf("cap"), leaf("py"), credits=6))
    assert rules.dump(parse(tree)) == {**tree, "children": [ANALYST, {**tree["children"][1], "credits": "6"}]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "root: expected an object with a 'kind'"),
        ({"kind": "some"}, "root: unknown kind 'some'"),
        (group("all"), "root: a group needs at least one member"),
        (group("at_least", leaf("a"), leaf("b"), n=3), "root: 'at least' needs a whole number N from 1 to 2"),
        (group("at_least", leaf("a"), n=0), "root: 'at least' needs a whole number N from 1 to 1"),
        (group("at_least", leaf("a"), n=True), "root: 'at least' needs a whole number N"),
        (group("at_least", leaf("a")), "root: 'at least' needs a whole number N"),
        (group("credits", leaf("a"), credits="-1"), "root: 'credits' needs a positive number"),
        (group("credits", leaf("a"), credits="lots"), "root: 'credits' needs a positive number"),
        (group("credits", leaf("a"), credits="NaN"), "root: 'credits' needs a positive number"),
        (group("credits", group("all", leaf("a")), credits=1), "root: a credits group counts achievements"),
        (group("all", leaf("a"), {"kind": "achievement"}), "root.1: an achievement node needs the achievement's id"),
        (group("all", group("any", {"kind": "x"})), "root.0.0: unknown kind 'x'"),
    ],
)
def test_malformed_rules_are_refused_with_the_node(data, message):
    with pytest.raises(RuleError) as caught:
        parse(data)
    assert str(caught.value).startswith(message)


def test_depth_and_size_are_bounded():
    deep = leaf("a")
    for _ in range(rules.MAX_DEPTH + 1):
        deep = group("all", deep)
    with pytest.raises(RuleError, match="nest at most"):
        parse(deep)
    with pytest.raises(RuleError, match="at most 200"):
        parse(group("any", *(leaf(str(i)) for i in range(rules.MAX_NODES))))


@pytest.mark.parametrize(
    ("tree", "refs", "satisfied"),
    [
        (group("all", leaf("py"), leaf("sql")), ["py", "sql"], True),
        (group("all", leaf("py"), leaf("sql")), ["py"], False),
        (group("any", leaf("py"), leaf("sql")), ["sql"], True),
        (group("any", leaf("py"), leaf("sql")), [], False),
        (group("at_least", leaf("py"), leaf("sql"), leaf("tab"), n=2), ["py", "tab"], True),
        (group("at_least", leaf("py"), leaf("sql"), leaf("tab"), n=2), ["tab"], False),
        (ANALYST, ["py", "sql", "tab", "look"], True),
        (ANALYST, ["py", "sql", "tab"], False),
        (ANALYST, ["py", "tab", "pbi", "look"], False),
        (group("any", group("all", leaf("py"), leaf("sql")), leaf("cap")), ["cap"], True),
        (group("any", group("all", leaf("py"), leaf("sql")), leaf("cap")), ["py"], False),
    ],
)
def test_group_kinds(tree, refs, satisfied):
    assert evaluate(parse(tree), held(*refs)).satisfied is satisfied


def test_credits_sum_the_held_members():
    tree = parse(group("credits", leaf("py"), leaf("sql"), leaf("tab"), credits="6"))
    credits = {"py": "3", "sql": "2.5", "tab": "1"}
    assert not evaluate(tree, held("py", "sql", credits=credits)).satisfied  # 5.5
    outcome = evaluate(tree, held("py", "sql", "tab", credits=credits))
    assert outcome.satisfied and outcome.result.credits_held == Decimal("6.5")
    assert not evaluate(tree, held("py", "sql", "tab")).satisfied  # achievements without credits count 0


def test_evidence_is_what_satisfies_the_rule_in_tree_order():
    outcome = evaluate(parse(ANALYST), held("look", "pbi", "tab", "sql", "py"))
    by_ref = {h.achievement: h.credential_id for h in held("look", "pbi", "tab", "sql", "py")}
    # all of py, sql; the first two of the "at least 2" group in the rule's order: tab, pbi
    assert outcome.evidence == (by_ref["py"], by_ref["sql"], by_ref["tab"], by_ref["pbi"])


def test_the_earliest_credential_of_an_achievement_counts():
    tree = parse(group("all", leaf("py")))
    outcome = evaluate(tree, held("py", day=5) + held("py", day=1))
    assert outcome.evidence == (101,)


def test_window_needs_every_component_used_within_it():
    tree = parse(group("all", leaf("py"), leaf("sql")))
    spread = held("py", day=0) + held("sql", day=40)
    assert not evaluate(tree, spread, window=timedelta(days=30)).satisfied
    assert evaluate(tree, spread, window=timedelta(days=40)).satisfied
    # a later, second SQL credential close to a later Python one fits
    late = spread + held("py", day=60)
    outcome = evaluate(tree, late, window=timedelta(days=30))
    assert outcome.satisfied and outcome.window_start == T0 + timedelta(days=40)
    assert outcome.evidence == (6001, 4001)


def test_explanation_lines():
    outcome = evaluate(parse(ANALYST), held("py", "tab"))
    assert rules.explain(outcome.result, NAMES) == [
        "✗ all of (1 of 3 met)",
        "  ✓ Python Basics (held)",
        "  ✗ SQL (missing)",
        "  ✗ at least 2 of (1 met, 2 needed)",
        "    ✓ Tableau (held)",
        "    ✗ Power BI (missing)",
        "    ✗ Looker (missing)",
    ]
