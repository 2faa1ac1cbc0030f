"""RDF Dataset Canonicalization (RDFC-1.0, formerly URDNA2015) of JSON-LD documents.

One interface: `canonicalize(document) -> str`, the canonical N-Quads of a JSON-LD document. The
engine behind it is a `Canonicalizer`; `set_canonicalizer` lets a faster engine replace the default
provided it produces byte-identical output (the vectors in tests/verification are the contract).

The default engine, `FastPathCanonicalizer`, chooses per document: the fast path
(`verification.fastrdf`: bundled contexts compiled into term tables, credential JSON turned into
quads directly — pyld's own dataset where Hash N-Degree Quads must run, labelled by the
reference engine's code, `verification.rdfc.Rdfc10`) for the documents it covers, the reference engine below for every
other one. The fast path answers byte-identically or declines, never refuses; `path_counts()` /
`fallback_reasons()` record which path each document took (docs/rdfc-fast-path.md).

The reference engine, `PyldCanonicalizer`, uses pyld 3.3.0 (pinned exactly: it relies on that
release's internals) for JSON-LD -> RDF, through `verification.jsonld` (offline, safe mode), and
corrects pyld's URDNA2015 in four ways:

(a) Literal and IRI escaping follow RDFC-1.0 / RDF 1.2 canonical N-Quads (`escape_literal`,
    `escape_iri`) — in `verification.rdfc`, shared with the fast path.
(b) Relative IRIs in `@id`/`@type` are refused (pyld resolves them against a made-up base or drops
    the triple) — done by `verification.jsonld`.
(c) Undefined terms are refused instead of silently dropped — done by `verification.jsonld`.
(d) A work limit against dataset poisoning, reproducing rdf-canonize's `maxWorkFactor`: Hash
    N-Degree Quads runs at most (blank nodes that share a first-degree hash) ** max_work_factor
    times per dataset — `verification.rdfc.Rdfc10`, whose labelling loop the fast path reuses.

`verification.rdfc` says more about (a) and (d).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from verification import fastrdf, jsonld
from verification.rdfc import Rdfc10, escape_iri, escape_literal, serialize_quad

__all__ = [
    "Canonicalizer",
    "FastPathCanonicalizer",
    "PyldCanonicalizer",
    "canonicalize",
    "fallback_reasons",
    "escape_iri",
    "escape_literal",
    "get_canonicalizer",
    "path_counts",
    "reset_path_counts",
    "serialize_quad",
    "set_canonicalizer",
]


@runtime_checkable
class Canonicalizer(Protocol):
    """An RDFC-1.0 engine. Implementations MUST produce byte-identical output to the default one
    (same escaping, same work limit, same errors: InputError / ContextError / JsonLdError /
    CanonicalizationError from verification.errors), and stop with TooComplex when the
    verification's time budget (verification.budget) runs out."""

    name: str

    def canonicalize(self, document: Mapping[str, Any]) -> str:
        """Canonical N-Quads of a JSON-LD document, each line ending in a newline."""
        ...


class PyldCanonicalizer:
    """The reference engine: verification.jsonld (pyld 3.3.0, safe mode) + corrected RDFC-1.0."""

    name = "pyld-3.3.0/rdfc-1.0"

    def __init__(self, *, max_work_factor: float = 1) -> None:
        self.max_work_factor = max_work_factor

    def canonicalize(self, document: Mapping[str, Any]) -> str:
        return self.canonicalize_dataset(jsonld.to_rdf(document))

    def canonicalize_dataset(self, dataset: jsonld.Dataset) -> str:
        """Canonical N-Quads of an RDF dataset in pyld's shape (consumed: do not reuse it)."""
        return Rdfc10(self.max_work_factor).canonicalize(dataset)


_PATHS: Counter[str] = Counter()
_REASONS: Counter[str] = Counter()
_PATHS_LOCK = threading.Lock()


def path_counts() -> dict[str, int]:
    """How many documents `FastPathCanonicalizer` sent down each path: {"fast": n, "reference": m}."""
    with _PATHS_LOCK:
        return {"fast": _PATHS["fast"], "reference": _PATHS["reference"]}


def fallback_reasons() -> dict[str, int]:
    """Why documents took the reference path (the fast path's first objection), with counts."""
    with _PATHS_LOCK:
        return dict(_REASONS)


def reset_path_counts() -> None:
    with _PATHS_LOCK:
        _PATHS.clear()
        _REASONS.clear()


class FastPathCanonicalizer:
    """The default engine: the fast path (verification.fastrdf) for the documents it covers, the
    reference engine for every other document, chosen per document.

    The fast path returns byte-identical canonical N-Quads or declines (`fastrdf.Unsupported`);
    it never refuses a document itself, so every refusal (InputError, ContextError, JsonLdError,
    CanonicalizationError) comes from the reference engine. Each call is counted in
    `path_counts()`; reasons for declining in `fallback_reasons()`.
    """

    name = "fast-path+pyld-3.3.0/rdfc-1.0"

    def __init__(self, reference: PyldCanonicalizer | None = None) -> None:
        self.reference = reference or PyldCanonicalizer()

    def canonicalize(self, document: Mapping[str, Any]) -> str:
        try:
            output = fastrdf.fast_canonicalize(document, max_work_factor=self.reference.max_work_factor)
        except fastrdf.Unsupported as declined:
            with _PATHS_LOCK:
                _PATHS["reference"] += 1
                _REASONS[declined.reason] += 1
            return self.reference.canonicalize(document)
        with _PATHS_LOCK:
            _PATHS["fast"] += 1
        return output


_engine: Canonicalizer = FastPathCanonicalizer()
_engine_lock = threading.Lock()


def get_canonicalizer() -> Canonicalizer:
    return _engine


def set_canonicalizer(engine: Canonicalizer) -> Canonicalizer:
    """Install another engine for `canonicalize`; returns the previous one (to restore it)."""
    global _engine
    if not isinstance(engine, Canonicalizer):
        raise TypeError("A canonicalizer needs a `name` and a `canonicalize(document) -> str` method.")
    with _engine_lock:
        previous, _engine = _engine, engine
    return previous


def canonicalize(document: Mapping[str, Any]) -> str:
    """Canonical N-Quads (RDFC-1.0) of a JSON-LD document, processed offline in safe mode.

    Raises InputError, ContextError, JsonLdError or CanonicalizationError; never a pyld error.
    Inside a verification, TooComplex once its time budget is spent (verification.budget).
    """
    return _engine.canonicalize(document)
