"""The webhook pages: owners only (anonymous → login, strangers → 404, other roles → 403), and a denied
write changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from issuer.models import AuditEvent
from tests.ui.conftest import expected_status
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

WHO = (None, "stranger", "owner", "editor", "awarder", "viewer")
OWNERS = {"owner"}


@pytest.fixture
def endpoint(make_endpoint):
    endpoint, _ = make_endpoint("credential.issued")
    return endpoint


def _state():
    """Everything a write could change."""
    return (
        list(WebhookEndpoint.objects.order_by("pk").values_list("url", "events", "secret_encrypted", "active")),
        WebhookDelivery.objects.count(),
        AuditEvent.objects.count(),
    )


def _writes(endpoint, receiver):
    slug, uuid = endpoint.issuer.slug, endpoint.uuid
    new = {"url": receiver.url("/new"), "events": ["credential.revoked"]}
    return [
        ("create", reverse("webhooks:endpoint-list", args=[slug]), new),
        ("edit", reverse("webhooks:endpoint-detail", args=[slug, uuid]), new),
        ("rotate", reverse("webhooks:endpoint-rotate", args=[slug, uuid]), {}),
        ("delete", reverse("webhooks:endpoint-delete", args=[slug, uuid]), {}),
        ("enable", reverse("webhooks:endpoint-enable", args=[slug, uuid]), {}),
        ("ping", reverse("webhooks:endpoint-ping", args=[slug, uuid]), {}),
    ]


@pytest.mark.parametrize("who", WHO)
def test_the_pages_are_for_owners_only(client_as, endpoint, who):
    client = client_as(who)
    for url in (
        reverse("webhooks:endpoint-list", args=["uni"]),
        reverse("webhooks:endpoint-detail", args=["uni", endpoint.uuid]),
    ):
        assert client.get(url).status_code == expected_status(who, OWNERS), url


@pytest.mark.parametrize("who", [w for w in WHO if w not in OWNERS])
def test_a_denied_write_changes_nothing(client_as, endpoint, receiver, who):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    client = client_as(who)
    before = _state()
    for name, url, data in _writes(endpoint, receiver):
        status = client.post(url, data).status_code
        assert status == expected_status(who, OWNERS), name
    assert _state() == before
    assert receiver.received == []


def test_the_owner_creates_an_endpoint_and_sees_its_secret_once(client_as, issuer, receiver):
    client = client_as("owner")

    response = client.post(
        reverse("webhooks:endpoint-list", args=["uni"]),
        {"url": receiver.url("/new"), "events": ["credential.issued", "bulk.finished"]},
    )

    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.issuer, endpoint.url, endpoint.events, endpoint.active) == (
        issuer,
        receiver.url("/new"),
        ["bulk.finished", "credential.issued"],
        True,
    )
    secret = response.context["new_secret"]
    assert secret.startswith("whsec_")
    assert secret in response.content.decode()
    assert AuditEvent.objects.filter(action="webhook.created", object_id=str(endpoint.pk)).count() == 1
    page = client.get(reverse("webhooks:endpoint-detail", args=["uni", endpoint.uuid]))
    assert secret not in page.content.decode()


def test_create_refuses_a_private_address_and_stores_nothing(client_as, settings):
    settings.OUTBOUND_HTTP_ALLOW_PRIVATE = False
    client = client_as("owner")

    response = client.post(
        reverse("webhooks:endpoint-list", args=["uni"]), {"url": "https://10.0.0.5/hook", "events": ["ping"]}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "url": ["The URL points to a local or private address; webhooks go to public addresses only."],
        "events": ["Select a valid choice. ping is not one of the available choices."],
    }
    assert WebhookEndpoint.objects.count() == 0


def test_the_owner_edits_rotates_pings_re_enables_and_deletes(
    client_as, endpoint, receiver, django_capture_on_commit_callbacks
):
    client = client_as("owner")
    slug, uuid = "uni", endpoint.uuid
    old_secret = bytes(endpoint.secret_encrypted)

    # edit
    response = client.post(
        reverse("webhooks:endpoint-detail", args=[slug, uuid]),
        {"url": endpoint.url, "events": ["credential.revoked", "credential.suspended"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["credential.revoked", "credential.suspended"]

    # rotate: the new secret is shown in the answer, and differs
    response = client.post(reverse("webhooks:endpoint-rotate", args=[slug, uuid]))
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert bytes(endpoint.secret_encrypted) != old_secret
    assert response.context["new_secret"] in response.content.decode()

    # ping: delivered to the receiver, listed with its status code
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:endpoint-ping", args=[slug, uuid]))
    response = client.get(reverse("webhooks:endpoint-detail", args=[slug, uuid]))
    assert [r.headers["X-Webhook-Event"] for r in receiver.received] == ["ping"]
    (delivery,) = response.context["deliveries"]
    assert (delivery.event_type, delivery.state, delivery.last_status_code) == ("ping", "delivered", 200)
    assert "Delivered" in response.content.decode()

    # re-enable
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False, disabled_reason="10 deliveries failed")
    assert "10 deliveries failed" in client.get(reverse("webhooks:endpoint-detail", args=[slug, uuid])).content.decode()
    client.post(reverse("webhooks:endpoint-enable", args=[slug, uuid]))
    endpoint.refresh_from_db()
    assert endpoint.active

    # delete
    response = client.post(reverse("webhooks:endpoint-delete", args=[slug, uuid]))
    assert response.status_code == 302
    assert WebhookEndpoint.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0
    actions = set(AuditEvent.objects.filter(object_type="webhookendpoint").values_list("action", flat=True))
    assert actions == {
        "webhook.created",
        "webhook.updated",
        "webhook.secret_rotated",
        "webhook.enabled",
        "webhook.deleted",
    }


def test_another_issuers_endpoint_is_a_404(client_as, make_endpoint, other_issuer):
    theirs, _ = make_endpoint(owner=other_issuer)
    client = client_as("owner")

    assert client.get(reverse("webhooks:endpoint-detail", args=["uni", theirs.uuid])).status_code == 404
    assert client.post(reverse("webhooks:endpoint-delete", args=["uni", theirs.uuid])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("who", ["owner", "editor", "awarder", "viewer"])
def test_the_navigation_links_webhooks_for_owners_only(client_as, who):
    page = client_as(who).get(reverse("issuer:dashboard", args=["uni"])).content.decode()

    assert (reverse("webhooks:endpoint-list", args=["uni"]) in page) is (who == "owner")
