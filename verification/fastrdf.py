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

* **Context semantics come from pyld itself.** Every active context the fast path works with is
  one pyld's safe-mode processor produced (`_process_context`, the same memoised calls the
  reference path makes): the top-level @context and a node's own @context (lists of bundled URLs
  only), property-scoped contexts (processed twice, as pyld does: once for the term, once for the
  node, after reverting a non-propagated type-scoped context unless the node is a bare reference)
  and type-scoped contexts (sorted type terms, propagate false). Each pyld context is compiled
  once into a term table (`_Ctx`) and every transition is cached on it, so a warm document never
  touches pyld. Covered: terms with no coercion, @id, @vocab or a datatype IRI, default and term
  languages, @set and @list containers, undefined keys and types under @vocab, absolute IRIs.
  Everything else raises Unsupported: @graph/@index/@id/@type/@language containers, @json,
  @nest, @reverse, @direction, compact IRIs, inline contexts, keys that expand to nothing,
  literal keywords (@id, @value, @graph, @included, ...), blank-node identifiers, relative IRIs,
  nested arrays, rdf:type as a term.
* **RDF conversion mirrors pyld's node map.** Nodes with the same @id merge; values of one
  (subject, property) are de-duplicated with pyld's comparison (value, @type, @language, strict
  about booleans); where that comparison and RDF term equality disagree (pyld keeps a duplicate
  quad, or keeps the first of two different terms), the document is built again in pyld's order
  (below), which mirrors both. Literal lexical forms that are not plain strings are produced by
  pyld's own `_object_to_rdf`.
* **Canonicalization.** When every blank node has a distinct first-degree hash (RDFC-1.0 §4.4.3
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
import math
import re
import threading
from typing import Any

from verification import budget, bundled_contexts, jsonld, pyld_adapter
from verification.errors import CanonicalizationError
from verification.rdfc import RDF_LANGSTRING, XSD_STRING, Rdfc10, escape_iri, escape_literal

__all__ = ["Unsupported", "fast_canonicalize", "pyld_quads"]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
_RDF_TYPE_TERM = "<" + RDF_TYPE + ">"
_RDF_FIRST = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>"
_RDF_REST = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>"
_RDF_NIL = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>"
_KEYWORDS = pyld_adapter.KEYWORDS | {"@json", "@nest", "@direction", "@none"}
_IS_ABSOLUTE = jsonld._ABSOLUTE_IRI.match
_IS_BCP47 = jsonld._BCP47.match
_IS_KEYWORD_LIKE = jsonld._KEYWORD_LIKE.match


class Unsupported(Exception):  # noqa: N818 - a signal, not an error: the reference path decides
    """The fast path does not cover this document; use the reference path."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ------------------------------------------------------------------------------------------------
# Compiled active contexts


class _Term:
    """What the fast path needs of one pyld term definition."""

    __slots__ = (
        "coerce",
        "datatype",
        "direction",
        "iri",
        "is_graph",
        "is_list",
        "language",
        "plain",
        "prefix",
        "scoped",
        "serialized",
    )

    def __init__(self, definition: pyld_adapter.TermDefinition) -> None:
        self.iri: str | None = definition.iri
        self.prefix = definition.prefix
        self.scoped = definition.scoped_context
        container = definition.container
        type_ = definition.type
        self.is_list = container == ["@list"]
        self.is_graph = "@graph" in container and set(container) <= {"@graph", "@set"}
        self.coerce: str | None = None  # "id", "vocab", or None
        self.datatype: str | None = None
        if type_ == "@id":
            self.coerce = "id"
        elif type_ == "@vocab":
            self.coerce = "vocab"
        elif type_ is not None and type_ != "@none":
            self.datatype = type_
        self.language = definition.language
        self.direction = definition.direction
        # A property the fast path can expand: a plain IRI, a @set, @list or @graph container (or none), no @json,
        # @nest, @index or @reverse, a well-formed language (if any) and no direction.
        self.plain = (
            isinstance(self.iri, str)
            and self.iri not in _KEYWORDS
            and not self.iri.startswith("_:")
            and _IS_ABSOLUTE(self.iri) is not None
            and self.iri != RDF_TYPE
            and not definition.reverse
            and (all(item == "@set" for item in container) or self.is_list or self.is_graph)
            and not definition.nested
            and not definition.indexed
            and type_ != "@json"
            and (
                self.datatype is None
                or (_IS_ABSOLUTE(self.datatype) is not None and not self.datatype.startswith("_:"))
            )
            and self.direction is None
            and (self.language is None or (isinstance(self.language, str) and _IS_BCP47(self.language) is not None))
        )
        # The IRI as an N-Quads term (predicate, or object when the term is used as a type).
        self.serialized = "<" + escape_iri(self.iri) + ">" if isinstance(self.iri, str) else ""


class _Ctx:
    """A pyld active context compiled into a term table, with its transitions cached."""

    __slots__ = ("id_keys", "pyld", "previous", "terms", "transitions", "type_keys", "vocab")

    def __init__(self, pyld_ctx: pyld_adapter.ActiveContext) -> None:
        self.pyld = pyld_ctx  # kept alive: the caches below key on identities inside it
        self.terms: dict[str, _Term | None] = {
            term: (None if definition is None else _Term(definition))
            for term, definition in pyld_adapter.term_definitions(pyld_ctx).items()
        }
        self.id_keys = frozenset(t for t, d in self.terms.items() if d is not None and d.iri == "@id")
        self.type_keys = frozenset(t for t, d in self.terms.items() if d is not None and d.iri == "@type")
        self.vocab = pyld_adapter.context_vocab(pyld_ctx)
        self.previous: _Ctx | None = None
        self.transitions: dict[Any, _Ctx] = {}


_STATES: dict[int, _Ctx] = {}
_TOP: dict[tuple[str, ...], _Ctx] = {}
_STATE_LOCK = threading.Lock()
_MAX_STATES = 20_000  # bundled contexts reach a few hundred; the cap only guards memory


def _wrap(pyld_ctx: pyld_adapter.ActiveContext) -> _Ctx:
    state = _STATES.get(id(pyld_ctx))
    if state is not None and state.pyld is pyld_ctx:
        return state
    if len(_STATES) > _MAX_STATES:
        _STATES.clear()
        _TOP.clear()
    state = _Ctx(pyld_ctx)
    previous = pyld_adapter.previous_context(pyld_ctx)
    if previous is not None:
        state.previous = _wrap(previous)
    _STATES[id(pyld_ctx)] = state
    return state


def _process(active: _Ctx, local: Any, *, propagate: bool = True, override_protected: bool = False) -> _Ctx:
    """pyld's safe-mode context processing (memoised by verification.pyld_adapter), compiled."""
    try:
        with pyld_adapter.LOCK:
            processed = pyld_adapter.process_context(
                active.pyld, local, propagate=propagate, override_protected=override_protected
            )
            with _STATE_LOCK:
                return _wrap(processed)
    except Exception as exc:  # an invalid or protected-term-redefining context: reference path
        raise Unsupported("context processing failed") from exc


def _top_context(context: Any) -> _Ctx:
    urls = [context] if type(context) is str else context
    if type(urls) is not list or not urls or len(urls) > 16:
        raise Unsupported("@context is not a list of bundled context URLs")
    for url in urls:
        if type(url) is not str or url not in bundled_contexts.CONTEXT_FILES:
            raise Unsupported("@context is not a list of bundled context URLs")
    key = tuple(urls)
    state = _TOP.get(key)
    if state is not None:
        return state
    try:
        with pyld_adapter.LOCK:
            processed = pyld_adapter.top_context(context)
            with _STATE_LOCK:
                state = _wrap(processed)
    except Exception as exc:
        raise Unsupported("context processing failed") from exc
    if len(_TOP) > 1_000:
        _TOP.clear()
    _TOP[key] = state
    return state


def _term_ctx(ctx: _Ctx, key: str, term: _Term) -> _Ctx:
    """pyld _expand_object: the property-scoped context for the value of `key`."""
    if term.scoped is None:
        return ctx
    transition = ("term", key)
    state = ctx.transitions.get(transition)
    if state is None:
        state = ctx.transitions[transition] = _process(ctx, term.scoped, propagate=True, override_protected=True)
    return state


def _node_ctx(term_ctx: _Ctx, key: str | None, is_reference: bool) -> _Ctx:
    """pyld _expand on a node object: revert a non-propagated context unless the node is a bare
    reference, then apply the property-scoped context (looked up in the term context) again."""
    term = term_ctx.terms.get(key) if key is not None else None
    if term is None or term.scoped is None:
        if is_reference or term_ctx.previous is None:
            return term_ctx
        return term_ctx.previous
    transition = ("node", key, is_reference)
    state = term_ctx.transitions.get(transition)
    if state is None:
        state = term_ctx if is_reference or term_ctx.previous is None else term_ctx.previous
        state = _process(state, term.scoped, override_protected=True)
        term_ctx.transitions[transition] = state
    return state


def _embedded_ctx(ctx: _Ctx, context: Any) -> _Ctx:
    """pyld _prepare_nested_context: a node's own @context (bundled URLs only)."""
    urls = [context] if type(context) is str else context
    if type(urls) is not list or not urls or len(urls) > 16:
        raise Unsupported("embedded @context is not a list of bundled context URLs")
    for url in urls:
        if type(url) is not str or url not in bundled_contexts.CONTEXT_FILES:
            raise Unsupported("embedded @context is not a list of bundled context URLs")
    transition = ("embedded", *urls)
    state = ctx.transitions.get(transition)
    if state is None:
        state = ctx.transitions[transition] = _process(ctx, context)
    return state


def _typed_ctx(ctx: _Ctx, types: list[str]) -> _Ctx:
    """pyld _prepare_nested_context: type-scoped contexts of the sorted types, not propagated."""
    scoped = []
    for type_ in sorted(types):
        term = ctx.terms.get(type_)
        if term is not None and term.scoped is not None and term.scoped is not False:
            scoped.append(type_)
    if not scoped:
        return ctx
    transition = ("types", *scoped)
    state = ctx.transitions.get(transition)
    if state is None:
        state = ctx
        for type_ in scoped:
            state = _process(state, ctx.terms[type_].scoped, propagate=False)  # type: ignore[union-attr]
        ctx.transitions[transition] = state
    return state


# ------------------------------------------------------------------------------------------------
# IRI expansion (pyld _expand_iri, restricted to what needs no guess)


def _absolute(ctx: _Ctx, value: Any) -> str:
    """An absolute IRI written as-is (document-relative expansion with no base)."""
    if type(value) is not str:
        raise Unsupported("an identifier is not a string")
    colon = value.find(":")
    if colon <= 0:
        raise Unsupported("relative IRI")
    prefix = value[:colon]
    if prefix == "_":
        raise Unsupported("blank node identifier")
    if not value.startswith("//", colon + 1):
        term = ctx.terms.get(prefix)
        if term is not None and term.prefix:
            raise Unsupported("compact IRI")
    if _IS_ABSOLUTE(value) is None:
        raise Unsupported("relative IRI")
    return value


def _vocab_iri(ctx: _Ctx, value: Any) -> str:
    """A term, or an absolute IRI, expanded against the vocabulary, as an N-Quads term."""
    if type(value) is not str:
        raise Unsupported("a type is not a string")
    if value in ctx.terms:
        term = ctx.terms[value]
        if term is None or not isinstance(term.iri, str) or term.iri in _KEYWORDS or term.iri.startswith("_:"):
            raise Unsupported("type term maps to a keyword or null")
        if _IS_ABSOLUTE(term.iri) is None:
            raise Unsupported("type term is relative")
        return term.serialized
    if value in _KEYWORDS or _IS_KEYWORD_LIKE(value):
        raise Unsupported("keyword as a type")
    if ":" in value or ctx.vocab is None:
        return "<" + escape_iri(_absolute(ctx, value)) + ">"
    return "<" + escape_iri(_checked_vocab(ctx.vocab + value)) + ">"


def _checked_vocab(iri: Any) -> str:
    if type(iri) is not str or _IS_ABSOLUTE(iri) is None or iri.startswith("_:"):
        raise Unsupported("@vocab makes a relative IRI or a blank node")
    return iri


def _vocab_term(ctx: _Ctx, key: str) -> _Term:
    """An undefined key under @vocab: a plain property with the context's default language."""
    if key in ctx.terms or ctx.vocab is None or ":" in key or key.startswith("@"):
        raise Unsupported("a key is not a term the fast path covers")
    term = _Term(pyld_adapter.vocab_term_definition(ctx.pyld, _checked_vocab(ctx.vocab + key)))
    if not term.plain:
        raise Unsupported("a key is not a term the fast path covers")
    return term


# ------------------------------------------------------------------------------------------------
# JSON -> node map


# Beside pyld's de-duplication keys, an entry's key dict holds (under this key, which no de-duplication key
# equals) the set of its objects once there are more than _SCAN_LIMIT of them: below that a scan of the list
# is cheapest; above it, scans made a property with 100,000 values quadratic.
_OBJECT_SET = object()
_SCAN_LIMIT = 16


class _Builder:
    """pyld's node map, flattened to serialized RDF terms as it is built."""

    __slots__ = ("blank_count", "graphs", "lists", "nodes", "ordered", "values")

    def __init__(self, *, ordered: bool = False) -> None:
        # The node map of the graph being built: subject (serialized IRI or blank node number) ->
        # predicate (serialized) -> (pyld de-duplication keys, objects).
        self.nodes: dict[Any, dict[str, tuple[dict[Any, Any], list[Any]]]] = {}
        # Graph name (None: the default graph; a blank node number: a @graph container's graph).
        self.graphs: dict[Any, dict[Any, dict[str, tuple[dict[Any, Any], list[Any]]]]] = {None: self.nodes}
        self.blank_count = 0
        self.lists = 0
        self.values = 1  # counted as jsonld.check_document counts
        # Ordered mode (for datasets that need Hash N-Degree Quads): keys are visited in the order
        # pyld's node map visits them, so blank node n is pyld's `_:b<n>` and every (subject,
        # predicate) gets its objects in pyld's order.
        self.ordered = ordered

    def node(self, subject: Any) -> dict[str, tuple[dict[Any, Any], list[Any]]]:
        node = self.nodes.get(subject)
        if node is None:
            node = self.nodes[subject] = {}
        return node

    def add(self, node: dict[str, tuple[dict[Any, Any], list[Any]]], predicate: str, key: Any, term: Any) -> None:
        entry = node.get(predicate)
        if entry is None:
            node[predicate] = ({key: term}, [term])
            return
        keys, terms = entry
        if key in keys:
            # pyld keeps the first of two values it considers equal; when they are different RDF
            # terms, which one is first depends on pyld's order: build again in it.
            if keys[key] != term and not self.ordered:
                raise _NeedsPyldOrder
            return
        if not self.ordered:
            if len(terms) < _SCAN_LIMIT:
                duplicate = term in terms
            else:
                seen = keys.get(_OBJECT_SET)
                if seen is None:
                    seen = keys[_OBJECT_SET] = set(terms)
                duplicate = term in seen
                seen.add(term)
            if duplicate:
                # pyld keeps both values, so its dataset holds a duplicate quad: mirror it exactly.
                raise _NeedsPyldOrder
        keys[key] = term
        terms.append(term)


def _literal(value: Any, term: _Term) -> tuple[Any, str]:
    """(pyld de-duplication key, serialized literal) of a scalar value of `term`."""
    datatype = term.datatype
    if type(value) is str:
        language = None if datatype is not None else term.language
        key: tuple[bool, Any, str | None, str | None] = (False, value, datatype, language)
        if datatype is None:
            if language is not None:
                return key, '"' + escape_literal(value) + '"@' + language
            return key, '"' + escape_literal(value) + '"'
        if datatype != XSD_DOUBLE:
            if datatype == XSD_STRING:
                return key, '"' + escape_literal(value) + '"'
            if datatype == RDF_LANGSTRING:
                raise Unsupported("rdf:langString coercion")
            return key, '"' + escape_literal(value) + '"^^<' + escape_iri(datatype) + ">"
    elif type(value) is bool:
        key = (True, value, datatype, None)
    elif type(value) is int or type(value) is float:
        if type(value) is float and not math.isfinite(value):
            raise Unsupported("non-finite number")
        key = (False, value, datatype, None)
    else:
        raise Unsupported("not a JSON scalar")
    lexical_form, literal_datatype = pyld_adapter.literal_lexical_form(value, datatype)
    text = '"' + escape_literal(lexical_form) + '"'
    if literal_datatype == RDF_LANGSTRING:
        raise Unsupported("rdf:langString literal")
    if literal_datatype != XSD_STRING:
        text += "^^<" + escape_iri(literal_datatype) + ">"
    return key, text


_MAX_DEPTH = jsonld.MAX_DEPTH - 2  # with a margin: the reference path decides near the limits
_MAX_VALUES = jsonld.MAX_VALUES - 64


def _node(
    builder: _Builder,
    ctx: _Ctx,
    element: dict[str, Any],
    depth: int,
    top: bool = False,
    parent: dict[str, tuple[dict[Any, Any], list[Any]]] | None = None,
    parent_predicate: str | None = None,
) -> Any:
    """Expand a node object under the context pyld would use for it, linked from `parent` by
    `parent_predicate` if given; returns its subject."""
    if depth > _MAX_DEPTH:
        raise Unsupported("deep nesting")
    budget.check()
    builder.values += len(element)
    if builder.values > _MAX_VALUES:
        raise Unsupported("too many values")
    if not top and "@context" in element:
        context = element["@context"]
        builder.values += len(context) if type(context) is list else 0
        ctx = _embedded_ctx(ctx, context)
    type_key = None
    id_key = None
    for key in element:
        if type(key) is not str:
            raise Unsupported("non-string key")
        if key in ctx.type_keys:
            if type_key is not None:
                raise Unsupported("two @type keys")
            type_key = key
        elif key in ctx.id_keys:
            if id_key is not None:
                raise Unsupported("two @id keys")
            id_key = key
    types: list[Any] = []
    if type_key is not None:
        raw = element[type_key]
        types = raw if type(raw) is list else [raw]
        if not types:
            raise Unsupported("empty type list")
        for type_ in types:
            if type(type_) is not str:
                raise Unsupported("a type is not a string")
    type_scoped = ctx
    active = _typed_ctx(ctx, types) if types else ctx
    if active is not ctx and (
        (type_key is not None and type_key not in active.type_keys)
        or (id_key is not None and id_key not in active.id_keys)
    ):
        raise Unsupported("type-scoped context redefines id or type")

    if id_key is not None:
        subject: Any = "<" + escape_iri(_absolute(active, element[id_key])) + ">"
    else:
        subject = builder.blank_count
        builder.blank_count += 1
    node = builder.node(subject)
    if parent is not None:
        # pyld links a node to its parent before expanding the node's properties; the order
        # matters when the node is embedded inside itself.
        builder.add(parent, parent_predicate, ("_" if type(subject) is int else "@id", subject), subject)  # type: ignore[arg-type]

    if types:
        for type_ in types:
            iri = _vocab_iri(type_scoped, type_)
            builder.add(node, _RDF_TYPE_TERM, ("@id", iri), iri)

    properties = _properties(active, element, type_key, id_key)
    if builder.ordered:
        # pyld's node map reaches the values by expanded property IRI (it sorts the expanded
        # object), then by key (expansion sorts the keys, so values of two keys with one IRI
        # follow each other in key order).
        properties.sort(key=lambda item: (item[2].iri, item[0]))
    for key, value, term in properties:
        # pyld processes the property-scoped context before it looks at the value.
        term_ctx = _term_ctx(active, key, term) if term.scoped is not None else active
        value_term = term_ctx.terms.get(key) if term_ctx is not active else term
        if value_term is None and term_ctx is not active:
            value_term = _vocab_term(term_ctx, key)
        if (
            value_term is None
            or not value_term.plain
            or value_term.is_list != term.is_list
            or value_term.is_graph != term.is_graph
        ):
            raise Unsupported("scoped context redefines the term")
        if value is None:
            continue
        predicate = term.serialized
        if term.is_graph:
            for item in value if type(value) is list else [value]:
                if item is not None:
                    _graph(builder, node, predicate, term_ctx, key, item, depth + 1)
            builder.values += len(value) if type(value) is list else 0
        elif term.is_list:
            builder.values += len(value) if type(value) is list else 0
            builder.lists += 1
            if builder.ordered:  # pyld labels a list's own nodes later, in _graph_to_rdf
                items = _list_items(builder, term_ctx, key, value_term, value, depth + 2)
                pending = _PendingList(items) if items else _RDF_NIL
                builder.add(node, predicate, ("@list", builder.lists), pending)
            else:
                head = _list(builder, term_ctx, key, value_term, value, depth + 1)
                builder.add(node, predicate, ("@list", builder.lists), head)  # pyld keeps every list
        elif type(value) is list:
            builder.values += len(value)
            for item in value:
                if item is None:
                    continue
                _value(builder, node, predicate, term_ctx, key, value_term, item, depth + 1)
        else:
            _value(builder, node, predicate, term_ctx, key, value_term, value, depth)
    if top and not node:
        raise Unsupported("top-level node with no properties")  # pyld drops it; safe mode refuses
    return subject


def _properties(
    ctx: _Ctx, element: dict[str, Any], type_key: str | None, id_key: str | None
) -> list[tuple[str, Any, _Term]]:
    """The properties of a node object with their term definitions, in document order."""
    properties = []
    for key, value in element.items():
        if key == type_key or key == id_key or key == "@context":
            continue
        term = ctx.terms.get(key)
        if term is None:
            term = _vocab_term(ctx, key)
        elif not term.plain:
            raise Unsupported("a key is not a term the fast path covers")
        properties.append((key, value, term))
    return properties


def _value(
    builder: _Builder,
    node: dict[str, tuple[dict[Any, Any], list[Any]]],
    predicate: str,
    term_ctx: _Ctx,
    key: str,
    term: _Term,
    value: Any,
    depth: int,
) -> None:
    if type(value) is dict:
        is_reference = len(value) == 1 and next(iter(value)) in term_ctx.id_keys
        child_ctx = _node_ctx(term_ctx, key, is_reference)
        _node(builder, child_ctx, value, depth + 1, parent=node, parent_predicate=predicate)
        return
    key_, obj = _object(builder, term_ctx, key, term, value, depth)
    builder.add(node, predicate, key_, obj)


def _object(builder: _Builder, term_ctx: _Ctx, key: str, term: _Term, value: Any, depth: int) -> tuple[Any, Any]:
    """(pyld de-duplication key, RDF object) of one value of `key` (not null, not a list)."""
    if type(value) is dict:
        is_reference = len(value) == 1 and next(iter(value)) in term_ctx.id_keys
        child_ctx = _node_ctx(term_ctx, key, is_reference)
        subject = _node(builder, child_ctx, value, depth + 1)
        return ("_" if type(subject) is int else "@id", subject), subject
    if type(value) is list:
        raise Unsupported("nested array")
    if term.coerce is not None and type(value) is str:
        if term.coerce == "id":
            serialized = "<" + escape_iri(_absolute(term_ctx, value)) + ">"
        else:
            serialized = _vocab_iri(term_ctx, value)
        return ("@id", serialized), serialized
    # A number or boolean under @id / @vocab coercion: pyld makes a plain literal of it.
    return _literal(value, _PLAIN if term.coerce is not None else term)


def _graph(
    builder: _Builder,
    node: dict[str, tuple[dict[Any, Any], list[Any]]],
    predicate: str,
    term_ctx: _Ctx,
    key: str,
    value: Any,
    depth: int,
) -> None:
    """pyld's @graph container: the node goes into a named graph of its own, named by a fresh blank
    node that the property refers to (JSON-LD 1.1 expansion 13.8.3, node map 6.4)."""
    if type(value) is not dict:
        raise Unsupported("graph container value is not a node object")
    name = builder.blank_count
    builder.blank_count += 1
    builder.add(node, predicate, ("_", name), name)
    outer = builder.nodes
    builder.nodes = builder.graphs[name] = {}
    try:
        is_reference = len(value) == 1 and next(iter(value)) in term_ctx.id_keys
        _node(builder, _node_ctx(term_ctx, key, is_reference), value, depth + 1)
    finally:
        builder.nodes = outer


def _list_items(builder: _Builder, term_ctx: _Ctx, key: str, term: _Term, value: Any, depth: int) -> list[Any]:
    """The RDF objects of a @list value, its node objects expanded in order."""
    objects = []
    for item in value if type(value) is list else [value]:
        if item is None:
            continue
        objects.append(_object(builder, term_ctx, key, term, item, depth)[1])
    return objects


def _list(builder: _Builder, term_ctx: _Ctx, key: str, term: _Term, value: Any, depth: int) -> Any:
    """pyld's @list container and _list_to_rdf: the head of an RDF collection (or rdf:nil)."""
    objects = _list_items(builder, term_ctx, key, term, value, depth + 1)
    if not objects:
        return _RDF_NIL
    head = subject = builder.blank_count
    builder.blank_count += 1
    last = len(objects) - 1
    for number, obj in enumerate(objects):
        if number < last:
            rest: Any = builder.blank_count
            builder.blank_count += 1
        else:
            rest = _RDF_NIL
        builder.nodes[subject] = {_RDF_FIRST: ({}, [obj]), _RDF_REST: ({}, [rest])}
        subject = rest
    return head


class _PendingList:
    """A @list value in an ordered build: its objects; its nodes are labelled when quads are
    emitted, as pyld's _list_to_rdf does."""

    __slots__ = ("objects",)

    def __init__(self, objects: list[Any]) -> None:
        self.objects = objects


class _PlainTerm:
    datatype = None
    language = None


_PLAIN: Any = _PlainTerm()


# ------------------------------------------------------------------------------------------------
# RDFC-1.0 when first-degree hashes decide everything


def _canonical(builder: _Builder) -> str:
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
        raise _NeedsPyldOrder

    # §4.4.3 step 5: canonical identifiers in hash order; step 7: relabel, serialize, sort.
    budget.check()
    labels = {blank: f"_:c14n{number}" for number, blank in enumerate(sorted(hashes, key=hashes.__getitem__))}
    lines = []
    for s, p, o, g in quads:
        line = (s if type(s) is str else labels[s]) + " " + p + " " + (o if type(o) is str else labels[o])
        lines.append(line + " .\n" if g is None else line + " " + labels[g] + " .\n")
    lines.sort()
    return "".join(lines)


class _NeedsPyldOrder(Exception):  # noqa: N818 - internal signal
    """The dataset needs pyld's own labels and order: blank nodes share a first-degree hash (Hash
    N-Degree Quads will run), or pyld's de-duplication keeps a duplicate quad or merges values
    that are different RDF terms."""


# ------------------------------------------------------------------------------------------------
# RDFC-1.0 with Hash N-Degree Quads, on pyld's own dataset


def _pyld_quads(builder: _Builder) -> list[tuple[str, str, str, str | None]]:
    """The quads of an ordered build in the order pyld's `_graph_to_rdf` emits them, blank node n
    written `_:b<n>` as pyld labels it: graphs, subjects and properties sorted by pyld's keys
    (the raw IRI, `_:b<n>`, `@default`, `@type` for rdf:type), objects in node-map order, a list's
    nodes labelled and emitted just before the quad that refers to its head."""

    def subject_key(subject: Any) -> str:
        return _raw_iri(subject) if type(subject) is str else f"_:b{subject}"

    def predicate_key(predicate: str) -> str:
        return "@type" if predicate == _RDF_TYPE_TERM else _raw_iri(predicate)

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
            return _RDF_NIL
        head = subject = f"_:b{counter}"
        counter += 1
        for item in objects[:-1]:
            value = term(item, name)
            rest = f"_:b{counter}"
            counter += 1
            quads.append((subject, _RDF_FIRST, value, name))
            quads.append((subject, _RDF_REST, rest, name))
            subject = rest
        quads.append((subject, _RDF_FIRST, term(objects[-1], name), name))
        quads.append((subject, _RDF_REST, _RDF_NIL, name))
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
    ctx = _top_context(context)
    builder = _Builder()
    builder.values += len(context) if type(context) is list else 0
    try:
        try:
            _node(builder, ctx, document, 1, top=True)
            output = _canonical(builder)
        except _NeedsPyldOrder:
            output = _canonical_in_pyld_order(document, ctx, max_work_factor)
        output.encode("utf-8")
    except RecursionError as exc:
        raise Unsupported("deep nesting") from exc
    except UnicodeEncodeError as exc:  # a lone surrogate: the reference path raises InputError
        raise Unsupported("lone surrogate") from exc
    return output


def _canonical_in_pyld_order(document: dict[str, Any], ctx: _Ctx, max_work_factor: float) -> str:
    """Build again in pyld's order and run the shared RDFC-1.0 labelling, N-degree included."""
    try:
        return _CompactRdfc10(max_work_factor).canonicalize_quads(_ordered_quads(document, ctx))
    except CanonicalizationError as exc:
        raise Unsupported("work limit of Hash N-Degree Quads") from exc


def _ordered_quads(document: dict[str, Any], ctx: _Ctx) -> list[tuple[str, str, str, str | None]]:
    builder = _Builder(ordered=True)
    context = document["@context"]
    builder.values += len(context) if type(context) is list else 0
    try:
        _node(builder, ctx, document, 1, top=True)
    except RecursionError as exc:
        raise Unsupported("deep nesting") from exc
    return _pyld_quads(builder)


def pyld_quads(document: Any) -> list[tuple[str, str, str, str | None]]:
    """The dataset pyld's to_rdf makes of `document` (same blank node labels, same order), as
    (subject, predicate, object, graph name or None) N-Quads terms; or Unsupported. The
    differential tests compare it with the reference path's dataset."""
    if type(document) is not dict or "@context" not in document:
        raise Unsupported("not a plain dict with a @context")
    return _ordered_quads(document, _top_context(document["@context"]))
