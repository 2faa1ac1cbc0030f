"""VC-JWT: round trips for each algorithm, the 1EdTech samples, and forged or broken tokens."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import struct
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.paths import SAMPLES  # noqa: E402
from verification.datamodel import DataModelError
from verification.errors import InputError
from verification.jwt import JwtVerification, decode_vc_jwt, encode_vc_jwt
from verification.keys import (
    PrivateKey,
    did_key_from_ed25519,
    did_key_from_public,
    ec_public_to_multibase,
    ed25519_public_to_multibase,
    public_jwk,
)
from verification.resolvers import CompositeResolver
from verification.service import verify
from verification.status import MappingStatusListSource

ISSUER = "did:web:issuer.example"
NOW = datetime(2026, 11, 26, tzinfo=UTC)
OTHER = "did:web:other.example"
ED_KEY = ed25519.Ed25519PrivateKey.generate()
P256_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
P384_KEY = ec.generate_private_key(ec.SECP384R1())
KEYS: dict[str, PrivateKey] = {"EdDSA": ED_KEY, "ES256": P256_KEY, "ES384": P384_KEY, "RS256": RSA_KEY}
KIDS = {"EdDSA": f"{ISSUER}#ed", "ES256": f"{ISSUER}#p256", "ES384": f"{ISSUER}#p384", "RS256": f"{ISSUER}#rsa"}

DOCUMENTS: dict[str, dict[str, Any]] = {
    ISSUER: {
        "id": ISSUER,
        "verificationMethod": [
            {"id": "#ed", "type": "Multikey", "publicKeyMultibase": ed25519_public_to_multibase(ED_KEY.public_key())},
            {"id": "#p256", "type": "JsonWebKey", "publicKeyJwk": public_jwk(P256_KEY.public_key())},
            {"id": "#rsa", "type": "JsonWebKey2020", "publicKeyJwk": public_jwk(RSA_KEY.public_key())},
            {"id": "#login", "type": "JsonWebKey", "publicKeyJwk": public_jwk(P256_KEY.public_key())},
            {"id": "#p384", "type": "Multikey", "publicKeyMultibase": ec_public_to_multibase(P384_KEY.public_key())},
        ],
        "assertionMethod": ["#ed", "#p256", "#rsa", "#p384"],
        "authentication": ["#login"],
    },
    OTHER: {
        "id": OTHER,
        "verificationMethod": [
            {"id": "#ed", "type": "Multikey", "publicKeyMultibase": ed25519_public_to_multibase(ED_KEY.public_key())}
        ],
        "assertionMethod": ["#ed"],
    },
}


def resolver() -> CompositeResolver:
    # did:web documents come from memory: no client, so any attempt to use the network fails loudly.
    return CompositeResolver.default(None, local_documents=DOCUMENTS.get)


def credential(issuer: Any = ISSUER, **changes: Any) -> dict:
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:7b4e2c1a-9d3f-4a8b-b6e5-0c1d2e3f4a5b",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example Institute"},
        "validFrom": "2024-05-01T12:00:00Z",
        "validUntil": "2099-05-01T12:00:00.500Z",
        "name": "Applied Statistics",
        "credentialSubject": {
            "id": "did:example:learner-42",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example/achievements/stats",
                "type": ["Achievement"],
                "name": "Applied Statistics",
                "description": "Completed the applied statistics course.",
                "criteria": {"narrative": "Pass the final exam."},
            },
        },
    }
    document.update(changes)
    return document


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_json(value: object) -> str:
    return b64u(json.dumps(value).encode())


def parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    )


def sign_with_pyjwt(header: dict, payload: dict, alg: str) -> str:
    """A token made by an independent implementation, with a header and payload chosen by the test."""
    signing_input = f"{b64u_json(header)}.{b64u_json(payload)}"
    algorithm = pyjwt.algorithms.get_default_algorithms()[alg]
    return f"{signing_input}.{b64u(algorithm.sign(signing_input.encode(), KEYS[alg]))}"


def statuses(result: JwtVerification, check_id: str) -> list[str]:
    return [status for cid, status, _ in result.checks if cid == check_id]


def messages(result: JwtVerification) -> str:
    return " | ".join(message for _, _, message in result.checks)


# ----------------------------------------------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_round_trip_with_kid(alg: str) -> None:
    token = encode_vc_jwt(credential(), KEYS[alg], kid=KIDS[alg])
    header, payload, _ = parts(token)
    assert header == {"alg": alg, "typ": "JWT", "kid": KIDS[alg]}
    assert payload["iss"] == ISSUER
    assert payload["jti"] == credential()["id"]
    assert payload["sub"] == "did:example:learner-42"
    assert payload["nbf"] == 1714564800
    assert payload["exp"] == 4081320000  # fractional seconds of validUntil are dropped

    result = decode_vc_jwt(token, resolver())
    assert result.verified, messages(result)
    assert result.signature_valid
    assert result.credential == credential()
    assert result.vcdm_version == "2.0"
    assert result.verification_method is not None
    assert result.verification_method.id == KIDS[alg]
    assert statuses(result, "jwt_key") == ["passed"]
    assert not [check for check in result.checks if check[1] != "passed"]


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_round_trip_with_jwk_signs_but_binds_nothing(alg: str) -> None:
    key = KEYS[alg]
    token = encode_vc_jwt(credential(), key, jwk=public_jwk(key.public_key()))
    header, _, _ = parts(token)
    assert header["jwk"] == public_jwk(key.public_key())
    assert "kid" not in header
    result = decode_vc_jwt(token, resolver())
    assert result.signature_valid  # the token is intact ...
    assert not result.verified  # ... but anyone could have made it: the key is not the issuer's
    assert statuses(result, "key_not_bound") == ["failed"]
    assert "nothing binds it to the issuer" in messages(result)
    assert result.verification_method is not None
    assert result.verification_method.provenance == "embedded-jwk"


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_tokens_verify_with_pyjwt(alg: str) -> None:
    token = encode_vc_jwt(credential(), KEYS[alg], kid=KIDS[alg])
    claims = pyjwt.decode(token, KEYS[alg].public_key(), algorithms=[alg], options={"verify_aud": False})
    assert claims["iss"] == ISSUER


def test_jwk_of_a_did_key_issuer_is_bound() -> None:
    did = did_key_from_ed25519(ED_KEY.public_key())
    token = encode_vc_jwt(credential(issuer=did), ED_KEY, jwk=public_jwk(ED_KEY.public_key()))
    result = decode_vc_jwt(token, resolver())
    assert result.verified
    assert statuses(result, "jwt_key") == ["passed"]
    assert result.verification_method is not None
    assert result.verification_method.controller == did


def test_jwk_of_a_did_jwk_issuer_is_bound() -> None:
    did = "did:jwk:" + b64u_json(public_jwk(P256_KEY.public_key()))
    token = encode_vc_jwt(credential(issuer=did), P256_KEY, jwk=public_jwk(P256_KEY.public_key()))
    assert statuses(decode_vc_jwt(token, resolver()), "jwt_key") == ["passed"]


def test_subject_without_id_has_no_sub_claim() -> None:
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "hashed": True, "identityHash": "sha256$00", "identityType": "emailAddress"}
        ],
        "achievement": credential()["credentialSubject"]["achievement"],
    }
    document = credential(credentialSubject=subject)
    del document["validUntil"]
    token = encode_vc_jwt(document, ED_KEY, kid=KIDS["EdDSA"])
    _, payload, _ = parts(token)
    assert "sub" not in payload
    assert "exp" not in payload
    result = decode_vc_jwt(token, resolver())
    assert result.verified, messages(result)
    assert all(status == "passed" for _, status, _ in result.checks)


def test_encode_refuses_misuse() -> None:
    with pytest.raises(ValueError, match="does not fit the signing key"):
        encode_vc_jwt(credential(), ED_KEY, kid=KIDS["EdDSA"], alg="RS256")
    with pytest.raises(ValueError, match="exactly one of kid or jwk"):
        encode_vc_jwt(credential(), ED_KEY)
    with pytest.raises(ValueError, match="exactly one of kid or jwk"):
        encode_vc_jwt(credential(), ED_KEY, kid=KIDS["EdDSA"], jwk=public_jwk(ED_KEY.public_key()))
    with pytest.raises(ValueError, match="private key members"):
        encode_vc_jwt(credential(), ED_KEY, jwk={**public_jwk(ED_KEY.public_key()), "d": "AAAA"})
    with pytest.raises(ValueError, match="not describe the public half"):
        encode_vc_jwt(credential(), ED_KEY, jwk=public_jwk(P256_KEY.public_key()))
    with pytest.raises(ValueError, match="P-256"):
        encode_vc_jwt(credential(), ec.generate_private_key(ec.SECP384R1()), kid=KIDS["ES256"])
    # What breaks the data model (or, for a badge, its JSON Schema) is refused before anything is signed, naming
    # the member at fault (verification.datamodel).
    document = credential()
    del document["validFrom"]
    with pytest.raises(DataModelError, match="validFrom: required property is missing") as refused:
        encode_vc_jwt(document, ED_KEY, kid=KIDS["EdDSA"])
    assert refused.value.field == "validFrom"
    with pytest.raises(DataModelError, match="validFrom: must be a date-time with a time zone"):
        encode_vc_jwt(credential(validFrom="May 2024"), ED_KEY, kid=KIDS["EdDSA"])
    with pytest.raises(DataModelError, match="issuer.id: is missing or not a URL"):
        encode_vc_jwt(credential(issuer={"name": "x"}), ED_KEY, kid=KIDS["EdDSA"])


# ----------------------------------------------------------------------------------------------------------------
# 1EdTech samples


def png_credential(path: Path) -> str:
    """The text of the first iTXt chunk with keyword `openbadgecredential`."""
    data, position = path.read_bytes(), 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, chunk = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        position += 12 + length
        keyword, _, rest = chunk.partition(b"\0")
        if kind == b"iTXt" and keyword == b"openbadgecredential":
            # compression flag, compression method, language tag\0, translated keyword\0, text
            _language, _, rest = rest[2:].partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            return text.decode()
    raise AssertionError(f"no openbadgecredential chunk in {path.name}")


def svg_credential(path: Path) -> str:
    match = re.search(r'<openbadges:credential\b[^>]*\bverify="([^"]+)"', path.read_text())
    assert match, f"no verify attribute in {path.name}"
    return match.group(1)


@pytest.mark.parametrize(
    ("token_of", "version"),
    [
        (lambda: png_credential(SAMPLES / "simple-jwt.png"), "2.0"),
        (lambda: svg_credential(SAMPLES / "simple-jwt.svg"), "2.0"),
        (lambda: png_credential(SAMPLES / "simple-jwt_v1.png"), "1.1"),
    ],
    ids=["simple-jwt.png", "simple-jwt.svg", "simple-jwt_v1.png"],
)
def test_baked_1edtech_samples_have_valid_signatures(token_of, version: str) -> None:
    result = decode_vc_jwt(token_of(), resolver())
    assert result.header["alg"] == "RS256"
    assert result.signature_valid, messages(result)
    assert not result.verified
    assert result.vcdm_version == version
    assert "OpenBadgeCredential" in result.credential["type"]
    assert statuses(result, "key_not_bound") == ["failed"]  # the key travels in the `jwk` header
    for claim in ("iss", "nbf", "jti", "aud", "iat"):
        assert claim not in result.credential


def test_simple_jwt_sample_is_unverifiable_without_key_reference() -> None:
    result = decode_vc_jwt((SAMPLES / "simple.jwt").read_text(), resolver())
    assert not result.verified
    assert result.verification_method is None
    assert ("jwt_key", "failed") in [(cid, status) for cid, status, _ in result.checks]
    assert "neither 'kid' nor 'jwk'" in messages(result)
    assert result.credential["issuer"]["id"] == "https://example.edu/issuers/565049"


# ----------------------------------------------------------------------------------------------------------------
# VCDM 1.1 `vc` claim


def test_vcdm_11_vc_claim_is_mapped_from_registered_claims() -> None:
    vc = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"type": ["Profile"], "name": "Example Institute"},
        "credentialSubject": {"type": ["AchievementSubject"]},
    }
    payload = {
        "vc": vc,
        "iss": ISSUER,
        "jti": "urn:uuid:11",
        "sub": "did:example:learner-42",
        "nbf": 1262304000,
        "exp": 4102444800,
    }
    token = sign_with_pyjwt({"alg": "ES256", "typ": "JWT", "kid": KIDS["ES256"]}, payload, "ES256")
    result = decode_vc_jwt(token, resolver())
    assert result.vcdm_version == "1.1"
    assert result.verified, messages(result)
    assert result.credential["issuer"]["id"] == ISSUER
    assert result.credential["id"] == "urn:uuid:11"
    assert result.credential["issuanceDate"] == "2010-01-01T00:00:00Z"
    assert result.credential["expirationDate"] == "2100-01-01T00:00:00Z"
    assert result.credential["credentialSubject"]["id"] == "did:example:learner-42"
    assert "issuer" not in result.payload["vc"] or "id" not in result.payload["vc"]["issuer"]


def test_vcdm_11_existing_values_are_checked_not_overwritten() -> None:
    vc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:uuid:22",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": ISSUER,
        "issuanceDate": "2011-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:someone-else"},
    }
    payload = {"vc": vc, "iss": ISSUER, "jti": "urn:uuid:22", "sub": "did:example:learner-42", "nbf": 1262304000}
    result = decode_vc_jwt(sign_with_pyjwt({"alg": "EdDSA", "kid": KIDS["EdDSA"]}, payload, "EdDSA"), resolver())
    assert result.signature_valid
    assert not result.verified
    failed = [message for cid, status, message in result.checks if status == "failed"]
    assert any("'sub' claim" in message for message in failed)
    assert any("'nbf' claim" in message and "issuanceDate" in message for message in failed)
    assert result.credential["issuanceDate"] == "2011-01-01T00:00:00Z"


# ----------------------------------------------------------------------------------------------------------------
# Forged and broken tokens


def test_tampered_payload_fails_the_signature() -> None:
    token = encode_vc_jwt(credential(), RSA_KEY, kid=KIDS["RS256"])
    header_b64, _, signature_b64 = token.split(".")
    _, payload, _ = parts(token)
    payload["name"] = "Advanced Statistics"
    result = decode_vc_jwt(f"{header_b64}.{b64u_json(payload)}.{signature_b64}", resolver())
    assert statuses(result, "jwt_signature") == ["failed"]
    assert not result.verified
    assert "does not match" in messages(result)


@pytest.mark.parametrize("keep_signature", [True, False])
def test_alg_none_is_refused(keep_signature: bool) -> None:
    token = encode_vc_jwt(credential(), ED_KEY, kid=KIDS["EdDSA"])
    _, payload_b64, signature_b64 = token.split(".")
    forged_header = b64u_json({"alg": "none", "typ": "JWT", "kid": KIDS["EdDSA"]})
    forged = f"{forged_header}.{payload_b64}.{signature_b64 if keep_signature else ''}"
    result = decode_vc_jwt(forged, resolver())
    assert not result.verified
    assert statuses(result, "jwt_header") == ["failed"]
    assert statuses(result, "jwt_signature") == ["failed"]
    assert "'none'" in messages(result)


def test_hs256_with_the_public_key_as_secret_is_refused() -> None:
    # The classic confusion attack: HMAC keyed with the issuer's published public key.
    secret = RSA_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signing_input = (
        f"{b64u_json({'alg': 'HS256', 'typ': 'JWT', 'kid': KIDS['RS256']})}.{b64u_json(credential() | {'iss': ISSUER})}"
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    result = decode_vc_jwt(f"{signing_input}.{b64u(mac)}", resolver())
    assert not result.verified
    assert statuses(result, "jwt_header") == ["failed"]
    assert "HMAC" in messages(result)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t[: t.rindex(".")], "three base64url parts"),
        (lambda t: t[: len(t) // 3], "three base64url parts"),
        (lambda t: t.replace(".", "$", 1).replace("$", ".$", 1), "not valid base64url"),
        (lambda t: "%%%." + t.split(".", 1)[1], "header is not valid base64url"),
        (lambda t: b64u(b"{not json") + "." + t.split(".", 1)[1], "header is not valid JSON"),
        (lambda t: b64u(b"[1,2]") + "." + t.split(".", 1)[1], "must be a JSON object"),
        (lambda t: b64u(b"\xff\xfe") + "." + t.split(".", 1)[1], "not UTF-8"),
        (lambda t: b64u(b'{"alg":"EdDSA","alg":"none"}') + "." + t.split(".", 1)[1], "duplicate member 'alg'"),
        (
            lambda t: t.split(".")[0] + "." + b64u_json({"sub": "x", "iss": "y"}) + ".AAAA",
            "not a verifiable credential",
        ),
        (lambda t: t.split(".")[0] + ".." + t.split(".")[2], "payload part is empty"),
        (lambda t: t + ".a.b", "encrypted JWE"),
        (lambda t: "", "empty"),
        (lambda t: "a" * (1024 * 1024 + 1), "larger than"),
        (lambda t: t.encode() + b"\xff", "ASCII"),
        (lambda t: 42, "is a string"),
        (lambda t: t.split(".")[0] + "." + b64u_json({"vc": "text"}) + ".AAAA", "'vc' claim must be a JSON object"),
    ],
    ids=[
        "no-signature-part",
        "truncated",
        "stray-char",
        "header-non-base64",
        "header-not-json",
        "header-array",
        "header-not-utf8",
        "duplicate-header-member",
        "plain-jwt",
        "detached-payload",
        "five-parts",
        "empty",
        "too-large",
        "non-ascii-bytes",
        "not-a-string",
        "vc-not-object",
    ],
)
def test_unusable_tokens_raise_input_error(mangle, message: str) -> None:
    token = encode_vc_jwt(credential(), ED_KEY, kid=KIDS["EdDSA"])
    with pytest.raises(InputError) as caught:
        decode_vc_jwt(mangle(token), resolver())
    assert message in caught.value.message
    assert caught.value.code == "invalid_input"


def test_jwk_with_private_member_is_refused() -> None:
    private_jwk = {
        **public_jwk(ED_KEY.public_key()),
        "d": b64u(ED_KEY.private_bytes_raw()),
    }
    payload = credential() | {"iss": ISSUER, "nbf": 1714564800}
    result = decode_vc_jwt(sign_with_pyjwt({"alg": "EdDSA", "jwk": private_jwk}, payload, "EdDSA"), resolver())
    assert not result.verified
    assert statuses(result, "jwt_key") == ["failed"]
    assert "private key material (d)" in messages(result)


def _report(token: str):
    return verify(token, resolver=resolver(), status_source=MappingStatusListSource(), now=NOW)


def test_kid_of_another_controller_is_a_controller_mismatch() -> None:
    # A valid signature by a key that someone else (other.example) controls: the token is intact, the
    # binding to the issuer fails (verification.binding decides it for every proof format).
    token = encode_vc_jwt(credential(), ED_KEY, kid=f"{OTHER}#ed")
    result = decode_vc_jwt(token, resolver())
    assert result.signature_valid
    report = _report(token)
    assert (report.check("issuer_key").status, report.check("issuer_key").code) == ("failed", "controller_mismatch")
    assert f"controlled by {OTHER}, not by the issuer {ISSUER}" in report.check("issuer_key").message
    assert report.verdict == "invalid"


def test_kid_not_authorised_for_assertion() -> None:
    token = encode_vc_jwt(credential(), P256_KEY, kid=f"{ISSUER}#login")
    assert decode_vc_jwt(token, resolver()).signature_valid
    report = _report(token)
    assert report.check("issuer_key").code == "not_assertion_method"
    assert report.verdict == "invalid"


def test_unresolvable_kid() -> None:
    result = decode_vc_jwt(encode_vc_jwt(credential(), ED_KEY, kid=f"{ISSUER}#missing"), resolver())
    assert not result.verified
    assert statuses(result, "key_unresolved") == ["failed"]
    assert "could not be resolved" in messages(result)
    assert statuses(result, "jwt_signature") == ["failed"]


def test_unreachable_kid_leaves_the_signature_unchecked() -> None:
    result = decode_vc_jwt(encode_vc_jwt(credential(), ED_KEY, kid="did:web:unreachable.example#ed"), resolver())
    assert not result.verified
    assert statuses(result, "key_unavailable") == ["indeterminate"]
    assert statuses(result, "jwt_signature") == ["indeterminate"]


def test_relative_kid_is_read_against_the_issuer() -> None:
    result = decode_vc_jwt(encode_vc_jwt(credential(), ED_KEY, kid="#ed"), resolver())
    assert result.verified, messages(result)


def test_key_that_does_not_fit_the_alg() -> None:
    # Header says ES256 while the kid names the Ed25519 key.
    payload = credential() | {"iss": ISSUER, "nbf": 1714564800}
    token = sign_with_pyjwt({"alg": "ES256", "typ": "JWT", "kid": KIDS["EdDSA"]}, payload, "ES256")
    result = decode_vc_jwt(token, resolver())
    assert not result.verified
    assert "alg ES256 needs a P-256 EC key, but the key is Ed25519" in messages(result)


def test_der_encoded_es256_signature_is_refused() -> None:
    token = encode_vc_jwt(credential(), P256_KEY, kid=KIDS["ES256"])
    signing_input = token.rsplit(".", 1)[0].encode()
    der = P256_KEY.sign(signing_input, ec.ECDSA(hashes.SHA256()))
    result = decode_vc_jwt(f"{signing_input.decode()}.{b64u(der)}", resolver())
    assert statuses(result, "jwt_signature") == ["failed"]
    assert "64 bytes (r||s" in messages(result)


# ----------------------------------------------------------------------------------------------------------------
# Every algorithm, each bound to its key type. The platform signs EdDSA, ES256 and RS256; ES384 tokens come from
# other platforms, so pyjwt (an independent implementation) makes them here.


def jwt_payload() -> dict[str, Any]:
    return (
        credential()
        | {"iss": ISSUER, "jti": credential()["id"], "sub": "did:example:learner-42"}
        | {
            "nbf": 1714564800,
            "exp": 4081320000,
        }
    )


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES384", "RS256"])
def test_every_algorithm_verifies_a_token_made_by_pyjwt(alg: str) -> None:
    token = sign_with_pyjwt({"alg": alg, "typ": "JWT", "kid": KIDS[alg]}, jwt_payload(), alg)
    result = decode_vc_jwt(token, resolver())
    assert result.verified, messages(result)
    assert ("jwt_signature", "passed", f"The {alg} signature is valid.") in result.checks
    assert _report(token).verdict == "valid"


@pytest.mark.parametrize(
    ("alg", "kid", "message"),
    [
        ("ES384", KIDS["ES256"], "alg ES384 needs a P-384 EC key, but the key is EC P-256"),
        ("ES256", KIDS["ES384"], "alg ES256 needs a P-256 EC key, but the key is EC P-384"),
        ("EdDSA", KIDS["ES256"], "alg EdDSA needs an Ed25519 key, but the key is EC P-256"),
        ("RS256", KIDS["ES384"], "alg RS256 needs an RSA key of at least 2048 bits, but the key is EC P-384"),
    ],
)
def test_alg_must_fit_the_key_type(alg: str, kid: str, message: str) -> None:
    # Signed correctly with the key the kid names, under a header that names another algorithm.
    key_alg = next(name for name, value in KIDS.items() if value == kid)
    signing_input = f"{b64u_json({'alg': alg, 'typ': 'JWT', 'kid': kid})}.{b64u_json(jwt_payload())}"
    signature = pyjwt.algorithms.get_default_algorithms()[key_alg].sign(signing_input.encode(), KEYS[key_alg])
    result = decode_vc_jwt(f"{signing_input}.{b64u(signature)}", resolver())
    assert not result.verified
    assert message in messages(result)
    assert statuses(result, "jwt_signature") == ["failed"]


def test_es384_signature_of_the_wrong_size_is_refused() -> None:
    token = sign_with_pyjwt({"alg": "ES384", "typ": "JWT", "kid": KIDS["ES384"]}, jwt_payload(), "ES384")
    signing_input, signature = token.rsplit(".", 1)
    raw = base64.urlsafe_b64decode(signature + "==")
    der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    for mangled in (raw[:64], der):
        result = decode_vc_jwt(f"{signing_input}.{b64u(mangled)}", resolver())
        assert statuses(result, "jwt_signature") == ["failed"]
        assert "An ES384 signature is 96 bytes (r||s" in messages(result)


@pytest.mark.parametrize("alg", ["ES256", "ES384"])
def test_jwk_of_an_ecdsa_did_key_issuer_is_bound(alg: str) -> None:
    key = KEYS[alg]
    did = did_key_from_public(key.public_key())
    payload = jwt_payload() | {"iss": did, "issuer": {"id": did, "type": ["Profile"], "name": "Example Institute"}}
    token = sign_with_pyjwt({"alg": alg, "typ": "JWT", "jwk": public_jwk(key.public_key())}, payload, alg)
    result = decode_vc_jwt(token, resolver())
    assert result.verified, messages(result)
    assert statuses(result, "jwt_key") == ["passed"]
    # And through the did:key as kid.
    kid = f"{did}#{did.removeprefix('did:key:')}"
    result = decode_vc_jwt(sign_with_pyjwt({"alg": alg, "typ": "JWT", "kid": kid}, payload, alg), resolver())
    assert result.verified, messages(result)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"alg": "EdDSA", "typ": "vc+ld+jwt", "kid": KIDS["EdDSA"]}, "'typ' is 'vc+ld+jwt'"),
        ({"alg": "EdDSA", "kid": KIDS["EdDSA"], "crit": ["b64"], "b64": False}, "critical extensions"),
        ({"alg": "PS256", "kid": KIDS["RS256"]}, "'PS256' is not supported"),
        ({"typ": "JWT", "kid": KIDS["EdDSA"]}, "has no 'alg'"),
    ],
)
def test_refused_headers(header: dict, message: str) -> None:
    payload = credential() | {"iss": ISSUER, "nbf": 1714564800}
    signing_input = f"{b64u_json(header)}.{b64u_json(payload)}"
    token = f"{signing_input}.{b64u(ED_KEY.sign(signing_input.encode()))}"
    result = decode_vc_jwt(token, resolver())
    assert not result.verified
    assert message in messages(result)


def test_extra_header_members_are_a_warning() -> None:
    payload = credential() | {
        "iss": ISSUER,
        "nbf": 1714564800,
        "jti": credential()["id"],
        "sub": "did:example:learner-42",
    }
    payload["exp"] = 4081320000
    result = decode_vc_jwt(
        sign_with_pyjwt({"alg": "EdDSA", "kid": KIDS["EdDSA"], "x5u": "https://x"}, payload, "EdDSA"), resolver()
    )
    assert result.verified, messages(result)
    assert "warning" in statuses(result, "jwt_header")


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"iss": OTHER}, f"'iss' claim '{OTHER}' does not equal the issuer id '{ISSUER}'"),
        ({"iss": None}, "'iss' claim is missing"),
        ({"jti": "urn:uuid:other"}, "'jti' claim 'urn:uuid:other' does not equal the credential id"),
        ({"sub": "did:example:mallory"}, "'sub' claim 'did:example:mallory' does not equal"),
        ({"nbf": 1714564800 + 3600}, "'nbf' claim (2024-05-01T13:00:00Z) does not equal the credential's validFrom"),
        ({"nbf": "yesterday"}, "'nbf' claim 'yesterday' is not a NumericDate"),
        ({"exp": 1714564800}, "'exp' claim (2024-05-01T12:00:00Z) does not equal the credential's validUntil"),
    ],
)
def test_claims_must_agree_with_the_credential(claims: dict, message: str) -> None:
    token = encode_vc_jwt(credential(), ED_KEY, kid=KIDS["EdDSA"])
    _, payload, _ = parts(token)
    payload.update(claims)
    payload = {key: value for key, value in payload.items() if value is not None}
    result = decode_vc_jwt(
        sign_with_pyjwt({"alg": "EdDSA", "typ": "JWT", "kid": KIDS["EdDSA"]}, payload, "EdDSA"), resolver()
    )
    assert result.signature_valid
    assert not result.verified
    assert statuses(result, "jwt_claims")[0] == "failed"
    assert message in messages(result)


def test_exp_without_valid_until_is_inconsistent() -> None:
    document = credential()
    del document["validUntil"]
    payload = copy.deepcopy(document) | {"iss": ISSUER, "nbf": 1714564800, "exp": 4081320000}
    result = decode_vc_jwt(sign_with_pyjwt({"alg": "EdDSA", "kid": KIDS["EdDSA"]}, payload, "EdDSA"), resolver())
    assert not result.verified
    assert "has an 'exp' claim but the credential has no validUntil" in messages(result)


def test_missing_optional_claims_are_warnings() -> None:
    payload = credential() | {"iss": ISSUER}
    result = decode_vc_jwt(sign_with_pyjwt({"alg": "EdDSA", "kid": KIDS["EdDSA"]}, payload, "EdDSA"), resolver())
    assert result.verified, messages(result)
    text = messages(result)
    for claim in ("jti", "sub", "nbf", "exp"):
        assert f"'{claim}'" in text
