import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from badges import documents
from badges.models import Credential, StatusList
from badges.services import AwardRequest, CredentialError, credential_issue
from badges.signing import SigningRefused, data_integrity_sign
from badges.verify import verify_credential
from issuer.models import AuditEvent, KeyPurpose
from issuer.selectors import active_signing_key
from issuer.services import signing_key_create
from tests.actors import owner


def _issue(achievement, **kwargs):
    params = {"achievement": achievement, "email": "Learner@Example.com", "name": "Lea Rner"}
    params.update(kwargs)
    return credential_issue(request=AwardRequest(**params), source="ui", actor=owner(achievement.issuer))


def test_issued_credential_has_the_designed_shape(achievement):
    credential = _issue(achievement)
    doc = json.loads(credential.document)
    assert doc["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"] == f"https://badges.example.test/credentials/{credential.uuid}"
    assert doc["issuer"]["id"] == "did:web:badges.example.test:issuers:uni"
    assert doc["credentialSubject"]["achievement"]["id"] == achievement.public_id
    identifier = doc["credentialSubject"]["identifier"][0]
    assert identifier["identityHash"] == credential.recipient_identity_hash
    assert "learner@example.com" not in credential.document  # the e-mail is never published
    assert doc["credentialStatus"]["statusListIndex"] == str(credential.status_index)
    (proof,) = doc["proof"]  # one proof, as a one-item array (docs/credential-format.md)
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof",
        "eddsa-rdfc-2022",
        "assertionMethod",
    )
    assert proof["verificationMethod"] == credential.signing_key.verification_method_id
    assert credential.recipient_email == "learner@example.com"


def test_issued_credential_verifies_offline(achievement):
    credential = _issue(achievement)
    report = verify_credential(credential.document)
    assert report.valid, [c for c in report.checks if c.status == "failed"]
    assert report.format == "ldp"
    assert report.to_dict()["credential"]["achievement"]["name"] == "Python Basics"


def test_recipient_check(achievement):
    credential = _issue(achievement)
    statuses = {c.id: c.status for c in verify_credential(credential.document, recipient="learner@example.com").checks}
    assert statuses["recipient"] == "passed"
    statuses = {c.id: c.status for c in verify_credential(credential.document, recipient="other@example.com").checks}
    assert statuses["recipient"] == "failed"


@pytest.mark.parametrize("algorithm", ["Ed25519", "P-256", "RSA"])
def test_jwt_format_verifies(achievement, algorithm):
    signing_key_create(
        issuer=achievement.issuer, purpose=KeyPurpose.JWT, algorithm=algorithm, actor=owner(achievement.issuer)
    )
    credential = _issue(achievement, format="both")
    assert credential.jws.count(".") == 2
    report = verify_credential(credential.jws)
    assert report.format == "jwt"
    assert report.valid, [c for c in report.checks if c.status == "failed"]
    assert verify_credential(credential.document).valid


def test_jwt_only_without_jwt_key_uses_the_ed25519_key(achievement):
    credential = _issue(achievement, format="jwt")
    assert "proof" not in json.loads(credential.document)
    assert verify_credential(credential.jws).valid


def test_idempotency_key_returns_the_first_credential(achievement):
    first = _issue(achievement, idempotency_key="row-1")
    second = _issue(achievement, idempotency_key="row-1")
    assert first.pk == second.pk
    assert Credential.objects.count() == 1
    with pytest.raises(CredentialError, match="different award"):
        _issue(achievement, idempotency_key="row-1", email="someone.else@example.com")


@pytest.mark.parametrize(
    ("_case", "kwargs", "field"),
    [
        ("bad email", {"email": "not-an-email"}, "email"),
        ("expired at once", {"valid_until": timezone.now() - timedelta(days=1)}, "valid_until"),
        (
            "until before from",
            {"valid_from": timezone.now() + timedelta(days=5), "valid_until": timezone.now() + timedelta(days=2)},
            "valid_until",
        ),
        ("unknown format", {"format": "pdf"}, "format"),
        ("evidence not a url", {"evidence": [{"id": "javascript:alert(1)"}]}, "evidence"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(achievement, _case, kwargs, field):
    audit_before = AuditEvent.objects.count()
    with pytest.raises(CredentialError) as error:
        _issue(achievement, **kwargs)
    assert error.value.field == field
    assert Credential.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before
    assert StatusList.objects.filter(allocated__gt=0).count() == 0


def test_control_characters_never_reach_the_signed_document(achievement):
    achievement.name = "Python\tBasics\x01"
    achievement.description = "Line one\r\nLine\ttwo\x07"
    achievement.save()  # stored as typed (as an import or the admin could), cleaned when signed
    credential = _issue(achievement, evidence=[{"id": "https://example.org/e", "narrative": "Built\x0ba thing\n"}])
    doc = json.loads(credential.document)
    achievement_doc = doc["credentialSubject"]["achievement"]
    assert achievement_doc["name"] == "Python Basics"
    assert achievement_doc["description"] == "Line one\nLine two"
    assert doc["evidence"][0]["narrative"] == "Builta thing\n"
    assert not any(ord(ch) < 32 and ch != "\n" or ord(ch) == 127 for ch in credential.document.replace("\\n", ""))
    assert verify_credential(credential.document).valid


def test_issue_writes_an_audit_event(achievement, user):
    credential = _issue(achievement)
    event = AuditEvent.objects.get(action="credential.issued")
    assert (event.issuer_id, event.object_id, event.actor, event.actor_label) == (
        achievement.issuer_id,
        str(credential.pk),
        user,
        "",
    )


def test_status_slots_are_distinct(achievement):
    slots = {
        (c.status_sequence, c.status_index) for c in (_issue(achievement, email=f"l{i}@example.com") for i in range(20))
    }
    assert len(slots) == 20


def test_credential_document_view(client, achievement):
    credential = _issue(achievement, format="both")
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="application/vc+ld+json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+ld+json"
    assert response.content.decode() == credential.document
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="application/jwt")
    assert response.content.decode() == credential.jws


def test_achievement_clean_normalizes_text_when_it_enters(achievement):
    achievement.name = "Python\tBasics\x00"
    achievement.description = "Line one\r\nLine\ttwo\x07"
    achievement.full_clean()
    assert (achievement.name, achievement.description) == ("Python Basics", "Line one\nLine two")


def test_a_name_of_only_spaces_and_controls_is_blank(achievement):
    from django.core.exceptions import ValidationError

    achievement.name = " \t\x00 "
    with pytest.raises(ValidationError) as error:
        achievement.full_clean()
    assert "name" in error.value.message_dict


# --------------------------------------------------------------------------------------------------------------
# The signer refuses, in words, what the verifier could not verify


def test_the_signer_refuses_a_document_with_a_malformed_context_in_words(issuer):
    key = active_signing_key(issuer=issuer, purpose=KeyPurpose.DATA_INTEGRITY)
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", {"@vocab": None}],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "ExampleTestCredential"],
        "issuer": issuer.did,
        "credentialSubject": {"id": "did:example:subject"},
    }
    with pytest.raises(SigningRefused) as caught:
        data_integrity_sign(key, document)
    assert caught.value.code == "jsonld_error"
    assert "'ExampleTestCredential' is not defined" in caught.value.message

    document["@context"] = ["https://www.w3.org/ns/credentials/v2", {"@protected": "yes"}]
    with pytest.raises(SigningRefused) as caught:
        data_integrity_sign(key, document)
    assert caught.value.code == "context_malformed"


def test_an_award_whose_document_cannot_be_signed_is_a_credential_error(achievement, monkeypatch):
    # A defect in the document builder stands in for any document the verifier would refuse: the award is refused
    # with a sentence (a 4xx for the API, a row's error for a bulk job), nothing is stored, nothing is sent.
    built = documents.build_credential

    def with_a_malformed_context(**kwargs):
        document = built(**kwargs)
        document["@context"] = [*document["@context"], {"@protected": "yes"}]
        return document

    monkeypatch.setattr(documents, "build_credential", with_a_malformed_context)
    with pytest.raises(CredentialError, match="could not be signed: The @context is not valid JSON-LD: @protected"):
        _issue(achievement)
    assert Credential.objects.count() == 0
    assert mail.outbox == []
