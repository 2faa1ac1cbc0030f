"""The signature scheme as docs/webhooks.md describes it to receivers."""

from __future__ import annotations

import hashlib
import hmac

from webhooks.signing import encode_body, new_secret, signature_header, verify_signature

SECRET = "whsec_test-secret"
BODY = b'{"id":"1","type":"ping"}'


def test_the_header_is_t_and_the_hex_hmac_sha256_of_t_dot_body():
    header = signature_header(SECRET, 1_700_000_000, BODY)

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_verify_accepts_the_signed_body_within_the_tolerance():
    header = signature_header(SECRET, 1_700_000_000, BODY)

    assert verify_signature(SECRET, header, BODY, now=1_700_000_299)


def test_verify_refuses_a_changed_body_another_secret_an_old_timestamp_or_garbage():
    header = signature_header(SECRET, 1_700_000_000, BODY)

    assert not verify_signature(SECRET, header, BODY + b" ", now=1_700_000_000)
    assert not verify_signature("whsec_other", header, BODY, now=1_700_000_000)
    assert not verify_signature(SECRET, header, BODY, now=1_700_000_301)
    assert not verify_signature(SECRET, header.replace("t=1700000000", "t=1700000001"), BODY, now=1_700_000_000)
    assert not verify_signature(SECRET, "v1=abc", BODY, now=1_700_000_000)
    assert not verify_signature(SECRET, "", BODY, now=1_700_000_000)


def test_the_body_is_compact_sorted_utf8_json():
    assert encode_body({"type": "ping", "data": {"name": "Zoë"}, "id": "x"}) == (
        '{"data":{"name":"Zoë"},"id":"x","type":"ping"}'.encode()
    )


def test_secrets_are_random_and_prefixed():
    first, second = new_secret(), new_secret()
    assert first != second and first.startswith("whsec_") and len(first) == len("whsec_") + 43
