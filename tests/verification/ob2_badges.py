"""Open Badges 2.0 test material: the 1EdTech examples (tests/data/samples/1edtech-ob2, provenance in
tests/data/PROVENANCE.md) served from a loopback HTTP server, keys of our own, and signed assertions made by
our code and by an independent JOSE implementation (jwcrypto). No tests here.

The examples name https://example.org; a site rewrites that origin to its own loopback address, so the
documents link to each other exactly as published, one host apart.
"""

from __future__ import annotations

import ast
import base64
import copy
import hashlib
import json
import re
import struct
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwcrypto import jwk, jws  # type: ignore[import-untyped]  # jwcrypto ships no type hints

from tests.paths import DATA
from tests.verification.test_http import LocalServer, local_client
from verification.report import Report
from verification.resolvers import CompositeResolver
from verification.service import verify
from verification.status import MappingStatusListSource

OB2 = DATA / "samples" / "1edtech-ob2"
EXAMPLE_ORIGIN = "https://example.org"
# The spec examples' assertion: issued 2016-12-31, expires 2017-06-30.
BEFORE_EXPIRY = datetime(2017, 1, 15, tzinfo=UTC)
NOBODY = "nobody@example.org"  # the validator's 2.0 basic assertion is awarded to this address

_BLOCK = re.compile(r"\{% highlight json %\}\n(.*?)\{% endhighlight %\}", re.DOTALL)


def spec_examples() -> list[dict[str, Any]]:
    """The JSON examples of the OB 2.0 examples page that parse (two have a trailing comma upstream); some
    strings there are wrapped over lines, which JSON allows only with strict=False."""
    text = (OB2 / "examples-index.md").read_text(encoding="utf-8")
    examples = []
    for block in _BLOCK.findall(text):
        try:
            examples.append(json.loads(block, strict=False))
        except ValueError:
            continue
    return examples


def spec_example(kind: str, **match: Any) -> dict[str, Any]:
    """The first example of that `type` (or, for kind "", with every `match` item) on the examples page."""
    for example in spec_examples():
        if (not kind or example.get("type") == kind) and all(example.get(k) == v for k, v in match.items()):
            return copy.deepcopy(example)
    raise LookupError(kind)


def validator_component(name: str) -> dict[str, Any]:
    """One JSON document of the reference validator's test components (read, never imported)."""
    source = (OB2 / "test_components.py.txt").read_text(encoding="utf-8")
    components = ast.literal_eval(source.split("=", 1)[1].strip())
    return json.loads(components[name])


def heart_png() -> bytes:
    return (OB2 / "public_domain_heart.png").read_bytes()


def png_chunk(chunk_type: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", zlib.crc32(chunk_type + data))


def baked_png(text: str, chunk_type: bytes = b"iTXt") -> bytes:
    """The validator's heart image with `text` in an `openbadges` chunk right after IHDR (OB 2.0 Baking)."""
    png = heart_png()
    if chunk_type == b"iTXt":
        data = b"openbadges\x00\x00\x00\x00\x00" + text.encode("utf-8")
    else:
        data = b"openbadges\x00" + text.encode("latin-1")
    ihdr_end = 8 + 8 + 13 + 4
    return png[:ihdr_end] + png_chunk(chunk_type, data) + png[ihdr_end:]


def baked_svg(*, body: str = "", verify: str = "") -> str:
    attribute = f' verify="{verify}"' if verify else ""
    content = f"<![CDATA[{body}]]>" if body else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:openbadges="http://openbadges.org" viewBox="0 0 10 10">'
        f"<openbadges:assertion{attribute}>{content}</openbadges:assertion><rect width='10' height='10'/></svg>"
    )


def rehost(document: Any, base: str) -> Any:
    """`document` with the examples' origin replaced by `base` (the loopback site)."""
    return json.loads(json.dumps(document).replace(EXAMPLE_ORIGIN, base))


class Site:
    """A loopback server publishing badge documents at paths, and the verifier pointed at it."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.base = server.url("").rstrip("/")

    def url(self, path: str) -> str:
        return self.base + path

    def publish(self, document: dict[str, Any]) -> dict[str, Any]:
        """Serve `document` at the path of its own id (rewritten to this site)."""
        document = rehost(document, self.base)
        self.server.json(document["id"][len(self.base) :], document)
        return document

    def serve(self, path: str, document: object) -> None:
        self.server.json(path, document)

    def gone(self, path: str) -> None:
        self.server.body(path, b"", status=410)

    def verify(self, data: Any, **options: Any) -> Report:
        options.setdefault("fetcher", local_client())
        return verify(
            data,
            resolver=CompositeResolver.default(None),
            status_source=MappingStatusListSource(),
            **options,
        )

    def paths_requested(self) -> list[str]:
        return [path for path, _ in self.server.requests]


def publish_spec_badge(site: Site) -> dict[str, Any]:
    """The examples page's hosted assertion, BadgeClass and issuer profile, published; the assertion returned."""
    site.publish(spec_example("BadgeClass"))
    site.publish(spec_example("Issuer"))
    return site.publish(spec_example("Assertion"))


def publish_validator_badge(site: Site) -> dict[str, Any]:
    """The reference validator's 2.0 basic assertion (awarded to nobody@example.org), published."""
    site.publish(validator_component("2_0_basic_badgeclass"))
    site.publish(validator_component("2_0_basic_issuer"))
    return site.publish(validator_component("2_0_basic_assertion"))


def statuses(report: Report) -> dict[str, tuple[str, str | None]]:
    return {check.id: (check.status, check.code) for check in report.checks}


# --------------------------------------------------------------------------------------------------------------
# Keys and signed assertions

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign(payload: dict[str, Any], key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, alg: str) -> str:
    """A compact JWS made by our own code: RS256 (PKCS#1 v1.5, SHA-256) or ES256 (r || s)."""
    header = _b64url(json.dumps({"alg": alg}).encode())
    body = _b64url(json.dumps(payload).encode())
    signing_input = f"{header}.{body}".encode("ascii")
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{header}.{body}.{_b64url(signature)}"


def sign_with_jwcrypto(payload: dict[str, Any], key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, alg: str) -> str:
    """The same, made by jwcrypto (an independent JOSE implementation, installed with the runtime)."""
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = jws.JWS(json.dumps(payload).encode("utf-8"))
    token.add_signature(jwk.JWK.from_pem(private_pem), alg=alg, protected=json.dumps({"alg": alg}))
    return str(token.serialize(compact=True))


Signer = Callable[[dict[str, Any], Any, str], str]


def publish_signed_issuer(
    site: Site,
    *,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = RSA_KEY,
    owner: str | None = None,
    listed: bool = True,
    revoked: list[Any] | None = None,
) -> dict[str, Any]:
    """An issuer that signs: its profile (publicKey, revocationList), its key document (owner: the issuer,
    unless `owner` says otherwise) and its BadgeClass, published on the site; an unsigned assertion returned."""
    issuer_id = site.url("/issuer.json")
    key_id = site.url("/keys/1.json")
    site.serve(
        "/issuer.json",
        {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Issuer",
            "id": issuer_id,
            "name": "Signing Issuer",
            "url": site.url("/"),
            "email": "badges@example.org",
            "publicKey": key_id if listed else [],
            "revocationList": site.url("/revocations.json"),
        },
    )
    site.serve(
        "/keys/1.json",
        {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "CryptographicKey",
            "id": key_id,
            "owner": owner or issuer_id,
            "publicKeyPem": pem(key),
        },
    )
    site.serve(
        "/revocations.json",
        {
            "@context": "https://w3id.org/openbadges/v2",
            "id": site.url("/revocations.json"),
            "type": "RevocationList",
            "issuer": issuer_id,
            "revokedAssertions": revoked or [],
        },
    )
    site.serve(
        "/badge.json",
        {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "BadgeClass",
            "id": site.url("/badge.json"),
            "name": "Signed Robotics Badge",
            "description": "Built and programmed a robot.",
            "image": site.url("/badge.png"),
            "criteria": {"narrative": "Build a robot that moves."},
            "issuer": issuer_id,
        },
    )
    salt = "deadsea"
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "urn:uuid:a953081a-4bbd-4927-9653-7219bca00e3b",
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": salt,
            "identity": "sha256$" + hashlib.sha256((NOBODY + salt).encode()).hexdigest(),
        },
        "issuedOn": "2024-05-01T10:00:00Z",
        "badge": site.url("/badge.json"),
        "verification": {"type": "SignedBadge", "creator": key_id},
    }
