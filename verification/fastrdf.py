"""A fast path for RDFC-1.0 of the JSON-LD credentials the platform meets most: JSON straight to
canonical N-Quads, with the reference path (verification.jsonld + canon.PyldCanonicalizer) for
everything else.

`fast_canonicalize(document)` either returns exactly what the reference path returns for the
same document, or raises `Unsupported` (never anything else) and the caller uses the reference
path, which then produces the result or the refusal. The fast path never refuses a document by
itself, so it cannot refuse differently; it only has to be right about what it accepts. (Like every
step of a verification, it stops with TooComplex once the verification's time budget is spent:
verification.budget. That is not a refusal of the document; outside a verification it never
happens.)

How it stays identical:

* **Context semantics come from pyld itself** (verification.fastrdf_terms). Every active context
  the fast path works with is one pyld's safe-mode processor produced (`_process_context` through
  verification.pyld_adapter, the same memoised calls the reference path makes): the top-level @context and a node's own @context (lists of bundled URLs
  only), property-scoped contexts (processed twice, as pyld does: once for the term, once for the
  node, after reverting a non-propagated type-scoped context unless the node is a bare reference)
  and type-scoped contexts (sorted type terms, propagate false). Each pyld context is compiled
  once into a term table (`Ctx`) and every transition is cached on it, so a warm document never
  touches pyld. Covered: terms with no coercion, @id, @vocab or a datatype IRI, default and term
  languages, @set and @list containers, undefined keys and types under @vocab, absolute IRIs.
  Everything else raises Unsupported: @graph/@index/@id/@type/@language containers, @json,
  @nest, @reverse, @direction, compact IRIs, inline contexts, keys that expand to nothing,
  literal keywords (@id, @value, @graph, @included, ...), blank-node identifiers, relative IRIs,
  nested arrays, rdf:type as a term.
* **RDF conversion mirrors pyld's node map** (verification.fastrdf_nodes). Nodes with the same @id merge; values of one
  (subject, property) are de-duplicated with pyld's comparison (value, @type, @language, strict
  about booleans); where that comparison and RDF term equality disagree (pyld keeps a duplicate
  quad, or keeps the first of two different terms), the document is built again in pyld's order
  (below), which mirrors both. Literal lexical forms that are not plain strings are produced by
  pyld's own `_object_to_rdf` (through verification.pyld_adapter).
* **Canonicalization** (this module). When every blank node has a distinct first-degree hash (RDFC-1.0 §4.4.3
  steps 1-5 and 7), canonical labels follow from sorting those hashes; the quads are serialized with
  rdfc's escaping (correction (a)) and sorted. When two blank nodes share a first-degree hash, Hash
  N-Degree Quads and the work limit (correction (d)) must run, and how much work pyld's
  implementation counts depends on the order of its quads and on its blank node labels. So the
  document is built a second time in the order pyld's node map visits it (keys by expanded IRI,
  a node linked to its parent before its own properties, list nodes labelled when quads are
  emitted): that build is pyld's dataset, with the same `_:b<n>` labels and the same quad order.
  `_CompactRdfc10` runs rdfc.Rdfc10's own labelling loop and Hash N-Degree Quads over it, so it
  makes the same choices, counts the same work and runs out of budget at the same point; when it
  does, the document is declined and the reference path refuses it.
* Anything outside plain JSON (non-string keys, tuples, NaN, lone surrogates, more than
  `jsonld.MAX_DEPTH` levels or `jsonld.MAX_VALUES` values) raises Unsupported, so InputError is
  raised by the reference path's own checks.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from verification import budget
from verification.errors import CanonicalizationError
from verification.fastrdf_nodes import RDF_FIRST, RDF_NIL, RDF_REST, RDF_TYPE_TERM, Builder, NeedsPyldOrder, expand_node
from verification.fastrdf_terms import Ctx, Unsupported, top_context
from verification.rdfc import Rdfc10

__all__ = ["Unsupported", "fast_canonicalize", "pyld_quads"]


# ------------------------------------------------------------------------------------------------
# RDFC-1.0 when first-degree hashes decide everything


def _canonical(builder: Builder) -> str:
    quads: list[tuple[Any, str, Any, Any]] = [
        (subject, predicate, obj, graph)
        for graph, nodes in builder.graphs.items()
        for subject, properties in nodes.items()
        for predicate, (_keys, objects) in properties.items()
        for obj in objects
    ]
    if builder.blank_count == 0:
        lines = [s + " " + p + " " + o + " .\n" for s, p, o, _g in quads]
        lines.sort()
        return "".join(lines)

    # RDFC-1.0 §4.4.3 step 2: blank node -> the quads that mention it (each quad once per node).
    mentions: dict[int, list[tuple[Any, str, Any, Any]]] = {}
    for quad in quads:
        subject, _predicate, obj, graph = quad
        if type(subject) is int:
            mentions.setdefault(subject, []).append(quad)
        if type(obj) is int and obj != subject:
            mentions.setdefault(obj, []).append(quad)
        if graph is not None and graph != subject and graph != obj:
            mentions.setdefault(graph, []).append(quad)

    # §4.6 Hash First Degree Quads: the node itself as _:a, every other blank node as _:z.
    budget.check()
    sha256 = hashlib.sha256
    hashes: dict[int, str] = {}
    for blank, quads_of in mentions.items():
        lines = []
        for subject, predicate, obj, graph in quads_of:
            s = subject if type(subject) is str else ("_:a" if subject == blank else "_:z")
            o = obj if type(obj) is str else ("_:a" if obj == blank else "_:z")
            if graph is None:
                lines.append(s + " " + predicate + " " + o + " .\n")
            else:
                lines.append(s + " " + predicate + " " + o + (" _:a .\n" if graph == blank else " _:z .\n"))
        lines.sort()
        hashes[blank] = sha256("".join(lines).encode("utf-8")).hexdigest()

    if len(set(hashes.values())) != len(hashes):
        raise NeedsPyldOrder

    # §4.4.3 step 5: canonical identifiers in hash order; step 7: relabel, serialize, sort.
    budget.check()
    labels = {blank: f"_:c14n{number}" for number, blank in enumerate(sorted(hashes, key=hashes.__getitem__))}
    lines = []
    for s, p, o, g in quads:
        line = (s if type(s) is str else labels[s]) + " " + p + " " + (o if type(o) is str else labels[o])
        lines.append(line + " .\n" if g is None else line + " " + labels[g] + " .\n")
    lines.sort()
    return "".join(lines)


# ------------------------------------------------------------------------------------------------
# RDFC-1.0 with Hash N-Degree Quads, on pyld's own dataset


def _pyld_quads(builder: Builder) -> list[tuple[str, str, str, str | None]]:
    """The quads of an ordered build in the order pyld's `_graph_to_rdf` emits them, blank node n
    written `_:b<n>` as pyld labels it: graphs, subjects and properties sorted by pyld's keys
    (the raw IRI, `_:b<n>`, `@default`, `@type` for rdf:type), objects in node-map order, a list's
    nodes labelled and emitted just before the quad that refers to its head."""

    def subject_key(subject: Any) -> str:
        return _raw_iri(subject) if type(subject) is str else f"_:b{subject}"

    def predicate_key(predicate: str) -> str:
        return "@type" if predicate == RDF_TYPE_TERM else _raw_iri(predicate)

    quads: list[tuple[str, str, str, str | None]] = []
    counter = builder.blank_count  # pyld issues list labels after the node map's

    def term(obj: Any, name: str | None) -> str:
        nonlocal counter
        if type(obj) is str:
            return obj
        if type(obj) is int:
            return f"_:b{obj}"
        objects = obj.objects  # a _PendingList: pyld's _list_to_rdf
        if not objects:
            return RDF_NIL
        head = subject = f"_:b{counter}"
        counter += 1
        for item in objects[:-1]:
            value = term(item, name)
            rest = f"_:b{counter}"
            counter += 1
            quads.append((subject, RDF_FIRST, value, name))
            quads.append((subject, RDF_REST, rest, name))
            subject = rest
        quads.append((subject, RDF_FIRST, term(objects[-1], name), name))
        quads.append((subject, RDF_REST, RDF_NIL, name))
        return head

    for graph in sorted(builder.graphs, key=lambda graph: "@default" if graph is None else f"_:b{graph}"):
        name = None if graph is None else f"_:b{graph}"
        nodes = builder.graphs[graph]
        for subject in sorted(nodes, key=subject_key):
            s = subject if type(subject) is str else f"_:b{subject}"
            properties = nodes[subject]
            for predicate in sorted(properties, key=predicate_key):
                for obj in properties[predicate][1]:
                    quads.append((s, predicate, term(obj, name), name))
    return quads


_UCHAR = re.compile(r"\\u([0-9A-F]{4})")


def _raw_iri(serialized: str) -> str:
    """The IRI of an N-Quads IRI term. rdfc.escape_iri writes every backslash as part of a
    `\\u` escape of four hex digits, so undoing the escapes is exact."""
    if "\\" not in serialized:
        return serialized[1:-1]
    return _UCHAR.sub(lambda match: chr(int(match.group(1), 16)), serialized[1:-1])


class _CompactRdfc10(Rdfc10):
    """rdfc.Rdfc10 over pre-serialized quads (subject, predicate, object, graph name or None;
    blank nodes as `_:b<n>`). Hash N-Degree Quads, the work budget and the labelling loop are
    inherited unchanged, so given pyld's dataset in pyld's order this makes the same choices,
    counts the same work and refuses the same datasets as the reference path."""

    def canonicalize_quads(self, quads: list[tuple[str, str, str, str | None]]) -> str:
        info = self.blank_node_info
        for quad in quads:
            s, _p, o, g = quad
            if s[0] == "_":
                info.setdefault(s, {"quads": []})["quads"].append(quad)
            if o[0] == "_" and o != s:
                info.setdefault(o, {"quads": []})["quads"].append(quad)
            if g is not None and g != s and g != o:
                info.setdefault(g, {"quads": []})["quads"].append(quad)
        self.issue_canonical_ids()
        canonical = self.canonical_issuer.existing
        lines = []
        for s, p, o, g in quads:
            line = (canonical[s] if s[0] == "_" else s) + " " + p + " " + (canonical[o] if o[0] == "_" else o)
            lines.append(line + " .\n" if g is None else line + " " + canonical[g] + " .\n")
        lines.sort()
        return "".join(lines)

    def hash_first_degree_quads(self, id_: str) -> str:
        info = self.blank_node_info[id_]
        cached = info.get("hash")
        if cached is not None:
            return str(cached)
        lines = []
        for s, p, o, g in info["quads"]:
            if s[0] == "_":
                s = "_:a" if s == id_ else "_:z"
            if o[0] == "_":
                o = "_:a" if o == id_ else "_:z"
            if g is None:
                lines.append(s + " " + p + " " + o + " .\n")
            else:
                lines.append(s + " " + p + " " + o + (" _:a .\n" if g == id_ else " _:z .\n"))
        lines.sort()
        info["hash"] = digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
        return digest

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        # pyld walks each quad's components in the order subject, object, graph name.
        hash_to_related: dict[str, list[str]] = {}
        for quad in self.blank_node_info[id_]["quads"]:
            s, _p, o, g = quad
            if s[0] == "_" and s != id_:
                hash_to_related.setdefault(self.hash_related_blank_node(s, quad, issuer, "s"), []).append(s)
            if o[0] == "_" and o != id_:
                hash_to_related.setdefault(self.hash_related_blank_node(o, quad, issuer, "o"), []).append(o)
            if g is not None and g != id_:
                hash_to_related.setdefault(self.hash_related_blank_node(g, quad, issuer, "g"), []).append(g)
        return hash_to_related

    def get_related_predicate(self, quad: Any) -> str:
        predicate = quad[1]  # pyld hashes the raw IRI here, not the escaped term
        return predicate if "\\" not in predicate else "<" + _raw_iri(predicate) + ">"


def fast_canonicalize(document: Any, *, max_work_factor: float = 1) -> str:
    """Canonical N-Quads identical to the reference path's, or Unsupported.

    `max_work_factor` is the reference path's (PyldCanonicalizer); a dataset that exceeds the
    work limit is declined, and the reference path refuses it with its own error.
    """
    if type(document) is not dict:
        raise Unsupported("not a plain dict")
    if "@context" not in document:
        raise Unsupported("no @context")
    context = document["@context"]
    ctx = top_context(context)
    builder = Builder()
    builder.values += len(context) if type(context) is list else 0
    try:
        try:
            expand_node(builder, ctx, document, 1, top=True)
            output = _canonical(builder)
        except NeedsPyldOrder:
            output = _canonical_in_pyld_order(document, ctx, max_work_factor)
        output.encode("utf-8")
    except RecursionError as exc:
        raise Unsupported("deep nesting") from exc
    except UnicodeEncodeError as exc:  # a lone surrogate: the reference path raises InputError
        raise Unsupported("lone surrogate") from exc
    return output


def _canonical_in_pyld_order(document: dict[str, Any], ctx: Ctx, max_work_factor: float) -> str:
    """Build again in pyld's order and run the shared RDFC-1.0 labelling, N-degree included."""
    try:
        return _CompactRdfc10(max_work_factor).canonicalize_quads(_ordered_quads(document, ctx))
    except CanonicalizationError as exc:
        raise Unsupported("work limit of Hash N-Degree Quads") from exc


def _ordered_quads(document: dict[str, Any], ctx: Ctx) -> list[tuple[str, str, str, str | None]]:
    builder = Builder(ordered=True)
    context = document["@context"]
    builder.values += len(context) if type(context) is list else 0
    try:
        expand_node(builder, ctx, document, 1, top=True)
    except RecursionError as exc:
        raise Unsupported("deep nesting") from exc
    return _pyld_quads(builder)


def pyld_quads(document: Any) -> list[tuple[str, str, str, str | None]]:
    """The dataset pyld's to_rdf makes of `document` (same blank node labels, same order), as
    (subject, predicate, object, graph name or None) N-Quads terms; or Unsupported. The
    differential tests compare it with the reference path's dataset."""
    if type(document) is not dict or "@context" not in document:
        raise Unsupported("not a plain dict with a @context")
    return _ordered_quads(document, top_context(document["@context"]))
