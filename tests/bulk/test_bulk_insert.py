"""The COPY path of `badges.bulk_insert.insert_many` (PostgreSQL) writes exactly what `bulk_create` writes, and a
batch of awards gets the audit rows a single award gets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from badges import services
from badges.bulk_insert import insert_many
from badges.models import Credential
from badges.services import AwardRequest, credential_issue, credential_issue_many
from issuer.models import AuditEvent, SigningKey
from tests.actors import owner

# What COPY's text format must escape, and what JSON and e-mail make common: quotes, backslashes, tabs, newlines,
# carriage returns, the \N of NULL, non-ASCII.
AWKWARD = 'a "quoted" \\ back\tslash\nnew\rline \\N Zoë ✓ 𝄞'
AUTO = {"id", "created_at", "updated_at"}


def postgresql_only(test):
    skip = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY: PostgreSQL (CI's service pass)")
    return pytest.mark.services(skip(test))


def _credentials(issuer, achievement, count: int) -> list[Credential]:
    key = SigningKey.objects.filter(issuer=issuer).first()
    return [
        Credential(
            uuid=uuid.UUID(int=number + 1),
            issuer=issuer,
            achievement=achievement,
            signing_key=key,
            jwt_signing_key=key if number % 2 else None,
            document=f'{{"n":{number},"text":"{AWKWARD}"}}',
            jws="" if number % 2 else "header.payload.signature",
            recipient_identity_hash=f"sha256${number:064x}",
            recipient_salt="salt",
            recipient_email=f"l{number}@example.org",
            recipient_name=AWKWARD if number == 0 else "",
            evidence=[{"narrative": AWKWARD, "id": "https://example.org/e?a=1&b=2"}] if number % 2 else [],
            valid_from=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            valid_until=None if number % 2 else datetime(2030, 1, 1, tzinfo=UTC),
            status_sequence=0,
            status_index=number,
            idempotency_key=None if number == 1 else f"key-{number}",
            source="bulk",
            notification_error=AWKWARD if number == 2 else "",
            baked_png="baked/x.png" if number == 3 else "",
        )
        for number in range(count)
    ]


def _rows(model, ids) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in AUTO} for row in model.objects.filter(pk__in=ids).values()]


def _audit_rows(ids) -> list[dict]:
    # Their own uuid and the id of the credential they name differ between the two runs by construction.
    return [{k: v for k, v in row.items() if k not in {"uuid", "object_id"}} for row in _rows(AuditEvent, ids)]


@postgresql_only
def test_copy_writes_the_rows_bulk_create_writes(issuer, achievement):
    # given: the ORM's rows for a batch of credentials and their audit rows (then undone)
    before = timezone.now()
    with transaction.atomic():
        expected = _credentials(issuer, achievement, 6)
        Credential.objects.bulk_create(expected)
        audits = [
            AuditEvent(issuer=issuer, action="credential.issued", object_type="credential", object_id=str(c.pk))
            for c in expected
        ]
        for audit, credential in zip(audits, expected, strict=True):
            audit.data = {"credential": credential.public_id, "text": AWKWARD, "n": [1, None, True]}
        AuditEvent.objects.bulk_create(audits)
        orm_rows = _rows(Credential, [c.pk for c in expected])
        orm_audit = _audit_rows([a.pk for a in audits])
        transaction.set_rollback(True)

    # when: the same objects go through COPY
    copied = _credentials(issuer, achievement, 6)
    insert_many(copied)
    copied_audits = [
        AuditEvent(issuer=issuer, action="credential.issued", object_type="credential", object_id=str(c.pk))
        for c in copied
    ]
    for audit, credential in zip(copied_audits, copied, strict=True):
        audit.data = {"credential": credential.public_id, "text": AWKWARD, "n": [1, None, True]}
    insert_many(copied_audits)

    # then: every column the same, primary keys set from the tables' sequences, timestamps filled in
    assert _rows(Credential, [c.pk for c in copied]) == orm_rows
    assert _audit_rows([a.pk for a in copied_audits]) == orm_audit
    assert len({c.pk for c in copied}) == 6 and all(c.pk > 0 and not c._state.adding for c in copied)
    assert [a.object_id for a in copied_audits] == [str(c.pk) for c in copied]
    stored = Credential.objects.filter(pk__in=[c.pk for c in copied])
    assert all(before <= c.created_at <= c.updated_at <= timezone.now() for c in stored)
    assert stored.get(status_index=0).recipient_name == AWKWARD


@postgresql_only
def test_a_key_taken_meanwhile_is_an_integrity_error_and_copies_nothing(issuer, achievement):
    # given: one of the batch's idempotency keys is already stored
    taken = _credentials(issuer, achievement, 3)[2]
    taken.status_index = 99
    taken.uuid = uuid.uuid4()
    taken.save()

    # when / then: the batch fails as bulk_create would, and none of its rows is left
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_many(_credentials(issuer, achievement, 3))
    assert list(Credential.objects.values_list("pk", flat=True)) == [taken.pk]


def test_a_batch_losing_a_key_race_falls_back_to_one_award_at_a_time(issuer, achievement, monkeypatch):
    # given: a batch whose second key another award takes after the batch looked for it, before it inserts
    requests = [
        AwardRequest(achievement=achievement, email=f"l{n}@example.org", idempotency_key=f"race-{n}") for n in range(3)
    ]
    real_build = services._build
    raced: list[Credential] = []

    def build_then_race(**kwargs):
        credential = real_build(**kwargs)
        if kwargs["request"] is requests[1] and not raced:
            raced.append(credential)  # once: the award below builds through here too
            with transaction.atomic():
                raced[0] = credential_issue(request=requests[1], source="api", actor=owner(issuer), notify=False)
        return credential

    monkeypatch.setattr(services, "_build", build_then_race)

    # when
    with transaction.atomic():
        outcomes = credential_issue_many(
            issuer=issuer, requests=requests, source="bulk", actor=owner(issuer), notify=False
        )

    # then: the insert's unique violation (COPY's, on PostgreSQL) sent the batch one award at a time: the raced key
    # returns the award that won, the two others are issued, each with its audit row
    assert [o.error for o in outcomes] == [None, None, None]
    assert outcomes[1].credential.pk == raced[0].pk and outcomes[1].credential.source == "api"
    assert Credential.objects.filter(issuer=issuer).count() == 3
    assert AuditEvent.objects.filter(action="credential.issued").count() == 3


def test_a_batch_writes_the_audit_row_a_single_award_writes(issuer, achievement):
    # given: one award alone and two in a batch, by the same actor
    actor = owner(issuer)
    single = credential_issue(
        request=AwardRequest(achievement=achievement, email="one@example.org"), source="bulk", actor=actor
    )
    with transaction.atomic():
        outcomes = credential_issue_many(
            issuer=issuer,
            requests=[AwardRequest(achievement=achievement, email=f"b{n}@example.org") for n in range(2)],
            source="bulk",
            actor=actor,
        )

    # then: the same audit row each, naming its own credential (on PostgreSQL these went through COPY)
    def audit_of(credential):
        row = AuditEvent.objects.filter(object_type="credential", object_id=str(credential.pk)).values().get()
        assert row["data"].pop("credential") == credential.public_id
        return {k: v for k, v in row.items() if k not in {"id", "uuid", "created_at", "object_id"}}

    batch = [audit_of(outcome.credential) for outcome in outcomes]
    assert batch == [audit_of(single)] * 2
    assert batch[0]["actor_id"] == actor.pk and batch[0]["action"] == "credential.issued"
    if connection.vendor == "postgresql":
        assert all(not o.credential._state.adding for o in outcomes)


@postgresql_only
def test_copy_writes_the_upload_rows_bulk_create_writes(issuer, achievement):
    # given: an upload's rows as the ORM stores them (then undone): text needing escapes, an enum status, JSON,
    # dates, foreign keys and their absence
    from bulk.models import BulkJob, BulkRow, BulkRowStatus

    job = BulkJob.objects.create(issuer=issuer, achievement=achievement, source_name="rows.csv")

    def rows() -> list[BulkRow]:
        return [
            BulkRow(
                job=job,
                line=number + 2,
                email=f"l{number}@example.org",
                name=AWKWARD if number == 0 else f"Learner {number}",
                achievement=achievement if number % 2 else None,
                evidence=[{"narrative": AWKWARD}] if number % 2 else [],
                valid_until=datetime(2030, 1, 1, tzinfo=UTC) if number == 1 else None,
                external_id=f"S-{number}",
                idempotency_key=f"key-{number}",
                status=BulkRowStatus.INVALID if number == 3 else BulkRowStatus.PENDING,
                error=AWKWARD if number == 3 else "",
            )
            for number in range(5)
        ]

    def stored(ids) -> list[dict]:
        return [{k: v for k, v in row.items() if k != "id"} for row in BulkRow.objects.filter(pk__in=ids).values()]

    with transaction.atomic():
        expected = rows()
        BulkRow.objects.bulk_create(expected)
        orm_rows = stored([row.pk for row in expected])
        transaction.set_rollback(True)

    # when: the same rows go through COPY
    copied = rows()
    insert_many(copied)

    # then: every column the same
    assert stored([row.pk for row in copied]) == orm_rows
    assert BulkRow.objects.get(pk=copied[3].pk).status == BulkRowStatus.INVALID
