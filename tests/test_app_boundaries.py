"""Which app may import which: `bulk` builds on `badges`, never the reverse, and background work is started
without the writing side importing the tasks that call it (tasks import services, not the other way).

Read from the source, every import statement including those inside functions, so a late import cannot hide one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import ROOT


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, with `from a import b` counted as both `a` and `a.b`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def test_badges_never_imports_bulk():
    offending = {
        str(path.relative_to(ROOT)): sorted(m for m in _imports(path) if _within(m, "bulk"))
        for path in (ROOT / "badges").rglob("*.py")
    }
    assert {path: modules for path, modules in offending.items() if modules} == {}


@pytest.mark.parametrize(
    ("module", "tasks"),
    [
        ("badges/services.py", "badges.tasks"),
        ("badges/follow_ups.py", "badges.tasks"),
        ("bulk/jobs.py", "bulk.tasks"),
        ("bulk/background.py", "bulk.tasks"),
    ],
)
def test_the_writing_side_never_imports_its_tasks(module, tasks):
    assert not [m for m in _imports(ROOT / module) if _within(m, tasks)]
