"""The audit log in sentences (issuer.audit_sentences): one test per action, each row written by the service that
writes it in production, read back as the log page reads it (issuer.selectors.audit_lines). Rows that no renderer
knows, or whose data has another shape, still read as a sentence, never as JSON."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from api.services import token_create, token_revoke
from badges.achievements import (
    achievement_archive,
    achievement_create,
    achievement_delete,
    achievement_unarchive,
    achievement_update,
)
from badges.lifecycle import credential_correct, credential_renew, credential_resend
from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend, credential_unsuspend
from bulk.jobs import (
    bulk_job_cancel,
    bulk_job_create,
    bulk_job_pause,
    bulk_job_process_chunk,
    bulk_job_start,
    bulk_job_undo,
)
from bulk.tasks import process_bulk_job
from issuer.audit_sentences import SENTENCES, audit_sentence
from issuer.lockouts import account_lockout_record
from issuer.models import AuditEvent, Invitation, KeyPurpose
from issuer.services import (
    audit_record,
    invitation_accept,
    invitation_revoke,
    issuer_key_rotate,
    issuer_update,
    membership_remove,
    membership_set,
    signing_key_mark_compromised,
    staff_invite,
)
from stacking.services import (
    partnership_answer,
    partnership_request,
    qualification_apply,
    qualification_deactivate,
    qualification_save,
)
from tests.actors import owner
from tests.audit import said
from tests.badges.test_notifications import FAILING_BACKEND
from tests.stacking.conftest import group, leaf
from tests.wallets.conftest import JWT, ORIGIN, offer_from_page, signed_in
from tests.wallets.wallet import DjangoClientTransport, HolderKey, Wallet
from webhooks.services import endpoint_create, endpoint_delete, endpoint_rotate_secret, endpoint_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(issuer):
    """The issuer's owner, with a full name (the log says "Ana Lopez", not her username)."""
    user = owner(issuer)
    user.first_name, user.last_name = "Ana", "Lopez"
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def jane(achievement, ana):
    return credential_issue(
        request=AwardRequest(achievement=achievement, email="jane@example.org", name="Jane Doe"),
        source="ui",
        notify=False,
        actor=ana,
    )


# ----- credentials


def test_credential_issued(issuer, jane):
    assert said(issuer, "credential.issued") == ["Ana Lopez awarded “Python Basics” to Jane Doe"]


def test_credential_issued_without_a_name_names_the_address(issuer, achievement, ana):
    credential_issue(request=AwardRequest(achievement=achievement, email="lea@example.org"), source="ui", actor=ana)
    assert said(issuer, "credential.issued") == ["Ana Lopez awarded “Python Basics” to lea@example.org"]


def test_credential_revoked(issuer, jane, ana):
    credential_revoke(credential=jane, reason="Awarded to the wrong cohort", actor=ana)
    assert said(issuer, "credential.revoked") == [
        "Ana Lopez revoked Jane Doe's “Python Basics” — reason: Awarded to the wrong cohort"
    ]


def test_credential_suspended(issuer, jane, ana):
    credential_suspend(credential=jane, reason="Checking the exam", actor=ana)
    assert said(issuer, "credential.suspended") == [
        "Ana Lopez suspended Jane Doe's “Python Basics” — reason: Checking the exam"
    ]


def test_credential_unsuspended(issuer, jane, ana):
    credential_suspend(credential=jane, actor=ana)
    credential_unsuspend(credential=jane, actor=ana)
    assert said(issuer, "credential.suspended") == ["Ana Lopez suspended Jane Doe's “Python Basics”"]
    assert said(issuer, "credential.unsuspended") == ["Ana Lopez reinstated Jane Doe's “Python Basics”"]


def test_credential_renewed(issuer, achievement, ana):
    jane = credential_issue(
        request=AwardRequest(
            achievement=achievement,
            email="jane@example.org",
            name="Jane Doe",
            valid_until=timezone.now() + timedelta(days=30),
        ),
        source="ui",
        actor=ana,
    )
    renewal = credential_renew(credential=jane, actor=ana, source="ui")
    assert said(issuer, "credential.renewed") == [f"Ana Lopez renewed Jane Doe's “Python Basics”: {renewal.public_id}"]


def test_credential_corrected(issuer, jane, ana):
    correction = credential_correct(credential=jane, name="Jane Dough", actor=ana, source="ui")
    assert said(issuer, "credential.corrected") == [
        f"Ana Lopez corrected Jane Doe's “Python Basics”: {correction.public_id}"
    ]


def test_credential_resent(issuer, jane, ana):
    credential_resend(credential=jane, actor=ana)
    assert said(issuer, "credential.resent") == [
        "Ana Lopez sent the award e-mail for “Python Basics” to jane@example.org again"
    ]


def test_credential_emailed(issuer, achievement, ana, run, mailoutbox):
    run(
        credential_issue,
        request=AwardRequest(achievement=achievement, email="jane@example.org"),
        source="ui",
        actor=ana,
    )
    assert said(issuer, "credential.emailed") == ["The award e-mail for “Python Basics” was sent to jane@example.org"]


def test_credential_expiry_reminded(issuer, achievement, ana, run, mailoutbox):
    from datetime import timedelta

    from django.utils import timezone

    from badges.reminders import expiry_reminders_run

    request = AwardRequest(
        achievement=achievement, email="jane@example.org", valid_until=timezone.now() + timedelta(days=60)
    )
    credential = credential_issue(request=request, source="ui", actor=ana, notify=False)
    run(expiry_reminders_run, now=credential.valid_until - timedelta(days=6))
    assert said(issuer, "credential.expiry_reminded") == [
        "jane@example.org was reminded that “Python Basics” expires within 7 days"
    ]


def test_credential_email_failed(issuer, achievement, ana, run, settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND  # the SMTP boundary, refusing
    run(
        credential_issue,
        request=AwardRequest(achievement=achievement, email="jane@example.org"),
        source="ui",
        actor=ana,
    )
    assert said(issuer, "credential.email_failed") == [
        "The award e-mail for “Python Basics” to jane@example.org could not be sent: "
        "SMTPServerDisconnected: Connection unexpectedly closed"
    ]


def test_credential_added_to_wallet(issuer, jane, client):
    """A take-up through the credential endpoint, by a wallet written from the OpenID4VCI text (tests/wallets)."""
    wallet = Wallet(http=DjangoClientTransport(client, ORIGIN), key=HolderKey.p256(), binding="jwk")
    wallet.receive(offer_from_page(signed_in("jane@example.org"), jane), JWT)
    assert said(issuer, "credential.added_to_wallet") == [
        "Jane Doe added “Python Basics” to a wallet through OpenID4VCI, as a VC-JWT bound to a key their wallet holds"
    ]


# ----- achievements


@pytest.fixture
def course(issuer, ana):
    return achievement_create(
        issuer=issuer,
        actor=ana,
        data={"name": "Python Foundations", "description": "Writes Python.", "criteria_narrative": "Pass the test."},
    )


def test_achievement_created(issuer, course):
    assert said(issuer, "achievement.created") == ["Ana Lopez created the achievement “Python Foundations”"]


def test_achievement_updated(issuer, course, ana):
    achievement_update(achievement=course, actor=ana, data={"description": "Writes and tests Python."})
    assert said(issuer, "achievement.updated") == [
        "Ana Lopez updated the achievement “Python Foundations” (description), now version 2"
    ]


def test_achievement_archived_and_unarchived(issuer, course, ana):
    achievement_archive(achievement=course, actor=ana)
    achievement_unarchive(achievement=course, actor=ana)
    assert said(issuer, "achievement.archived") == ["Ana Lopez archived the achievement “Python Foundations”"]
    assert said(issuer, "achievement.unarchived") == [
        "Ana Lopez brought back the archived achievement “Python Foundations”"
    ]


def test_achievement_deleted(issuer, course, ana):
    achievement_delete(achievement=course, actor=ana)
    # The achievement is gone; its row kept its name.
    assert said(issuer, "achievement.deleted") == ["Ana Lopez deleted the achievement “Python Foundations”"]


# ----- bulk awards

COHORT = b"email,name,external_id\nada@example.org,Ada,S-1\ncy@example.org,Cy,S-2\nnope,Bob,S-3\n"


@pytest.fixture
def job(issuer, achievement, ana):
    job, _ = bulk_job_create(issuer=issuer, data=COHORT, filename="cohort.csv", achievement=achievement, actor=ana)
    return job


def test_bulk_created(issuer, job):
    assert said(issuer, "bulk.created") == ["Ana Lopez uploaded cohort.csv: 3 rows, 2 can be issued"]


def test_bulk_started_paused_resumed_cancelled(issuer, job, ana, tasks_queued):
    bulk_job_start(job=job, actor=ana)
    bulk_job_pause(job=job, actor=ana)
    bulk_job_start(job=job, actor=ana)
    bulk_job_process_chunk(job_id=job.pk, size=1)  # a worker issues one row
    bulk_job_cancel(job=job, actor=ana)
    assert said(issuer, "bulk.started") == ["Ana Lopez confirmed bulk job cohort.csv: its rows are being issued"]
    assert said(issuer, "bulk.paused") == ["Ana Lopez paused bulk job cohort.csv"]
    assert said(issuer, "bulk.resumed") == ["Ana Lopez resumed bulk job cohort.csv"]
    assert said(issuer, "bulk.cancelled") == ["Ana Lopez cancelled bulk job cohort.csv after 1 row done, 0 failed"]


def test_bulk_discarded(issuer, job, ana):
    bulk_job_cancel(job=job, actor=ana)
    assert said(issuer, "bulk.cancelled") == ["Ana Lopez cancelled bulk job cohort.csv before anything was issued"]


def test_bulk_finished_and_the_rows_it_issued(issuer, job, ana, run):
    run(bulk_job_start, job=job, actor=ana)
    assert said(issuer, "bulk.finished") == ["Bulk job cohort.csv: 2 rows issued"]
    # Each credential's row names the uploader and the job the worker issued it for.
    short = str(job.uuid)[:8]
    assert said(issuer, "credential.issued") == [
        f"Ana Lopez via bulk job {short}… awarded “Python Basics” to Cy",
        f"Ana Lopez via bulk job {short}… awarded “Python Basics” to Ada",
    ]


def test_bulk_undo_requested_and_undone(issuer, job, ana, run):
    run(bulk_job_start, job=job, actor=ana)
    run(bulk_job_undo, job=job, reason="Wrong cohort", actor=ana)
    assert said(issuer, "bulk.undo_requested") == ["Ana Lopez asked to undo bulk job cohort.csv — reason: Wrong cohort"]
    assert said(issuer, "bulk.undone") == ["Bulk job cohort.csv undone: 2 credentials revoked"]


def test_bulk_finished_with_failures(issuer, job, ana, tasks_queued):
    bulk_job_start(job=job, actor=ana)
    achievement_archive(achievement=job.achievement, actor=ana)  # before the worker gets to the rows
    process_bulk_job.apply(args=(job.pk,))
    assert said(issuer, "bulk.finished") == ["Bulk job cohort.csv: 0 rows issued, 2 failed"]


# ----- the issuer and its staff


def test_issuer_created(issuer, ana):
    # The fixture creates the issuer as the platform, on behalf of its owner.
    assert said(issuer, "issuer.created") == ["Ana Lopez via test setup created this issuer"]


def test_issuer_updated(issuer, ana):
    issuer_update(issuer=issuer, actor=ana, name="Test University of Applied Sciences", url="https://tu.example.org")
    assert said(issuer, "issuer.updated") == ["Ana Lopez updated the issuer profile (name, url)"]


def test_staff_added_and_role_changed(issuer, ana, django_user_model):
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "pw-bob-123456")
    membership_set(issuer=issuer, user=bob, role="viewer", actor=ana)
    membership_set(issuer=issuer, user=bob, role="awarder", actor=ana)
    assert said(issuer, "staff.added")[0] == "Ana Lopez added bob to the staff as Viewer"
    assert said(issuer, "staff.role_changed") == ["Ana Lopez changed bob's role from Viewer to Awarder"]


def test_staff_removed(issuer, ana, django_user_model):
    bob = django_user_model.objects.create_user("bob", "bob@example.org", "pw-bob-123456")
    membership = membership_set(issuer=issuer, user=bob, role="awarder", actor=ana)
    membership_remove(membership=membership, actor=ana)
    assert said(issuer, "staff.removed") == ["Ana Lopez removed bob (Awarder) from the staff"]


def test_staff_invited_accepted_and_revoked(issuer, ana, run, mailoutbox):
    run(staff_invite, issuer=issuer, email="new@example.org", role="awarder", actor=ana)
    token = re.search(r"/invitations/([A-Za-z0-9_-]+)/", mailoutbox[-1].body).group(1)
    invitation_accept(token=token, username="newcomer", password="pw-newcomer-123456")
    withdrawn = staff_invite(issuer=issuer, email="late@example.org", role="viewer", actor=ana)
    assert isinstance(withdrawn, Invitation)
    invitation_revoke(invitation=withdrawn, actor=ana)
    assert said(issuer, "staff.invited") == [
        "Ana Lopez invited late@example.org to join as Viewer",
        "Ana Lopez invited new@example.org to join as Awarder",
    ]
    assert said(issuer, "staff.invitation_accepted") == [
        "newcomer accepted the invitation sent to new@example.org and joined as Awarder"
    ]
    assert said(issuer, "staff.invitation_revoked") == [
        "Ana Lopez withdrew the invitation to late@example.org (Viewer)"
    ]


# ----- keys, tokens, webhooks


def test_key_created_and_rotated(issuer, ana):
    first = issuer.signing_keys.get()
    assert said(issuer, "key.created") == [
        f"Ana Lopez via test setup created the signing key {first.key_id} (Ed25519, {KeyPurpose.DATA_INTEGRITY.label})"
    ]
    new = issuer_key_rotate(issuer=issuer, purpose="data_integrity", algorithm="Ed25519", actor=ana)
    assert said(issuer, "key.rotated") == [
        f"Ana Lopez rotated the {KeyPurpose.DATA_INTEGRITY.label} key: {new.key_id} is now in use, {first.key_id} retired"
    ]


def test_key_compromised(issuer, ana):
    key = issuer.signing_keys.get()
    signing_key_mark_compromised(key=key, actor=ana, reason="Laptop stolen")
    assert said(issuer, "key.compromised") == [
        f"Ana Lopez marked the signing key {key.key_id} as compromised — reason: Laptop stolen"
    ]


def test_api_tokens(issuer, ana):
    token, _ = token_create(issuer=issuer, name="CRM sync", scopes=["credentials:write"], actor=ana)
    token_revoke(token=token, actor=ana)
    assert said(issuer, "api_token.created") == [
        f"Ana Lopez created the API token “CRM sync” ({token.prefix}) with the scopes credentials:write"
    ]
    assert said(issuer, "api_token.revoked") == [f"Ana Lopez revoked the API token “CRM sync” ({token.prefix})"]


def test_credentials_awarded_through_a_token_name_it(issuer, achievement, ana):
    from api.permissions import token_actor

    token, _ = token_create(issuer=issuer, name="CRM sync", scopes=["credentials:write"], actor=ana)
    credential_issue(
        request=AwardRequest(achievement=achievement, email="jane@example.org"), source="api", actor=token_actor(token)
    )
    assert said(issuer, "credential.issued") == [
        f"Ana Lopez via API token {token.prefix} (CRM sync) awarded “Python Basics” to jane@example.org"
    ]


def test_credentials_signed_through_the_vc_api(issuer, ana):
    from api.permissions import token_actor
    from badges.client_credentials import client_credential_issue, client_credential_set_status

    token, _ = token_create(issuer=issuer, name="CRM sync", scopes=["credentials:write"], actor=ana)
    actor = token_actor(token)
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:5b0c1f0e-9d4e-4a43-8d55-7f0f3f3e2a11",
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:ada"},
    }
    client_credential_issue(issuer=issuer, credential=document, fmt="eddsa-rdfc-2022", actor=actor)
    for status in ("suspended", "active", "revoked"):
        client_credential_set_status(
            issuer=issuer, credential_id=document["id"], status=status, actor=actor, reason="test"
        )
    via = f"Ana Lopez via API token {token.prefix} (CRM sync)"
    named = "“urn:uuid:5b0c1f0e-9d4e-4a43-8d55-7f0f3f3e2a11”"
    assert said(issuer, "client_credential.signed") == [f"{via} had the credential {named} signed"]
    assert said(issuer, "client_credential.suspended") == [
        f"{via} suspended the signed credential {named} — reason: test"
    ]
    assert said(issuer, "client_credential.unsuspended") == [f"{via} reinstated the signed credential {named}"]
    assert said(issuer, "client_credential.revoked") == [f"{via} revoked the signed credential {named} — reason: test"]


def test_webhooks(issuer, ana):
    endpoint, _ = endpoint_create(
        issuer=issuer, url="https://hooks.example.org/in", events=["credential.issued"], actor=ana
    )
    endpoint_update(
        endpoint=endpoint, url="https://hooks.example.org/in", events=["credential.revoked", "bulk.finished"], actor=ana
    )
    endpoint_rotate_secret(endpoint=endpoint, actor=ana)
    endpoint_delete(endpoint=endpoint, actor=ana)
    url = "https://hooks.example.org/in"
    assert said(issuer, "webhook.created") == [f"Ana Lopez added the webhook endpoint {url} for credential.issued"]
    assert said(issuer, "webhook.updated") == [
        f"Ana Lopez changed the webhook endpoint {url}, now for bulk.finished, credential.revoked"
    ]
    # The endpoint is deleted by now: the row that recorded no URL says so.
    assert said(issuer, "webhook.secret_rotated") == [
        "Ana Lopez gave a webhook endpoint deleted since a new signing secret"
    ]
    assert said(issuer, "webhook.deleted") == [f"Ana Lopez deleted the webhook endpoint {url}"]


# ----- qualifications and partnerships


@pytest.fixture
def sql(issuer, ana):
    return achievement_create(
        issuer=issuer,
        actor=ana,
        data={"name": "SQL Fundamentals", "description": "SQL.", "criteria_narrative": "Pass the test."},
    )


@pytest.fixture
def certificate(issuer, ana, achievement, sql):
    target = achievement_create(
        issuer=issuer,
        actor=ana,
        data={
            "name": "Data Analyst",
            "description": "Both.",
            "criteria_narrative": "Both.",
            "achievement_type": "Certificate",
        },
    )
    return qualification_save(
        issuer=issuer, achievement=target, rule=group("all", leaf(achievement), leaf(sql)), actor=ana
    )


def test_qualification_created_changed_deactivated(issuer, certificate, ana, achievement):
    qualification_save(
        issuer=issuer,
        achievement=certificate.achievement,
        rule=group("all", leaf(achievement)),
        qualification=certificate,
        actor=ana,
    )
    qualification_deactivate(qualification=certificate, actor=ana)
    [created] = said(issuer, "qualification.created")
    assert created.startswith("Ana Lopez created the qualification rule for “Data Analyst”: ")
    assert said(issuer, "qualification.changed") == [
        "Ana Lopez changed the qualification rule for “Data Analyst”: all of Python Basics"
    ]
    assert said(issuer, "qualification.deactivated") == [
        "Ana Lopez deactivated the qualification rule for “Data Analyst”"
    ]


def test_qualification_applied_and_issue_failed(issuer, certificate, ana, achievement, sql, run):
    for part in (achievement, sql):
        run(
            credential_issue,
            request=AwardRequest(achievement=part, email="ada@example.org"),
            source="ui",
            notify=False,
            actor=ana,
        )
    assert said(issuer, "credential.issued")[0].startswith(
        f"Stacking rule {str(certificate.uuid)[:8]}… awarded “Data Analyst” to "
    )
    achievement_archive(achievement=certificate.achievement, actor=ana)
    run(
        credential_issue,
        request=AwardRequest(achievement=achievement, email="cy@example.org"),
        source="ui",
        notify=False,
        actor=ana,
    )
    run(
        credential_issue,
        request=AwardRequest(achievement=sql, email="cy@example.org"),
        source="ui",
        notify=False,
        actor=ana,
    )
    [failed] = said(issuer, "qualification.issue_failed")
    assert failed.startswith("The qualification rule for “Data Analyst” could not award its credential: ")
    qualification_apply(qualification=certificate, actor=ana)
    [applied] = said(issuer, "qualification.applied")
    assert applied.startswith("Ana Lopez applied the qualification rule for “Data Analyst” to 2 learners who qualify: ")


def test_partnerships(issuer, other_issuer, ana):
    partnership = partnership_request(issuer=issuer, partner=other_issuer, actor=ana)
    partnership_answer(partnership=partnership, accept=True, actor=owner(other_issuer))
    partnership_answer(partnership=partnership, accept=False, actor=owner(other_issuer))
    assert said(issuer, "partnership.requested") == [
        "Ana Lopez asked Other Academy to let this issuer's qualification rules use its achievements"
    ]
    assert said(other_issuer, "partnership.accepted") == [
        "olga let Test University use this issuer's achievements in its qualification rules"
    ]
    assert said(other_issuer, "partnership.ended") == ["olga declined or ended the partnership with Test University"]


# ----- endorsements


def test_endorsements(issuer, other_issuer, ana, achievement):
    from badges.endorsements import endorsement_add, endorsement_decide, endorsement_give, endorsement_withdraw
    from tests.endorsements.test_services import _outside, _signed

    given = endorsement_give(
        endorser=other_issuer, issuer=issuer, achievement=achievement, comment="Good.", actor=owner(other_issuer)
    )
    endorsement_decide(endorsement=given, accept=True, actor=ana)
    endorsement_decide(endorsement=given, accept=False, actor=ana)
    endorsement_withdraw(endorsement=given, actor=owner(other_issuer))
    endorsement_add(issuer=issuer, text=_signed(_outside(issuer.did)), actor=ana)
    assert said(other_issuer, "endorsement.given") == ["olga endorsed “Python Basics” of Test University"]
    assert said(issuer, "endorsement.accepted") == [
        "Ana Lopez accepted the endorsement of “Python Basics” of Test University by Other Academy"
    ]
    assert said(issuer, "endorsement.declined") == [
        "Ana Lopez declined or stopped showing the endorsement of “Python Basics” of Test University by Other Academy"
    ]
    assert said(other_issuer, "endorsement.withdrawn") == [
        "olga withdrew this issuer's endorsement of “Python Basics” of Test University"
    ]
    assert said(issuer, "endorsement.added") == [
        "Ana Lopez added the endorsement of Test University by Skills Council, signed elsewhere"
    ]


# ----- the platform's own rows, and what no renderer knows


def test_account_locked_out(db):
    event = account_lockout_record(username="ana", client_address="203.0.113.9")
    assert audit_sentence(event) == "Sign-in for ana was locked for 15 minutes after 5 failed attempts"


def test_an_unknown_action_reads_as_words(issuer, ana):
    audit_record(issuer=issuer, action="widget.frobbed", obj=issuer, actor=ana, data={"colour": "red", "sizes": [3, 4]})
    assert said(issuer, "widget.frobbed") == [
        f"Ana Lopez: Widget frobbed (issuer {issuer.pk}) — colour: red; sizes: 3, 4"
    ]


def test_data_of_another_shape_reads_as_words(issuer, ana):
    # Rows as an older version might have written them: other keys, or not even a mapping.
    audit_record(issuer=issuer, action="bulk.finished", obj=issuer, actor=ana, data={"done": "many"})
    assert said(issuer, "bulk.finished") == ["Bulk job without a file name: 0 rows issued"]
    AuditEvent.objects.create(issuer=issuer, action="key.rotated", object_type="signingkey", object_id="0", data=[1, 2])
    assert said(issuer, "key.rotated") == ["The platform rotated the signing key: a new key is now in use"]


# The actions whose sentence a test reads back through `said`, here or in tests/webhooks (the two that need a live
# receiver to happen), found in the tests' source so that the list cannot drift from the tests.
SAID = re.compile(r'said\([\w.]+, "([a-z_]+\.[a-z_]+)"\)')


def test_every_renderer_has_its_test():
    here = Path(__file__)
    sources = [here, here.parents[1] / "webhooks" / "test_delivery.py"]
    tested = {action for source in sources for action in SAID.findall(source.read_text())} | {"account.locked_out"}
    assert set(SENTENCES) - tested == set()
