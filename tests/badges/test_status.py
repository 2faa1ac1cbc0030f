import json

import pytest

from badges.models import CredentialStatus, StatusList
from badges.services import (
    AwardRequest,
    CredentialError,
    credential_issue,
    credential_revoke,
    credential_suspend,
    credential_unsuspend,
)
from badges.verify import verify_credential
from issuer.models import AuditEvent
from tests.actors import owner
from verification.status import bit_is_set, decode_bitstring


@pytest.fixture
def credential(achievement):
    return credential_issue(
        request=AwardRequest(achievement=achievement, email="l@example.com"),
        source="ui",
        actor=owner(achievement.issuer),
    )


def _list_bits(client, credential, purpose):
    response = client.get(f"/issuers/uni/status/{purpose}/{credential.status_sequence}")
    assert response.status_code == 200
    document = response.json()
    return document, decode_bitstring(document["credentialSubject"]["encodedList"])


def _checks(report):
    return {c.id: c.status for c in report.checks}


def test_revocation_sets_the_bit_and_the_verifier_sees_it(client, credential):
    _, bits = _list_bits(client, credential, "revocation")
    assert not bit_is_set(bits, credential.status_index)
    credential_revoke(credential=credential, reason="Plagiarism", actor=owner(credential.issuer))
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REVOKED
    document, bits = _list_bits(client, credential, "revocation")
    assert bit_is_set(bits, credential.status_index)
    assert document["credentialSubject"]["statusPurpose"] == "revocation"
    assert sum(bin(b).count("1") for b in bits) == 1
    report = verify_credential(credential.document)
    assert not report.valid
    assert _checks(report)["status"] == "failed"
    assert AuditEvent.objects.filter(action="credential.revoked", data__reason="Plagiarism").count() == 1


def test_revoke_needs_a_reason_and_is_final(credential):
    with pytest.raises(CredentialError, match="reason"):
        credential_revoke(credential=credential, reason="  ", actor=owner(credential.issuer))
    credential_revoke(credential=credential, reason="x", actor=owner(credential.issuer))
    with pytest.raises(CredentialError, match="already revoked"):
        credential_revoke(credential=credential, reason="x", actor=owner(credential.issuer))
    with pytest.raises(CredentialError):
        credential_unsuspend(credential=credential, actor=owner(credential.issuer))


def test_suspension_is_reversible_and_reported(client, credential):
    credential_suspend(credential=credential, reason="Under review", actor=owner(credential.issuer))
    _, bits = _list_bits(client, credential, "suspension")
    assert bit_is_set(bits, credential.status_index)
    report = verify_credential(credential.document)
    assert not report.valid
    assert _checks(report)["status"] == "failed"
    credential_unsuspend(credential=credential, actor=owner(credential.issuer))
    _, bits = _list_bits(client, credential, "suspension")
    assert not bit_is_set(bits, credential.status_index)
    assert verify_credential(credential.document).valid


def test_status_list_is_signed_cached_and_conditional(client, credential):
    url = f"/issuers/uni/status/revocation/{credential.status_sequence}"
    first = client.get(url)
    assert first["Cache-Control"] == "public, no-cache"  # revalidated on every use: a revocation shows at once
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    lst = StatusList.objects.get(issuer=credential.issuer, purpose="revocation")
    assert lst.signed_version == lst.version
    list_report = verify_credential(first.content)
    assert _checks(list_report)["proof"] == "passed"
    credential_revoke(credential=credential, reason="x", actor=owner(credential.issuer))
    second = client.get(url)
    assert second["ETag"] != first["ETag"]
    assert json.loads(second.content)["proof"][0]["proofValue"] != json.loads(first.content)["proof"][0]["proofValue"]


def test_status_list_is_signed_once_per_change(client, credential):
    url = f"/issuers/uni/status/revocation/{credential.status_sequence}"
    first = client.get(url)
    lst = StatusList.objects.get(issuer=credential.issuer, purpose="revocation")
    stored = (lst.signed_document, lst.signed_version, lst.updated_at)
    again = client.get(url)
    assert again.content == first.content  # served from the stored signature, not signed again
    lst.refresh_from_db()
    assert (lst.signed_document, lst.signed_version, lst.updated_at) == stored


def test_unknown_status_list_is_404(client, credential):
    assert client.get("/issuers/uni/status/other/0").status_code == 404
    assert client.get("/issuers/uni/status/revocation/99").status_code == 404
