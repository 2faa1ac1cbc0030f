"""Offline, safe-mode JSON-LD processing on top of pyld 3.3.0: `expand`, `to_rdf`, `check_document`.

Three things a verifier needs from JSON-LD, none of which stock pyld gives by default:

* **No network.** Only the context documents bundled in `verification/contexts/` are served
  (verification.bundled_contexts, whose `CONTEXT_FILES`, `CONTEXT_DIR`, `load_context` and
  `load_document` this module re-exports); every other URL raises ContextError.
* **Safe mode**, as jsonld.js defines it (`safe: true`): whatever pyld would silently drop or
  resolve against a made-up base is refused instead, because a signature over a dataset that does
  not contain a property does not protect that property. Refused: undefined terms (pyld's
  `on_property_dropped` hook), relative IRIs in `@id`, `@type` or a datatype (stock pyld resolves
  an undefined type such as `1EdTechJsonSchemaValidator2019` against `http://example.org/base/`,
  see `DEFAULT_BASE_IRI` in pyld/jsonld.py), blank-node predicates, free-floating values that
  expansion drops, malformed language tags and `@direction` (which RDFC-1.0 would not sign). What
  pyld drops while it expands is refused inside its processor (verification.pyld_adapter); the
  rest is checked here, on the expanded document.
* **Speed** (verification.pyld_adapter). Every bundled context is tagged `static`, so pyld keeps
  the processed context, and context processing is memoised per (active context, local context)
  because pyld's own per-active-context cache misses on every type-scoped context (each
  non-propagating scoped context is processed against a fresh clone). Without this, two thirds of
  the time of a canonicalization goes into re-processing the same OB 3.0 contexts. The node map's
  de-duplication is indexed (`pyld_adapter._add_value`): a property with n values costs n, not
  n²/2, comparisons.

Input is also checked before pyld sees it: nesting deeper than `MAX_DEPTH` raises InputError
(pyld is recursive, a 10,000-deep document would otherwise end in RecursionError), so do non-JSON
values and non-finite numbers.
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from verification import pyld_adapter
from verification.bundled_contexts import CONTEXT_DIR, CONTEXT_FILES, load_context, load_document
from verification.errors import ContextError, InputError, JsonLdError, VerificationError
from verification.pyld_adapter import Dataset

logger = logging.getLogger(__name__)

__all__ = [
    "ABSOLUTE_IRI",
    "BCP47",
    "CONTEXT_DIR",
    "CONTEXT_FILES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "KEYWORD_LIKE",
    "Dataset",
    "check_document",
    "expand",
    "load_context",
    "load_document",
    "to_rdf",
]

# Nesting limit for credentials: real ones stay below 15 (CLR with embedded badges and
# endorsements reaches about 12).
MAX_DEPTH = 64
# JSON values (objects, arrays, scalars) in one document. Canonicalization costs about 10 µs per
# value, so this caps one document at a few seconds; a CLR with hundreds of badges stays far below.
MAX_VALUES = 200_000

_KEYWORDS = pyld_adapter.KEYWORDS | {"@json", "@nest", "@direction"}
# KEYWORD_LIKE, ABSOLUTE_IRI and BCP47 are the fast path's tests too (verification.fastrdf_terms): it must accept
# exactly what is accepted here.
KEYWORD_LIKE = re.compile(r"^@[a-zA-Z]+$")
# The test pyld itself applies (`_is_absolute_iri`): a scheme, or '_' for blank nodes, then no
# whitespace. jsonld.js uses the same expression, so both accept and refuse the same IRIs.
ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
BCP47 = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
# Lone surrogates (json.loads accepts "\ud800") cannot be encoded as UTF-8 for hashing.
_SURROGATE = re.compile("[\ud800-\udfff]")
# pyld error codes raised while processing a context (inline or bundled).
_CONTEXT_ERROR_CODES = frozenset(
    {
        "context overflow",
        "cyclic IRI mapping",
        "invalid @import value",
        "invalid @prefix value",
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
                if KEYWORD_LIKE.match(key) and key not in _KEYWORDS:
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
    return isinstance(iri, str) and ABSOLUTE_IRI.match(iri) is not None


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
            if language is not None and not (isinstance(language, str) and BCP47.match(language)):
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
    pyld_failure = pyld_adapter.pyld_error(error)
    if pyld_failure is not None:
        code, message = pyld_failure
        if code in _CONTEXT_ERROR_CODES:
            return ContextError(f"The @context is not valid JSON-LD ({code}): {message}", code="context_malformed")
        return JsonLdError(f"JSON-LD processing failed ({code}): {message}")
    # Not an error pyld reports but one it ran into (a KeyError on a context it did not foresee): the document is
    # refused all the same, in words, and the details go to the log, where a defect can be found.
    logger.warning("JSON-LD processing raised %s", type(error).__name__, exc_info=error)
    return JsonLdError("The document's JSON-LD could not be processed: its @context or its terms are not usable.")


def expand(document: Any) -> list[Any]:
    """Safe-mode JSON-LD expansion with the bundled contexts only.

    Raises InputError (not JSON, too deep), ContextError (unknown URL or invalid context) or
    JsonLdError (undefined term, relative IRI, dropped value); never a pyld exception.
    """
    checked = check_document(document)
    try:
        expanded = pyld_adapter.expand(checked)
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
        return pyld_adapter.dataset(expanded)
    except VerificationError:
        raise
    except Exception as exc:
        raise _translate(exc) from exc
