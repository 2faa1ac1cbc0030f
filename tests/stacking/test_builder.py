"""The rule builder's path-based edits (stacking.builder): pure, no database."""

from __future__ import annotations

import json

import pytest

from stacking import builder, rules

A, B, C = "a-uuid", "b-uuid", "c-uuid"


def _leaf(ref):
    return {"kind": "achievement", "achievement": ref}


@pytest.fixture
def nested():
    """all of A; at least 1 of (B, any of (C))."""
    return {
        "kind": "all",
        "children": [
            _leaf(A),
            {"kind": "at_least", "n": 1, "children": [_leaf(B), {"kind": "any", "children": [_leaf(C)]}]},
        ],
    }


def test_a_new_rule_is_an_empty_all_group():
    assert builder.load("") == {"kind": "all", "children": []}
    assert builder.load("   ") == builder.empty()


def test_load_round_trips_what_save_wrote(nested):
    assert builder.load(builder.save(nested)) == nested


@pytest.mark.parametrize(
    ("_case", "text"),
    [
        ("not json", "{nope"),
        ("a list", "[]"),
        ("unknown kind", json.dumps({"kind": "most", "children": []})),
        ("children not a list", json.dumps({"kind": "all", "children": "x"})),
        ("a leaf at the top", json.dumps(_leaf(A))),
        ("a leaf without id", json.dumps({"kind": "all", "children": [{"kind": "achievement"}]})),
        ("too large", json.dumps({"kind": "all", "children": [_leaf("x" * 100_000)]})),
    ],
)
def test_load_refuses_what_the_builder_cannot_have_made(_case, text):
    with pytest.raises(builder.BuilderError):
        builder.load(text)


@pytest.mark.parametrize(
    ("text", "steps"), [("", ()), ("root", ()), ("0", (0,)), ("0.2.1", (0, 2, 1)), ("root.1.0", (1, 0))]
)
def test_parse_path(text, steps):
    assert builder.parse_path(text) == steps
    assert builder.parse_path(builder.format_path(steps)) == steps


@pytest.mark.parametrize("text", ["x", "0.", "1..2", "-1", "0.a", ".".join(["0"] * 20)])
def test_parse_path_refuses_nonsense(text):
    with pytest.raises(builder.BuilderError):
        builder.parse_path(text)


def test_add_achievement_appends_under_the_chosen_group(nested):
    changed = builder.add_achievement(nested, "1.1", A)
    assert changed["children"][1]["children"][1]["children"] == [_leaf(C), _leaf(A)]
    assert nested["children"][1]["children"][1]["children"] == [_leaf(C)]  # the input is not changed


def test_add_achievement_refuses_a_duplicate_in_the_same_group(nested):
    with pytest.raises(builder.BuilderError, match="already in this group"):
        builder.add_achievement(nested, "root", A)


def test_add_achievement_refuses_a_leaf_as_parent_and_a_missing_choice(nested):
    with pytest.raises(builder.BuilderError, match="not a group"):
        builder.add_achievement(nested, "0", B)
    with pytest.raises(builder.BuilderError, match="Choose"):
        builder.add_achievement(nested, "root", "")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("all", {"kind": "all", "children": []}),
        ("any", {"kind": "any", "children": []}),
        ("at_least", {"kind": "at_least", "children": [], "n": 1}),
        ("credits", {"kind": "credits", "children": [], "credits": "1"}),
    ],
)
def test_add_group_returns_the_new_groups_path(nested, kind, expected):
    changed, path = builder.add_group(nested, "1", kind)
    assert path == "1.2"
    assert changed["children"][1]["children"][2] == expected


def test_add_group_at_the_top(nested):
    changed, path = builder.add_group(nested, "root", "any")
    assert path == "2"
    assert changed["children"][2] == {"kind": "any", "children": []}


@pytest.mark.parametrize(("path", "kind"), [("5", "all"), ("1.7", "any"), ("0", "all"), ("root", "most")])
def test_add_group_refuses_bad_paths_and_kinds(nested, path, kind):
    with pytest.raises(builder.BuilderError):
        builder.add_group(nested, path, kind)


def test_add_group_refuses_nesting_deeper_than_a_rule_may():
    rule, path = builder.empty(), "root"
    for _ in range(rules.MAX_DEPTH):
        rule, path = builder.add_group(rule, path, "all")
    with pytest.raises(builder.BuilderError, match="levels deep"):
        builder.add_group(rule, path, "all")


def test_remove_a_leaf_and_a_group(nested):
    assert builder.remove(nested, "1.0")["children"][1]["children"] == [{"kind": "any", "children": [_leaf(C)]}]
    assert builder.remove(nested, "1") == {"kind": "all", "children": [_leaf(A)]}


def test_removing_the_top_group_starts_over(nested):
    assert builder.remove(nested, "root") == builder.empty()


@pytest.mark.parametrize("path", ["2", "1.5", "0.0", "1.1.3", "bad"])
def test_remove_refuses_paths_that_name_nothing(nested, path):
    with pytest.raises(builder.BuilderError):
        builder.remove(nested, path)


def test_set_kind_keeps_only_the_setting_the_kind_uses(nested):
    to_credits = builder.set_kind(nested, "1", "credits")
    assert to_credits["children"][1]["kind"] == "credits"
    assert "n" not in to_credits["children"][1]
    assert to_credits["children"][1]["credits"] == "1"
    back = builder.set_kind(to_credits, "1", "at_least")
    assert back["children"][1]["n"] == 1 and "credits" not in back["children"][1]
    with pytest.raises(builder.BuilderError):
        builder.set_kind(nested, "0", "all")  # a leaf


def test_set_n_and_credits(nested):
    assert builder.set_n(nested, "1", "2")["children"][1]["n"] == 2
    # Not a whole number: kept as typed, so that parse explains it and the field shows it again.
    kept = builder.set_n(nested, "1", "two")
    assert kept["children"][1]["n"] == "two"
    with pytest.raises(rules.RuleError, match="whole number N from 1 to 2"):
        rules.parse(kept)
    with pytest.raises(builder.BuilderError):
        builder.set_n(nested, "root", "1")  # an ALL group has no N
    credits = builder.set_credits(builder.set_kind(nested, "1", "credits"), "1", " 7.5 ")
    assert credits["children"][1]["credits"] == "7.5"
    with pytest.raises(builder.BuilderError):
        builder.set_credits(nested, "1", "3")


def test_apply_settings_reads_every_groups_inline_controls(nested):
    posted = {"kind-root": "any", "n-1": "2", "kind-1.1": "at_least", "n-1.1": "1", "n-9": "4", "kind-0": "all"}
    changed = builder.apply_settings(nested, posted)
    assert changed["kind"] == "any"
    assert changed["children"][1]["n"] == 2
    assert changed["children"][1]["children"][1] == {"kind": "at_least", "children": [_leaf(C)], "n": 1}
    assert changed["children"][0] == _leaf(A)  # a leaf has no kind to change


def test_group_paths_and_refs(nested):
    assert builder.group_paths(nested) == ["root", "1", "1.1"]
    assert builder.achievement_refs(nested) == [A, B, C]


def test_outline_names_and_phrases(nested):
    tree = builder.outline(builder.set_n(nested, "1", "2"), {A: "Python", B: "SQL"})
    assert (tree.label, tree.phrase, tree.path) == ("the top group", "all of", "root")
    assert [c.label for c in tree.children] == ["Python", "group 2"]
    group = tree.children[1]
    assert (group.phrase, group.n, group.path) == ("at least 2 of", 2, "1")
    assert group.children[0].name == "SQL"
    assert group.children[1].children[0].name == "an unknown achievement"
    assert group.children[1].label == "group 2.2"


def test_the_built_rule_parses_into_the_intended_tree():
    rule = builder.empty()
    for ref in (A, B):
        rule = builder.add_achievement(rule, "root", ref)
    rule, path = builder.add_group(rule, "root", "at_least")
    rule = builder.add_achievement(rule, path, C)
    rule = builder.add_achievement(rule, path, "d-uuid")
    rule = builder.set_n(rule, path, "2")
    names = {A: "Python Basics", B: "SQL", C: "Tableau", "d-uuid": "Looker"}
    assert rules.summary(rules.parse(rule), names) == "all of Python Basics, SQL; at least 2 of Tableau, Looker"
