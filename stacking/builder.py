"""Edits of a rule being built, addressed by path: pure helpers for the rule builder page (no database).

The page keeps the rule under construction as JSON in a hidden field and each button posts one small edit, so
the builder works without JavaScript. A rule being built is allowed to be unfinished (an empty group, an N not
typed yet): these helpers only keep its shape — groups with children, leaves with an achievement — and
`stacking.rules.parse` says whether it is a valid rule yet.

A path names a node by the positions of its ancestors below the top group: "0.2.1" is the second child of the
third child of the first child of the top group; the top group itself is "root" (or "").
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stacking import rules

ROOT = "root"
MAX_JSON_CHARS = 100_000  # far above MAX_NODES nodes of UUIDs; a hidden field larger than this was not ours
KIND_LABELS = {
    "all": _("All of"),
    "any": _("One of"),
    "at_least": _("At least N of"),
    "credits": _("Credits from"),
}


class BuilderError(ValueError):
    """An edit that cannot be made: a path that names no node, a node of the wrong sort, an unknown kind. Its
    message is for the page, in the reader's language."""


def empty() -> dict[str, Any]:
    """A new rule: an empty ALL group, to which achievements and groups are added."""
    return {"kind": "all", "children": []}


def load(text: str) -> dict[str, Any]:
    """The rule of the hidden field; an empty field is a new rule. Refuses what the builder could not have made."""
    if not text or not text.strip():
        return empty()
    if len(text) > MAX_JSON_CHARS:
        raise BuilderError(gettext("The rule is too large."))
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BuilderError(gettext("The rule could not be read.")) from exc
    _check_shape(data, depth=0)
    if data.get("kind") == rules.LEAF:
        raise BuilderError(gettext("The top of a rule must be a group."))
    return data


def save(rule: dict[str, Any]) -> str:
    """The hidden field's text."""
    return json.dumps(rule, separators=(",", ":"), ensure_ascii=False)


def _check_shape(node: Any, *, depth: int) -> None:
    if depth > rules.MAX_DEPTH + 1:
        raise BuilderError(gettext("Groups nest at most %(depth)s levels deep.") % {"depth": rules.MAX_DEPTH})
    if not isinstance(node, dict):
        raise BuilderError(gettext("The rule could not be read."))
    kind = node.get("kind")
    if kind == rules.LEAF:
        if not isinstance(node.get("achievement"), str):
            raise BuilderError(gettext("The rule could not be read."))
        return
    if kind not in rules.GROUP_KINDS or not isinstance(node.get("children"), list):
        raise BuilderError(gettext("The rule could not be read."))
    for child in node["children"]:
        _check_shape(child, depth=depth + 1)


def parse_path(text: str) -> tuple[int, ...]:
    """ "0.2.1" → (0, 2, 1); "root" or "" → (). Anything else is refused."""
    text = (text or "").strip()
    if text in ("", ROOT):
        return ()
    if text.startswith(ROOT + "."):
        text = text[len(ROOT) + 1 :]
    try:
        steps = tuple(int(part) for part in text.split("."))
    except ValueError as exc:
        raise BuilderError(gettext("%(path)s is not a path in the rule.") % {"path": repr(text)}) from exc
    if any(step < 0 for step in steps) or len(steps) > rules.MAX_DEPTH + 1:
        raise BuilderError(gettext("%(path)s is not a path in the rule.") % {"path": repr(text)})
    return steps


def format_path(steps: tuple[int, ...]) -> str:
    return ".".join(str(step) for step in steps) if steps else ROOT


def _node(rule: dict[str, Any], steps: tuple[int, ...]) -> dict[str, Any]:
    node = rule
    for step in steps:
        children = node.get("children") if node.get("kind") != rules.LEAF else None
        if not isinstance(children, list) or step >= len(children):
            raise BuilderError(gettext("There is no node at %(path)s.") % {"path": format_path(steps)})
        node = children[step]
    return node


def _group(rule: dict[str, Any], path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A copy of the rule, and the group at `path` inside the copy."""
    rule = copy.deepcopy(rule)
    node = _node(rule, parse_path(path))
    if node.get("kind") == rules.LEAF:
        raise BuilderError(gettext("The node at %(path)s is an achievement, not a group.") % {"path": path})
    return rule, node


def _check_kind(kind: str) -> None:
    if kind not in rules.GROUP_KINDS:
        raise BuilderError(gettext("%(kind)s is not a kind of group.") % {"kind": repr(kind)})


def _normalize(group: dict[str, Any]) -> None:
    """Keep only the setting the group's kind uses; give at_least an N and credits a total to start from."""
    kind = group["kind"]
    if kind == "at_least":
        group.setdefault("n", 1)
    else:
        group.pop("n", None)
    if kind == "credits":
        group.setdefault("credits", "1")
    else:
        group.pop("credits", None)


def add_group(rule: dict[str, Any], path: str, kind: str) -> tuple[dict[str, Any], str]:
    """A new empty group of `kind` as the last member of the group at `path`; returns the rule and its path."""
    _check_kind(kind)
    rule, parent = _group(rule, path)
    if len(parse_path(path)) >= rules.MAX_DEPTH:
        raise BuilderError(gettext("Groups nest at most %(depth)s levels deep.") % {"depth": rules.MAX_DEPTH})
    new: dict[str, Any] = {"kind": kind, "children": []}
    _normalize(new)
    parent["children"].append(new)
    return rule, format_path((*parse_path(path), len(parent["children"]) - 1))


def add_achievement(rule: dict[str, Any], path: str, achievement: str) -> dict[str, Any]:
    """The achievement (its UUID as text) as the last member of the group at `path`; once per group."""
    if not achievement:
        raise BuilderError(gettext("Choose an achievement to add."))
    rule, parent = _group(rule, path)
    if any(child.get("achievement") == achievement for child in parent["children"]):
        raise BuilderError(gettext("That achievement is already in this group."))
    parent["children"].append({"kind": rules.LEAF, "achievement": achievement})
    return rule


def remove(rule: dict[str, Any], path: str) -> dict[str, Any]:
    """Without the node at `path` (and everything under it). Removing the top group starts over."""
    steps = parse_path(path)
    if not steps:
        return empty()
    rule = copy.deepcopy(rule)
    _node(rule, steps)  # refuses a path that names nothing
    parent = _node(rule, steps[:-1])
    del parent["children"][steps[-1]]
    return rule


def set_kind(rule: dict[str, Any], path: str, kind: str) -> dict[str, Any]:
    _check_kind(kind)
    rule, group = _group(rule, path)
    group["kind"] = kind
    _normalize(group)
    return rule


def set_n(rule: dict[str, Any], path: str, value: str) -> dict[str, Any]:
    """N of an 'at least' group; text that is not a whole number is kept as typed, for parse to explain."""
    rule, group = _group(rule, path)
    if group["kind"] != "at_least":
        raise BuilderError(gettext("The group at %(path)s is not an 'at least' group.") % {"path": path})
    value = (value or "").strip()
    group["n"] = int(value) if value.isdigit() and len(value) <= 6 else value
    return rule


def set_credits(rule: dict[str, Any], path: str, value: str) -> dict[str, Any]:
    rule, group = _group(rule, path)
    if group["kind"] != "credits":
        raise BuilderError(gettext("The group at %(path)s is not a credits group.") % {"path": path})
    group["credits"] = (value or "").strip()[:20]
    return rule


def group_paths(rule: dict[str, Any]) -> list[str]:
    """Every group's path, in tree order (the choices of "add under")."""
    found: list[str] = []

    def walk(node: dict[str, Any], steps: tuple[int, ...]) -> None:
        if node.get("kind") == rules.LEAF:
            return
        found.append(format_path(steps))
        for i, child in enumerate(node.get("children", [])):
            walk(child, (*steps, i))

    walk(rule, ())
    return found


def apply_settings(rule: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """The inline settings of every group as posted (`kind-<path>`, `n-<path>`, `credits-<path>`), so that a
    change typed next to a group is kept whichever button was pressed. Values for paths not in the rule are
    ignored (they came from a stale page)."""
    for path in group_paths(rule):
        kind = values.get(f"kind-{path}")
        if kind is not None and kind in rules.GROUP_KINDS:
            rule = set_kind(rule, path, kind)
        group = _node(rule, parse_path(path))
        if group["kind"] == "at_least" and f"n-{path}" in values:
            rule = set_n(rule, path, values[f"n-{path}"])
        if group["kind"] == "credits" and f"credits-{path}" in values:
            rule = set_credits(rule, path, values[f"credits-{path}"])
    return rule


def achievement_refs(rule: dict[str, Any]) -> list[str]:
    """Every achievement the rule being built names (UUIDs as text), in tree order, each once."""
    found: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("kind") == rules.LEAF:
            if node["achievement"] not in found:
                found.append(node["achievement"])
            return
        for child in node.get("children", []):
            walk(child)

    walk(rule)
    return found


def human_path(steps: tuple[int, ...]) -> str:
    """What a person reads: "the top group", "group 1.3" (counting from 1)."""
    if not steps:
        return gettext("the top group")
    return gettext("group %(number)s") % {"number": ".".join(str(step + 1) for step in steps)}


@dataclass
class OutlineNode:
    """One node as the page shows it."""

    path: str
    label: str  # "the top group", "group 3", "Python Basics"
    is_group: bool
    kind: str = ""
    phrase: str = ""
    n: Any = None
    credits: Any = None
    name: str = ""
    children: list[OutlineNode] = field(default_factory=list)


def outline(rule: dict[str, Any], names: dict[str, str]) -> OutlineNode:
    """The tree for the page, with each group's phrase ("at least 2 of") and each achievement's name."""

    def build(node: dict[str, Any], steps: tuple[int, ...]) -> OutlineNode:
        path = format_path(steps)
        if node.get("kind") == rules.LEAF:
            name = names.get(node["achievement"]) or rules.unknown_achievement()
            return OutlineNode(path=path, label=name, is_group=False, name=name)
        kind = node["kind"]
        n, credits = node.get("n"), node.get("credits")
        phrase = rules.kind_phrase(kind, n, credits)
        children = [build(child, (*steps, i)) for i, child in enumerate(node.get("children", []))]
        return OutlineNode(
            path=path,
            label=human_path(steps),
            is_group=True,
            kind=kind,
            phrase=phrase,
            n=n,
            credits=credits,
            children=children,
        )

    return build(rule, ())
