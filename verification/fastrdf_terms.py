"""The fast path's view of JSON-LD contexts: pyld's processed contexts compiled into term tables, and IRI
expansion against them (verification.fastrdf).

Every active context here is one pyld's safe-mode processor produced (verification.pyld_adapter, the
same memoised calls the reference path makes): the top-level @context and a node's own @context
(lists of bundled URLs only), property-scoped contexts (processed twice, as pyld does: once for the
term, once for the node, after reverting a non-propagated type-scoped context unless the node is a
bare reference) and type-scoped contexts (sorted type terms, propagate false). Each is compiled
once into a term table (`Ctx`) and every transition between tables is cached on the table, so a
warm document never touches pyld. A term the fast path cannot expand exactly as pyld would is not
`plain`, and a context it cannot process raises `Unsupported`: the reference path decides.
"""

from __future__ import annotations

import threading
from typing import Any

from verification import bundled_contexts, jsonld, pyld_adapter
from verification.rdfc import escape_iri

__all__ = [
    "RDF_TYPE",
    "Ctx",
    "Term",
    "Unsupported",
    "absolute_iri",
    "embedded_context",
    "node_context",
    "term_context",
    "top_context",
    "typed_context",
    "vocab_iri",
    "vocab_term",
]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_KEYWORDS = pyld_adapter.KEYWORDS | {"@json", "@nest", "@direction", "@none"}
_IS_ABSOLUTE = jsonld.ABSOLUTE_IRI.match
_IS_BCP47 = jsonld.BCP47.match
_IS_KEYWORD_LIKE = jsonld.KEYWORD_LIKE.match


class Unsupported(Exception):  # noqa: N818 - a signal, not an error: the reference path decides
    """The fast path does not cover this document; use the reference path."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ------------------------------------------------------------------------------------------------
# Compiled active contexts


class Term:
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


class Ctx:
    """A pyld active context compiled into a term table, with its transitions cached."""

    __slots__ = ("id_keys", "pyld", "previous", "terms", "transitions", "type_keys", "vocab")

    def __init__(self, pyld_ctx: pyld_adapter.ActiveContext) -> None:
        self.pyld = pyld_ctx  # kept alive: the caches below key on identities inside it
        self.terms: dict[str, Term | None] = {
            term: (None if definition is None else Term(definition))
            for term, definition in pyld_adapter.term_definitions(pyld_ctx).items()
        }
        self.id_keys = frozenset(t for t, d in self.terms.items() if d is not None and d.iri == "@id")
        self.type_keys = frozenset(t for t, d in self.terms.items() if d is not None and d.iri == "@type")
        self.vocab = pyld_adapter.context_vocab(pyld_ctx)
        self.previous: Ctx | None = None
        self.transitions: dict[Any, Ctx] = {}


_STATES: dict[int, Ctx] = {}
_TOP: dict[tuple[str, ...], Ctx] = {}
_STATE_LOCK = threading.Lock()
_MAX_STATES = 20_000  # bundled contexts reach a few hundred; the cap only guards memory


def _wrap(pyld_ctx: pyld_adapter.ActiveContext) -> Ctx:
    state = _STATES.get(id(pyld_ctx))
    if state is not None and state.pyld is pyld_ctx:
        return state
    if len(_STATES) > _MAX_STATES:
        _STATES.clear()
        _TOP.clear()
    state = Ctx(pyld_ctx)
    previous = pyld_adapter.previous_context(pyld_ctx)
    if previous is not None:
        state.previous = _wrap(previous)
    _STATES[id(pyld_ctx)] = state
    return state


def _process(active: Ctx, local: Any, *, propagate: bool = True, override_protected: bool = False) -> Ctx:
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


def top_context(context: Any) -> Ctx:
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


def term_context(ctx: Ctx, key: str, term: Term) -> Ctx:
    """pyld _expand_object: the property-scoped context for the value of `key`."""
    if term.scoped is None:
        return ctx
    transition = ("term", key)
    state = ctx.transitions.get(transition)
    if state is None:
        state = ctx.transitions[transition] = _process(ctx, term.scoped, propagate=True, override_protected=True)
    return state


def node_context(term_ctx: Ctx, key: str | None, is_reference: bool) -> Ctx:
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


def embedded_context(ctx: Ctx, context: Any) -> Ctx:
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


def typed_context(ctx: Ctx, types: list[str]) -> Ctx:
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


def absolute_iri(ctx: Ctx, value: Any) -> str:
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


def vocab_iri(ctx: Ctx, value: Any) -> str:
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
        return "<" + escape_iri(absolute_iri(ctx, value)) + ">"
    return "<" + escape_iri(_checked_vocab(ctx.vocab + value)) + ">"


def _checked_vocab(iri: Any) -> str:
    if type(iri) is not str or _IS_ABSOLUTE(iri) is None or iri.startswith("_:"):
        raise Unsupported("@vocab makes a relative IRI or a blank node")
    return iri


def vocab_term(ctx: Ctx, key: str) -> Term:
    """An undefined key under @vocab: a plain property with the context's default language."""
    if key in ctx.terms or ctx.vocab is None or ":" in key or key.startswith("@"):
        raise Unsupported("a key is not a term the fast path covers")
    term = Term(pyld_adapter.vocab_term_definition(ctx.pyld, _checked_vocab(ctx.vocab + key)))
    if not term.plain:
        raise Unsupported("a key is not a term the fast path covers")
    return term
