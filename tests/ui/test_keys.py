"""The keys page: every member sees the keys and their fingerprints; only owners rotate or withdraw them."""

from __future__ import annotations

import base64
import hashlib

import pytest

from issuer.models import AuditEvent, Issuer, KeyState, SigningKey
from tests.actors import owner
from tests.ui.conftest import expected_status

WHO = [None, "stranger", "owner", "editor", "awarder", "viewer"]
ALL_STAFF = {"owner", "editor", "awarder", "viewer"}

# RFC 7638 §3.1: the example RSA key (with its optional members) and its SHA-256 thumbprint.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjh"
    "Mstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvR"
    "L5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)
RFC7638_JWK = {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def b64url_sha256(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def keys_state(issuer: Issuer) -> list[tuple[str, str, str]]:
    return list(SigningKey.objects.filter(issuer=issuer).order_by("pk").values_list("key_id", "purpose", "state"))


def test_independent_thumbprint_of_the_rfc_example():
    # The member order of RFC 7638 §3.3, written out by hand: e, kty, n.
    assert b64url_sha256('{"e":"AQAB","kty":"RSA","n":"' + RFC7638_N + '"}') == RFC7638_THUMBPRINT


@pytest.mark.parametrize("who", WHO)
def test_keys_page_permission_matrix(client_as, issuer, who):
    response = client_as(who).get(f"/manage/{issuer.slug}/keys/")
    assert response.status_code == expected_status(who, ALL_STAFF)
    if who is None:
        assert response["Location"].startswith("/accounts/login/")
    if response.status_code == 200:
        key = SigningKey.objects.get(issuer=issuer)
        assert key.key_id.encode() in response.content
        assert key.verification_method_id.encode() in response.content
        compromise_link = f'href="/manage/uni/keys/{key.key_id}/compromise/"'.encode()
        assert (compromise_link in response.content) == (who == "owner")
        assert (response.context["rotate_form"] is not None) == (who == "owner")


def test_fingerprint_is_the_rfc7638_thumbprint(client_as, issuer):
    key = SigningKey.objects.get(issuer=issuer)
    SigningKey.objects.filter(pk=key.pk).update(public_jwk=RFC7638_JWK)
    response = client_as("viewer").get(f"/manage/{issuer.slug}/keys/")
    assert f'<code class="break-all">{RFC7638_THUMBPRINT}</code>'.encode() in response.content


def test_fingerprint_of_an_ed25519_key(client_as, issuer):
    key = SigningKey.objects.get(issuer=issuer)
    jwk = key.public_jwk
    expected = b64url_sha256('{"crv":"Ed25519","kty":"OKP","x":"' + jwk["x"] + '"}')
    response = client_as("viewer").get(f"/manage/{issuer.slug}/keys/")
    assert [k.thumbprint for k in response.context["keys"]] == [expected]
    assert expected.encode() in response.content


@pytest.mark.parametrize("who", WHO)
def test_rotate_permission_matrix(client_as, issuer, who):
    before, events = keys_state(issuer), AuditEvent.objects.count()
    response = client_as(who).post(f"/manage/{issuer.slug}/keys/rotate/", {"purpose": "jwt", "algorithm": "P-256"})
    allowed = expected_status(who, {"owner"})
    assert response.status_code == (302 if allowed == 200 else allowed)
    if who == "owner":
        assert response["Location"] == f"/manage/{issuer.slug}/keys/"
        new = SigningKey.objects.get(issuer=issuer, purpose="jwt")
        assert (new.algorithm, new.state, new.public_jwk["crv"]) == ("P-256", KeyState.ACTIVE, "P-256")
        assert keys_state(issuer) == [*before, (new.key_id, "jwt", "active")]
        event = AuditEvent.objects.get(action="key.created", data__purpose="jwt")
        assert (event.actor.username, event.data["key_id"], event.data["retired"]) == ("alice", new.key_id, [])
        assert AuditEvent.objects.count() == events + 1
    else:
        assert keys_state(issuer) == before
        assert AuditEvent.objects.count() == events


def test_rotating_the_data_integrity_key_retires_the_old_one(client_as, issuer):
    old = SigningKey.objects.get(issuer=issuer)
    response = client_as("owner").post(
        f"/manage/{issuer.slug}/keys/rotate/", {"purpose": "data_integrity", "algorithm": "Ed25519"}, follow=True
    )
    old.refresh_from_db()
    new = SigningKey.objects.get(issuer=issuer, state=KeyState.ACTIVE)
    assert (old.state, old.retired_at is not None) == (KeyState.RETIRED, True)
    assert (new.purpose, new.algorithm) == ("data_integrity", "Ed25519")
    event = AuditEvent.objects.get(action="key.rotated")
    assert event.data == {
        "purpose": "data_integrity",
        "algorithm": "Ed25519",
        "key_id": new.key_id,
        "retired": [old.key_id],
    }
    assert f"New Data Integrity (eddsa-rdfc-2022) key {new.key_id} is active.".encode() in response.content


def test_data_integrity_key_must_be_ed25519(client_as, issuer):
    before, events = keys_state(issuer), AuditEvent.objects.count()
    response = client_as("owner").post(
        f"/manage/{issuer.slug}/keys/rotate/", {"purpose": "data_integrity", "algorithm": "RSA"}
    )
    assert response.status_code == 200
    form = response.context["rotate_form"]
    assert form.errors == {"algorithm": ["Data Integrity keys must be Ed25519 (eddsa-rdfc-2022); choose Ed25519."]}
    assert b'<option value="RSA" selected>' in response.content  # what was chosen is kept
    assert keys_state(issuer) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("who", WHO)
def test_compromise_page_permission_matrix(client_as, issuer, who):
    key = SigningKey.objects.get(issuer=issuer)
    response = client_as(who).get(f"/manage/{issuer.slug}/keys/{key.key_id}/compromise/")
    assert response.status_code == expected_status(who, {"owner"})


@pytest.mark.parametrize("who", WHO)
def test_compromise_permission_matrix(client_as, issuer, who):
    key = SigningKey.objects.get(issuer=issuer)
    before, events = keys_state(issuer), AuditEvent.objects.count()
    response = client_as(who).post(
        f"/manage/{issuer.slug}/keys/{key.key_id}/compromise/", {"confirm_key_id": key.key_id, "reason": "Leaked"}
    )
    allowed = expected_status(who, {"owner"})
    assert response.status_code == (302 if allowed == 200 else allowed)
    if who == "owner":
        key.refresh_from_db()
        assert (key.state, key.compromised_at is not None) == (KeyState.COMPROMISED, True)
        event = AuditEvent.objects.get(action="key.compromised")
        assert (event.actor.username, event.data) == ("alice", {"key_id": key.key_id, "reason": "Leaked"})
        # The active key was withdrawn, so a fresh one took its place.
        replacement = SigningKey.objects.get(issuer=issuer, state=KeyState.ACTIVE)
        assert (replacement.purpose, replacement.algorithm) == ("data_integrity", "Ed25519")
        assert AuditEvent.objects.count() == events + 2
    else:
        assert keys_state(issuer) == before
        assert AuditEvent.objects.count() == events


def test_compromise_page_warns_and_counts_signed_credentials(client_as, achievement):
    from badges.services import AwardRequest, credential_issue

    issuer = achievement.issuer
    for n in range(2):
        credential_issue(
            request=AwardRequest(achievement=achievement, email=f"l{n}@example.com"),
            source="ui",
            actor=owner(achievement.issuer),
        )
    key = SigningKey.objects.get(issuer=issuer)
    content = client_as("owner").get(f"/manage/{issuer.slug}/keys/{key.key_id}/compromise/").content.decode()
    assert "This cannot be undone" in content
    assert "Every credential signed with it stops verifying, everywhere" in content
    assert "It signed <strong>2 credentials</strong>" in content
    assert "A new key of the same kind becomes active at once" in content


def test_compromise_requires_the_typed_key_id_and_a_reason(client_as, issuer):
    key = SigningKey.objects.get(issuer=issuer)
    before, events = keys_state(issuer), AuditEvent.objects.count()
    response = client_as("owner").post(
        f"/manage/{issuer.slug}/keys/{key.key_id}/compromise/", {"confirm_key_id": "key-typo", "reason": "  "}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "confirm_key_id": [f"This is not the key id. Type {key.key_id} exactly to confirm."],
        "reason": ["This field is required."],
    }
    assert b'value="key-typo"' in response.content
    assert keys_state(issuer) == before
    assert AuditEvent.objects.count() == events


def test_compromise_of_a_retired_key_keeps_the_active_one(client_as, issuer):
    from issuer.services import issuer_key_rotate

    old = SigningKey.objects.get(issuer=issuer)
    active = issuer_key_rotate(issuer=issuer, actor=owner(issuer))
    response = client_as("owner").post(
        f"/manage/{issuer.slug}/keys/{old.key_id}/compromise/", {"confirm_key_id": old.key_id, "reason": "Backup lost"}
    )
    assert response.status_code == 302
    assert keys_state(issuer) == [
        (old.key_id, "data_integrity", "compromised"),
        (active.key_id, "data_integrity", "active"),
    ]


def test_compromised_key_page_has_no_form_and_a_repeat_changes_nothing(client_as, issuer):
    from issuer.services import signing_key_mark_compromised

    key = SigningKey.objects.get(issuer=issuer)
    signing_key_mark_compromised(key=key, reason="test", actor=owner(issuer))
    page = client_as("owner").get(f"/manage/{issuer.slug}/keys/{key.key_id}/compromise/")
    assert page.context["already"] is True
    assert b"There is nothing more to do" in page.content
    before, events = keys_state(issuer), AuditEvent.objects.count()
    response = client_as("owner").post(
        f"/manage/{issuer.slug}/keys/{key.key_id}/compromise/", {"confirm_key_id": key.key_id, "reason": "again"}
    )
    assert response.status_code == 302
    assert (keys_state(issuer), AuditEvent.objects.count()) == (before, events)


def test_key_of_another_issuer_is_not_found(client_as, issuer, other_issuer):
    foreign = SigningKey.objects.get(issuer=other_issuer)
    response = client_as("owner").get(f"/manage/{issuer.slug}/keys/{foreign.key_id}/compromise/")
    assert response.status_code == 404
