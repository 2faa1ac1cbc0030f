"""The JSON-LD contexts the verifier knows, bundled in `verification/contexts/` and served offline.

`load_document` serves a fixed allow-list of context documents (provenance in `contexts/SOURCES.md`) and
raises ContextError for every other URL: contexts are never fetched from the network. Documents are parsed
once; each load returns a fresh deep copy, so that nothing pyld or a caller does to a returned document can
change what the next caller sees. `verification.jsonld` re-exports these names.

`CONTEXT_FILES` is read at call time (`bundled_contexts.CONTEXT_FILES`) by every module that checks a URL
against it, so a test can add a context for one test by patching this module alone.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from verification.errors import ContextError

__all__ = ["CONTEXT_DIR", "CONTEXT_FILES", "load_context", "load_document"]

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
