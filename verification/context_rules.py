"""What JSON-LD 1.1 forbids in a context that pyld 3.3.0 accepts, and what safe mode cannot sign.

`check_local_context(local_ctx)` runs on every context a document carries itself (verification.pyld_adapter calls
it before pyld processes one; the bundled contexts are trusted), scoped contexts inside its term definitions
included. What it refuses is a ContextError with code `context_malformed`, or a JsonLdError for what safe mode
refuses; every other malformed context is pyld's to find, and verification.jsonld words its errors the same way.
"""

from __future__ import annotations

import json
from typing import Any

from verification.errors import ContextError, JsonLdError

__all__ = ["check_local_context"]


def _malformed(message: str) -> ContextError:
    return ContextError(f"The @context is not valid JSON-LD: {message}", code="context_malformed")


def check_local_context(local_ctx: Any) -> None:
    """Raise ContextError / JsonLdError for a local context (an object, or a list of contexts) that

    * gives `@protected` a value other than true or false, in a context or a term definition ("invalid @protected
      value"; pyld reads any truthy value as true);
    * gives the keyword `@type` more than `@container: @set` and `@protected` ("keyword redefinition"; pyld also
      takes `@id`);
    * sets a default base direction (`@direction`): RDFC-1.0 drops directions, and pyld loses a default direction
      whenever it copies an active context, so the dataset would differ from other processors'. A value's own
      direction is refused after expansion (verification.jsonld).
    """
    for definition in local_ctx if isinstance(local_ctx, list) else [local_ctx]:
        if not isinstance(definition, dict):
            continue  # a URL, null, or a shape pyld refuses itself ("invalid local context")
        protected = definition.get("@protected", False)
        if not isinstance(protected, bool):
            raise _malformed(f"@protected must be true or false, not {json.dumps(protected)[:40]}.")
        if definition.get("@direction") is not None:
            raise JsonLdError(
                "A context sets a default text direction (@direction); RDFC-1.0 would drop it, so it cannot be signed."
            )
        for term, value in definition.items():
            if term == "@type":
                _check_type_definition(value)
            elif isinstance(value, dict) and not isinstance(value.get("@protected", False), bool):
                raise _malformed(f"the term {term!r} has an @protected that is neither true nor false.")


def _check_type_definition(value: Any) -> None:
    container = value.get("@container", "@set") if isinstance(value, dict) else None
    if (
        not isinstance(value, dict)
        or not value
        or not set(value) <= {"@container", "@protected"}
        or container not in ("@set", ["@set"])
        or not isinstance(value.get("@protected", False), bool)
    ):
        raise _malformed("the keyword @type may only be given @container @set and @protected (keyword redefinition).")
