"""Every reason code the verifier can put in a report has an explanation for readers (badges.check_explanations,
D53), and docs/verification.md names every one. The codes are read from the verifier's source, not listed here:
a code added to `verification/` without an explanation fails this test, with its file and line."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest
from django.utils import translation

from badges.check_explanations import (
    BY_CHECK_STATUS,
    BY_CODE,
    BY_FINDING,
    BY_STATUS,
    CHECK_TITLES,
    STATUS_LABELS,
    explanation,
)
from tests.paths import ROOT
from verification.report import CHECK_IDS, SEVERITY, Check

VERIFICATION = ROOT / "verification"
DOCS = ROOT / "docs" / "verification.md"
STATUSES = {"PASSED", "FAILED", "INDETERMINATE", "WARNING", "SKIPPED"}
# The VC-JWT checks name their parts by these ids; verification.checks.proof folds them into the `proof` check,
# whose code is then "jwt", so they never reach a report as codes. Every other first item is a code.
JWT_PROOF_PARTS = {"jwt_header", "jwt_signature", "jwt_claims"}
# The `format` check's code is the report's format: ParsedInput.format ("ldp", "jwt") and the Open Badges 2.0
# verifier's HOSTED and SIGNED. They are passed as variables, so they are named here and looked for in the source.
FORMATS = {"ldp", "jwt", "ob2-hosted", "ob2-signed"}
CODE_LIKE = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*")
# Names the check table of docs/verification.md gives in backticks that are not codes: a deprecated suite and a
# VC-JWT claim, in the `proof` row.
NOT_CODES = {"eddsa-2022", "sub"}


def _code_positions(trees: dict[Path, ast.Module]) -> dict[str, int]:
    """The classes with a `code` field (Check, Binding, StatusOutcome, ProofResult, ...) and where it stands among
    their positional arguments: a class added with one is read without changing this test."""
    positions = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                fields = [
                    item.target.id
                    for item in node.body
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
                ]
                if "code" in fields:
                    positions[node.name] = fields.index("code")
    return positions


def _constants(trees: dict[Path, ast.Module]) -> dict[str, str]:
    """Module-level string constants (PROOF_MALFORMED = "proof_malformed"), by name, across the package."""
    found: dict[str, str] = {}
    for tree in trees.values():
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                if isinstance(node.value.value, str):
                    found.update(
                        {target.id: node.value.value for target in node.targets if isinstance(target, ast.Name)}
                    )
    return found


def _values(node: ast.AST, constants: dict[str, str]) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.IfExp):
        return _values(node.body, constants) + _values(node.orelse, constants)
    if isinstance(node, ast.BoolOp):
        return [value for item in node.values for value in _values(item, constants)]
    return []


def _is_status(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in STATUSES


@functools.cache
def emitted_codes() -> dict[str, str]:
    """Every literal the verifier uses as a reason code, with where it first appears: the `code` of a finding
    (positional or keyword), an exception's `code=`, an assignment to `code` (class attributes included), and the
    (status, code, message) / (code, status, message) triples the Open Badges 2.0 and VC-JWT checks collect."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(VERIFICATION.rglob("*.py"))}
    positions = _code_positions(trees)
    constants = _constants(trees)
    found: dict[str, str] = {}

    # What each variable is given, per module: `first = broken[0].code if broken else "proof_chain_invalid"`.
    assigned: dict[Path, dict[str, list[ast.expr]]] = {path: {} for path in trees}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned[path].setdefault(target.id, []).append(node.value)

    def add(node: ast.AST, path: Path, following: frozenset[str] = frozenset()) -> None:
        if isinstance(node, ast.Name) and node.id not in constants:
            if node.id not in following:  # `x = x or ...` must not lead round in a circle
                for given in assigned[path].get(node.id, []):
                    add(given, path, following | {node.id})
            return
        for value in _values(node, constants):
            if CODE_LIKE.fullmatch(value):
                found.setdefault(value, f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}")

    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "code":
                        add(keyword.value, path)
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in positions and len(node.args) > positions[name]:
                    add(node.args[positions[name]], path)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id == "code" and node.value is not None:
                        add(node.value, path)
                    if isinstance(target, ast.Tuple) and node.value is not None:
                        index = next(
                            (i for i, el in enumerate(target.elts) if isinstance(el, ast.Name) and el.id == "code"),
                            None,
                        )
                        if index is None:
                            continue
                        options = (
                            [node.value.body, node.value.orelse] if isinstance(node.value, ast.IfExp) else [node.value]
                        )
                        for option in options:
                            if isinstance(option, ast.Tuple) and len(option.elts) > index:
                                add(option.elts[index], path)
            elif isinstance(node, ast.Tuple) and len(node.elts) == 3:
                first, second, _ = node.elts
                if _is_status(first):
                    add(second, path)
                elif _is_status(second) and not (isinstance(first, ast.Constant) and first.value in JWT_PROOF_PARTS):
                    add(first, path)
    return found


def explained_codes() -> set[str]:
    return set(BY_CODE) | {code for _, _, code in BY_FINDING}


def documented_codes() -> set[str]:
    return set(re.findall(r"`([a-z][a-z0-9_-]*)`", DOCS.read_text(encoding="utf-8")))


def test_the_source_is_read_for_every_kind_of_code():
    """The reader finds codes in each of the forms the verifier writes them: a test that cannot find them
    could not fail."""
    codes = emitted_codes()
    for code, form in [
        ("revoked", "a finding's positional code (Check, StatusOutcome)"),
        ("key_bound", "a Binding"),
        ("proof_malformed", "a module constant passed as code="),
        ("status_list_invalid", "a class attribute"),
        ("embedded_invalid", "a tuple unpacked into code"),
        ("not_suspended", "a conditional assignment to code"),
        ("jwt_key", "a VC-JWT (code, status, message) triple"),
        ("key_type_mismatch", "an Open Badges 2.0 (status, code, message) triple"),
        ("internal", "the guard's own finding"),
    ]:
        assert code in codes, form
    assert not JWT_PROOF_PARTS & set(codes)
    source = "".join(path.read_text(encoding="utf-8") for path in VERIFICATION.rglob("*.py"))
    assert all(f'"{code}"' in source for code in FORMATS)


def test_every_code_the_verifier_can_emit_has_an_explanation():
    codes = {**emitted_codes(), **dict.fromkeys(FORMATS, "the format check")}
    missing = {code: where for code, where in codes.items() if code not in explained_codes()}
    assert missing == {}, "add an explanation to badges/check_explanations.py for each code"


def test_every_explained_code_is_one_the_verifier_can_emit():
    """No explanation for a code that no longer exists (a renamed code would keep an orphan here)."""
    assert explained_codes() - set(emitted_codes()) - FORMATS == set()


def test_the_documentation_names_every_code():
    undocumented = set(emitted_codes()) - documented_codes()
    assert undocumented == set(), "name each code in docs/verification.md"


def test_the_documented_codes_of_the_checks_exist():
    """The table of check ids lists, per status, codes the verifier really emits."""
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("| id | what it checks | statuses (codes) |", 1)[1].split("\n\n", 1)[0]
    listed = {
        code for row in table.splitlines()[2:] for code in re.findall(r"`([a-z][a-z0-9_-]*)`", row.split(" | ")[-1])
    }
    assert listed and listed - set(emitted_codes()) - FORMATS - NOT_CODES == set()


def test_every_check_and_status_has_a_title_a_label_and_a_fallback():
    assert set(CHECK_TITLES) == set(CHECK_IDS)
    assert set(STATUS_LABELS) == set(SEVERITY) == set(BY_STATUS)
    assert {check_id for check_id, _ in BY_CHECK_STATUS} == set(CHECK_IDS)
    assert all(status in SEVERITY for _, status in BY_CHECK_STATUS)
    assert all(check_id in CHECK_IDS and status in SEVERITY for check_id, status, _ in BY_FINDING)


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        pytest.param(
            Check("proof", "warning", "… Note: eddsa-2022 is deprecated.", "proof_valid"),
            "älteren, nicht mehr empfohlenen Signaturverfahren",
            id="by check, status and code",
        ),
        pytest.param(
            Check("status", "failed", "The credential is revoked (index 3 of …).", "revoked"),
            "Der Aussteller hat diesen Nachweis widerrufen",
            id="by code",
        ),
        pytest.param(
            Check("status", "indeterminate", "Something new.", "a_code_added_later"),
            "Ob der Nachweis widerrufen wurde, konnte nicht geprüft werden.",
            id="an unknown code: by check and status",
        ),
        pytest.param(
            Check("issuer_key", "passed", "The key is listed.", None),
            "gehört nachweislich dem Aussteller.",
            id="no code: by check and status",
        ),
        pytest.param(
            Check("a_new_check", "failed", "Something failed.", None),
            "Dieser Prüfschritt ist nicht bestanden",
            id="an unknown check: by status",
        ),
    ],
)
def test_the_most_precise_explanation_is_chosen(check, expected):
    with translation.override("de"):
        assert expected in explanation(check)
