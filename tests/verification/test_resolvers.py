"""Verification method resolution: documents, did:web, did:jwk, https, keys in fragments (never trusted), JWKS."""

from __future__ import annotations

import base64
import json

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.verification.test_http import LocalServer
from verification.errors import KeyResolutionError, KeyUnavailable
from verification.http import HardenedClient
from verification.keys import (
    KeyResolver,
    VerificationMethod,
    ec_public_to_multibase,
    ed25519_public_to_multibase,
    multibase_b58_encode,
    public_jwk,
)
from verification.resolvers import (
    CompositeResolver,
    DidWebResolver,
    HttpsResolver,
    did_web_to_url,
    jwks_contains,
    verification_method_from_document,
)

ED_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key()
ED_MULTIBASE = ed25519_public_to_multibase(ED_KEY)
OTHER_ED_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33))).public_key()
P256_KEY = ec.derive_private_key(123456789, ec.SECP256R1()).public_key()
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
DID = "did:web:issuer.example"


def same(a: object, b: object) -> bool:
    return public_jwk(a) == public_jwk(b)  # type: ignore[arg-type]


@pytest.fixture
def server():
    with LocalServer() as running:
        yield running


def local_client() -> HardenedClient:
    return HardenedClient(allow_http=True, allow_private=True, timeout=2.0)


def did_document(*methods: dict, did: str = DID, **relationships: list) -> dict:
    document: dict = {"@context": ["https://www.w3.org/ns/did/v1"], "id": did, "verificationMethod": list(methods)}
    document.update(relationships)
    return document


# ----------------------------------------------------------------------------------------------------------------
# verification_method_from_document


@pytest.mark.parametrize(
    ("method", "key"),
    [
        ({"type": "Multikey", "publicKeyMultibase": ED_MULTIBASE}, ED_KEY),
        ({"type": "Ed25519VerificationKey2020", "publicKeyMultibase": ED_MULTIBASE}, ED_KEY),
        (
            {
                "type": "Ed25519VerificationKey2018",
                "publicKeyBase58": base58.b58encode(ED_KEY.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode(),
            },
            ED_KEY,
        ),
        ({"type": "JsonWebKey", "publicKeyJwk": public_jwk(ED_KEY)}, ED_KEY),
        ({"type": "JsonWebKey", "publicKeyJwk": public_jwk(P256_KEY)}, P256_KEY),
        ({"type": "JsonWebKey2020", "publicKeyJwk": public_jwk(RSA_KEY)}, RSA_KEY),
        ({"type": "JsonWebKey2020", "publicKeyJwk": public_jwk(P256_KEY)}, P256_KEY),
    ],
    ids=["multikey", "ed2020", "ed2018", "jwk-ed25519", "jwk-p256", "jwk2020-rsa", "jwk2020-p256"],
)
def test_each_supported_type(method: dict, key: object) -> None:
    document = did_document({"id": f"{DID}#key-1", "controller": DID, **method}, assertionMethod=[f"{DID}#key-1"])
    resolved = verification_method_from_document(document, f"{DID}#key-1")
    assert same(resolved.public_key, key)
    assert resolved.type == method["type"]
    assert resolved.controller == DID
    assert resolved.relationships == frozenset({"assertionMethod"})
    assert resolved.provenance == "document"


def test_relative_ids_and_default_controller() -> None:
    document = did_document(
        {"id": "#key-1", "type": "Multikey", "publicKeyMultibase": ED_MULTIBASE},
        assertionMethod=["#key-1"],
        authentication=[f"{DID}#key-1"],
        capabilityInvocation=["#other"],
    )
    for vm_id in ("#key-1", f"{DID}#key-1"):
        resolved = verification_method_from_document(document, vm_id)
        assert resolved.id == f"{DID}#key-1"
        assert resolved.controller == DID
        assert resolved.relationships == frozenset({"assertionMethod", "authentication"})


def test_embedded_method_in_assertion_method() -> None:
    document = {
        "id": DID,
        "assertionMethod": [
            {"id": "#key-2", "type": "Multikey", "controller": DID, "publicKeyMultibase": ED_MULTIBASE}
        ],
        "authentication": ["#key-2"],
    }
    resolved = verification_method_from_document(document, f"{DID}#key-2")
    assert same(resolved.public_key, ED_KEY)
    assert resolved.relationships == frozenset({"assertionMethod", "authentication"})


def test_listed_but_in_no_relationship_has_no_relationships() -> None:
    document = did_document({"id": "#key-1", "type": "Multikey", "publicKeyMultibase": ED_MULTIBASE})
    assert verification_method_from_document(document, "#key-1").relationships == frozenset()


def test_unknown_type_is_named() -> None:
    document = did_document({"id": "#key-1", "type": "EcdsaSecp256k1VerificationKey2019", "publicKeyHex": "02ab"})
    with pytest.raises(KeyResolutionError, match="'EcdsaSecp256k1VerificationKey2019' .* is not supported"):
        verification_method_from_document(document, "#key-1")


@pytest.mark.parametrize(
    ("multibase", "message"),
    [
        # X25519 (z6LS…): a key-agreement key
        (multibase_b58_encode(b"\xec\x01" + bytes(32)), "prefix ec01; supported are Ed25519 .*P-256 .*P-384"),
        # P-256 (zDn…) header, but not a compressed point
        (multibase_b58_encode(b"\x80\x24" + bytes(33)), "P-256 Multikey holds a 33-byte compressed point"),
        # P-384 header with a P-256-sized point
        (multibase_b58_encode(b"\x81\x24\x02" + bytes(32)), "P-384 Multikey holds a 49-byte compressed point"),
        # P-256 uncompressed (0x04 || x || y): not the Multikey encoding
        (multibase_b58_encode(b"\x80\x24\x04" + bytes(64)), "P-256 Multikey holds a 33-byte compressed point"),
        # p256-priv: a secret key published by mistake
        (multibase_b58_encode(b"\x86\x26" + bytes(32)), "secret key, not a public key"),
    ],
)
def test_wrong_multicodec_is_refused(multibase: str, message: str) -> None:
    document = did_document({"id": "#key-1", "type": "Multikey", "publicKeyMultibase": multibase})
    with pytest.raises(KeyResolutionError, match=message):
        verification_method_from_document(document, "#key-1")


def test_ed25519_verification_key_2020_stays_ed25519_only() -> None:
    p256 = ec_public_to_multibase(ec.generate_private_key(ec.SECP256R1()).public_key())
    document = did_document({"id": "#key-1", "type": "Ed25519VerificationKey2020", "publicKeyMultibase": p256})
    with pytest.raises(KeyResolutionError, match="not an Ed25519 Multikey .*expected ed01"):
        verification_method_from_document(document, "#key-1")


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ({"type": "Multikey"}, "has no publicKeyMultibase"),
        ({"type": "Ed25519VerificationKey2018", "publicKeyBase58": "0OIl"}, "not valid base58"),
        ({"type": "Ed25519VerificationKey2018", "publicKeyBase58": "abc"}, "is 32 bytes"),
        ({"type": "JsonWebKey2020", "publicKeyJwk": {**public_jwk(P256_KEY), "d": "AAAA"}}, "private key member"),
        ({"type": "JsonWebKey"}, "has no publicKeyJwk"),
        ({"publicKeyMultibase": ED_MULTIBASE}, "has no type"),
    ],
)
def test_malformed_methods(method: dict, message: str) -> None:
    document = did_document({"id": "#key-1", **method})
    with pytest.raises(KeyResolutionError, match=message):
        verification_method_from_document(document, "#key-1")


def test_controller_other_than_document_is_refused() -> None:
    # A document must not be able to attribute its key to someone else (for instance the issuer).
    document = did_document(
        {
            "id": "#key-1",
            "type": "Multikey",
            "controller": "did:web:victim.example",
            "publicKeyMultibase": ED_MULTIBASE,
        },
        assertionMethod=["#key-1"],
    )
    with pytest.raises(KeyResolutionError, match="a document can only vouch for its own keys"):
        verification_method_from_document(document, "#key-1")


def test_method_of_another_did_is_refused() -> None:
    document = did_document(
        {"id": "did:web:other.example#key-1", "type": "Multikey", "publicKeyMultibase": ED_MULTIBASE}
    )
    with pytest.raises(KeyResolutionError, match="belongs to did:web:other.example"):
        verification_method_from_document(document, "did:web:other.example#key-1")


def test_missing_and_referenced_only_methods() -> None:
    document = did_document(assertionMethod=["#key-9"])
    with pytest.raises(KeyResolutionError, match="does not list the verification method"):
        verification_method_from_document(document, "#key-1")
    with pytest.raises(KeyResolutionError, match="references .*#key-9 under assertionMethod but does not define it"):
        verification_method_from_document(document, "#key-9")


def test_conflicting_definitions_are_refused() -> None:
    other = ed25519_public_to_multibase(OTHER_ED_KEY)
    document = did_document(
        {"id": "#key-1", "type": "Multikey", "publicKeyMultibase": ED_MULTIBASE},
        assertionMethod=[{"id": "#key-1", "type": "Multikey", "publicKeyMultibase": other}],
    )
    with pytest.raises(KeyResolutionError, match="twice with different keys"):
        verification_method_from_document(document, "#key-1")


@pytest.mark.parametrize("document", [[], "x", {"verificationMethod": []}])
def test_unusable_documents(document: object) -> None:
    with pytest.raises(KeyResolutionError):
        verification_method_from_document(document, "#key-1")


# ----------------------------------------------------------------------------------------------------------------
# did:web


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        ("did:web:host%3A8443:a:b", "https://host:8443/a/b/did.json"),
        ("did:web:Example.COM%3a443:issuers:uni", "https://example.com:443/issuers/uni/did.json"),
        ("did:web:example.com:user%20name", "https://example.com/user%20name/did.json"),
    ],
)
def test_did_web_urls(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


@pytest.mark.parametrize(
    ("did", "message"),
    [
        ("did:key:z6Mk", "not a did:web DID"),
        ("did:web:example.com/path", "DID URL"),
        ("did:web:example.com#key", "DID URL"),
        ("did:web:exa%41mple.com", "valid host"),
        ("did:web:user@example.com", "valid host"),
        ("did:web:example.com%3A99999", "invalid port"),
        ("did:web:example.com%3Aabc", "invalid port"),
        ("did:web:example.com:..:secret", "invalid path segment"),
        ("did:web:example.com::a", "invalid path segment"),
        ("did:web:", "valid host"),
    ],
)
def test_invalid_did_web(did: str, message: str) -> None:
    with pytest.raises(KeyResolutionError, match=message):
        did_web_to_url(did)


def served_did(server: LocalServer) -> str:
    return f"did:web:127.0.0.1%3A{server.port}:issuers:acme"


def test_did_web_over_http_server_and_cache(server: LocalServer) -> None:
    did = served_did(server)
    server.json(
        "/issuers/acme/did.json",
        did_document(
            {"id": "#key-1", "type": "Multikey", "controller": did, "publicKeyMultibase": ED_MULTIBASE},
            did=did,
            assertionMethod=["#key-1"],
        ),
    )
    resolver = DidWebResolver(local_client(), scheme="http")
    resolved = resolver.resolve(f"{did}#key-1")
    assert same(resolved.public_key, ED_KEY)
    assert resolved.controller == did
    assert "assertionMethod" in resolved.relationships
    resolver.resolve(f"{did}#key-1")
    assert [path for path, _ in server.requests] == ["/issuers/acme/did.json"]


def test_did_web_document_with_other_id_is_refused(server: LocalServer) -> None:
    did = served_did(server)
    server.json("/issuers/acme/did.json", did_document(did="did:web:attacker.example"))
    with pytest.raises(KeyResolutionError, match="has id 'did:web:attacker.example'"):
        DidWebResolver(local_client(), scheme="http").resolve(f"{did}#key-1")


def test_did_web_fetch_failure_leaves_the_key_unavailable(server: LocalServer) -> None:
    with pytest.raises(KeyUnavailable, match="Could not fetch the DID document .*HTTP 404") as caught:
        DidWebResolver(local_client(), scheme="http").resolve(f"{served_did(server)}#key-1")
    assert caught.value.__cause__ is not None


def test_local_documents_make_no_http_request(server: LocalServer) -> None:
    did = served_did(server)
    server.json("/issuers/acme/did.json", did_document(did=did))
    asked: list[str] = []

    def local(requested: str) -> dict | None:
        asked.append(requested)
        return did_document(
            {"id": "#key-1", "type": "Multikey", "publicKeyMultibase": ED_MULTIBASE},
            did=did,
            assertionMethod=["#key-1"],
        )

    resolver = DidWebResolver(local_client(), local_documents=local, scheme="http")
    assert same(resolver.resolve(f"{did}#key-1").public_key, ED_KEY)
    assert asked == [did]
    assert server.requests == []


def test_did_web_needs_a_fragment() -> None:
    with pytest.raises(KeyResolutionError, match="needs a fragment"):
        DidWebResolver(None).resolve(DID)


def test_remote_did_web_without_client() -> None:
    with pytest.raises(KeyUnavailable, match="remote did:web resolution is disabled"):
        DidWebResolver(None, local_documents=lambda did: None).resolve(f"{DID}#key-1")


# ----------------------------------------------------------------------------------------------------------------
# https verification methods


def test_https_controller_document(server: LocalServer) -> None:
    issuer = server.url("/issuers/1")
    server.json(
        "/issuers/1",
        {
            "@context": ["https://www.w3.org/ns/cid/v1"],
            "id": issuer,
            "verificationMethod": [{"id": "#key-1", "type": "Multikey", "publicKeyMultibase": ED_MULTIBASE}],
            "assertionMethod": ["#key-1"],
        },
    )
    resolved = HttpsResolver(local_client()).resolve(f"{issuer}#key-1")
    assert same(resolved.public_key, ED_KEY)
    assert resolved.controller == issuer
    assert resolved.relationships == frozenset({"assertionMethod"})


def test_https_controller_document_must_carry_its_url(server: LocalServer) -> None:
    server.json("/issuers/1", {"id": "https://elsewhere.example/issuers/1", "verificationMethod": []})
    with pytest.raises(KeyResolutionError, match="must carry the URL it is served from"):
        HttpsResolver(local_client()).resolve(server.url("/issuers/1#key-1"))


def test_https_standalone_method_confirmed_by_its_controller(server: LocalServer) -> None:
    issuer, key_url = server.url("/issuers/1"), server.url("/keys/1")
    server.json(
        "/keys/1", {"id": key_url, "type": "JsonWebKey", "controller": issuer, "publicKeyJwk": public_jwk(P256_KEY)}
    )
    server.json("/issuers/1", {"id": issuer, "assertionMethod": [key_url]})
    resolved = HttpsResolver(local_client()).resolve(key_url)
    assert same(resolved.public_key, P256_KEY)
    assert resolved.controller == issuer
    assert resolved.relationships == frozenset({"assertionMethod"})


def test_https_standalone_method_not_confirmed(server: LocalServer) -> None:
    issuer, key_url = server.url("/issuers/1"), server.url("/keys/1")
    server.json(
        "/keys/1", {"id": key_url, "type": "Multikey", "controller": issuer, "publicKeyMultibase": ED_MULTIBASE}
    )
    server.json("/issuers/1", {"id": issuer, "assertionMethod": []})
    with pytest.raises(KeyResolutionError, match="does not list .* so the key is not confirmed"):
        HttpsResolver(local_client()).resolve(key_url)


# ----------------------------------------------------------------------------------------------------------------
# Keys spelled in fragments, did:jwk and the composite resolver


def test_fragment_key_is_unavailable_when_its_document_is(server: LocalServer) -> None:
    """`…#z6Mk…` names a key, but only the controller's document can say it is theirs: no document, no key."""
    vm_id = server.url(f"/issuers/gone#{ED_MULTIBASE}")
    with pytest.raises(KeyUnavailable, match="HTTP 404"):
        CompositeResolver.default(local_client()).resolve(vm_id)


def test_fragment_key_offline_is_unavailable() -> None:
    with pytest.raises(KeyUnavailable, match="cannot resolve"):
        CompositeResolver.default(None).resolve(f"https://example.edu/issuers/565049#{ED_MULTIBASE}")


def test_fragment_key_not_listed_by_its_document_is_refused(server: LocalServer) -> None:
    issuer = server.url("/issuers/1")
    server.json(
        "/issuers/1",
        {
            "id": issuer,
            "verificationMethod": [
                {"id": "#key-1", "type": "Multikey", "publicKeyMultibase": ed25519_public_to_multibase(OTHER_ED_KEY)}
            ],
        },
    )
    with pytest.raises(KeyResolutionError, match="does not list"):
        CompositeResolver.default(local_client()).resolve(f"{issuer}#{ED_MULTIBASE}")


def test_did_jwk_is_resolved_offline() -> None:
    jwk = public_jwk(P256_KEY)
    encoded = base64.urlsafe_b64encode(json.dumps(jwk).encode()).rstrip(b"=").decode()
    resolved = CompositeResolver.default(None).resolve(f"did:jwk:{encoded}#0")
    assert (resolved.controller, resolved.provenance) == (f"did:jwk:{encoded}", "did:jwk")
    assert same(resolved.public_key, P256_KEY)
    with pytest.raises(KeyResolutionError, match="one verification method"):
        CompositeResolver.default(None).resolve(f"did:jwk:{encoded}#1")


def test_composite_dispatches_did_key_offline() -> None:
    resolver = CompositeResolver.default(None)
    did = f"did:key:{ED_MULTIBASE}"
    resolved = resolver.resolve(f"{did}#{ED_MULTIBASE}")
    assert (resolved.controller, resolved.provenance) == (did, "did:key")


def test_composite_caches_results_and_failures(server: LocalServer) -> None:
    issuer = server.url("/issuers/1")
    server.json(
        "/issuers/1",
        {"id": issuer, "verificationMethod": [{"id": "#k", "type": "Multikey", "publicKeyMultibase": ED_MULTIBASE}]},
    )
    resolver = CompositeResolver.default(local_client())
    assert resolver.resolve(f"{issuer}#k") is resolver.resolve(f"{issuer}#k")
    for _ in range(2):
        with pytest.raises(KeyUnavailable):
            resolver.resolve(server.url("/missing#k"))
    assert [path for path, _ in server.requests] == ["/issuers/1", "/missing"]


@pytest.mark.parametrize("vm_id", ["urn:uuid:1234#key", "did:example:123#key"])
def test_composite_unknown_scheme_cannot_be_resolved(vm_id: str) -> None:
    with pytest.raises(KeyUnavailable, match="cannot resolve") as caught:
        CompositeResolver.default(None).resolve(vm_id)
    assert caught.value.code == "key_method_unsupported"


def test_composite_empty_id_is_refused() -> None:
    with pytest.raises(KeyResolutionError):
        CompositeResolver.default(None).resolve("")


def test_composite_custom_prefix_mapping() -> None:
    class Fixed:
        def resolve(self, verification_method_id: str):
            return VerificationMethod(
                id="https://fixed.example#k", controller="https://fixed.example", type="Multikey", public_key=ED_KEY
            )

    resolvers: dict[str, KeyResolver] = {"did:": Fixed(), "did:key:": CompositeResolver.default(None)}
    resolver = CompositeResolver(resolvers)
    assert resolver.resolve(f"did:key:{ED_MULTIBASE}#{ED_MULTIBASE}").provenance == "did:key"
    assert resolver.resolve("did:example:1#k").controller == "https://fixed.example"


# ----------------------------------------------------------------------------------------------------------------
# JWKS


def test_jwks_contains(server: LocalServer) -> None:
    issuer = server.url("/issuers/1")
    server.json(
        "/.well-known/jwks.json",
        {"keys": [{"kty": "oct", "k": "c2VjcmV0"}, {**public_jwk(RSA_KEY), "kid": "rsa-1", "iss": issuer}]},
    )
    client = local_client()
    assert jwks_contains(client, issuer, public_jwk(RSA_KEY)) is True
    assert jwks_contains(client, issuer, public_jwk(P256_KEY)) is False
    # An entry bound to another issuer of the same host does not count.
    assert jwks_contains(client, server.url("/issuers/2"), public_jwk(RSA_KEY)) is False


def test_jwks_without_keys(server: LocalServer) -> None:
    server.json("/.well-known/jwks.json", {"nothing": []})
    with pytest.raises(KeyResolutionError, match="no 'keys' array"):
        jwks_contains(local_client(), server.url("/issuers/1"), public_jwk(ED_KEY))


def test_composite_keyword_form_uses_the_given_did_web_resolver(server: LocalServer) -> None:
    did = served_did(server)
    document = did_document(
        {"id": "#key-1", "type": "Multikey", "publicKeyMultibase": ED_MULTIBASE}, did=did, assertionMethod=["#key-1"]
    )
    client = local_client()
    resolver = CompositeResolver(
        did_web=DidWebResolver(client, local_documents={did: document}.get, scheme="http"), client=client
    )
    assert same(resolver.resolve(f"{did}#key-1").public_key, ED_KEY)
    assert resolver.resolve(f"did:key:{ED_MULTIBASE}#{ED_MULTIBASE}").provenance == "did:key"
    assert server.requests == []
