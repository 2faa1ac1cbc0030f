"""Errors of the trust layer. Each carries a stable `code` and a sentence a person understands."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import TypeVar

T = TypeVar("T")


class VerificationError(Exception):
    """Base class. `code` is part of the documented vocabulary (docs/verification.md)."""

    code = "verification_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InputError(VerificationError):
    """The input cannot be used at all (not JSON, truncated JWS, too large, too deep, no credential in an image)."""

    code = "invalid_input"


class InputTooLarge(InputError):
    """The input, or the credential found in it, is over a size limit (callers answer 413)."""

    code = "input_too_large"


class ContextError(InputError):
    """A JSON-LD context that is not in the bundled allow-list (`unknown_context`), or a context or term definition
    that JSON-LD 1.1 refuses (code `context_malformed`)."""

    code = "unknown_context"


class JsonLdError(VerificationError):
    """JSON-LD processing in safe mode refused the document (undefined term, relative IRI, ...)."""

    code = "jsonld_error"


class CanonicalizationError(VerificationError):
    """RDFC-1.0 could not finish: the dataset exceeds the work limit (dataset poisoning)."""

    code = "canonicalization_limit"


class KeyResolutionError(VerificationError):
    """The verification method could not be turned into a public key we trust."""

    code = "key_unresolved"


class ProofError(VerificationError):
    """A proof is malformed or its signature does not match."""

    code = "proof_invalid"


class FetchError(VerificationError):
    """The hardened HTTP client refused or failed a fetch."""

    code = "fetch_failed"


class HttpStatusError(FetchError):
    """The server answered, but not with 2xx (or a redirect). `status` is its HTTP status: an Open Badges 2.0
    hosted assertion answering 410 Gone is revoked, not merely unavailable."""

    code = "fetch_http_status"

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class Indeterminate(VerificationError):
    """A required check could not be completed (a document or list unreachable, slow, oversized or itself
    badly signed). Never read as "passed": the verdict becomes indeterminate, not valid."""

    code = "indeterminate"


class KeyUnavailable(Indeterminate):
    """The document that would bind a key to its controller could not be obtained (unreachable, slow,
    oversized, or a DID method this verifier cannot resolve). The key is neither trusted nor refused."""

    code = "key_unavailable"


class TooComplex(Indeterminate):
    """The verification ran out of its work or time budget (hostile or pathological input)."""

    code = "too_complex"


class PlatformUnavailable(Exception):  # noqa: N818 - a condition, not a verification finding
    """The platform itself cannot answer (its database is down). Not a finding about the credential: callers
    answer 503 with Retry-After, never "invalid". Deliberately not a VerificationError, so no check swallows it."""

    def __init__(self, message: str = "The platform cannot check credentials right now.") -> None:
        super().__init__(message)
        self.message = message


def remembered(cache: MutableMapping[str, T | VerificationError], key: str, compute: Callable[[], T]) -> T:
    """`compute()` once per key, its failure included: a document that could not be had is not asked for again
    within one verification, and every caller gets the same answer."""
    known = cache.get(key)
    if known is None:
        try:
            known = compute()
        except VerificationError as exc:
            known = exc
        cache[key] = known
    if isinstance(known, VerificationError):
        raise known
    return known
