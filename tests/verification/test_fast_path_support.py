"""Shared by the fast-path differential tests (no tests here): outcomes of both paths, and the documents to try."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.verification.helpers import OB30, SAMPLES, VECTORS
from verification import canon, fastrdf, jsonld, rdfc
from verification.canon import FastPathCanonicalizer, PyldCanonicalizer
from verification.errors import CanonicalizationError, VerificationError
from verification.suites.eddsa_rdfc import proof_configuration


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


def fast_reason(document: Any, max_work_factor: float = 1) -> str | None:
    try:
        fastrdf.fast_canonicalize(copy.deepcopy(document), max_work_factor=max_work_factor)
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


Quad = tuple[str, str, str, "str | None"]


def reference_quads(document: Any) -> list[Quad]:
    """The dataset pyld's to_rdf makes (verification.jsonld, safe mode), in its order and with its
    blank node labels, as N-Quads terms."""
    dataset = jsonld.to_rdf(copy.deepcopy(document))
    return [
        (
            rdfc._term(triple["subject"]),
            rdfc._term(triple["predicate"]),
            rdfc._object_term(triple["object"]),
            None if graph == "@default" else graph,
        )
        for graph, triples in dataset.items()
        for triple in triples
    ]


def fast_quads(document: Any) -> list[Quad] | None:
    """The fast path's rebuild of that dataset, or None when it declines."""
    try:
        return fastrdf.pyld_quads(copy.deepcopy(document))
    except fastrdf.Unsupported:
        return None


def labelling(document: Any, max_work_factor: float) -> dict[str, tuple[Any, ...]]:
    """What each implementation of RDFC-1.0's labelling did with the document's dataset: the
    outcome, the canonical label given to each of pyld's blank node labels (in issue order), the
    work budget (deep iterations) and what was left of it (deep iterations, permutations), for the reference (`rdfc.Rdfc10` on pyld's dataset) and the fast path
    (`fastrdf._CompactRdfc10` on its rebuild)."""
    runs: dict[str, tuple[Any, ...]] = {}
    reference_ = rdfc.Rdfc10(max_work_factor)
    fast_ = fastrdf._CompactRdfc10(max_work_factor)
    for name, state, run in (
        ("reference", reference_, lambda: reference_.canonicalize(jsonld.to_rdf(copy.deepcopy(document)))),
        ("fast", fast_, lambda: fast_.canonicalize_quads(fastrdf.pyld_quads(copy.deepcopy(document)))),
    ):
        try:
            result: tuple[Any, ...] = ("ok", run())
        except CanonicalizationError as error:
            result = ("refused", error.message)
        runs[name] = (
            *result,
            list(state.canonical_issuer.existing.items()),
            state.max_deep_iterations,
            state.remaining_deep_iterations,
            state.remaining_permutations,
        )
    return runs


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
