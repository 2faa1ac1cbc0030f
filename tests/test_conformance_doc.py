"""docs/conformance.md names the tests that show each conformance item: every one must exist, so the map cannot
point at a test that was renamed or removed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "conformance.md"
# `tests/….py::test_name` inside backticks, as the document writes them.
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def references(text: str) -> list[tuple[str, str]]:
    """Every (path, function) the text names, in order, repeats included."""
    return REFERENCE.findall(text)


def defined_tests(path: Path) -> set[str]:
    """The names of the test functions pytest would collect from a file: module level, or methods of Test* classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names.update(item.name for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef))
    return {name for name in names if name.startswith("test")}


def test_every_test_the_document_names_exists():
    found = references(DOC.read_text(encoding="utf-8"))
    assert len(found) >= 40, "the document should name the tests of every item it claims is met"
    missing = []
    for path, name in found:
        file = ROOT / path
        if not file.is_file():
            missing.append(f"{path} (no such file)")
        elif name not in defined_tests(file):
            missing.append(f"{path}::{name}")
    assert missing == []


def test_the_check_sees_a_missing_file_and_a_missing_function(tmp_path):
    text = "`tests/test_conformance_doc.py::test_every_test_the_document_names_exists` and `tests/nope.py::test_x`"
    assert references(text) == [
        ("tests/test_conformance_doc.py", "test_every_test_the_document_names_exists"),
        ("tests/nope.py", "test_x"),
    ]
    assert not (ROOT / "tests/nope.py").exists()
    sample = tmp_path / "test_sample.py"
    sample.write_text("def test_a():\n    pass\n\n\nclass TestB:\n    def test_c(self):\n        pass\n")
    assert defined_tests(sample) == {"test_a", "test_c"}
    assert "test_every_test_the_document_names_exists" in defined_tests(Path(__file__))
