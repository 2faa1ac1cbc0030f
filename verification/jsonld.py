"""Offline, safe-mode JSON-LD processing on top of pyld 3.3.0.

Three things a verifier needs from JSON-LD, none of which stock pyld gives by default:

* **No network.** `load_document` serves a fixed allow-list of context documents bundled in
  `verification/contexts/` (provenance in `contexts/SOURCES.md`) and raises ContextError for every
  other URL. Documents are parsed once; each load returns a fresh deep copy so that nothing pyld or
  a caller does to a returned document can change what the next caller sees.
* **Safe mode**, as jsonld.js defines it (`safe: true`): whatever pyld would silently drop or
  resolve against a made-up base is refused instead, because a signature over a dataset that does
  not contain a property does not protect that property. Refused: undefined terms (pyld's
  `on_property_dropped` hook), relative IRIs in `@id`, `@type` or a datatype (stock pyld resolves
  an undefined type such as `1EdTechJsonSchemaValidator2019` against `http://example.org/base/`,
  see `DEFAULT_BASE_IRI` in pyld/jsonld.py), blank-node predicates, free-floating values that
  expansion drops, malformed language tags and `@direction` (which RDFC-1.0 would not sign).
* **Speed.** Every bundled context is tagged `static`, so pyld keeps the processed context, and
  context processing is memoised per (active context, local context) because pyld's own
  per-active-context cache misses on every type-scoped context (each non-propagating scoped
  context is processed against a fresh clone). Without this, two thirds of the time of a
  canonicalization goes into re-processing the same OB 3.0 contexts.
  The node map's de-duplication is indexed (`_add_value`): a property with n values costs n,
  not n²/2, comparisons.

Input is also checked before pyld sees it: nesting deeper than `MAX_DEPTH` raises InputError
(pyld is recursive, a 10,000-deep document would otherwise end in RecursionError), so do non-JSON
values and non-finite numbers.
"""

from __future__ import annotations

import copy
import json
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pyld import jsonld as _pyld
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from verification import budget
from verification.errors import ContextError, InputError, JsonLdError, VerificationError

__all__ = [
    "CONTEXT_DIR",
    "CONTEXT_FILES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "Dataset",
    "check_document",
    "expand",
    "load_context",
    "load_document",
    "to_rdf",
]

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"

# URL -> bundled file. Exact string match only: a context URL is an identifier, and a lookalike
# (http://, trailing slash, other host) is a different, unvetted context.
CONTEXT_FILES: Mapping[str, str] = MappingProxyType(
    {
        # W3C Verifiable Credentials
        "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
        "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
        "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
        "https://www.w3.org/ns/credentials/status/v1": "credentials-status-v1.jsonld",
        "https://w3id.org/vc/status-list/2021/v1": "status-list-2021-v1.jsonld",
        # Data Integrity, keys and controller documents
        "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
        "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
        "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-2020-v1.jsonld",
        "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
        "https://w3id.org/security/jwk/v1": "jwk-v1.jsonld",
        "https://www.w3.org/ns/cid/v1": "cid-v1.jsonld",
        # Open Badges 3.0. context-3.0.3.json has been edited in place (jti, endorsementJwt were
        # added); the URL maps to the CURRENT revision, which only adds terms.
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
        # Comprehensive Learner Record 2.0
        "https://purl.imsglobal.org/spec/clr/v2p0/context.json": "clr-v2p0-context.json",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-context-2.0.1.json",
    }
)

# Nesting limit for credentials: real ones stay below 15 (CLR with embedded badges and
# endorsements reaches about 12).
MAX_DEPTH = 64
# JSON values (objects, arrays, scalars) in one document. Canonicalization costs about 10 µs per
# value, so this caps one document at a few seconds; a CLR with hundreds of badges stays far below.
MAX_VALUES = 200_000

# An RDF dataset in pyld's shape: graph name ('@default' or an IRI / blank node) -> triples, each
# triple {'subject': {...}, 'predicate': {...}, 'object': {...}} with 'type' and 'value' keys.
Dataset = dict[str, list[dict[str, Any]]]

_KEYWORDS = frozenset(_pyld.KEYWORDS) | {"@json", "@nest", "@direction"}
_KEYWORD_LIKE = re.compile(r"^@[a-zA-Z]+$")
# The test pyld itself applies (`_is_absolute_iri`): a scheme, or '_' for blank nodes, then no
# whitespace. jsonld.js uses the same expression, so both accept and refuse the same IRIs.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_BCP47 = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
# Lone surrogates (json.loads accepts "\ud800") cannot be encoded as UTF-8 for hashing.
_SURROGATE = re.compile("[\ud800-\udfff]")
# pyld error codes raised while processing a context (inline or bundled).
_CONTEXT_ERROR_CODES = frozenset(
    {
        "context overflow",
        "cyclic IRI mapping",
        "invalid @import value",
        "invalid @propagate value",
        "invalid @protected value",
        "invalid @version value",
        "invalid base IRI",
        "invalid container mapping",
        "invalid context entry",
        "invalid context nullification",
        "invalid default language",
        "invalid IRI mapping",
        "invalid keyword alias",
        "invalid language mapping",
        "invalid local context",
        "invalid prefix value",
        "invalid remote context",
        "invalid reverse property",
        "invalid scoped context",
        "invalid term definition",
        "invalid type mapping",
        "invalid vocab mapping",
        "keyword redefinition",
        "loading remote context failed",
        "processing mode conflict",
        "protected term redefinition",
        "recursive context inclusion",
    }
)


# ------------------------------------------------------------------------------------------------
# Document loader


class _Bundle:
    """The parsed bundled contexts, loaded on first use."""

    def __init__(self) -> None:
        self._parsed: dict[str, Any] = {}
        self._lock = threading.Lock()

    def parsed(self, url: str) -> Any:
        file_name = CONTEXT_FILES.get(url)
        if file_name is None:
            raise ContextError(
                f"The JSON-LD context {url!r} is not one of the bundled contexts; "
                "contexts are never fetched from the network."
            )
        with self._lock:
            if url not in self._parsed:
                self._parsed[url] = json.loads((CONTEXT_DIR / file_name).read_text(encoding="utf-8"))
            return self._parsed[url]


_BUNDLE = _Bundle()

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


def load_context(url: str) -> dict[str, Any]:
    """A private deep copy of the bundled context document served for `url`.

    Raises ContextError (naming the URL) for any URL outside `CONTEXT_FILES`.
    """
    return copy.deepcopy(_BUNDLE.parsed(url))


def load_document(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader: bundled contexts only, tagged `static` so pyld caches them.

    Usable as `documentLoader` with any pyld call; every call returns a fresh copy.
    """
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": load_context(url),
        # pyld's ContextResolver keeps resolved contexts across operations only for 'static'.
        "tag": "static",
    }


class _AllowListContextResolver(ContextResolver):  # type: ignore[misc]  # pyld ships no type information
    """Keeps only allow-listed URL contexts across operations.

    pyld stores every inline context a document carries in the shared cache too; for untrusted
    documents that is unbounded growth, so inline contexts live only for one operation here.
    """

    def _resolve_remote_context(self, active_ctx: Any, url: str, base: Any, cycles: Any) -> Any:
        # Checked before pyld tries to resolve `url` against a base: a relative context URL has
        # no meaning offline and must be reported as the URL the document wrote.
        if url not in CONTEXT_FILES:
            raise ContextError(
                f"The JSON-LD context {url!r} is not one of the bundled contexts; "
                "contexts are never fetched from the network."
            )
        return super()._resolve_remote_context(active_ctx, url, base, cycles)

    def _cache_resolved_context(self, key: str, resolved: Any, tag: str | None) -> Any:
        self.per_op_cache[key] = resolved
        if tag and key in CONTEXT_FILES:
            self.shared_cache.setdefault(key, {})[tag] = resolved
        return resolved


_SHARED_CONTEXT_CACHE: dict[str, Any] = {}
_REGISTERED_URLS: set[str] = set()


def _load_for_processor(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The loader our processor uses: registers the copy it hands out (once per URL)."""
    remote = load_document(url, options)
    if url not in _REGISTERED_URLS:
        _REGISTERED_URLS.add(url)
        _register_bundled(remote["document"])
    return remote


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
_LOCK = threading.RLock()


def _context_key(local_ctx: Any) -> Any:
    """A hashable identity for a local context we trust to be immutable, else None."""
    if isinstance(local_ctx, str):
        return local_ctx if local_ctx in CONTEXT_FILES else None
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
# comparisons, about 30 s for 10,000 tags. While `_SafeProcessor.dataset` builds a node map, those
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
    """pyld's `JsonLdProcessor.add_value`; inside `_SafeProcessor.dataset`, without duplicates and for a
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


class _SafeProcessor(_pyld.JsonLdProcessor):  # type: ignore[misc]  # pyld ships no type information
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
        options = {
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
        active_ctx = self._get_initial_context(options)
        expanded = self._expand(active_ctx, None, document, options, inside_list=False)
        if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
            expanded = expanded["@graph"]
        return expanded if isinstance(expanded, list) else [expanded]

    def dataset(self, expanded: list[Any]) -> Dataset:
        """RDF dataset of checked expanded JSON-LD (pyld's to_rdf minus a second expansion)."""
        issuer = IdentifierIssuer("_:b")
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


# ------------------------------------------------------------------------------------------------
# Checks before and after expansion


def check_document(document: Any, *, max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES) -> dict[str, Any]:
    """A private copy of `document` after checking it is plain, bounded JSON.

    Iterative on purpose: recursion is exactly what a 10,000-deep document is built to break.
    Raises InputError for nesting deeper than `max_depth`, more than `max_values` values, non-JSON
    values, non-string keys, lone surrogates and non-finite numbers; JsonLdError for keys that look like keywords but are not (pyld would drop
    them silently).
    """
    if not isinstance(document, dict):
        raise InputError(f"A JSON-LD document must be a JSON object, not {type(document).__name__}.")
    root: dict[str, Any] = {}
    # (source container, copy, depth)
    stack: list[tuple[Any, Any, int]] = [(document, root, 1)]
    values = 1
    while stack:
        source, target, depth = stack.pop()
        if depth > max_depth:
            raise InputError(f"The document is nested more than {max_depth} levels deep.")
        values += len(source)
        if values > max_values:
            raise InputError(f"The document has more than {max_values:,} JSON values; refusing to process it.")
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in items:
            if isinstance(source, dict):
                if not isinstance(key, str):
                    raise InputError(f"JSON object keys must be strings, not {type(key).__name__}.")
                if _SURROGATE.search(key):
                    raise InputError("A JSON object key contains a lone surrogate (not valid Unicode).")
                if _KEYWORD_LIKE.match(key) and key not in _KEYWORDS:
                    raise JsonLdError(f"The key {key!r} looks like a JSON-LD keyword but is not one.")
            if isinstance(value, dict):
                child: Any = {}
                stack.append((value, child, depth + 1))
            elif isinstance(value, list | tuple):
                child = [None] * len(value)
                stack.append((value, child, depth + 1))
            elif isinstance(value, str):
                if _SURROGATE.search(value):
                    raise InputError("A string contains a lone surrogate (not valid Unicode).")
                child = value
            elif value is None or isinstance(value, bool | int):
                child = value
            elif isinstance(value, float):
                if not math.isfinite(value):
                    raise InputError("JSON numbers must be finite (NaN and Infinity are not JSON).")
                child = value
            else:
                raise InputError(f"{type(value).__name__} is not a JSON value.")
            target[key] = child
    return root


def _is_absolute(iri: Any) -> bool:
    return isinstance(iri, str) and _ABSOLUTE_IRI.match(iri) is not None


def _check_expanded(expanded: list[Any]) -> None:
    """Refuse what pyld's RDF conversion would silently skip (jsonld.js safe-mode events)."""
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if "@value" in item:
            datatype = item.get("@type")
            if datatype is not None and datatype != "@json" and not _is_absolute(datatype):
                raise JsonLdError(f"The datatype {datatype!r} is a relative IRI; safe mode refuses it.")
            language = item.get("@language")
            if language is not None and not (isinstance(language, str) and _BCP47.match(language)):
                raise JsonLdError(f"The language tag {language!r} is not well-formed (BCP 47).")
            if "@direction" in item:
                raise JsonLdError("Values with @direction cannot be signed: RDFC-1.0 would drop the direction.")
            continue
        node_id = item.get("@id")
        if node_id is not None and not _is_absolute(node_id):
            raise JsonLdError(f"The identifier {node_id!r} is a relative IRI; safe mode refuses it.")
        for type_iri in item.get("@type", ()):
            if not _is_absolute(type_iri):
                raise JsonLdError(
                    f"The type {type_iri!r} is not defined by the credential's @context (it would be a "
                    "relative IRI); safe mode refuses it."
                )
        if "@graph" in item:
            for member in item["@graph"]:
                if isinstance(member, dict) and set(member) <= {"@id", "@index"}:
                    raise JsonLdError("A graph member with no properties would be dropped; safe mode refuses it.")
        for key, value in item.items():
            if key == "@reverse":
                for reverse_key, reverse_value in value.items():
                    _check_property(reverse_key)
                    stack.append(reverse_value)
            elif key.startswith("@"):
                if key in ("@graph", "@list", "@set", "@included"):
                    stack.append(value)
            else:
                _check_property(key)
                stack.append(value)


def _check_property(iri: str) -> None:
    if iri.startswith("_:"):
        raise JsonLdError(f"The property {iri!r} is a blank node; RDF does not allow it as a predicate.")
    if not _is_absolute(iri):
        raise JsonLdError(f"The property {iri!r} is a relative IRI; safe mode refuses it.")


def _translate(error: Exception) -> VerificationError:
    """Our own error from a pyld failure, preferring one we raised inside pyld (e.g. ContextError)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, VerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    if isinstance(error, _pyld.JsonLdError):
        code = error.code or error.type
        message = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
        if code in _CONTEXT_ERROR_CODES:
            return ContextError(f"The @context is not valid JSON-LD ({code}): {message}")
        return JsonLdError(f"JSON-LD processing failed ({code}): {message}")
    return JsonLdError(f"JSON-LD processing failed: {type(error).__name__}: {error}")


def expand(document: Any) -> list[Any]:
    """Safe-mode JSON-LD expansion with the bundled contexts only.

    Raises InputError (not JSON, too deep), ContextError (unknown URL or invalid context) or
    JsonLdError (undefined term, relative IRI, dropped value); never a pyld exception.
    """
    checked = check_document(document)
    try:
        with _LOCK:
            expanded = _SafeProcessor().safe_expand(checked)
    except VerificationError:
        raise
    except RecursionError as exc:
        raise InputError("The document is nested too deeply to process.") from exc
    except Exception as exc:  # pyld raises its own errors and, on malformed input, plain ones
        raise _translate(exc) from exc
    _check_expanded(expanded)
    return expanded


def to_rdf(document: Any) -> Dataset:
    """The RDF dataset of `document`, expanded in safe mode (same errors as `expand`).

    Blank nodes are labelled `_:b0`, `_:b1`, ... in document order; RDFC-1.0 relabels them.
    """
    expanded = expand(document)
    try:
        return _SafeProcessor().dataset(expanded)
    except VerificationError:
        raise
    except Exception as exc:
        raise _translate(exc) from exc
