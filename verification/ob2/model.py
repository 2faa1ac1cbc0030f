"""What an Open Badges 2.0 (or 2.1) document looks like, read as JSON: no JSON-LD processing.

OB 2.0 documents are JSON-LD, but every verification rule of the specification (OB 2.0 "Verification") is
stated on the compacted JSON a publisher serves under the `https://w3id.org/openbadges/v2` context: the
assertion's `id`, `badge`, `verification`, the BadgeClass's `issuer`, the issuer's `verification`,
`publicKey` and `revocationList`. Reading them as JSON, with the aliases that context defines (`verify` for
`verification`, `hosted` / `signed` for the verification types), is what the reference validator does after
compaction, without fetching a context from the network. 2.1 (the OB 2.1 API) uses the same context.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

OB2_CONTEXTS = ("https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json")
OB1_CONTEXTS = ("https://w3id.org/openbadges/v1", "https://openbadgespec.org/v1/context.json")
HOSTED_TYPES = ("HostedBadge", "hosted")
SIGNED_TYPES = ("SignedBadge", "signed")
ISSUER_TYPES = ("Issuer", "Profile")

__all__ = [
    "HOSTED_TYPES",
    "ISSUER_TYPES",
    "OB1_CONTEXTS",
    "OB2_CONTEXTS",
    "SIGNED_TYPES",
    "as_list",
    "contexts_of",
    "http_url",
    "is_ob2_assertion",
    "node_id",
    "origin",
    "types_of",
    "verification_of",
]


def as_list(value: Any) -> list[Any]:
    """JSON-LD lets any property hold one value or an array of them."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def types_of(document: Any) -> list[Any]:
    return as_list(document.get("type")) if isinstance(document, dict) else []


def contexts_of(document: dict[str, Any]) -> list[Any]:
    return as_list(document.get("@context"))


def node_id(value: Any) -> str | None:
    """The IRI of a linked node: the string itself, or the `id` of an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        identifier = value.get("id")
        return identifier if isinstance(identifier, str) else None
    return None


def http_url(value: Any) -> bool:
    return isinstance(value, str) and value.lower().startswith(("https://", "http://"))


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an http(s) URL, with the scheme's default port made explicit, so that
    https://example.org and https://example.org:443 are one origin."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def verification_of(assertion: dict[str, Any]) -> dict[str, Any]:
    """The assertion's VerificationObject (`verification`, or its alias `verify` used by 1.x and allowed by
    the 2.0 context); an empty object when there is none."""
    value = assertion.get("verification", assertion.get("verify"))
    return value if isinstance(value, dict) else {}


def is_ob2_assertion(document: Any) -> bool:
    """An Open Badges 1.1/2.0/2.1 assertion (never a Verifiable Credential): an Open Badges 2.0 or 1.1 context,
    or the type `Assertion`, or — without a context, as 1.0 had none — a `recipient` and a `badge`."""
    if not isinstance(document, dict):
        return False
    types = types_of(document)
    if "VerifiableCredential" in types:
        return False
    contexts = contexts_of(document)
    if any(item in OB2_CONTEXTS or item in OB1_CONTEXTS for item in contexts):
        return True
    if "Assertion" in types:
        return True
    return not contexts and "recipient" in document and "badge" in document
