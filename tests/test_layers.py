"""Dependencies point one way (docs/architecture.md): an app imports only the apps below it, never one above or
beside it. accounts, outbox and config stand beside the layers: any app may import them, and accounts and outbox
import no app.
verification is a library: it imports no app and no Django model code. Read from the imports of every module
outside tests and migrations; config, which wires the apps together, is not checked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lowest first; apps in one layer do not import each other. bulk is its own app once it leaves badges. analytics
# stands above badges, which tells it what readers do through badges.activity, and below wallets and backpack,
# which register where it reads their take-ups and sends (analytics.sources).
LAYERS = [
    ("verification",),
    ("issuer",),
    ("badges",),
    ("bulk", "stacking", "analytics"),
    ("learners",),
    ("api", "ob_api", "webhooks", "backpack", "wallets"),
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}
BESIDE = {"accounts", "outbox", "config"}


def _imports(app: str) -> list[tuple[str, int, str]]:
    """(module file, line, imported module) for every absolute import in the app's own code."""
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "migrations" in parts or "tests" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            found += [("/".join(parts), node.lineno, name) for name in names]
    return found


def _existing(apps: list[str]) -> list[str]:
    return [app for app in apps if (ROOT / app / "__init__.py").exists()]


@pytest.mark.parametrize("app", _existing(list(LEVEL)))
def test_an_app_imports_only_the_apps_below_it(app):
    upward = [
        f"{where}:{line} imports {module}"
        for where, line, module in _imports(app)
        if (top := module.split(".")[0]) in LEVEL and top != app and LEVEL[top] >= LEVEL[app]
    ]
    assert upward == []


@pytest.mark.parametrize("app", ["accounts", "outbox"])
def test_an_app_beside_the_layers_imports_no_app(app):
    beside = BESIDE - {"config"}
    assert [
        module for _, _, module in _imports(app) if (top := module.split(".")[0]) in LEVEL or top in beside - {app}
    ] == []


def test_verification_has_no_models():
    assert [
        f"{where}:{line} imports {module}"
        for where, line, module in _imports("verification")
        if module.startswith("django.db") or module.split(".")[0] in LEVEL.keys() - {"verification"} | {"accounts"}
    ] == []
