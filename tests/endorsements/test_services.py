"""Endorsements through their services (D63): given by an issuer of this platform, decided by the endorsed issuer,
added from elsewhere after the verifier checks them, withdrawn through the endorser's status list; copied into the
credentials awarded after they are accepted, and verified there."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges.endorsements import (
    EndorsementError,
    endorsement_add,
    endorsement_decide,
    endorsement_give,
    endorsement_withdraw,
)
from badges.models import Achievement, Endorsement, EndorsementState
from badges.services import AwardRequest, credential_issue
from badges.verify import verify_credential
from issuer.models import AuditEvent
from issuer.permissions import NotAuthorized
from issuer.services import membership_set
from tests.actors import owner
from verification.jwt import encode_vc_jwt
from verification.keys import did_key_from_ed25519
from verification.suites import DataIntegritySigner


def _award(achievement):
    # As a request finds it: the documents every award embeds are kept by the row's columns as read (D38).
    achievement = Achievement.objects.select_related("issuer").get(pk=achievement.pk)
    return credential_issue(
        request=AwardRequest(achievement=achievement, email="lea@example.org", name="Lea"),
        source="ui",
        actor=owner(achievement.issuer),
        notify=False,
    )


def _check(report, name):
    return next(check for check in report.checks if check.id == name)


def _give(other_issuer, achievement, comment="Rigorous and well assessed."):
    return endorsement_give(
        endorser=other_issuer,
        issuer=achievement.issuer,
        achievement=achievement,
        comment=comment,
        actor=owner(other_issuer),
    )


def test_an_accepted_endorsement_is_embedded_in_the_next_award_and_verifies(achievement, other_issuer):
    before = _award(achievement)
    endorsement = _give(other_issuer, achievement)
    assert endorsement.state == EndorsementState.PENDING
    pending = _award(achievement)
    assert "endorsement" not in json.loads(pending.document)["credentialSubject"]["achievement"]

    endorsement_decide(endorsement=endorsement, accept=True, actor=owner(achievement.issuer))
    credential = _award(achievement)

    embedded = json.loads(credential.document)["credentialSubject"]["achievement"]["endorsement"]
    assert [item["credentialSubject"] for item in embedded] == [
        {
            "id": achievement.public_id,
            "type": ["EndorsementSubject"],
            "endorsementComment": "Rigorous and well assessed.",
        }
    ]
    assert embedded[0]["issuer"]["id"] == other_issuer.did
    report = verify_credential(credential.document)
    assert report.verdict == "valid", [(c.id, c.status, c.message) for c in report.checks]
    assert (_check(report, "endorsements").status, _check(report, "endorsements").code) == (
        "passed",
        "endorsements_valid",
    )
    # What was signed before stays as it was.
    assert "endorsement" not in json.loads(before.document)["credentialSubject"]["achievement"]


def test_a_tampered_endorsement_is_a_warning_while_the_credential_stays_valid(achievement, other_issuer):
    endorsement = _give(other_issuer, achievement)
    endorsement_decide(endorsement=endorsement, accept=True, actor=owner(achievement.issuer))
    document = json.loads(endorsement.document)
    document["credentialSubject"]["endorsementComment"] = "The best course there is."
    Endorsement.objects.filter(pk=endorsement.pk).update(document=json.dumps(document))
    Achievement.objects.filter(pk=achievement.pk).update(name="Python Basics")  # a new row state: built again

    credential = _award(achievement)

    embedded = json.loads(credential.document)["credentialSubject"]["achievement"]["endorsement"]
    assert embedded[0]["credentialSubject"]["endorsementComment"] == "The best course there is."
    report = verify_credential(credential.document)
    assert report.verdict == "valid"
    check = _check(report, "endorsements")
    assert (check.status, check.code) == ("warning", "endorsement_invalid")
    assert "Other Academy failed (proof)" in check.message


def test_a_withdrawn_endorsement_is_revoked_where_it_was_copied_and_no_longer_embedded(achievement, other_issuer):
    endorsement = _give(other_issuer, achievement)
    endorsement_decide(endorsement=endorsement, accept=True, actor=owner(achievement.issuer))
    carrying = _award(achievement)

    endorsement_withdraw(endorsement=endorsement, actor=owner(other_issuer))

    endorsement.refresh_from_db()
    assert endorsement.state == EndorsementState.WITHDRAWN
    check = _check(verify_credential(carrying.document), "endorsements")
    assert (check.status, check.code) == ("warning", "endorsement_invalid")
    assert "failed (status)" in check.message
    assert "endorsement" not in json.loads(_award(achievement).document)["credentialSubject"]["achievement"]
    assert AuditEvent.objects.filter(issuer=other_issuer, action="endorsement.withdrawn").count() == 1
    with pytest.raises(EndorsementError, match="already withdrawn"):
        endorsement_withdraw(endorsement=endorsement, actor=owner(other_issuer))


def test_an_endorsement_of_the_issuer_goes_into_its_profile(achievement, other_issuer):
    issuer = achievement.issuer
    endorsement = endorsement_give(
        endorser=other_issuer, issuer=issuer, achievement=None, comment="A careful issuer.", actor=owner(other_issuer)
    )
    endorsement_decide(endorsement=endorsement, accept=True, actor=owner(issuer))

    document = json.loads(_award(achievement).document)

    assert [e["credentialSubject"]["id"] for e in document["issuer"]["endorsement"]] == [issuer.did]
    assert "endorsement" not in document["credentialSubject"]["achievement"]
    assert _check(verify_credential(json.dumps(document)), "endorsements").code == "endorsements_valid"


def test_a_declined_endorsement_is_not_embedded(achievement, other_issuer):
    endorsement = _give(other_issuer, achievement)
    endorsement_decide(endorsement=endorsement, accept=True, actor=owner(achievement.issuer))
    endorsement_decide(endorsement=endorsement, accept=False, actor=owner(achievement.issuer))

    assert "endorsement" not in json.loads(_award(achievement).document)["credentialSubject"]["achievement"]
    with pytest.raises(EndorsementError, match="declined: there is nothing to decide"):
        endorsement_decide(endorsement=endorsement, accept=True, actor=owner(achievement.issuer))


# --- who may


def test_a_viewer_of_the_endorser_cannot_endorse(achievement, other_issuer, django_user_model):
    viewer = django_user_model.objects.create_user("vic", "vic@example.org", "pw-vic-123456")
    membership_set(issuer=other_issuer, user=viewer, role="viewer", actor=owner(other_issuer))
    with pytest.raises(NotAuthorized):
        endorsement_give(
            endorser=other_issuer, issuer=achievement.issuer, achievement=achievement, comment="Yes.", actor=viewer
        )
    assert Endorsement.objects.count() == 0


def test_staff_of_one_issuer_cannot_endorse_in_anothers_name(achievement, other_issuer, issuer):
    with pytest.raises(NotAuthorized):
        endorsement_give(
            endorser=other_issuer, issuer=issuer, achievement=achievement, comment="Yes.", actor=owner(issuer)
        )
    assert Endorsement.objects.count() == 0


def test_only_the_endorsed_issuer_decides_and_only_the_endorser_withdraws(achievement, other_issuer):
    endorsement = _give(other_issuer, achievement)
    with pytest.raises(NotAuthorized):
        endorsement_decide(endorsement=endorsement, accept=True, actor=owner(other_issuer))
    with pytest.raises(NotAuthorized):
        endorsement_withdraw(endorsement=endorsement, actor=owner(achievement.issuer))
    endorsement.refresh_from_db()
    assert endorsement.state == EndorsementState.PENDING


def test_an_issuer_cannot_endorse_itself_nor_twice(achievement, other_issuer):
    with pytest.raises(EndorsementError, match="cannot endorse itself") as refused:
        endorsement_give(
            endorser=achievement.issuer,
            issuer=achievement.issuer,
            achievement=achievement,
            comment="Ours is good.",
            actor=owner(achievement.issuer),
        )
    assert refused.value.field == "subject"
    _give(other_issuer, achievement)
    with pytest.raises(EndorsementError, match="already endorses this"):
        _give(other_issuer, achievement, comment="Again.")
    with pytest.raises(EndorsementError, match="Say in a few words") as empty:
        endorsement_give(
            endorser=other_issuer, issuer=achievement.issuer, achievement=None, comment="  ", actor=owner(other_issuer)
        )
    assert empty.value.field == "comment"


# --- from elsewhere

OUTSIDE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OUTSIDE_DID = did_key_from_ed25519(OUTSIDE_KEY.public_key())
OUTSIDE_METHOD = f"{OUTSIDE_DID}#{OUTSIDE_DID.removeprefix('did:key:')}"


def _outside(subject_id: str, comment: str = "Meets our standard.") -> dict:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:9a6f4c1e-2b1d-4c55-8f3e-0f1a2b3c4d5e",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": "Skills Council endorses it",
        "issuer": {"id": OUTSIDE_DID, "type": ["Profile"], "name": "Skills Council"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": subject_id, "type": ["EndorsementSubject"], "endorsementComment": comment},
    }


def _signed(document: dict) -> str:
    signer = DataIntegritySigner(OUTSIDE_KEY, OUTSIDE_METHOD, created="2025-01-01T00:00:00Z")
    return json.dumps({**document, "proof": [signer.proof(document)]})


def test_an_endorsement_made_elsewhere_is_verified_then_added_and_embedded(achievement):
    issuer = achievement.issuer
    endorsement = endorsement_add(issuer=issuer, text=_signed(_outside(achievement.public_id)), actor=owner(issuer))

    assert (endorsement.state, endorsement.endorser, endorsement.endorser_name) == ("accepted", None, "Skills Council")
    assert endorsement.endorser_identifier == OUTSIDE_DID
    assert endorsement.comment == "Meets our standard."
    credential = _award(achievement)
    embedded = json.loads(credential.document)["credentialSubject"]["achievement"]["endorsement"]
    assert embedded[0]["issuer"]["id"] == OUTSIDE_DID
    assert _check(verify_credential(credential.document), "endorsements").code == "endorsements_valid"
    with pytest.raises(EndorsementError, match="already added"):
        endorsement_add(issuer=issuer, text=_signed(_outside(achievement.public_id)), actor=owner(issuer))


def test_an_endorsement_made_elsewhere_as_a_vc_jwt_goes_into_endorsement_jwt(achievement):
    issuer = achievement.issuer
    token = encode_vc_jwt(_outside(issuer.did), OUTSIDE_KEY, kid=OUTSIDE_METHOD)

    endorsement_add(issuer=issuer, text=token, actor=owner(issuer))

    document = json.loads(_award(achievement).document)
    assert document["issuer"]["endorsementJwt"] == [token]
    assert _check(verify_credential(json.dumps(document)), "endorsements").code == "endorsements_valid"


def test_an_endorsement_made_elsewhere_that_does_not_verify_is_refused_with_the_reason(achievement):
    issuer = achievement.issuer
    forged = json.loads(_signed(_outside(achievement.public_id)))
    forged["credentialSubject"]["endorsementComment"] = "Better than it said."

    with pytest.raises(
        EndorsementError, match="did not find this endorsement valid: .*signature does not match"
    ) as refused:
        endorsement_add(issuer=issuer, text=json.dumps(forged), actor=owner(issuer))

    assert refused.value.field == "credential"
    assert Endorsement.objects.count() == 0


def test_an_endorsement_made_elsewhere_about_someone_else_is_refused(achievement, other_issuer):
    with pytest.raises(EndorsementError, match="neither Test University nor one of its achievements"):
        endorsement_add(
            issuer=achievement.issuer, text=_signed(_outside(other_issuer.did)), actor=owner(achievement.issuer)
        )
    with pytest.raises(EndorsementError, match="not a credential the verifier can read"):
        endorsement_add(issuer=achievement.issuer, text="{not json", actor=owner(achievement.issuer))
    with pytest.raises(NotAuthorized):
        endorsement_add(
            issuer=achievement.issuer, text=_signed(_outside(achievement.public_id)), actor=owner(other_issuer)
        )
    assert Endorsement.objects.count() == 0
