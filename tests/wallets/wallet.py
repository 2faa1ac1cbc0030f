"""A wallet written from the OpenID for Verifiable Credential Issuance 1.0 text, not from the platform's code.

It imports nothing of the platform: its keys are its own (the `cryptography` library), its key proofs are signed by
PyJWT (an independent JOSE implementation), its did:key and did:jwk are encoded here from their specifications, and
it reaches the Credential Issuer only through HTTP (`Transport`), as a phone would. Section numbers are those of
OpenID4VCI 1.0. What it checks of the answers is what the text promises a wallet.

Its refusal tests build deliberately wrong proofs with `proof(...)`'s overrides; its happy path is `receive(...)`.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import base58
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

OFFER_SCHEME = "openid-credential-offer"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- HTTP ------------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Transport(Protocol):
    """What the wallet needs of HTTP: GET, and POST with a body of a media type, by absolute URL."""

    def get(self, url: str, headers: dict[str, str] | None = None) -> Answer: ...

    def post(self, url: str, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> Answer: ...


class DjangoClientTransport:
    """The transport in the tests: Django's test client, for the URLs of one origin (a phone's network stack would
    do the same requests over TLS)."""

    def __init__(self, client: Any, origin: str) -> None:
        self.client = client
        self.origin = origin

    def _path(self, url: str) -> str:
        assert url.startswith(self.origin + "/"), f"{url} is not on {self.origin}"
        return url[len(self.origin) :]

    @staticmethod
    def _meta(headers: dict[str, str] | None) -> dict[str, str]:
        return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in (headers or {}).items()}

    @staticmethod
    def _answer(response: Any) -> Answer:
        return Answer(response.status_code, {k.lower(): v for k, v in response.items()}, response.content)

    def get(self, url: str, headers: dict[str, str] | None = None) -> Answer:
        return self._answer(self.client.get(self._path(url), **self._meta(headers)))

    def post(self, url: str, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> Answer:
        return self._answer(self.client.generic("POST", self._path(url), body, content_type, **self._meta(headers)))


class HttpTransport:
    """Real HTTP (the standard library's urllib), for a wallet talking to a served platform."""

    def _send(self, request: urllib.request.Request) -> Answer:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the test server's URL
                return Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def get(self, url: str, headers: dict[str, str] | None = None) -> Answer:
        return self._send(urllib.request.Request(url, headers=headers or {}))

    def post(self, url: str, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> Answer:
        sent = {**(headers or {}), "Content-Type": content_type}
        return self._send(urllib.request.Request(url, data=body, headers=sent, method="POST"))


# --- the holder's key ------------------------------------------------------------------------------------------

# Multicodec headers of public keys (the multicodec table): ed25519-pub 0xed, p256-pub 0x1200, as varints.
ED25519_PUB = bytes([0xED, 0x01])
P256_PUB = bytes([0x80, 0x24])


@dataclass
class HolderKey:
    """A key pair the wallet made for itself, and its names: did:key (W3C CCG did:key), did:jwk, a public JWK."""

    private: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def ed25519(cls) -> HolderKey:
        return cls(ed25519.Ed25519PrivateKey.generate())

    @classmethod
    def p256(cls) -> HolderKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @property
    def alg(self) -> str:
        return "EdDSA" if isinstance(self.private, ed25519.Ed25519PrivateKey) else "ES256"

    def jwk(self) -> dict[str, str]:
        public = self.private.public_key()
        if isinstance(public, ed25519.Ed25519PublicKey):
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public.public_bytes(Encoding.Raw, PublicFormat.Raw))}
        numbers = public.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }

    def did_key(self) -> str:
        public = self.private.public_key()
        if isinstance(public, ed25519.Ed25519PublicKey):
            raw = ED25519_PUB + public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        else:
            raw = P256_PUB + public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        return "did:key:z" + base58.b58encode(raw).decode("ascii")

    def did_key_url(self) -> str:
        did = self.did_key()
        return f"{did}#{did.removeprefix('did:key:')}"

    def did_jwk(self) -> str:
        return "did:jwk:" + b64url(json.dumps(self.jwk(), separators=(",", ":")).encode("utf-8"))

    def sign(self, payload: dict[str, Any], header: dict[str, Any], alg: str | None = None) -> str:
        return jwt.encode(payload, self.private, algorithm=alg or self.alg, headers=header)


# --- the wallet --------------------------------------------------------------------------------------------------


class WalletError(AssertionError):
    """The issuer answered something the specification does not allow."""


@dataclass
class Wallet:
    """One wallet with one key, naming it in its proofs by `binding`: "did:key", "did:jwk" (a `kid` DID URL) or
    "jwk" (the key itself in the header)."""

    http: Transport
    key: HolderKey = field(default_factory=HolderKey.ed25519)
    binding: str = "did:key"

    # -- §4.1: the Credential Offer, by value

    @staticmethod
    def parse_offer(uri: str) -> dict[str, Any]:
        parts = urlsplit(uri)
        if parts.scheme != OFFER_SCHEME:
            raise WalletError(f"not a credential offer: {uri[:40]}")
        query = parse_qs(parts.query)
        if set(query) != {"credential_offer"} or len(query["credential_offer"]) != 1:
            raise WalletError("a Credential Offer carries exactly one credential_offer (or credential_offer_uri)")
        offer = json.loads(query["credential_offer"][0])
        if not isinstance(offer.get("credential_issuer"), str) or not offer.get("credential_configuration_ids"):
            raise WalletError("credential_issuer and credential_configuration_ids are required (§4.1.1)")
        return offer

    # -- §12.2.2, §12.3: metadata

    def issuer_metadata(self, issuer: str) -> dict[str, Any]:
        parts = urlsplit(issuer)
        url = f"{parts.scheme}://{parts.netloc}/.well-known/openid-credential-issuer{parts.path}"
        answer = self.http.get(url, {"Accept": "application/json"})
        if answer.status != 200 or not answer.headers.get("content-type", "").startswith("application/json"):
            raise WalletError(f"metadata: {answer.status} {answer.headers.get('content-type')}")
        metadata = answer.json()
        if metadata.get("credential_issuer") != issuer:  # §12.2.4: identical, or the metadata MUST NOT be used
            raise WalletError(f"credential_issuer {metadata.get('credential_issuer')!r} is not {issuer!r}")
        return metadata

    def authorization_server(self, issuer: str, metadata: dict[str, Any]) -> dict[str, Any]:
        servers = metadata.get("authorization_servers") or [issuer]  # absent: the issuer is its own (§12.2.4)
        parts = urlsplit(servers[0])
        answer = self.http.get(f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server{parts.path}")
        if answer.status != 200:
            raise WalletError(f"authorization server metadata: {answer.status}")
        server = answer.json()
        if server.get("issuer") != servers[0]:  # RFC 8414 §3.3
            raise WalletError("the authorization server metadata names another issuer")
        return server

    # -- §6: the Token Request, pre-authorized code flow

    def token_request(self, token_endpoint: str, fields: dict[str, str]) -> Answer:
        from urllib.parse import urlencode

        return self.http.post(token_endpoint, urlencode(fields).encode("ascii"), "application/x-www-form-urlencoded")

    def token(self, token_endpoint: str, offer: dict[str, Any], tx_code: str | None = None) -> dict[str, Any]:
        grant = offer["grants"][PRE_AUTHORIZED_GRANT]
        fields = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": grant["pre-authorized_code"]}
        if "tx_code" in grant:  # present, even empty: the code MUST be sent (§6.1)
            if tx_code is None:
                raise WalletError("this offer needs a transaction code")
            fields["tx_code"] = tx_code
        answer = self.token_request(token_endpoint, fields)
        if answer.status != 200:
            raise WalletError(f"token: {answer.status} {answer.body[:300]!r}")
        body = answer.json()
        if body.get("token_type", "").lower() != "bearer" or not body.get("access_token"):
            raise WalletError(f"not a bearer token response: {body}")
        if "no-store" not in answer.headers.get("cache-control", ""):
            raise WalletError("a token response must not be stored (RFC 6749 §5.1)")
        return body

    # -- §7: the nonce

    def nonce(self, nonce_endpoint: str) -> str:
        answer = self.http.post(nonce_endpoint, b"", "application/x-www-form-urlencoded")
        if answer.status != 200 or "no-store" not in answer.headers.get("cache-control", ""):
            raise WalletError(f"nonce: {answer.status} {answer.headers}")
        nonce = answer.json().get("c_nonce")
        if not isinstance(nonce, str) or not nonce:
            raise WalletError("no c_nonce")
        return nonce

    # -- §F.1: the key proof

    @property
    def did(self) -> str:
        """The DID the credential should name: its key's did:key or did:jwk (for a bare jwk, its did:jwk)."""
        return self.key.did_key() if self.binding == "did:key" else self.key.did_jwk()

    def proof(
        self,
        *,
        audience: str,
        nonce: str | None,
        header: dict[str, Any] | None = None,
        claims: dict[str, Any] | None = None,
        signer: HolderKey | None = None,
        alg: str | None = None,
    ) -> str:
        """A jwt key proof. `header`/`claims` replace or add members (a None value removes one); `signer` signs with
        another key than the one the header names; `alg` signs with another algorithm ("none", "HS256")."""
        named: dict[str, Any] = {"typ": PROOF_TYP, "alg": alg or self.key.alg}
        if self.binding == "did:key":
            named["kid"] = self.key.did_key_url()
        elif self.binding == "did:jwk":
            named["kid"] = self.key.did_jwk() + "#0"
        else:
            named["jwk"] = self.key.jwk()
        payload: dict[str, Any] = {"aud": audience, "iat": int(time.time())}
        if nonce is not None:
            payload["nonce"] = nonce
        named.update(header or {})
        payload.update(claims or {})
        named = {k: v for k, v in named.items() if v is not None}
        payload = {k: v for k, v in payload.items() if v is not None}
        chosen = alg or named.get("alg") or self.key.alg
        if chosen == "none":
            return jwt.encode(payload, "", algorithm="none", headers=named)
        if chosen.startswith("HS"):
            return jwt.encode(payload, "a-shared-secret-of-32-bytes-long!", algorithm=chosen, headers=named)
        return (signer or self.key).sign(payload, named, chosen)

    # -- §8: the Credential Request

    def credential_request(self, credential_endpoint: str, access_token: str | None, body: dict[str, Any]) -> Answer:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        return self.http.post(credential_endpoint, json.dumps(body).encode("utf-8"), "application/json", headers)

    # -- the whole flow

    def receive(self, offer_uri: str, configuration_id: str, *, tx_code: str | None = None) -> Any:
        """Scan, discover, take the token, get a nonce, prove the key, and return the one credential issued."""
        offer = self.parse_offer(offer_uri)
        issuer = offer["credential_issuer"]
        if configuration_id not in offer["credential_configuration_ids"]:
            raise WalletError(f"{configuration_id} is not offered")
        metadata = self.issuer_metadata(issuer)
        configuration = metadata["credential_configurations_supported"][configuration_id]
        server = self.authorization_server(issuer, metadata)
        if PRE_AUTHORIZED_GRANT not in server.get("grant_types_supported", []):
            raise WalletError("the authorization server does not take pre-authorized codes")
        if self.binding not in configuration["cryptographic_binding_methods_supported"]:
            raise WalletError(f"{self.binding} binding is not supported for {configuration_id}")
        algorithms = configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"]
        if self.key.alg not in algorithms:
            raise WalletError(f"{self.key.alg} proofs are not accepted")
        token = self.token(server["token_endpoint"], offer, tx_code)
        nonce = self.nonce(metadata["nonce_endpoint"])
        proof = self.proof(audience=issuer, nonce=nonce)
        answer = self.credential_request(
            metadata["credential_endpoint"],
            token["access_token"],
            {"credential_configuration_id": configuration_id, "proofs": {"jwt": [proof]}},
        )
        if answer.status != 200:
            raise WalletError(f"credential: {answer.status} {answer.body[:400]!r}")
        credentials = answer.json().get("credentials")
        if not isinstance(credentials, list) or len(credentials) != 1 or "credential" not in credentials[0]:
            raise WalletError(f"not one credential: {answer.body[:300]!r}")
        issued = credentials[0]["credential"]
        self.check(issued, configuration)
        return issued

    def check(self, issued: Any, configuration: dict[str, Any]) -> None:
        """What §A.1 says the answer is, and that it is bound to this wallet's DID."""
        if configuration["format"] == "ldp_vc":
            if not isinstance(issued, dict):  # §A.1.2.4: a JSON object, not re-encoded
                raise WalletError("an ldp_vc credential is a JSON object")
            document = issued
            if not document.get("proof"):
                raise WalletError("an ldp_vc credential carries a proof")
        else:
            if not isinstance(issued, str) or issued.count(".") != 2:  # §A.1.1.4: a JWT, as it is
                raise WalletError("a jwt_vc_json credential is a compact JWS")
            document = json.loads(b64url_decode(issued.split(".")[1]))
        expected = configuration["credential_definition"]["type"]
        if not set(expected) <= set(document.get("type", [])):
            raise WalletError(f"types {document.get('type')} lack {expected}")
        if document["credentialSubject"].get("id") != self.did:
            raise WalletError(f"bound to {document['credentialSubject'].get('id')!r}, not {self.did!r}")


def jwt_payload(token: str) -> dict[str, Any]:
    return json.loads(b64url_decode(token.split(".")[1]))


def verify_vc_jwt_with_issuer_did(http: Transport, token: str) -> dict[str, Any]:
    """Check a VC-JWT's signature as a relying wallet would: the issuer's did:web document over HTTP, the key its
    `kid` names, PyJWT for the signature. Returns the verified payload."""
    header = json.loads(b64url_decode(token.split(".")[0]))
    payload = jwt_payload(token)
    did = payload["iss"]
    assert did.startswith("did:web:")
    host, *path = did.removeprefix("did:web:").split(":")
    url = f"https://{host.replace('%3A', ':')}/{'/'.join(path)}/did.json"
    document = http.get(url).json()
    method = next(m for m in document["verificationMethod"] if m["id"] == header["kid"])
    if "publicKeyJwk" in method:
        key = jwt.PyJWK(method["publicKeyJwk"], algorithm=header["alg"]).key
    else:
        raw = base58.b58decode(method["publicKeyMultibase"][1:])
        assert raw[:2] == ED25519_PUB
        key = ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])
    return jwt.decode(token, key=key, algorithms=[header["alg"]], options={"verify_aud": False})
