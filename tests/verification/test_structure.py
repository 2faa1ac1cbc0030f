"""The credential core's shape, read from its source.

* No module over 600 lines: a module that size holds more than one concern, and each concern of the core has a
  module of its own (docs/architecture.md).
* No import cycle between its modules. Read from the AST of every module under verification/, imports inside
  functions and under TYPE_CHECKING included: a cycle that only a function-level import keeps from failing at
  start-up is still a cycle, and the next module-level import added along it turns it into an ImportError that
  depends on which module is imported first.
* pyld only through verification/pyld_adapter.py: no other module of the core imports pyld, and no module of
  the project outside tests uses pyld's internals (underscored names, pyld's private methods on any object,
  submodules other than `pyld.jsonld`, URDNA2015 and its helpers). Tests are left out on purpose: they run
  stock pyld to show what the core corrects.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyld

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "verification"


def _modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the package (a package is its __init__.py)."""
    found = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MAX_LINES = 600


def test_no_module_of_the_core_is_over_600_lines() -> None:
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()}
    assert {name: length for name, length in lengths.items() if length > MAX_LINES} == {}


def _imported(module: str, path: Path, known: Iterable[str]) -> set[str]:
    """The package's modules that `module` imports anywhere in its body."""
    known = set(known)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # `from package import name` imports the submodule `name` when there is one, else a name of the package.
            names = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source for alias in node.names]
        else:
            continue
        for name in names:
            # `import a.b.c` of a name that is not a module of ours: its nearest enclosing module of ours, if any.
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
    return targets


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of the graph as [a, b, ..., a], or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        # Iterative depth-first search: `path` is the chain being explored, `pending` what is left to try from
        # each of its members.
        path = [start]
        pending = [iter(sorted(graph.get(start, ())))]
        while path:
            following = next(pending[-1], None)
            if following is None:
                done.add(path.pop())
                pending.pop()
            elif following in path:
                return path[path.index(following) :] + [following]
            elif following not in done:
                path.append(following)
                pending.append(iter(sorted(graph.get(following, ()))))
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    # Without this, a finder that never reports anything would pass the test below.
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_every_kind_of_import(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from pkg import a\n")
    (package / "a.py").write_text("def f():\n    from pkg.sub import b\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import c\n")
    (package / "c.py").write_text("import pkg.a.nothing\nfrom pkg.sub.b import name\n")
    modules = {"pkg": package / "__init__.py", "pkg.a": package / "a.py", "pkg.sub": package / "sub" / "__init__.py"}
    modules |= {"pkg.sub.b": package / "sub" / "b.py", "pkg.c": package / "c.py"}
    graph = {name: _imported(name, path, modules) for name, path in modules.items()}
    assert graph == {
        "pkg": {"pkg.a"},
        "pkg.a": {"pkg.sub.b"},  # inside a function
        "pkg.sub": set(),
        "pkg.sub.b": {"pkg.c"},  # relative, under TYPE_CHECKING
        "pkg.c": {"pkg.a", "pkg.sub.b"},
    }
    assert find_cycle(graph) == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]


def test_no_import_cycle_inside_verification() -> None:
    assert find_cycle(import_graph()) is None


# ------------------------------------------------------------------------------------------------
# pyld only through the adapter

ADAPTER = "verification/pyld_adapter.py"
# pyld's public API: the pyld.jsonld module and what the pyld package exports; its other submodules are internal.
PUBLIC_PYLD_MODULES = {"pyld", "pyld.jsonld"}
INTERNAL_NAMES = {"URDNA2015", "URGNA2012", "permutations", "IdentifierIssuer", "ContextResolver", "ResolvedContext"}
PROJECT_SKIPPED = {"tests", ".venv", "node_modules", "var", "build", ".git"}


def _pyld_private_names() -> frozenset[str]:
    """Every underscored (not dunder) name pyld defines in a module or on a class: `_process_context`,
    `_object_to_rdf`, `_is_object`, ... Reaching one through any object (a subclass instance included) is a
    use of pyld's internals."""
    names = set()
    for info in pkgutil.walk_packages(pyld.__path__, "pyld."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # optional extras (the command line needs Typer)
            continue
        for name, value in vars(module).items():
            members = vars(value) if inspect.isclass(value) and value.__module__.startswith("pyld") else {}
            names |= {item for item in (name, *members) if item.startswith("_") and not item.startswith("__")}
    return frozenset(names)


PYLD_PRIVATE_NAMES = _pyld_private_names()


def _project_files() -> list[Path]:
    """Every module of the project but the adapter, outside tests and the virtualenv."""
    files = sorted(ROOT.glob("*.py"))
    for folder in sorted(ROOT.iterdir()):
        if folder.is_dir() and folder.name not in PROJECT_SKIPPED:
            files += sorted(folder.rglob("*.py"))
    return [path for path in files if path.relative_to(ROOT).as_posix() != ADAPTER]


def pyld_uses(source: str) -> tuple[list[str], list[str]]:
    """(every pyld import, the uses of pyld internals) in a module's source, as readable strings."""
    imports: list[str] = []
    internal: list[str] = []
    aliases: set[str] = set()  # local names bound to a pyld module
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pyld":
                    imports.append(f"{node.lineno}: import {alias.name}")
                    aliases.add(alias.asname or "pyld")
                    if alias.name not in PUBLIC_PYLD_MODULES:
                        internal.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "pyld":
            for alias in node.names:
                imports.append(f"{node.lineno}: from {node.module} import {alias.name}")
                if node.module not in PUBLIC_PYLD_MODULES or alias.name.startswith("_") or alias.name in INTERNAL_NAMES:
                    internal.append(f"{node.lineno}: from {node.module} import {alias.name}")
                elif node.module == "pyld" and alias.name == "jsonld":
                    aliases.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in aliases:
            # alias._private, alias.URDNA2015, pyld.canon...: an internal reached through a pyld module.
            if node.attr.startswith("_") or node.attr in INTERNAL_NAMES or node.attr in {"canon", "identifier_issuer"}:
                internal.append(f"{node.lineno}: {node.value.id}.{node.attr}")
        elif node.attr in PYLD_PRIVATE_NAMES:
            # processor._process_context(...), literal._object_to_rdf(...): pyld's private methods on any object.
            internal.append(f"{node.lineno}: .{node.attr}")
    return imports, sorted(internal, key=lambda use: int(use.split(":")[0]))


def test_the_pyld_check_sees_each_kind_of_use() -> None:
    source = (
        "import pyld\nfrom pyld import jsonld as j\nfrom pyld.canon import URDNA2015\nimport pyld.nquads\n"
        "from pyld.jsonld import _is_object, expand\nj._is_array(1)\nj.expand({})\npyld.__about__\n"
        "from verification import jsonld\njsonld.processor()._process_context(1, 2, {})\n"
    )
    imports, internal = pyld_uses(source)
    assert len(imports) == 6
    assert internal == [
        "3: from pyld.canon import URDNA2015",
        "4: import pyld.nquads",
        "5: from pyld.jsonld import _is_object",
        "6: j._is_array",
        "8: pyld.__about__",
        "10: ._process_context",
    ]


def test_only_the_adapter_imports_pyld_in_the_core() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): imports
        for path in _project_files()
        if path.relative_to(ROOT).parts[0] == PACKAGE and (imports := pyld_uses(path.read_text(encoding="utf-8"))[0])
    }
    assert found == {}


def test_no_module_outside_tests_uses_pyld_internals_but_the_adapter() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): internal
        for path in _project_files()
        if (internal := pyld_uses(path.read_text(encoding="utf-8"))[1])
    }
    assert found == {}


def test_the_adapter_is_where_pyld_is_pinned() -> None:
    # The pin is the adapter's reason to exist: it must fail loudly on another release.
    source = (ROOT / ADAPTER).read_text(encoding="utf-8")
    assert 'pyld.__about__.__version__ != "3.3.0"' in source
    assert pyld_uses(source)[1]  # and it does use the internals it owns
