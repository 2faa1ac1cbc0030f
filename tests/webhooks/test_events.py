"""Events → deliveries: exactly one per subscribed active endpoint of the event's issuer, a payload without
the learner's e-mail, and a bounded number of queries however large the batch."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

from badges.events import CredentialEvent
from badges.services import (
    AwardRequest,
    credential_issue_many,
    credential_revoke,
    credential_suspend,
    credential_unsuspend,
)
from bulk.jobs import bulk_job_create, bulk_job_start
from bulk.tasks import process_bulk_job
from tests.actors import owner
from webhooks.listeners import on_credential_events
from webhooks.models import EventType, WebhookDelivery
from webhooks.services import endpoint_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]


@pytest.fixture
def endpoints(make_endpoint, other_issuer, receiver):
    """Two endpoints taking everything, one taking only bulk.finished, one disabled, one of another issuer."""
    everything_a, _ = make_endpoint(path="/a")
    everything_b, _ = make_endpoint(path="/b")
    bulk_only, _ = make_endpoint(EventType.BULK_FINISHED, path="/bulk")
    disabled, _ = make_endpoint(path="/disabled")
    disabled.active = False
    disabled.save()
    make_endpoint(owner=other_issuer, path="/other")
    return everything_a, everything_b, bulk_only


def _deliveries(event_type):
    return list(WebhookDelivery.objects.filter(event_type=event_type).order_by("endpoint_id"))


def test_issued_makes_one_delivery_per_subscribed_endpoint_with_a_payload_without_the_email(
    endpoints, award, achievement, issuer, receiver
):
    # when
    credential = award(achievement, "ada@example.org")

    # then
    everything_a, everything_b, _ = endpoints
    deliveries = _deliveries("credential.issued")
    assert [d.endpoint for d in deliveries] == [everything_a, everything_b]
    assert WebhookDelivery.objects.count() == 2
    assert deliveries[0].event_id == deliveries[1].event_id
    payload = deliveries[0].payload
    assert payload == deliveries[1].payload
    assert set(payload) == {"id", "type", "created", "issuer", "data"}
    assert (payload["id"], payload["type"], payload["issuer"]) == (
        str(deliveries[0].event_id),
        "credential.issued",
        "uni",
    )
    assert payload["data"]["credential"] == {
        "id": f"{settings.SITE_URL}/credentials/{credential.uuid}",
        "uuid": str(credential.uuid),
        "status": "active",
        "source": "ui",
        "valid_from": credential.valid_from.isoformat(),
        "valid_until": None,
    }
    assert payload["data"]["achievement"] == {
        "id": f"{settings.SITE_URL}/achievements/{achievement.uuid}",
        "uuid": str(achievement.uuid),
        "slug": "python-basics",
        "name": "Python Basics",
    }
    assert "ada@example.org" not in str(payload) and "Ada Lovelace" not in str(payload)
    # delivered to the two subscribed endpoints' URLs, and nowhere else
    assert sorted(r.path for r in receiver.received) == ["/a", "/b"]
    assert b"ada@example.org" not in b"".join(r.body for r in receiver.received)


@pytest.mark.parametrize(
    ("_case", "change", "event_type", "status"),
    [
        (
            "revoke",
            lambda c: credential_revoke(credential=c, reason="mistake", actor=owner(c.issuer)),
            "credential.revoked",
            "revoked",
        ),
        (
            "suspend",
            lambda c: credential_suspend(credential=c, reason="check", actor=owner(c.issuer)),
            "credential.suspended",
            "suspended",
        ),
        (
            "unsuspend",
            lambda c: (
                credential_suspend(credential=c, actor=owner(c.issuer)),
                credential_unsuspend(credential=c, actor=owner(c.issuer)),
            ),
            "credential.unsuspended",
            "active",
        ),
    ],
)
def test_status_changes_make_one_delivery_per_subscribed_endpoint(
    endpoints, award, achievement, django_capture_on_commit_callbacks, _case, change, event_type, status
):
    # given
    credential = award(achievement)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        change(credential)

    # then
    everything_a, everything_b, _ = endpoints
    deliveries = _deliveries(event_type)
    assert [d.endpoint for d in deliveries] == [everything_a, everything_b]
    assert deliveries[0].payload["data"]["credential"]["uuid"] == str(credential.uuid)
    assert deliveries[0].payload["data"]["credential"]["status"] == status
    assert WebhookDelivery.objects.filter(event_type="credential.issued").count() == 2


def test_a_stacked_award_is_also_stacking_completed(endpoints, award, achievement):
    # when
    credential = award(achievement, source="stacking")

    # then
    everything_a, everything_b, _ = endpoints
    issued, completed = _deliveries("credential.issued"), _deliveries("stacking.completed")
    assert [d.endpoint for d in completed] == [everything_a, everything_b]
    assert [d.endpoint for d in issued] == [everything_a, everything_b]
    assert completed[0].event_id != issued[0].event_id
    assert completed[0].payload["data"]["credential"]["source"] == "stacking"
    assert completed[0].payload["data"]["credential"]["uuid"] == str(credential.uuid)
    assert WebhookDelivery.objects.count() == 4


def test_an_award_of_another_source_is_not_stacking_completed(endpoints, award, achievement):
    award(achievement, source="api")

    assert WebhookDelivery.objects.filter(event_type="stacking.completed").count() == 0


def test_an_endpoint_not_subscribed_to_an_event_gets_none(make_endpoint, award, achievement):
    make_endpoint(EventType.CREDENTIAL_REVOKED)

    award(achievement)

    assert WebhookDelivery.objects.count() == 0


def test_a_finished_bulk_job_makes_one_bulk_finished_delivery_per_subscribed_endpoint(
    endpoints, issuer, achievement, django_capture_on_commit_callbacks
):
    # given
    data = b"email,name,external_id\nl1@example.org,L1,S-1\nl2@example.org,L2,S-2\nbad,Bad,S-3\n"
    job, _ = bulk_job_create(
        issuer=issuer, data=data, filename="cohort.csv", achievement=achievement, actor=owner(issuer)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        bulk_job_start(job=job, actor=owner(issuer))
        process_bulk_job.apply(args=(job.pk,))

    # then
    job.refresh_from_db()
    assert job.status == "finished"
    everything_a, everything_b, bulk_only = endpoints
    deliveries = _deliveries("bulk.finished")
    assert [d.endpoint for d in deliveries] == [everything_a, everything_b, bulk_only]
    data = deliveries[0].payload["data"]
    base = f"{settings.SITE_URL}/api/v1/issuers/uni/bulk-jobs/{job.uuid}"
    assert data["results_url"] == f"{base}/results"
    assert {k: data["job"][k] for k in ("id", "url", "status", "total_rows", "valid_rows", "done_rows")} == {
        "id": str(job.uuid),
        "url": base,
        "status": "finished",
        "total_rows": 3,
        "valid_rows": 2,
        "done_rows": 2,
    }
    assert data["job"]["failed_rows"] == 0
    assert "l1@example.org" not in str(deliveries[0].payload)
    # the job's two awards went to the endpoints taking credential.issued
    assert WebhookDelivery.objects.filter(event_type="credential.issued").count() == 4


def test_a_chunk_of_200_awards_makes_its_deliveries_in_a_bounded_number_of_queries(
    make_endpoint, issuer, achievement, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    # given: 200 awards of one chunk (made before the endpoints, so that they have no deliveries yet), two endpoints
    with django_capture_on_commit_callbacks(execute=False):
        outcomes = credential_issue_many(
            issuer=issuer,
            requests=[AwardRequest(achievement=achievement, email=f"l{n}@example.org") for n in range(200)],
            source="bulk",
            notify=False,
            actor=owner(issuer),
        )
    make_endpoint(path="/a")
    make_endpoint(path="/b")
    events = [
        CredentialEvent("issued", o.credential.pk, issuer.pk, achievement.pk, o.credential.recipient_email)
        for o in outcomes
    ]

    # when
    with django_capture_on_commit_callbacks(execute=False) as queued, django_assert_max_num_queries(10) as queries:
        on_credential_events(events)

    # then: two reads (endpoints, credentials) whatever the batch size, then the insert in the database's
    # largest batches (SQLite: ~80 rows a statement; PostgreSQL: 500) inside a savepoint; one task for the batch
    sql = [q["sql"].split(" ", 1)[0] for q in queries.captured_queries]
    assert sql.count("SELECT") == 2
    assert set(sql) <= {"SELECT", "INSERT", "SAVEPOINT", "RELEASE"}
    assert WebhookDelivery.objects.count() == 400
    assert WebhookDelivery.objects.values("event_id").distinct().count() == 200
    assert len(queued) == 1


def test_an_issuer_without_endpoints_costs_one_query(issuer, achievement, django_assert_num_queries):
    events = [CredentialEvent("issued", n, issuer.pk, achievement.pk, f"l{n}@example.org") for n in range(200)]

    with django_assert_num_queries(1):
        on_credential_events(events)

    assert WebhookDelivery.objects.count() == 0


def test_a_disabled_endpoint_gets_no_deliveries(make_endpoint, award, achievement):
    endpoint, _ = make_endpoint()
    endpoint.active = False
    endpoint.save()

    award(achievement)

    assert WebhookDelivery.objects.count() == 0


def test_event_ids_are_uuids(make_endpoint, award, achievement):
    make_endpoint()
    award(achievement)

    (delivery,) = WebhookDelivery.objects.all()
    assert uuid.UUID(delivery.payload["id"]) == delivery.event_id


def test_endpoint_create_refuses_an_unknown_event(issuer, receiver):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Unknown event types: credential.exploded"):
        endpoint_create(issuer=issuer, url=receiver.url(), events=["credential.exploded"], actor=owner(issuer))


def test_a_real_stacking_rule_completing_sends_stacking_completed(make_endpoint, issuer, achievement, award):
    # given: a rule awarding "Certificate" for holding the achievement
    from badges.models import Achievement, Credential
    from stacking.services import qualification_save

    target = Achievement.objects.create(
        issuer=issuer, slug="cert", name="Certificate", description="d", criteria_narrative="c",
        achievement_type="Certificate",
    )  # fmt: skip
    qualification_save(
        issuer=issuer,
        achievement=target,
        rule={"kind": "achievement", "achievement": str(achievement.uuid)},
        actor=owner(issuer),
    )
    endpoint, _ = make_endpoint(EventType.STACKING_COMPLETED)

    # when: the component is awarded; stacking's task and the deliveries run after commit
    award(achievement)

    # then: one stacking.completed, for the stacked credential
    stacked = Credential.objects.get(achievement=target)
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.endpoint, delivery.event_type, delivery.state) == (endpoint, "stacking.completed", "delivered")
    assert delivery.payload["data"]["credential"]["uuid"] == str(stacked.uuid)
    assert delivery.payload["data"]["achievement"]["slug"] == "cert"
