"""HardenedClient.post against a real server on 127.0.0.1: the answer whatever its status, a capped body, no
redirects followed, non-public addresses refused unless allowed, the time budget."""

from __future__ import annotations

import threading

import pytest

from tests.webhooks.conftest import Answer, Receiver
from verification.errors import FetchError
from verification.http import HardenedClient


@pytest.fixture
def server():
    receiver = Receiver()
    try:
        yield receiver
    finally:
        receiver.close()


def _client(**options):
    return HardenedClient(allow_http=True, allow_private=True, **options)


def test_post_sends_the_body_and_headers_and_returns_the_answer(server):
    server.answer(Answer(status=201, body=b"created", headers={"Content-Type": "text/plain; charset=utf-8"}))

    response = _client().post(
        server.url("/in"), body=b'{"a":1}', headers={"X-Test": "yes"}, content_type="application/json"
    )

    assert (response.status, response.body, response.content_type, response.truncated) == (
        201,
        b"created",
        "text/plain",
        False,
    )
    (request,) = server.received
    assert (request.path, request.body) == ("/in", b'{"a":1}')
    assert (request.headers["X-Test"], request.headers["Content-Type"]) == ("yes", "application/json")


def test_a_non_2xx_answer_is_returned_not_raised(server):
    server.answer(Answer(status=500, body=b"oops"))

    response = _client().post(server.url(), body=b"{}", headers={}, content_type="application/json")

    assert (response.status, response.body) == (500, b"oops")


def test_the_answer_body_is_capped_at_max_bytes(server):
    server.answer(Answer(status=200, body=b"x" * 100_000))

    response = _client(max_bytes=2048).post(server.url(), body=b"{}", headers={}, content_type="application/json")

    assert (len(response.body), response.truncated) == (2048, True)


def test_a_redirect_is_returned_and_not_followed(server):
    server.answer(Answer(status=302, headers={"Location": server.url("/elsewhere")}))

    response = _client().post(server.url("/first"), body=b"{}", headers={}, content_type="application/json")

    assert response.status == 302
    assert [r.path for r in server.received] == ["/first"]


def test_a_loopback_address_is_refused_when_private_addresses_are_not_allowed(server):
    client = HardenedClient(allow_http=True, allow_private=False)

    with pytest.raises(FetchError) as caught:
        client.post(server.url(), body=b"{}", headers={}, content_type="application/json")

    assert caught.value.code == "fetch_private_address"
    assert server.received == []


def test_plain_http_is_refused_unless_allowed(server):
    with pytest.raises(FetchError) as caught:
        HardenedClient(allow_private=True).post(server.url(), body=b"{}", headers={}, content_type="application/json")

    assert caught.value.code == "fetch_url_refused"
    assert server.received == []


def test_a_server_that_does_not_answer_in_time_is_a_timeout():
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    # Should the client wait on regardless, closing the listener after 30 s resets its connection: that is a
    # connection error, not a timeout, so only the client's own budget makes this test pass.
    watchdog = threading.Timer(30, listener.close)
    watchdog.start()
    try:
        with pytest.raises(FetchError) as caught:
            _client(timeout=0.5).post(
                f"http://127.0.0.1:{listener.getsockname()[1]}/", body=b"{}", headers={}, content_type="text/plain"
            )
        assert caught.value.code == "fetch_timeout"
        assert "within 0.5 s" in caught.value.message  # headers or body: wherever the deadline fell
    finally:
        watchdog.cancel()
        listener.close()
