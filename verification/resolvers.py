"""Verification method resolution: DID documents, controller documents, did:web, https URLs, JWKS.

A key is attributed to a controller only when that controller's own document lists it: a document can vouch
for its own keys, never for someone else's. That rule is what makes the callers' "controller == issuer" check
meaningful.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519

from verification.errors import (
    FetchError,
    Indeterminate,
    KeyResolutionError,
    KeyUnavailable,
    VerificationError,
    remembered,
)
from verification.http import HardenedClient
from verification.keys import (
    DidJwkResolver,
    DidKeyResolver,
    KeyResolver,
    PublicKey,
    VerificationMethod,
    base58_decode,
    ed25519_public_from_multibase,
    public_jwk,
    public_key_from_jwk,
    public_key_from_multibase,
)

RELATIONSHIPS = ("assertionMethod", "authentication", "keyAgreement", "capabilityInvocation", "capabilityDelegation")
SUPPORTED_TYPES = (
    "Multikey",
    "Ed25519VerificationKey2020",
    "Ed25519VerificationKey2018",
    "JsonWebKey",
    "JsonWebKey2020",
)
DID_ACCEPT = "application/did+json, application/did+ld+json, application/ld+json;q=0.9, application/json;q=0.8"
LD_ACCEPT = "application/ld+json, application/json;q=0.9"
JWKS_ACCEPT = "application/jwk-set+json, application/json;q=0.9"
MAX_ID_LENGTH = 2048

LocalDocuments = Callable[[str], dict[str, Any] | None]


def _absolute(reference: object, base: str) -> object:
    # DID Core and CID allow ids relative to the document ("#key-1"); everything else is already absolute.
    if isinstance(reference, str) and reference.startswith("#"):
        return base.split("#", 1)[0] + reference
    return reference


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def public_key_of_method(method: Mapping[str, Any]) -> PublicKey:
    """The public key a verification method object describes, for the supported types only."""
    vm_type = method.get("type")
    label = method.get("id", "the verification method")
    if not isinstance(vm_type, str):
        raise KeyResolutionError(f"{label} has no type (expected one of {', '.join(SUPPORTED_TYPES)}).")
    if vm_type in ("Multikey", "Ed25519VerificationKey2020"):
        value = method.get("publicKeyMultibase")
        if not isinstance(value, str):
            raise KeyResolutionError(f"The {vm_type} {label} has no publicKeyMultibase string.")
        # A Multikey names its key type by its multicodec header (Ed25519, P-256, P-384); the 2020 type is Ed25519.
        return public_key_from_multibase(value) if vm_type == "Multikey" else ed25519_public_from_multibase(value)
    if vm_type == "Ed25519VerificationKey2018":
        value = method.get("publicKeyBase58")
        if not isinstance(value, str):
            raise KeyResolutionError(f"The Ed25519VerificationKey2018 {label} has no publicKeyBase58 string.")
        raw = base58_decode(value, what=f"The publicKeyBase58 of {label}")
        if len(raw) != 32:
            raise KeyResolutionError(
                f"An Ed25519 public key is 32 bytes; the publicKeyBase58 of {label} has {len(raw)}."
            )
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if vm_type in ("JsonWebKey", "JsonWebKey2020"):
        if "publicKeyJwk" not in method:
            raise KeyResolutionError(f"The {vm_type} {label} has no publicKeyJwk.")
        return public_key_from_jwk(method["publicKeyJwk"])
    raise KeyResolutionError(
        f"The verification method type {vm_type!r} of {label} is not supported "
        f"(supported: {', '.join(SUPPORTED_TYPES)})."
    )


def same_key(a: PublicKey, b: PublicKey) -> bool:
    return public_jwk(a) == public_jwk(b)


def _references(document: Mapping[str, Any], vm_id: str, base: str) -> tuple[list[dict[str, Any]], set[str]]:
    """Every object defining `vm_id` in the document, and the relationships that name it."""
    definitions: list[dict[str, Any]] = []
    relationships: set[str] = set()
    for entry in _as_list(document.get("verificationMethod")):
        if isinstance(entry, dict) and _absolute(entry.get("id"), base) == vm_id:
            definitions.append(entry)
    for name in RELATIONSHIPS:
        for entry in _as_list(document.get(name)):
            if isinstance(entry, str) and _absolute(entry, base) == vm_id:
                relationships.add(name)
            elif isinstance(entry, dict) and _absolute(entry.get("id"), base) == vm_id:
                definitions.append(entry)
                relationships.add(name)
    return definitions, relationships


def verification_method_from_document(
    document: object, vm_id: str, *, provenance: str = "document"
) -> VerificationMethod:
    """Find `vm_id` in a DID document or controller document and return its key and relationships.

    The method may sit in `verificationMethod` or be embedded in a relationship array; ids relative to the
    document (`#key-1`) are resolved against the document id. The method's controller (default: the document
    id) must be the document's own id.
    """
    if not isinstance(document, dict):
        raise KeyResolutionError("The DID or controller document is not a JSON object.")
    doc_id = document.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        raise KeyResolutionError("The DID or controller document has no id.")
    if not isinstance(vm_id, str) or not vm_id:
        raise KeyResolutionError("The verification method id is empty.")
    vm_id = str(_absolute(vm_id, doc_id))
    if vm_id.startswith("did:") and vm_id.split("#", 1)[0] != doc_id:
        raise KeyResolutionError(
            f"The verification method {vm_id} belongs to {vm_id.split('#', 1)[0]}, not to the DID document of {doc_id}."
        )
    definitions, relationships = _references(document, vm_id, doc_id)
    if not definitions:
        if relationships:
            raise KeyResolutionError(
                f"The document {doc_id} references {vm_id} under {', '.join(sorted(relationships))} "
                "but does not define it."
            )
        raise KeyResolutionError(f"The document {doc_id} does not list the verification method {vm_id}.")

    method = definitions[0]
    key = public_key_of_method({**method, "id": vm_id})
    for other in definitions[1:]:
        if not same_key(key, public_key_of_method({**other, "id": vm_id})):
            raise KeyResolutionError(f"The document {doc_id} defines {vm_id} twice with different keys.")
    controller = _absolute(method.get("controller", doc_id), doc_id)
    if not isinstance(controller, str):
        raise KeyResolutionError(f"The controller of {vm_id} is not a string.")
    if controller != doc_id:
        # Otherwise any document could declare that its key belongs to someone else (e.g. the issuer).
        raise KeyResolutionError(
            f"The verification method {vm_id} names {controller} as controller, but it is listed in the document "
            f"of {doc_id}; a document can only vouch for its own keys."
        )
    return VerificationMethod(
        id=vm_id,
        controller=controller,
        type=str(method["type"]),
        public_key=key,
        relationships=frozenset(relationships),
        provenance=provenance,
    )


# did:web method-specific id: host (port percent-encoded as %3A), then optional ':'-separated path segments.
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+$")


def did_web_to_url(did: str, *, scheme: str = "https") -> str:
    """The URL of a did:web DID document (did:web spec §3.2 Read): `.well-known/did.json` or `<path>/did.json`."""
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise KeyResolutionError(f"{did!r} is not a did:web DID.")
    if any(ch in did for ch in "?#/"):
        raise KeyResolutionError(f"{did} is a DID URL, not a did:web DID (no path, query or fragment allowed).")
    host_part, *segments = did[len("did:web:") :].split(":")
    host_text, percent, port_text = host_part.replace("%3a", "%3A").partition("%3A")
    if not _HOST.match(host_text) or ".." in host_text:
        raise KeyResolutionError(f"{did} does not name a valid host ({host_part!r}).")
    netloc = host_text.lower()
    if percent:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise KeyResolutionError(f"{did} has an invalid port {port_text!r}.")
        netloc += f":{int(port_text)}"
    for segment in segments:
        if not _SEGMENT.match(segment) or segment in (".", ".."):
            raise KeyResolutionError(f"{did} has an invalid path segment {segment!r}.")
    path = "/" + "/".join(segments) + "/did.json" if segments else "/.well-known/did.json"
    return f"{scheme}://{netloc}{path}"


class DidWebResolver:
    """did:web. `local_documents(did)` is asked first: when it returns a document no HTTP is made (the platform
    serves its own issuers from the database this way). Documents are cached for the resolver's lifetime.

    `scheme` is "https" as the did:web spec requires; "http" exists only for local development and tests
    (the client must allow http as well).
    """

    def __init__(
        self,
        client: HardenedClient | None,
        local_documents: LocalDocuments | None = None,
        *,
        scheme: str = "https",
    ) -> None:
        self.client = client
        self.local_documents = local_documents
        self.scheme = scheme
        self._documents: dict[str, dict[str, Any]] = {}

    def resolve_document(self, did: str) -> dict[str, Any]:
        if did in self._documents:
            return self._documents[did]
        url = did_web_to_url(did, scheme=self.scheme)
        document = self.local_documents(did) if self.local_documents is not None else None
        source = "the platform's own issuer records" if document is not None else url
        if document is None:
            if self.client is None:
                raise KeyUnavailable(f"{did} is not a local issuer and remote did:web resolution is disabled.")
            try:
                document = self.client.get_json(url, accept=DID_ACCEPT)
            except FetchError as exc:
                raise KeyUnavailable(f"Could not fetch the DID document of {did}: {exc.message}") from exc
        if not isinstance(document, dict):
            raise KeyResolutionError(f"The DID document of {did} from {source} is not a JSON object.")
        if document.get("id") != did:
            raise KeyResolutionError(
                f"The DID document at {source} has id {document.get('id')!r}, not {did}; it cannot speak for {did}."
            )
        self._documents[did] = document
        return document

    def resolve(self, verification_method_id: str) -> VerificationMethod:
        did, fragment_sep, fragment = verification_method_id.partition("#")
        if not fragment_sep or not fragment:
            raise KeyResolutionError(
                f"{verification_method_id} names a DID, not one of its keys: a verification method needs a "
                "fragment such as #key-1."
            )
        document = self.resolve_document(did)
        return verification_method_from_document(document, verification_method_id)


class HttpsResolver:
    """An https verification method URL. The fetched document is either the verification method itself (then
    its controller's document must list it) or a controller document whose id is the fetched URL."""

    def __init__(self, client: HardenedClient) -> None:
        self.client = client
        self._documents: dict[str, Any] = {}

    def _fetch(self, url: str) -> Any:
        if url not in self._documents:
            try:
                self._documents[url] = self.client.get_json(url, accept=LD_ACCEPT)
            except FetchError as exc:
                raise KeyUnavailable(f"Could not fetch {url}: {exc.message}") from exc
        return self._documents[url]

    def document(self, url: str) -> Any:
        """The JSON at `url` (fetched once per resolver), for callers that read an issuer profile."""
        scheme = urlsplit(url).scheme.lower()
        if scheme not in self.client.allowed_schemes:
            raise KeyResolutionError(f"{url} is not an https URL.")
        return self._fetch(url.split("#", 1)[0])

    def resolve(self, verification_method_id: str) -> VerificationMethod:
        scheme = urlsplit(verification_method_id).scheme.lower()
        if scheme not in self.client.allowed_schemes:
            raise KeyResolutionError(f"{verification_method_id} is not an https URL.")
        base = verification_method_id.split("#", 1)[0]
        document = self._fetch(base)
        if not isinstance(document, dict):
            raise KeyResolutionError(f"The document at {base} is not a JSON object.")
        if document.get("id") == verification_method_id and "verificationMethod" not in document:
            return self._standalone(document, verification_method_id)
        if document.get("id") != base:
            raise KeyResolutionError(
                f"The document at {base} has id {document.get('id')!r}; a controller document must carry the URL "
                "it is served from as its id."
            )
        return verification_method_from_document(document, verification_method_id)

    def _standalone(self, method: dict[str, Any], vm_id: str) -> VerificationMethod:
        key = public_key_of_method(method)
        controller = method.get("controller")
        if not isinstance(controller, str) or not controller:
            raise KeyResolutionError(f"The verification method {vm_id} names no controller.")
        if urlsplit(controller).scheme.lower() not in self.client.allowed_schemes:
            raise KeyResolutionError(
                f"The verification method {vm_id} names the controller {controller}, which is not an https URL; "
                "resolve it through the controller's DID instead."
            )
        controller_document = self._fetch(controller.split("#", 1)[0])
        if not isinstance(controller_document, dict) or controller_document.get("id") != controller:
            raise KeyResolutionError(
                f"The controller document at {controller} does not carry {controller} as its id, so it cannot "
                f"confirm {vm_id}."
            )
        definitions, relationships = _references(controller_document, vm_id, controller)
        for definition in definitions:
            if not same_key(key, public_key_of_method({**definition, "id": vm_id})):
                raise KeyResolutionError(f"The controller document {controller} lists {vm_id} with a different key.")
        if not definitions and not relationships:
            # The method document alone cannot make its controller responsible for the key.
            raise KeyResolutionError(
                f"The controller document {controller} does not list {vm_id}, so the key is not confirmed."
            )
        return VerificationMethod(
            id=vm_id,
            controller=controller,
            type=str(method["type"]),
            public_key=key,
            relationships=frozenset(relationships),
            provenance="document",
        )


class CompositeResolver:
    """Dispatches on the id's prefix (did:key:, did:jwk:, did:web:, https:, …) and caches answers, including
    failures, for its lifetime so one verification never fetches the same document twice.

    A key is only ever taken from a document its controller publishes (or from a self-certifying DID); a key
    spelled in a URL fragment (`…#z6Mk…`) is never trusted on its own (docs/decisions.md D26). When the document
    cannot be obtained the answer is KeyUnavailable (indeterminate), not a key.
    """

    def __init__(
        self,
        resolvers: Mapping[str, KeyResolver] | Iterable[tuple[str, KeyResolver]] | None = None,
        *,
        client: HardenedClient | None = None,
        did_web: DidWebResolver | None = None,
        local_documents: LocalDocuments | None = None,
    ) -> None:
        """Either explicit `resolvers` (a prefix mapping, or an ordered list of (prefix, resolver)), or the
        standard set built from `client`, `did_web` and `local_documents` (see `default`)."""
        # The client also fetches what is not a key (an Open Badges 2.0 badge's documents: verification.service).
        self.client = client
        self._https = HttpsResolver(client) if client is not None else None
        if resolvers is None:
            resolvers = _standard_resolvers(client, did_web=did_web, local_documents=local_documents, https=self._https)
        self.resolvers: list[tuple[str, KeyResolver]]
        if isinstance(resolvers, Mapping):
            # Most specific prefix first, so "did:web:" wins over a catch-all "did:".
            self.resolvers = sorted(resolvers.items(), key=lambda item: len(item[0]), reverse=True)
        else:
            self.resolvers = list(resolvers)
        self._cache: dict[str, VerificationMethod | VerificationError] = {}

    @classmethod
    def default(
        cls, client: HardenedClient | None, *, local_documents: LocalDocuments | None = None
    ) -> CompositeResolver:
        """did:key and did:jwk offline, did:web (local documents first), https through `client` (none: offline)."""
        return cls(client=client, local_documents=local_documents)

    def resolve(self, verification_method_id: str) -> VerificationMethod:
        if not isinstance(verification_method_id, str) or not verification_method_id:
            raise KeyResolutionError("The verification method id is empty or not a string.")
        if len(verification_method_id) > MAX_ID_LENGTH:
            raise KeyResolutionError(f"The verification method id is longer than {MAX_ID_LENGTH} characters.")
        return remembered(self._cache, verification_method_id, lambda: self._resolve(verification_method_id))

    def _resolve(self, vm_id: str) -> VerificationMethod:
        resolver = next((r for prefix, r in self.resolvers if vm_id.startswith(prefix)), None)
        if resolver is None:
            supported = ", ".join(prefix.rstrip(":/") for prefix, _ in self.resolvers)
            raise KeyUnavailable(
                f"This verifier cannot resolve the verification method {vm_id} (supported: {supported}).",
                code="key_method_unsupported",
            )
        try:
            return resolver.resolve(vm_id)
        except FetchError as exc:
            raise KeyUnavailable(f"Could not fetch the key {vm_id}: {exc.message}") from exc
        except (KeyResolutionError, Indeterminate):
            raise
        except VerificationError as exc:
            raise KeyResolutionError(exc.message) from exc

    def issuer_profile(self, url: str) -> dict[str, Any]:
        """The issuer profile published at an https issuer id, which may list or link the issuer's keys.

        KeyUnavailable when it cannot be fetched (or remote fetching is off); KeyResolutionError when what is
        there cannot speak for `url` (not a JSON object, or another id).
        """
        if self._https is None:
            raise KeyUnavailable(f"The issuer profile {url} was not fetched: remote resolution is disabled.")
        try:
            document = self._https.document(url)
        except FetchError as exc:
            raise KeyUnavailable(f"Could not fetch the issuer profile {url}: {exc.message}") from exc
        if not isinstance(document, dict):
            raise KeyResolutionError(f"The issuer profile at {url} is not a JSON object.")
        if document.get("id") != url:
            raise KeyResolutionError(
                f"The document at {url} has id {document.get('id')!r}, so it cannot speak for the issuer {url}."
            )
        return document


def _standard_resolvers(
    client: HardenedClient | None,
    *,
    did_web: DidWebResolver | None = None,
    local_documents: LocalDocuments | None = None,
    https: HttpsResolver | None = None,
) -> list[tuple[str, KeyResolver]]:
    resolvers: list[tuple[str, KeyResolver]] = [
        ("did:key:", DidKeyResolver()),
        ("did:jwk:", DidJwkResolver()),
        ("did:web:", did_web or DidWebResolver(client, local_documents)),
    ]
    if client is not None:
        https = https or HttpsResolver(client)
        resolvers.append(("https://", https))
        if client.allow_http:
            resolvers.append(("http://", https))
    return resolvers


def jwks_contains(client: HardenedClient, issuer_url: str, jwk: Mapping[str, Any]) -> bool:
    """Whether the issuer's `https://{authority}/.well-known/jwks.json` lists the public key `jwk`.

    An entry with an `iss` member must name `issuer_url`. A fetch failure raises FetchError so the caller
    can tell "not listed" from "could not check".
    """
    parts = urlsplit(issuer_url)
    if parts.scheme.lower() not in client.allowed_schemes or not parts.netloc:
        raise KeyResolutionError(f"The issuer id {issuer_url} is not an https URL, so it has no JWKS.")
    target = public_jwk(public_key_from_jwk(dict(jwk)))
    document = client.get_json(f"{parts.scheme.lower()}://{parts.netloc}/.well-known/jwks.json", accept=JWKS_ACCEPT)
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise KeyResolutionError(f"The JWKS of {parts.netloc} has no 'keys' array.")
    for entry in keys:
        if not isinstance(entry, dict) or ("iss" in entry and entry["iss"] != issuer_url):
            continue
        try:
            candidate = public_jwk(public_key_from_jwk(entry))
        except KeyResolutionError:
            continue
        if candidate == target:
            return True
    return False
