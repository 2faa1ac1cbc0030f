"""Webhook fixtures: a real receiver on 127.0.0.1 (the one remote party, not faked), endpoints, awards."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from badges.services import AwardRequest, credential_issue
from tests.actors import owner as issuer_owner
from webhooks.models import EventType
from webhooks.services import endpoint_create


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.received.append(Received(self.path, dict(self.headers), body))
        answer = self.server.answers.pop(0) if self.server.answers else self.server.default
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        try:
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading at its size cap

    def do_GET(self) -> None:
        self.server.received.append(Received(self.path, dict(self.headers), b""))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    received: list[Received]
    answers: list[Answer]
    default: Answer


class Receiver:
    """A loopback HTTP server that records every request; `answer(...)` queues the next answers (then 200 "ok")."""

    def __init__(self) -> None:
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.received = []
        self.httpd.answers = []
        self.httpd.default = Answer()
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def received(self) -> list[Received]:
        return self.httpd.received

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def answer(self, *answers: Answer) -> None:
        self.httpd.answers.extend(answers)

    def always(self, answer: Answer) -> None:
        self.httpd.default = answer

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local_delivery(settings):
    """Deliveries may go to the loopback receiver: plain http (DEBUG) and private addresses allowed, as the
    settings of a development machine; everything else is the production path."""
    settings.DEBUG = True
    settings.OUTBOUND_HTTP_ALLOW_PRIVATE = True
    settings.OUTBOUND_HTTP_TIMEOUT = 5.0
    return settings


@pytest.fixture
def receiver(local_delivery) -> Iterator[Receiver]:
    server = Receiver()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def make_endpoint(issuer, receiver, user):
    """make_endpoint(*events, issuer=..., path=...) -> (endpoint, secret), pointed at the receiver."""

    def make(*events: str, owner=None, path: str = "/hook"):
        target = owner or issuer  # `owner`: the issuer the endpoint belongs to, made by that issuer's owner
        return endpoint_create(
            issuer=target, url=receiver.url(path), events=events or EventType.values, actor=issuer_owner(target)
        )

    return make


@pytest.fixture
def award(django_capture_on_commit_callbacks):
    """Issue one credential; what was queued after commit (listeners) runs, as in production."""

    def give(achievement, email="ada@example.org", *, source="ui", execute=True):
        with django_capture_on_commit_callbacks(execute=execute):
            return credential_issue(
                request=AwardRequest(achievement=achievement, email=email, name="Ada Lovelace"),
                source=source,
                notify=False,
                actor=issuer_owner(achievement.issuer),
            )

    return give


# The issuer UI's users (owner, editor, awarder, viewer, stranger) and a client signed in as one of them.
from tests.ui.conftest import client_as, staff  # noqa: E402,F401
