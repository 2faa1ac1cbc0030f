import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.db import IntegrityError

from issuer.keystore import decrypt_private_key
from issuer.models import AuditEvent, KeyPurpose, KeyState, SigningKey
from issuer.selectors import did_document
from issuer.services import issuer_key_rotate, signing_key_create, signing_key_mark_compromised
from tests.actors import owner
from verification.keys import ed25519_public_to_multibase


def test_new_issuer_has_one_active_ed25519_key(issuer):
    keys = list(SigningKey.objects.filter(issuer=issuer))
    assert [(k.purpose, k.algorithm, k.state) for k in keys] == [("data_integrity", "Ed25519", "active")]


def test_private_key_is_encrypted_at_rest_and_decrypts(issuer):
    key = SigningKey.objects.get(issuer=issuer)
    stored = bytes(key.encrypted_private_key)
    private = decrypt_private_key(stored)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    raw = private.private_bytes_raw()
    assert raw not in stored  # the seed never appears in clear
    assert ed25519_public_to_multibase(private.public_key()) == key.public_key_multibase


def test_rotation_retires_the_old_key_and_keeps_it_in_the_did_document(issuer):
    old = SigningKey.objects.get(issuer=issuer)
    new = issuer_key_rotate(issuer=issuer, actor=owner(issuer))
    old.refresh_from_db()
    assert (old.state, new.state) == (KeyState.RETIRED, KeyState.ACTIVE)
    doc = did_document(issuer)
    assert doc["id"] == "did:web:badges.example.test:issuers:uni"
    assert doc["assertionMethod"] == [old.verification_method_id, new.verification_method_id]
    assert AuditEvent.objects.filter(issuer=issuer, action="key.rotated").count() == 1


def test_compromised_key_leaves_the_did_document_and_is_replaced(issuer):
    old = SigningKey.objects.get(issuer=issuer)
    signing_key_mark_compromised(key=old, actor=owner(issuer), reason="leaked")
    doc = did_document(issuer)
    ids = [m["id"] for m in doc["verificationMethod"]]
    assert old.verification_method_id not in ids
    active = SigningKey.objects.get(issuer=issuer, state=KeyState.ACTIVE)
    assert ids == [active.verification_method_id]


def test_jwt_keys_are_listed_as_json_web_keys(issuer):
    key = signing_key_create(issuer=issuer, purpose=KeyPurpose.JWT, algorithm="RSA", actor=owner(issuer))
    method = next(m for m in did_document(issuer)["verificationMethod"] if m["id"] == key.verification_method_id)
    assert method["type"] == "JsonWebKey"
    assert method["publicKeyJwk"]["kty"] == "RSA"
    assert "d" not in method["publicKeyJwk"]


def test_database_refuses_two_active_keys_for_one_purpose(issuer):
    key = SigningKey.objects.get(issuer=issuer)
    with pytest.raises(IntegrityError):
        SigningKey.objects.create(
            issuer=issuer,
            key_id="dup",
            purpose=key.purpose,
            algorithm="Ed25519",
            public_jwk={},
            encrypted_private_key=b"x",
            state="active",
        )


def test_audit_events_are_append_only(issuer):
    from django.core.exceptions import ValidationError

    event = AuditEvent.objects.filter(issuer=issuer).first()
    event.action = "tampered"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_did_json_view(client, issuer):
    response = client.get("/issuers/uni/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    assert response.json() == did_document(issuer)
    assert client.get("/issuers/nobody/did.json").status_code == 404


def test_did_json_is_conditional(client, issuer):
    first = client.get("/issuers/uni/did.json")
    assert first["Cache-Control"] == "public, no-cache"  # revalidated on every use: a compromised key leaves at once
    unchanged = client.get("/issuers/uni/did.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    issuer_key_rotate(issuer=issuer, actor=owner(issuer))
    changed = client.get("/issuers/uni/did.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_home_lists_issuers(client, issuer):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Test University" in response.content
    assert issuer.did.encode() in response.content


def test_membership_changes_are_audited(issuer, django_user_model):
    from issuer.services import IssuerError, membership_set

    bob = django_user_model.objects.create_user("bob", "bob@example.com", "pw-bob-123456")
    membership_set(issuer=issuer, user=bob, role="viewer", actor=owner(issuer))
    membership_set(issuer=issuer, user=bob, role="awarder", actor=owner(issuer))
    membership_set(issuer=issuer, user=bob, role="awarder", actor=owner(issuer))  # no change, no row
    actions = list(
        AuditEvent.objects.filter(issuer=issuer, action__startswith="staff.", data__user="bob")
        .order_by("id")
        .values_list("action", "data__role")
    )
    assert actions == [("staff.added", "viewer"), ("staff.role_changed", "awarder")]
    with pytest.raises(IssuerError, match="Unknown role"):
        membership_set(issuer=issuer, user=bob, role="admin", actor=owner(issuer))
