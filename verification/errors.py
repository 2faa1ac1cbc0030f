"""Errors of the trust layer. Each carries a stable `code` and a sentence a person understands."""

from __future__ import annotations


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


class ContextError(InputError):
    """A JSON-LD context that is not in the bundled allow-list, or a malformed context."""

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
