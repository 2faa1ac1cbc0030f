"""The only module that touches pyld 3.3.0's internals.

The credential core uses pyld for JSON-LD expansion, the node map and the RDF dataset (the reference path of
RDFC-1.0), and the fast path reads pyld's own processed contexts so that it never interprets a context itself
(docs/rdfc-fast-path.md). Doing that safely and fast needs more than pyld's public API: a processor subclass
that refuses what pyld would drop (safe mode) and memoises context processing (`_process_context`,
`_expand`), a context resolver that keeps only bundled contexts (`ContextResolver` internals), a linear-time
`add_value` for the node map (`_is_object`, `_is_array`, `_create_node_map`, `_graph_to_rdf`), pyld's
literal conversion (`_object_to_rdf`), its term definitions (`mappings`, `_prefix`, `previousContext`) and its
URDNA2015 (`URDNA2015`, `permutations`, `IdentifierIssuer`) as the base of the corrected RDFC-1.0. All of it
is here, behind typed functions and classes; no other module of `verification/` imports pyld at all (not even
its public `pyld.jsonld` API, so that this module alone says which pyld the core runs on), and a test
(tests/verification/test_structure.py) keeps it that way. Tests and the bench call stock pyld on purpose, to
compare with it.

**Why pyld is pinned exactly** (`pyld==3.3.0` in pyproject.toml; D10): every name above is private to pyld
and may change in any release, and several changes would not fail loudly but change canonical output or the
work counted by the Hash N-Degree Quads limit. Importing this module on another release raises ImportError;
moving to another release means re-reading each use here and running the differential tests (vectors,
samples, fast path against reference path) again.

What it offers:

* JSON-LD in safe mode, offline: `expand` (of a checked private copy), `dataset` (its RDF dataset, pyld's
  `Dataset` shape), `pyld_error` (the code and message of one of pyld's own errors). Bundled contexts only
  (verification.bundled_contexts); what pyld would silently drop raises JsonLdError.
* Processed contexts for the fast path: `top_context`, `process_context` (under `LOCK`), read through
  `term_definitions`, `context_vocab`, `previous_context` and `vocab_term_definition`; `literal_lexical_form`
  for the lexical form of a number or boolean; `KEYWORDS`.
* RDFC-1.0's base: `Urdna2015` (pyld's class with its state and steps typed), `Issuer`, `new_issuer`,
  `clone_issuer`, `permutations`.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import pyld
from pyld import jsonld as _pyld
from pyld.canon import URDNA2015 as _URDNA2015
from pyld.canon import permutations as _permutations
from pyld.context_resolver import ContextResolver as _ContextResolver
from pyld.identifier_issuer import IdentifierIssuer as _IdentifierIssuer

from verification import budget, bundled_contexts, context_rules
from verification.errors import ContextError, JsonLdError

if pyld.__about__.__version__ != "3.3.0":  # every use below relies on this exact release's internals
    raise ImportError(
        f"verification.pyld_adapter requires pyld 3.3.0 exactly (found {pyld.__about__.__version__}); "
        "it relies on that release's internals."
    )

__all__ = [
    "KEYWORDS",
    "LOCK",
    "ActiveContext",
    "Dataset",
    "Issuer",
    "TermDefinition",
    "Urdna2015",
    "clone_issuer",
    "context_vocab",
    "dataset",
    "expand",
    "literal_lexical_form",
    "new_issuer",
    "permutations",
    "previous_context",
    "process_context",
    "pyld_error",
    "term_definitions",
    "top_context",
    "vocab_term_definition",
]

# JSON-LD 1.1's keywords as pyld 3.3.0 lists them.
KEYWORDS: frozenset[str] = frozenset(_pyld.KEYWORDS)

# An RDF dataset in pyld's shape: graph name ('@default' or an IRI / blank node) -> triples, each
# triple {'subject': {...}, 'predicate': {...}, 'object': {...}} with 'type' and 'value' keys.
Dataset = dict[str, list[dict[str, Any]]]

# A processed (active) context as pyld keeps it. Opaque outside this module: read it through
# term_definitions, context_vocab and previous_context.
ActiveContext = dict[str, Any]


# ------------------------------------------------------------------------------------------------
# Bundled contexts, as pyld loads and caches them

# Identity of every dict inside a context document handed to pyld. Those objects stay alive in the
# static context cache for the life of the process, so their ids are stable and can key the
# context-processing memo without hashing the (large) context content on every use.
_BUNDLED_OBJECTS: dict[int, Any] = {}


def _register_bundled(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            _BUNDLED_OBJECTS[id(item)] = item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class _AllowListContextResolver(_ContextResolver):  # type: ignore[misc]  # pyld ships no type information
    """Keeps only allow-listed URL contexts across operations.

    pyld stores every inline context a document carries in the shared cache too; for untrusted
    documents that is unbounded growth, so inline contexts live only for one operation here.
    """

    def _resolve_remote_context(self, active_ctx: Any, url: str, base: Any, cycles: Any) -> Any:
        # Checked before pyld tries to resolve `url` against a base: a relative context URL has
        # no meaning offline and must be reported as the URL the document wrote.
        if url not in bundled_contexts.CONTEXT_FILES:
            raise ContextError(
                f"The JSON-LD context {url!r} is not one of the bundled contexts; "
                "contexts are never fetched from the network."
            )
        return super()._resolve_remote_context(active_ctx, url, base, cycles)

    def _cache_resolved_context(self, key: str, resolved: Any, tag: str | None) -> Any:
        self.per_op_cache[key] = resolved
        if tag and key in bundled_contexts.CONTEXT_FILES:
            self.shared_cache.setdefault(key, {})[tag] = resolved
        return resolved


_SHARED_CONTEXT_CACHE: dict[str, Any] = {}
_REGISTERED_URLS: set[str] = set()


def _load_for_processor(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The loader our processor uses: registers the copy it hands out (once per URL)."""
    remote = bundled_contexts.load_document(url, options)
    if url not in _REGISTERED_URLS:
        _REGISTERED_URLS.add(url)
        _register_bundled(remote["document"])
    return remote


def _options() -> dict[str, Any]:
    """The options of every processing call: offline, bundled contexts only, JSON-LD 1.1."""
    return {
        # No base: relative IRIs stay relative, so they can be found and refused instead of
        # being resolved against pyld's made-up http://example.org/base/.
        "base": None,
        "isFrame": False,
        "keepFreeFloatingNodes": False,
        "documentLoader": _load_for_processor,
        "contextResolver": _AllowListContextResolver(_SHARED_CONTEXT_CACHE, _load_for_processor),
        "extractAllScripts": False,
        "processingMode": "json-ld-1.1",
    }


# ------------------------------------------------------------------------------------------------
# Safe-mode processor


class _ContextMemo:
    """Bounded memo of processed contexts keyed by (active context identity, local context).

    Values keep a reference to the active context so an id is never reused while its entry lives.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: OrderedDict[tuple[Any, ...], tuple[Any, Any]] = OrderedDict()
        self._max = max_entries

    def get(self, key: tuple[Any, ...], active_ctx: Any) -> Any:
        entry = self._entries.get(key)
        if entry is None or entry[0] is not active_ctx:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: tuple[Any, ...], active_ctx: Any, processed: Any) -> None:
        self._entries[key] = (active_ctx, processed)
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)


_MEMO = _ContextMemo()
# pyld's caches (cachetools LRUs, the memo above) are not thread-safe; processing is pure Python,
# so serialising it costs no throughput under the GIL.
LOCK = threading.RLock()


def _context_key(local_ctx: Any) -> Any:
    """A hashable identity for a local context we trust to be immutable, else None."""
    if isinstance(local_ctx, str):
        return local_ctx if local_ctx in bundled_contexts.CONTEXT_FILES else None
    if isinstance(local_ctx, dict):
        return ("id", id(local_ctx)) if _BUNDLED_OBJECTS.get(id(local_ctx)) is local_ctx else None
    if isinstance(local_ctx, list):
        parts = []
        for item in local_ctx:
            part = _context_key(item)
            if part is None:
                return None
            parts.append(part)
        return tuple(parts)
    return None


# ------------------------------------------------------------------------------------------------
# Node map de-duplication in linear time
#
# pyld's node map adds every value with `add_value(..., allowDuplicate=False)`, which compares the
# new value with each value already there (`has_value`): a property with n values costs n²/2
# comparisons, about 30 s for 10,000 tags. While `dataset` builds a node map, those
# calls answer the same question from a hash index instead; the comparison is pyld's
# `compare_values`, expressed as a key (two values are equal for pyld exactly when their keys are).
# Every other call, and every other thread, goes to pyld's own add_value unchanged.

_PYLD_ADD_VALUE = _pyld.JsonLdProcessor.add_value
_NODE_MAP = threading.local()
_SCAN_LIMIT = 16


def _frozen(value: Any) -> Any:
    """A hashable stand-in for JSON data: two stand-ins are equal exactly when the values are `==`."""
    if _pyld._is_object(value):
        return frozenset((key, _frozen(item)) for key, item in value.items())
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


def _duplicate_key(value: Any) -> tuple[Any, ...]:
    """pyld `compare_values` as a key: primitives by strict equality (a boolean never equals a number),
    value objects by @value, @type, @language and @index, node objects by @id, anything else only by
    identity."""
    if not _pyld._is_object(value):
        return ("primitive", isinstance(value, bool), _frozen(value))
    if "@value" in value:
        literal = value["@value"]
        return (
            "value",
            _frozen(value.get("@type")),
            _frozen(value.get("@language")),
            _frozen(value.get("@index")),
            isinstance(literal, bool),
            _frozen(literal),
        )
    node_id = value.get("@id")
    if node_id is not None:
        return ("node", _frozen(node_id))
    return ("identity", id(value))


class _Indexed:
    """The values of one (node, property) of a node map being built, with the keys of those indexed."""

    __slots__ = ("count", "keys", "subject", "values")

    def __init__(self, subject: Any, values: list[Any]) -> None:
        self.subject = subject  # kept alive, so its id cannot be reused while the index lives
        self.values = values
        self.keys: set[tuple[Any, ...]] = set()
        self.count = 0  # values[:count] are in keys


def _add_value(subject: Any, property: str, value: Any, options: dict[str, Any] | None = None) -> None:
    """pyld's `JsonLdProcessor.add_value`; inside `dataset`, without duplicates and for a
    property that already has _SCAN_LIMIT values or more, answered from the index."""
    index: dict[tuple[int, str], _Indexed] | None = getattr(_NODE_MAP, "index", None)
    if index is None:
        _PYLD_ADD_VALUE(subject, property, value, options)
        return
    budget.check()  # once per value, reference and list of the node map being built
    values = subject.get(property) if _pyld._is_object(subject) else None
    if (
        not options
        or options.get("allowDuplicate", True)
        or not options.get("propertyIsArray")
        or options.get("valueIsArray")
        or _pyld._is_array(value)
        or not isinstance(values, list)
        or len(values) < _SCAN_LIMIT
    ):
        # pyld's own comparison: exact by definition, and the cheapest while a property has few values.
        _PYLD_ADD_VALUE(subject, property, value, options)
        return
    entry = index.get((id(subject), property))
    if entry is None or entry.subject is not subject or entry.values is not values:
        entry = index[(id(subject), property)] = _Indexed(subject, values)
    # Values appended before the index existed, or by pyld's own add_value since (lists, which allow
    # duplicates), are indexed when next met.
    while entry.count < len(values):
        entry.keys.add(_duplicate_key(values[entry.count]))
        entry.count += 1
    key = _duplicate_key(value)
    if key not in entry.keys:
        values.append(value)
        entry.keys.add(key)
        entry.count += 1


_pyld.JsonLdProcessor.add_value = staticmethod(_add_value)


# ------------------------------------------------------------------------------------------------
# Context definitions: what pyld 3.3.0 gets wrong


class _ActiveContext(dict[str, Any]):
    """An active context that can lose a default it never had.

    JSON-LD 1.1 lets a context reset the default vocabulary, language or direction with null (`{"@vocab": null}`);
    pyld 3.3.0 does that with `del`, which raises KeyError when no default was set. Removing what is absent is the
    specification's no-op, so these three keys are removed tolerantly; every other key behaves as in a dict.
    """

    __slots__ = ()

    def __delitem__(self, key: str) -> None:
        if key in ("@vocab", "@language", "@direction"):
            self.pop(key, None)
        else:
            super().__delitem__(key)


class _SafeProcessor(_pyld.JsonLdProcessor):  # type: ignore[misc]  # pyld ships no type information
    """pyld's processor in safe mode: what pyld would drop raises JsonLdError; bundled contexts are
    processed once per active context; the time budget is checked once per element expanded."""

    def __init__(self) -> None:
        super().__init__(on_property_dropped=self._property_dropped)

    @staticmethod
    def _property_dropped(expanded_property: str | None) -> None:
        if expanded_property is None:
            raise JsonLdError("A property is mapped to null by the context; safe mode refuses to drop it.")
        raise JsonLdError(
            f"The term {expanded_property!r} is not defined by the credential's @context; "
            "safe mode refuses undefined terms instead of dropping them."
        )

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        key = _context_key(local_ctx) if cycles is None else None
        if key is None:
            # A context of the document's own (bundled ones are trusted and memoised): checked each time it is met,
            # scoped contexts inside it too, since pyld processes those through here when it defines their terms.
            context_rules.check_local_context(local_ctx)
            return super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
        memo_key = (id(active_ctx), key, override_protected, propagate, validate_scoped)
        processed = _MEMO.get(memo_key, active_ctx)
        if processed is None:
            processed = super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
            _MEMO.put(memo_key, active_ctx, processed)
        return processed

    def _clone_active_context(self, active_ctx: Any) -> _ActiveContext:
        return _ActiveContext(super()._clone_active_context(active_ctx))

    def _expand(
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: Any,
        inside_list: bool = False,
        inside_index: bool = False,
        type_scoped_ctx: Any = None,
    ) -> Any:
        budget.check()  # once per element: expansion is where a large document spends its time
        result = super()._expand(
            active_ctx,
            active_property,
            element,
            options,
            inside_list=inside_list,
            inside_index=inside_index,
            type_scoped_ctx=type_scoped_ctx,
        )
        # Expansion returns None for what JSON-LD drops: free-floating scalars, empty objects,
        # objects with only @id / @value / @list / @language at the top or in @graph, and
        # {"@value": null}. jsonld.js safe mode refuses each of these.
        if result is None and element is not None:
            shown = json.dumps(element, ensure_ascii=False)[:80] if not isinstance(element, dict) else "an object"
            where = f"under {active_property!r}" if active_property else "at the top level"
            raise JsonLdError(f"JSON-LD expansion would silently drop {shown} {where}; safe mode refuses the document.")
        return result

    def safe_expand(self, document: dict[str, Any]) -> list[Any]:
        """Expansion of an already checked private copy (pyld's `expand` would deep-copy it again)."""
        options = _options()
        active_ctx = self._get_initial_context(options)
        expanded = self._expand(active_ctx, None, document, options, inside_list=False)
        if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
            expanded = expanded["@graph"]
        return expanded if isinstance(expanded, list) else [expanded]

    def dataset(self, expanded: list[Any]) -> Dataset:
        """RDF dataset of checked expanded JSON-LD (pyld's to_rdf minus a second expansion)."""
        issuer = _IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        _NODE_MAP.index = {}
        try:
            self._create_node_map(expanded, node_map, "@default", issuer)
        finally:
            _NODE_MAP.index = None
        options = {"produceGeneralizedRdf": False, "processingMode": "json-ld-1.1", "rdfDirection": None}
        result: Dataset = {}
        for graph_name, graph in sorted(node_map.items()):
            result[graph_name] = self._graph_to_rdf(graph, issuer, options)
        return result


def expand(document: dict[str, Any]) -> list[Any]:
    """Safe-mode expansion of a checked private copy (verification.jsonld.check_document). Raises pyld's
    errors as they are (translated by the caller, see `pyld_error`), JsonLdError for what safe mode refuses,
    ContextError for a context that is not bundled."""
    with LOCK:
        return _SafeProcessor().safe_expand(document)


def dataset(expanded: list[Any]) -> Dataset:
    """The RDF dataset of checked expanded JSON-LD, blank nodes labelled `_:b0`, `_:b1`, ... in node-map order."""
    return _SafeProcessor().dataset(expanded)


def pyld_error(error: BaseException) -> tuple[str, str] | None:
    """(code, message) when `error` is one of pyld's own JsonLdErrors, else None."""
    if not isinstance(error, _pyld.JsonLdError):
        return None
    code = error.code or error.type
    message = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
    return str(code), message


# ------------------------------------------------------------------------------------------------
# Processed contexts, for the fast path


def top_context(local: Any) -> ActiveContext:
    """The active context a document's top-level `@context` makes (pyld's own processing, memoised)."""
    with LOCK:
        processor = _SafeProcessor()
        options = _options()
        initial = processor._get_initial_context(options)
        return processor._process_context(initial, local, options)  # type: ignore[no-any-return]


def process_context(
    active: ActiveContext, local: Any, *, propagate: bool = True, override_protected: bool = False
) -> ActiveContext:
    """pyld's processing of `local` on top of `active` (a scoped or embedded context), memoised."""
    with LOCK:
        return _SafeProcessor()._process_context(  # type: ignore[no-any-return]
            active, local, _options(), override_protected=override_protected, propagate=propagate
        )


class TermDefinition(NamedTuple):
    """What one of pyld's term definitions says, with the context's defaults applied."""

    iri: Any  # "@id": an IRI, a keyword or None
    prefix: bool  # usable as the prefix of a compact IRI
    scoped_context: Any  # "@context": the term's own context (None: none)
    container: list[Any]  # "@container", always a list ([] when absent)
    type: Any  # "@type": "@id", "@vocab", "@json", "@none", a datatype IRI or None
    language: Any  # the term's "@language", else the context's default language
    direction: Any  # the term's "@direction", else the context's default direction
    reverse: bool
    nested: bool  # has "@nest"
    indexed: bool  # has "@index"


def _definition(mapping: Mapping[str, Any], ctx: ActiveContext) -> TermDefinition:
    container = mapping.get("@container") or []
    return TermDefinition(
        iri=mapping.get("@id"),
        prefix=bool(mapping.get("_prefix")),
        scoped_context=mapping.get("@context"),
        container=container if isinstance(container, list) else [container],
        type=mapping.get("@type"),
        language=mapping["@language"] if "@language" in mapping else ctx.get("@language"),
        direction=mapping["@direction"] if "@direction" in mapping else ctx.get("@direction"),
        reverse=bool(mapping.get("reverse")),
        nested="@nest" in mapping,
        indexed="@index" in mapping,
    )


def term_definitions(ctx: ActiveContext) -> dict[str, TermDefinition | None]:
    """The context's terms (None: a term mapped to null)."""
    return {term: None if mapping is None else _definition(mapping, ctx) for term, mapping in ctx["mappings"].items()}


def vocab_term_definition(ctx: ActiveContext, iri: str) -> TermDefinition:
    """The definition an undefined key expanded under `@vocab` to `iri` behaves like."""
    return _definition({"@id": iri}, ctx)


def context_vocab(ctx: ActiveContext) -> Any:
    """The context's `@vocab` (None: none)."""
    return ctx.get("@vocab")


def previous_context(ctx: ActiveContext) -> ActiveContext | None:
    """The context a non-propagated (type-scoped) context reverts to, if it is one."""
    return ctx.get("previousContext")


# pyld's literal conversion; only its stateless part is used, so one processor serves every thread.
_LITERALS = _pyld.JsonLdProcessor()
_RDF_OPTIONS = {"processingMode": "json-ld-1.1", "rdfDirection": None, "produceGeneralizedRdf": False}


def literal_lexical_form(value: Any, datatype: str | None) -> tuple[str, str]:
    """(lexical form, datatype IRI) of the literal pyld makes of a JSON number or boolean, optionally coerced
    to `datatype`."""
    item: dict[str, Any] = {"@value": value}
    if datatype is not None:
        item["@type"] = datatype
    literal = _LITERALS._object_to_rdf(item, None, [], _RDF_OPTIONS)
    return literal["value"], literal["datatype"]


# ------------------------------------------------------------------------------------------------
# URDNA2015, the base of the corrected RDFC-1.0 (verification.rdfc)


class Issuer(Protocol):
    """pyld's IdentifierIssuer: issues `<prefix><n>` identifiers and remembers which old one got which."""

    prefix: str
    counter: int
    existing: dict[str, str]
    order: list[str]

    def get_id(self, old: str | None = None) -> str: ...

    def has_id(self, old: str) -> bool: ...


def new_issuer(prefix: str) -> Issuer:
    return _IdentifierIssuer(prefix)  # type: ignore[no-any-return]


def clone_issuer(issuer: Issuer) -> Issuer:
    # pyld deep-copies issuers (copy.deepcopy); the state is a counter, a dict and a list of strings.
    clone = new_issuer(issuer.prefix)
    clone.counter = issuer.counter
    clone.existing = dict(issuer.existing)
    clone.order = list(issuer.order)
    return clone


# pyld's permutations of a list of blank node labels, in the order its Hash N-Degree Quads visits them.
permutations: Callable[[list[str]], Iterator[list[str]]] = _permutations


class Urdna2015(_URDNA2015):  # type: ignore[misc]  # pyld ships no type information
    """pyld's URDNA2015, with the state and the steps verification.rdfc.Rdfc10 builds on typed.

    State: `blank_node_info` (blank node -> {"quads": [...], "hash": first-degree hash once known}),
    `canonical_issuer` (the `_:c14n` issuer), `quads`. Steps used unchanged: `create_hash_to_related`,
    `hash_related_blank_node`, `get_related_predicate` (overridable: the fast path's quads are tuples).
    """

    if TYPE_CHECKING:
        blank_node_info: dict[str, dict[str, Any]]
        canonical_issuer: Issuer
        quads: list[Any]

        def create_hash_to_related(self, id_: str, issuer: Issuer) -> dict[str, list[str]]: ...

        def hash_related_blank_node(self, related: str, quad: Any, issuer: Issuer, position: str) -> str: ...

        def get_related_predicate(self, quad: Any) -> str: ...
