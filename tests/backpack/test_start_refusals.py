"""What stops a send before the learner leaves for the host: an address that is not a public https host (refused
before any connection), a host whose service description cannot be used, a revoked or suspended credential,
another learner's credential, too many sends. Each says why, with its status, and writes nothing."""

from __future__ import annotations

import socket

import pytest
from django.test import Client

from backpack import services
from backpack.models import BackpackSend, HostRegistration
from badges.services import credential_revoke, credential_suspend
from tests.actors import owner
from tests.backpack.conftest import LEARNER, signed_in
from tests.learners.conftest import issue
from tests.verification.test_http import LocalServer

UPSERT = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"


@pytest.fixture
def ours(db, outbox, django_capture_on_commit_callbacks, credential_here):
    return signed_in(outbox, django_capture_on_commit_callbacks)


@pytest.fixture
def credential_here(achievement):
    return issue(achievement)


@pytest.fixture
def host_server(settings):
    """Another host on this machine, serving what each test gives it; reachable as under DEBUG."""
    settings.DEBUG = True
    settings.OUTBOUND_HTTP_ALLOW_PRIVATE = True
    with LocalServer() as server:
        yield server


def _nothing_written():
    assert BackpackSend.objects.count() == 0
    assert HostRegistration.objects.count() == 0


def _send(ours, credential, address):
    return ours.post(f"/me/backpack/{credential.uuid}/", {"address": address})


def _description(**scheme_overrides):
    scheme = {
        "type": "oauth2",
        "x-imssf-registrationUrl": "/ims/ob/v3p0/register",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "/ims/ob/v3p0/authorize",
                "tokenUrl": "/ims/ob/v3p0/token",
                "scopes": {UPSERT: "Add credentials"},
            }
        },
    }
    scheme.update(scheme_overrides)
    return {"openapi": "3.0.1", "info": {"title": "A host"}, "components": {"securitySchemes": {"OAuth2ACG": scheme}}}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_private_address_is_refused_before_any_connection(ours, credential_here, host):
    # given: something listening on the loopback address the learner names (with the normal settings)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    try:
        # when
        answer = _send(ours, credential_here, f"https://{host}:{listener.getsockname()[1]}")

        # then: refused with the reason, and nothing ever connected
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "This address cannot be used." in text
    assert "which is not a public internet address" in text
    _nothing_written()


def test_plain_http_is_refused_outside_debug(ours, credential_here):
    answer = _send(ours, credential_here, "http://93.184.216.34")

    assert answer.status_code == 400
    assert "Only https URLs are fetched" in answer.content.decode()
    _nothing_written()


@pytest.mark.parametrize(
    ("address", "reason"),
    [("", "This field is required."), ("badges.example.org/?x=1", "without ? or # parts")],
)
def test_an_unusable_address_is_refused(ours, credential_here, address, reason):
    answer = _send(ours, credential_here, address)

    assert answer.status_code == 400
    assert reason in answer.content.decode()
    _nothing_written()


@pytest.mark.parametrize(
    ("description", "reason"),
    [
        ({"openapi": "3.0.1", "components": {"securitySchemes": {}}}, "has no OAuth2ACG security scheme"),
        (_description(type="http"), "has no OAuth2ACG security scheme"),
        (_description(flows={"implicit": {}}), "has no authorizationCode flow"),
        (
            _description(flows={"authorizationCode": {"authorizationUrl": "/a", "tokenUrl": "/t", "scopes": {}}}),
            "takes no credentials from elsewhere",
        ),
        (_description(**{"x-imssf-registrationUrl": ""}), "names no registration URL"),
        ([1, 2], "is not a JSON object"),
    ],
)
def test_a_host_whose_description_cannot_be_used_is_refused(ours, credential_here, host_server, description, reason):
    host_server.json("/ims/ob/v3p0/discovery", description)

    answer = _send(ours, credential_here, host_server.url("/"))

    assert answer.status_code == 502
    text = answer.content.decode()
    assert "did not answer as an Open Badges 3.0 host." in text
    assert reason in text
    assert [path for path, _ in host_server.requests] == ["/ims/ob/v3p0/discovery"]  # and no registration
    _nothing_written()


def test_a_host_that_refuses_our_registration_is_named_with_its_reason(ours, credential_here, host_server):
    host_server.json("/ims/ob/v3p0/discovery", _description())
    # The description names a registration URL on the same server; that server takes no POST (501).

    answer = _send(ours, credential_here, host_server.url(""))

    assert answer.status_code == 502
    text = answer.content.decode()
    assert "did not register this platform as a client." in text
    assert "Registration refused (HTTP 501)" in text
    _nothing_written()


@pytest.mark.parametrize("change", ["revoked", "suspended"])
def test_a_revoked_or_suspended_credential_cannot_be_sent(ours, credential_here, host_server, change):
    host_server.json("/ims/ob/v3p0/discovery", _description())
    if change == "revoked":
        credential_revoke(credential=credential_here, reason="Awarded by mistake", actor=owner(credential_here.issuer))
    else:
        credential_suspend(credential=credential_here, actor=owner(credential_here.issuer))

    page = ours.get(f"/me/backpack/{credential_here.uuid}/")
    answer = _send(ours, credential_here, host_server.url("/"))

    assert page.status_code == 200
    assert f"This credential is {change}: it cannot be sent anywhere." in page.content.decode()
    assert '<form method="post" action="/me/backpack/' not in page.content.decode()
    assert answer.status_code == 409
    assert f"This credential is {change}" in answer.content.decode()
    assert host_server.requests == []
    _nothing_written()
    collection = ours.get("/me/credentials/").content.decode()
    assert f"/me/backpack/{credential_here.uuid}/" not in collection


def test_another_learners_credential_is_not_found(ours, achievement, host_server):
    theirs = issue(achievement, email="ola@example.com")
    host_server.json("/ims/ob/v3p0/discovery", _description())

    assert ours.get(f"/me/backpack/{theirs.uuid}/").status_code == 404
    assert _send(ours, theirs, host_server.url("/")).status_code == 404
    with pytest.raises(services.NotYourCredential):
        services.backpack_send_start(email=LEARNER, credential=theirs, address=host_server.url("/"))
    assert host_server.requests == []
    _nothing_written()


def test_a_visitor_who_is_not_signed_in_goes_to_the_sign_in_page(credential_here):
    answer = Client().post(f"/me/backpack/{credential_here.uuid}/", {"address": "badges.example.org"})

    assert (answer.status_code, answer["Location"]) == (302, "/me/")
    _nothing_written()


def test_too_many_sends_in_an_hour_are_refused(ours, credential_here, monkeypatch):
    monkeypatch.setattr(services, "SENDS_PER_HOUR", 2)
    for _ in range(2):
        assert _send(ours, credential_here, "https://10.0.0.1").status_code == 400

    answer = _send(ours, credential_here, "https://10.0.0.1")

    assert answer.status_code == 429
    assert 0 < int(answer["Retry-After"]) <= 3600
    assert "You have started many sends in the last hour." in answer.content.decode()
    _nothing_written()
