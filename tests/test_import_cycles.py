"""No import cycle inside an app (docs/architecture.md): every import counts, module-level or inside a function,
because a function-level import that closes a loop is still a loop. A services module starts its app's tasks by
name (config.tasks.enqueue) instead of importing them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ["accounts", "outbox", "issuer", "badges", "bulk", "stacking", "learners", "api", "ob_api", "webhooks", "config"]


def _graph(app: str) -> dict[str, set[str]]:
    modules = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            # A package's own submodules importing it (or it importing them) is how packages work, not a loop.
            graph[name] |= {t for t in targets if t in modules and t != name and not name.startswith(t + ".")}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target] if target in path else [node, target]
            if not state.get(target) and (found := visit(target, [*path, target])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if not state.get(start) and (found := visit(start, [start])):
            return found
    return None


@pytest.mark.parametrize("app", APPS)
def test_no_import_cycle_inside_the_app(app: str) -> None:
    assert _cycle(_graph(app)) is None


def test_a_cycle_is_found() -> None:
    assert _cycle({"a.services": {"a.tasks"}, "a.tasks": {"a.services"}}) == ["a.services", "a.tasks", "a.services"]
