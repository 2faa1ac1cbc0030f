"""The fast path's JSON -> RDF: a credential's JSON expanded into pyld's node map, flattened to serialized
N-Quads terms as it is built (verification.fastrdf).

It mirrors pyld's expansion and node map for the shapes the term tables cover (verification.fastrdf_terms):
nodes with or without an id, types, @set, @list and @graph containers, strings, numbers, booleans, null.
Nodes with the same id merge; values of one (subject, property) are de-duplicated with pyld's comparison
(value, @type, @language, strict about booleans). Where that comparison and RDF term equality disagree (pyld
keeps a duplicate quad, or keeps the first of two different terms), `NeedsPyldOrder` is raised and the
document is built again in pyld's order (`Builder(ordered=True)`), which mirrors both. The lexical form of a
number or boolean is pyld's own. Anything else raises `Unsupported`.
"""

from __future__ import annotations

import math
from typing import Any

from verification import budget, jsonld, pyld_adapter
from verification.fastrdf_terms import (
    RDF_TYPE,
    Ctx,
    Term,
    Unsupported,
    absolute_iri,
    embedded_context,
    node_context,
    term_context,
    typed_context,
    vocab_iri,
    vocab_term,
)
from verification.rdfc import RDF_LANGSTRING, XSD_STRING, escape_iri, escape_literal

__all__ = ["RDF_FIRST", "RDF_NIL", "RDF_REST", "RDF_TYPE_TERM", "Builder", "NeedsPyldOrder", "expand_node"]

XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
RDF_TYPE_TERM = "<" + RDF_TYPE + ">"
RDF_FIRST = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>"
RDF_REST = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>"
RDF_NIL = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>"


class NeedsPyldOrder(Exception):  # noqa: N818 - internal signal
    """The dataset needs pyld's own labels and order: blank nodes share a first-degree hash (Hash
    N-Degree Quads will run), or pyld's de-duplication keeps a duplicate quad or merges values
    that are different RDF terms."""


# Beside pyld's de-duplication keys, an entry's key dict holds (under this key, which no de-duplication key
# equals) the set of its objects once there are more than _SCAN_LIMIT of them: below that a scan of the list
# is cheapest; above it, scans made a property with 100,000 values quadratic.
_OBJECT_SET = object()
_SCAN_LIMIT = 16


class Builder:
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
                raise NeedsPyldOrder
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
                raise NeedsPyldOrder
        keys[key] = term
        terms.append(term)


def _literal(value: Any, term: Term) -> tuple[Any, str]:
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


def expand_node(
    builder: Builder,
    ctx: Ctx,
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
        ctx = embedded_context(ctx, context)
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
    active = typed_context(ctx, types) if types else ctx
    if active is not ctx and (
        (type_key is not None and type_key not in active.type_keys)
        or (id_key is not None and id_key not in active.id_keys)
    ):
        raise Unsupported("type-scoped context redefines id or type")

    if id_key is not None:
        subject: Any = "<" + escape_iri(absolute_iri(active, element[id_key])) + ">"
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
            iri = vocab_iri(type_scoped, type_)
            builder.add(node, RDF_TYPE_TERM, ("@id", iri), iri)

    properties = _properties(active, element, type_key, id_key)
    if builder.ordered:
        # pyld's node map reaches the values by expanded property IRI (it sorts the expanded
        # object), then by key (expansion sorts the keys, so values of two keys with one IRI
        # follow each other in key order).
        properties.sort(key=lambda item: (item[2].iri, item[0]))
    for key, value, term in properties:
        # pyld processes the property-scoped context before it looks at the value.
        term_ctx = term_context(active, key, term) if term.scoped is not None else active
        value_term = term_ctx.terms.get(key) if term_ctx is not active else term
        if value_term is None and term_ctx is not active:
            value_term = vocab_term(term_ctx, key)
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
                pending = _PendingList(items) if items else RDF_NIL
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
    ctx: Ctx, element: dict[str, Any], type_key: str | None, id_key: str | None
) -> list[tuple[str, Any, Term]]:
    """The properties of a node object with their term definitions, in document order."""
    properties = []
    for key, value in element.items():
        if key == type_key or key == id_key or key == "@context":
            continue
        term = ctx.terms.get(key)
        if term is None:
            term = vocab_term(ctx, key)
        elif not term.plain:
            raise Unsupported("a key is not a term the fast path covers")
        properties.append((key, value, term))
    return properties


def _value(
    builder: Builder,
    node: dict[str, tuple[dict[Any, Any], list[Any]]],
    predicate: str,
    term_ctx: Ctx,
    key: str,
    term: Term,
    value: Any,
    depth: int,
) -> None:
    if type(value) is dict:
        is_reference = len(value) == 1 and next(iter(value)) in term_ctx.id_keys
        child_ctx = node_context(term_ctx, key, is_reference)
        expand_node(builder, child_ctx, value, depth + 1, parent=node, parent_predicate=predicate)
        return
    key_, obj = _object(builder, term_ctx, key, term, value, depth)
    builder.add(node, predicate, key_, obj)


def _object(builder: Builder, term_ctx: Ctx, key: str, term: Term, value: Any, depth: int) -> tuple[Any, Any]:
    """(pyld de-duplication key, RDF object) of one value of `key` (not null, not a list)."""
    if type(value) is dict:
        is_reference = len(value) == 1 and next(iter(value)) in term_ctx.id_keys
        child_ctx = node_context(term_ctx, key, is_reference)
        subject = expand_node(builder, child_ctx, value, depth + 1)
        return ("_" if type(subject) is int else "@id", subject), subject
    if type(value) is list:
        raise Unsupported("nested array")
    if term.coerce is not None and type(value) is str:
        if term.coerce == "id":
            serialized = "<" + escape_iri(absolute_iri(term_ctx, value)) + ">"
        else:
            serialized = vocab_iri(term_ctx, value)
        return ("@id", serialized), serialized
    # A number or boolean under @id / @vocab coercion: pyld makes a plain literal of it.
    return _literal(value, _PLAIN if term.coerce is not None else term)


def _graph(
    builder: Builder,
    node: dict[str, tuple[dict[Any, Any], list[Any]]],
    predicate: str,
    term_ctx: Ctx,
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
        expand_node(builder, node_context(term_ctx, key, is_reference), value, depth + 1)
    finally:
        builder.nodes = outer


def _list_items(builder: Builder, term_ctx: Ctx, key: str, term: Term, value: Any, depth: int) -> list[Any]:
    """The RDF objects of a @list value, its node objects expanded in order."""
    objects = []
    for item in value if type(value) is list else [value]:
        if item is None:
            continue
        objects.append(_object(builder, term_ctx, key, term, item, depth)[1])
    return objects


def _list(builder: Builder, term_ctx: Ctx, key: str, term: Term, value: Any, depth: int) -> Any:
    """pyld's @list container and _list_to_rdf: the head of an RDF collection (or rdf:nil)."""
    objects = _list_items(builder, term_ctx, key, term, value, depth + 1)
    if not objects:
        return RDF_NIL
    head = subject = builder.blank_count
    builder.blank_count += 1
    last = len(objects) - 1
    for number, obj in enumerate(objects):
        if number < last:
            rest: Any = builder.blank_count
            builder.blank_count += 1
        else:
            rest = RDF_NIL
        builder.nodes[subject] = {RDF_FIRST: ({}, [obj]), RDF_REST: ({}, [rest])}
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
