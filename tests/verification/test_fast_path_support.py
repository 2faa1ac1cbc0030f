"""Shared by the fast-path differential tests (no tests here): outcomes of both paths, and the documents to try."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.verification.helpers import OB30, SAMPLES, VECTORS
from verification import canon, fastrdf
from verification.canon import FastPathCanonicalizer, PyldCanonicalizer
from verification.errors import VerificationError
from verification.suites.eddsa_rdfc import proof_configuration

# Why the fast path may decline a credential that is otherwise within its shapes: RDFC-1.0 needs
# Hash N-Degree Quads (identical nested objects), or pyld's de-duplication and RDF term equality
# disagree. Anything else means the fast path failed to cover a shape it should.
STRUCTURAL_REASONS = frozenset(
    {
        "blank nodes share a first-degree hash",
        "duplicate quad",
        "values pyld considers equal are different literals",
    }
)


def outcome(function: Any, document: Any) -> tuple[str, ...]:
    """("ok", canonical N-Quads) or ("error", class name, code, message)."""
    try:
        return ("ok", function(copy.deepcopy(document)))
    except VerificationError as error:
        return ("error", type(error).__name__, error.code, error.message)


def reference(document: Any) -> tuple[str, ...]:
    return outcome(PyldCanonicalizer().canonicalize, document)


def engine(document: Any) -> tuple[str, ...]:
    return outcome(FastPathCanonicalizer().canonicalize, document)


def fast(document: Any) -> str | None:
    """The fast path's canonical form, or None when it declines (it never raises anything else)."""
    try:
        return fastrdf.fast_canonicalize(copy.deepcopy(document))
    except fastrdf.Unsupported:
        return None


def fast_reason(document: Any) -> str | None:
    try:
        fastrdf.fast_canonicalize(copy.deepcopy(document))
    except fastrdf.Unsupported as declined:
        return declined.reason
    return None


def assert_same(document: Any) -> bool:
    """Both engines agree (result or refusal); if the fast path answers, it is the reference's
    answer. Returns whether the fast path answered."""
    expected = reference(document)
    assert engine(document) == expected
    answer = fast(document)
    if answer is not None:
        assert expected == ("ok", answer)
    return answer is not None


@contextmanager
def installed(new_engine: canon.Canonicalizer) -> Iterator[None]:
    previous = canon.set_canonicalizer(new_engine)
    try:
        yield
    finally:
        canon.set_canonicalizer(previous)


def json_files() -> list[Path]:
    return sorted(
        path
        for path in [*VECTORS.rglob("*.json"), *VECTORS.rglob("*.jsonld"), *SAMPLES.rglob("*.json")]
        if path.is_file()
    )


def documents_of(path: Path) -> Iterator[tuple[str, Any]]:
    """A file's document and what a verifier canonicalizes of it: the unsecured document, each
    proof's configuration, and (for the vectors that wrap them) the embedded credentials."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        return
    yield "document", document
    if path.parent == OB30:
        for key in ("unsignedCredential", "signedCredential"):
            yield from _secured(key, document[key])
        return
    yield from _secured("document", document)


def _secured(label: str, document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    if label != "document":
        yield label, document
    if "proof" not in document:
        return
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    yield f"{label} unsecured", unsecured
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    for number, proof in enumerate(proofs):
        if isinstance(proof, dict):
            yield f"{label} proof configuration {number}", proof_configuration(unsecured, proof)
