"""Verifying one of our own credentials reads the database twice (D38): the issuer's keys in one query, and every
status list of the credential's sequence in another, so revocation and suspension are both read fresh."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend
from badges.verify import verify_credential
from issuer.models import KeyPurpose, KeyState, SigningKey
from issuer.services import signing_key_mark_compromised
from tests.actors import owner


def _award(achievement, number: int = 0):
    request = AwardRequest(achievement=achievement, email=f"learner{number}@example.org", name="Lea Rner")
    return credential_issue(request=request, source="api", actor=owner(achievement.issuer))


def test_a_valid_credential_of_ours_costs_two_queries(achievement):
    credential = _award(achievement)

    with CaptureQueriesContext(connection) as queries:
        report = verify_credential(credential.document)

    assert report.verdict == "valid"
    assert len(queries.captured_queries) == 2


def test_revocation_and_suspension_are_read_at_each_verification(achievement):
    revoked, suspended = _award(achievement, 1), _award(achievement, 2)
    assert verify_credential(revoked.document).verdict == "valid"
    assert verify_credential(suspended.document).verdict == "valid"

    credential_revoke(credential=revoked, reason="issued in error", actor=owner(achievement.issuer))
    credential_suspend(credential=suspended, actor=owner(achievement.issuer))

    assert verify_credential(revoked.document).verdict == "invalid"
    assert verify_credential(suspended.document).verdict == "invalid"
    assert verify_credential(_award(achievement, 3).document).verdict == "valid"


def test_a_key_marked_compromised_fails_the_next_verification(achievement):
    credential = _award(achievement)
    assert verify_credential(credential.document).verdict == "valid"

    key = SigningKey.objects.get(issuer=achievement.issuer, purpose=KeyPurpose.DATA_INTEGRITY, state=KeyState.ACTIVE)
    signing_key_mark_compromised(key=key, actor=owner(achievement.issuer), reason="leaked")

    assert verify_credential(credential.document).verdict != "valid"
