"""Delivery attempts against a real receiver on 127.0.0.1: signature, retries with backoff, the response log,
disabling after repeated failures, and the hardened client's refusals."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from issuer.keystore import decrypt_text
from issuer.models import AuditEvent
from tests.actors import owner
from tests.audit import said
from tests.webhooks.conftest import Answer
from webhooks import tasks
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import (
    BACKOFF_SECONDS,
    DISABLE_AFTER,
    delivery_attempt,
    endpoint_create,
    endpoint_enable,
    endpoint_send_ping,
    validate_endpoint_url,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]


@pytest.fixture
def queued(make_endpoint, award, achievement):
    """One pending delivery of credential.issued (its task not run yet), and the endpoint's secret."""

    def make(*, endpoint=None, email="ada@example.org"):
        if endpoint is None:
            endpoint, secret = make_endpoint("credential.issued")
        # The award writes its delivery in its own transaction; what follows the commit is not run.
        credential = award(achievement, email, execute=False)
        (delivery,) = WebhookDelivery.objects.filter(
            endpoint=endpoint, payload__data__credential__uuid=str(credential.uuid)
        )
        return delivery

    return make


def _exhaust(delivery_id, start):
    """Run every attempt of a delivery at its due time; the outcomes."""
    now, outcomes = start, []
    while True:
        outcome = delivery_attempt(delivery_id=delivery_id, now=now)
        outcomes.append(outcome)
        if outcome.retry_in is None:
            return outcomes
        now += timedelta(seconds=outcome.retry_in)


def test_a_delivery_is_signed_with_the_endpoint_secret_and_recorded(make_endpoint, award, achievement, receiver):
    # given
    endpoint, secret = make_endpoint("credential.issued")

    # when: the award commits; its delivery task runs in-process
    before = int(time.time())
    award(achievement)

    # then
    (request,) = receiver.received
    delivery = WebhookDelivery.objects.get()
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Webhook-Id"] == str(delivery.event_id)
    assert request.headers["X-Webhook-Event"] == "credential.issued"
    timestamp, mac = request.headers["X-Webhook-Signature"].split(",")
    assert timestamp.startswith("t=") and mac.startswith("v1=")
    t = int(timestamp[2:])
    assert before <= t <= int(time.time())
    expected = hmac.new(secret.encode(), f"{t}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert mac[3:] == expected
    assert json.loads(request.body) == delivery.payload
    assert (delivery.state, delivery.attempts, delivery.last_status_code, delivery.last_response) == (
        "delivered",
        1,
        200,
        "ok",
    )
    assert (delivery.last_error, delivery.next_attempt_at) == ("", None)
    assert delivery.delivered_at is not None


def test_a_signature_with_another_secret_does_not_match(make_endpoint, award, achievement, receiver):
    make_endpoint("credential.issued")
    award(achievement)

    (request,) = receiver.received
    t = request.headers["X-Webhook-Signature"].split(",")[0][2:]
    wrong = hmac.new(b"whsec_not-the-secret", f"{t}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert f"v1={wrong}" != request.headers["X-Webhook-Signature"].split(",")[1]


def test_a_non_2xx_answer_is_recorded_and_retried_after_the_backoff(queued, receiver):
    # given
    delivery = queued()
    receiver.answer(Answer(status=503, body=b"busy, try later"))
    now = timezone.now()

    # when
    outcome = delivery_attempt(delivery_id=delivery.pk, now=now)

    # then
    delivery.refresh_from_db()
    assert (outcome.state, outcome.retry_in) == ("pending", 60)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 503)
    assert (delivery.last_response, delivery.last_error) == ("busy, try later", "HTTP 503.")
    assert delivery.next_attempt_at == now + timedelta(seconds=60)
    assert len(receiver.received) == 1


def test_the_task_schedules_the_retry_with_a_countdown(queued, receiver, monkeypatch):
    # given: a worker's request (not eager); the broker is the one thing replaced, by a recorder
    delivery = queued()
    receiver.always(Answer(status=500, body=b"boom"))
    sent = []
    monkeypatch.setattr(tasks.deliver_webhook, "apply_async", lambda *a, **kw: sent.append((a, kw)))

    # when
    state = tasks.deliver_webhook(delivery.pk)

    # then
    assert state == "pending"
    assert sent == [(((delivery.pk,),), {"countdown": 60})]


def test_in_process_a_failure_is_recorded_without_retrying_inline(make_endpoint, award, achievement, receiver):
    # given
    make_endpoint("credential.issued")
    receiver.always(Answer(status=500, body=b"down"))

    # when: no broker; the award's delivery runs in this process
    award(achievement)

    # then: one request, recorded; the retry is scheduled for later, neither run nor waited for inline
    assert len(receiver.received) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code, delivery.last_response) == (
        "pending",
        1,
        500,
        "down",
    )
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=50)


def test_the_backoff_runs_1_5_30_120_720_minutes_then_gives_up_after_6_attempts(queued, receiver):
    # given
    delivery = queued()
    receiver.always(Answer(status=500))
    start = timezone.now()

    # when
    outcomes = _exhaust(delivery.pk, start)

    # then
    assert [o.retry_in for o in outcomes] == [60, 300, 1800, 7200, 43200, None]
    assert list(BACKOFF_SECONDS) == [60, 300, 1800, 7200, 43200]
    assert [o.state for o in outcomes] == ["pending"] * 5 + ["failed"]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 6, None)
    assert len(receiver.received) == 6
    assert WebhookEndpoint.objects.get().consecutive_failures == 1


def test_an_attempt_before_its_time_or_a_second_run_sends_nothing(queued, receiver):
    delivery = queued()
    receiver.always(Answer(status=500))
    now = timezone.now()
    delivery_attempt(delivery_id=delivery.pk, now=now)

    early = delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(seconds=59))

    assert early.state == "skipped"
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().attempts == 1


def test_a_delivered_event_is_not_sent_again(queued, receiver):
    delivery = queued()
    now = timezone.now()
    assert delivery_attempt(delivery_id=delivery.pk, now=now).state == "delivered"

    assert delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(days=1)).state == "skipped"
    assert len(receiver.received) == 1


def test_the_response_excerpt_is_the_first_2_kb(queued, receiver):
    delivery = queued()
    body = ("é" * 3000).encode()  # 6000 bytes
    receiver.answer(Answer(status=400, body=body))

    delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.last_status_code == 400
    assert delivery.last_response == "é" * 1024


def test_a_redirect_is_an_answer_never_followed(queued, receiver):
    delivery = queued()
    receiver.answer(Answer(status=307, headers={"Location": receiver.url("/elsewhere")}))

    delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert [r.path for r in receiver.received] == ["/hook"]
    assert (delivery.state, delivery.last_status_code) == ("pending", 307)
    assert "redirects are not followed" in delivery.last_error


def test_ten_failed_deliveries_in_a_row_disable_the_endpoint(make_endpoint, queued, receiver, award, achievement):
    # given
    endpoint, _ = make_endpoint("credential.issued")
    receiver.always(Answer(status=500, body=b"down"))
    deliveries = [queued(endpoint=endpoint, email=f"l{n}@example.org") for n in range(DISABLE_AFTER + 1)]
    start = timezone.now()

    # when: nine deliveries fail for good
    for delivery in deliveries[: DISABLE_AFTER - 1]:
        _exhaust(delivery.pk, start)

    # then: still active
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 9)
    assert not AuditEvent.objects.filter(action="webhook.disabled").exists()

    # when: the tenth does
    _exhaust(deliveries[DISABLE_AFTER - 1].pk, start)

    # then: disabled, with the reason and an audit row
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (False, 10)
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason == "10 deliveries in a row failed after 6 attempts each; the last: HTTP 500."
    (audit,) = AuditEvent.objects.filter(action="webhook.disabled")
    assert (audit.issuer_id, audit.object_id, audit.actor, audit.actor_label) == (
        endpoint.issuer_id,
        str(endpoint.pk),
        None,
        "webhooks",
    )
    assert audit.data["failures"] == 10
    assert said(endpoint.issuer, "webhook.disabled") == [
        f"The webhook endpoint {endpoint.url} was turned off after 10 failed deliveries in a row"
    ]
    requests_so_far = len(receiver.received)
    assert requests_so_far == 60

    # and: a delivery still pending is given up without a request, and new events make no delivery
    assert delivery_attempt(delivery_id=deliveries[-1].pk).state == "failed"
    award(achievement, "new@example.org")
    assert len(receiver.received) == requests_so_far
    assert WebhookDelivery.objects.count() == DISABLE_AFTER + 1
    assert WebhookDelivery.objects.get(pk=deliveries[-1].pk).last_error == "Not sent: the endpoint is disabled."


def test_a_success_resets_the_failure_count(make_endpoint, queued, receiver):
    # given: nine failures in a row
    endpoint, _ = make_endpoint("credential.issued")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=DISABLE_AFTER - 1)
    first, second = queued(endpoint=endpoint, email="a@example.org"), queued(endpoint=endpoint, email="b@example.org")

    # when: one succeeds, then one fails for good
    assert delivery_attempt(delivery_id=first.pk).state == "delivered"
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    receiver.always(Answer(status=500))
    _exhaust(second.pk, timezone.now())

    # then: one failure counted, the endpoint active
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures) == (True, 1)


def test_re_enabling_resets_and_delivers_again(make_endpoint, award, achievement, receiver, user):
    endpoint, _ = make_endpoint("credential.issued")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False, consecutive_failures=10, disabled_reason="x")

    endpoint_enable(endpoint=endpoint, actor=user)
    award(achievement)

    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.consecutive_failures, endpoint.disabled_reason) == (True, 0, "")
    assert WebhookDelivery.objects.get().state == "delivered"
    assert AuditEvent.objects.filter(action="webhook.enabled", object_id=str(endpoint.pk), actor=user).count() == 1
    assert said(endpoint.issuer, "webhook.enabled") == [f"alice turned the webhook endpoint {endpoint.url} back on"]


def test_a_ping_is_sent_once_and_not_retried(make_endpoint, receiver, django_capture_on_commit_callbacks):
    endpoint, _ = make_endpoint("bulk.finished")
    receiver.always(Answer(status=500))

    with django_capture_on_commit_callbacks(execute=True):
        delivery = endpoint_send_ping(endpoint=endpoint, actor=owner(endpoint.issuer))

    delivery.refresh_from_db()
    assert (delivery.event_type, delivery.state, delivery.attempts) == ("ping", "failed", 1)
    assert [r.headers["X-Webhook-Event"] for r in receiver.received] == ["ping"]
    assert json.loads(receiver.received[0].body)["type"] == "ping"
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


# --- the hardened client's refusals ------------------------------------------------------------------------


def test_a_loopback_endpoint_is_refused_at_delivery_when_private_addresses_are_not_allowed(queued, receiver, settings):
    # given: registered while allowed (a development machine), delivered after the setting changed
    delivery = queued()
    settings.OUTBOUND_HTTP_ALLOW_PRIVATE = False

    # when
    delivery_attempt(delivery_id=delivery.pk)

    # then
    delivery.refresh_from_db()
    assert receiver.received == []
    assert delivery.last_status_code is None
    assert "not a public internet address" in delivery.last_error
    assert (delivery.state, delivery.attempts) == ("pending", 1)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://metadata.internal/hook",
    ],
)
def test_private_and_loopback_urls_are_refused_at_registration(issuer, settings, url):
    from django.core.exceptions import ValidationError

    settings.OUTBOUND_HTTP_ALLOW_PRIVATE = False

    with pytest.raises(ValidationError, match="local or private address"):
        endpoint_create(issuer=issuer, url=url, events=["credential.issued"], actor=owner(issuer))
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.org/x", "Only https URLs"),
        ("https://user:pw@hooks.example.org/x", "contains user credentials"),
        ("ftp://hooks.example.org/x", "Only https URLs"),
    ],
)
def test_only_https_urls_without_credentials_outside_debug(settings, url, message):
    from django.core.exceptions import ValidationError

    settings.DEBUG = False

    with pytest.raises(ValidationError, match=message):
        validate_endpoint_url(url)


def test_a_public_https_url_is_accepted(settings):
    settings.DEBUG = False
    settings.OUTBOUND_HTTP_ALLOW_PRIVATE = False

    assert validate_endpoint_url("https://hooks.example.org/badges?x=1#frag") == "https://hooks.example.org/badges?x=1"


# --- the secret at rest ------------------------------------------------------------------------------------


def test_the_secret_is_stored_encrypted(make_endpoint):
    # when
    endpoint, secret = make_endpoint()

    # then: the column holds a Fernet token that decrypts to the secret, never the secret itself
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM webhooks_webhookendpoint WHERE id = %s", [endpoint.pk])
        (stored,) = cursor.fetchone()
    stored = bytes(stored)
    assert secret.startswith("whsec_") and len(secret) > 40
    assert secret.encode() not in stored
    assert secret.split("_", 1)[1].encode() not in stored
    assert decrypt_text(stored) == secret
    assert all(secret not in json.dumps(a.data) for a in AuditEvent.objects.all())


def test_rotating_the_secret_signs_with_the_new_one(make_endpoint, queued, receiver, user):
    from webhooks.services import endpoint_rotate_secret

    endpoint, old = make_endpoint("credential.issued")
    new = endpoint_rotate_secret(endpoint=endpoint, actor=user)
    delivery = queued(endpoint=endpoint)

    delivery_attempt(delivery_id=delivery.pk)

    (request,) = receiver.received
    t = int(request.headers["X-Webhook-Signature"].split(",")[0][2:])
    signed = request.headers["X-Webhook-Signature"].split(",")[1][3:]
    assert new != old
    assert signed == hmac.new(new.encode(), f"{t}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert AuditEvent.objects.filter(action="webhook.secret_rotated", actor=user).count() == 1
