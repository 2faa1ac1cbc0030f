"""The hardened outbound client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from verification import budget
from verification.errors import FetchError, Indeterminate
from verification.http import HardenedClient, OutboundBudgetSpent
from verification.http_watchdog import Watchdog

Route = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.requests.append((self.path, dict(self.headers)))
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (size or time limit)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, Route]
    requests: list[tuple[str, dict[str, str]]]


class LocalServer:
    """A loopback HTTP server whose routes the test sets up; records every request it receives."""

    def __init__(self) -> None:
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.routes = {}
        self.httpd.requests = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return self.httpd.requests

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, handler: Route) -> None:
        self.httpd.routes[path] = handler

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        def send(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.route(path, send)

    def body(self, path: str, body: bytes, *, status: int = 200, content_type: str = "application/json") -> None:
        def send(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        self.route(path, send)

    def json(self, path: str, value: object, *, content_type: str = "application/json") -> None:
        self.body(path, json.dumps(value).encode(), content_type=content_type)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def local_client(**overrides: object) -> HardenedClient:
    options: dict[str, object] = {"allow_http": True, "allow_private": True, "timeout": 2.0}
    options.update(overrides)
    return HardenedClient(**options)  # type: ignore[arg-type]


def test_fetches_json_with_user_agent_and_accept(server: LocalServer) -> None:
    server.json("/doc.json", {"id": "x"}, content_type="application/did+json; charset=utf-8")
    fetched = local_client().get(server.url("/doc.json#fragment"), accept="application/did+json")
    assert fetched.status == 200
    assert fetched.content_type == "application/did+json"
    assert json.loads(fetched.body) == {"id": "x"}
    path, headers = server.requests[0]
    assert path == "/doc.json"  # the fragment never leaves the client
    assert headers["User-Agent"].startswith("openbadges-platform/")
    assert headers["Accept"] == "application/did+json"
    assert local_client().get_json(server.url("/doc.json")) == {"id": "x"}


def test_declared_content_length_over_limit_is_refused_before_reading(server: LocalServer) -> None:
    server.body("/big", b"x" * 5000)
    with pytest.raises(FetchError) as caught:
        local_client(max_bytes=1000).get(server.url("/big"), accept="*/*")
    assert caught.value.code == "fetch_too_large"
    assert "announces 5000 bytes" in caught.value.message


def test_streamed_body_over_limit_is_cut_off(server: LocalServer) -> None:
    def no_length(handler: BaseHTTPRequestHandler) -> None:
        # HTTP/1.0 without Content-Length: the body ends when the connection closes.
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        for _ in range(50):
            handler.wfile.write(b"y" * 1000)

    server.route("/stream", no_length)
    with pytest.raises(FetchError) as caught:
        local_client(max_bytes=10_000).get(server.url("/stream"), accept="*/*")
    assert caught.value.code == "fetch_too_large"
    assert "limit of 10000 bytes" in caught.value.message


def test_body_within_limit_is_accepted(server: LocalServer) -> None:
    server.body("/fits", b"z" * 1000)
    assert len(local_client(max_bytes=1000).get(server.url("/fits"), accept="*/*").body) == 1000


def test_redirect_is_refused_and_not_followed(server: LocalServer) -> None:
    server.redirect("/moved", "http://169.254.169.254/latest/meta-data/")
    with pytest.raises(FetchError) as caught:
        local_client().get(server.url("/moved"), accept="*/*")
    assert caught.value.code == "fetch_redirect"
    assert "HTTP 302" in caught.value.message
    assert "http://169.254.169.254/latest/meta-data/" in caught.value.message
    assert [path for path, _ in server.requests] == ["/moved"]


def test_redirects_are_followed_when_the_caller_allows_them(server: LocalServer) -> None:
    server.redirect("/a", "/b", status=301)
    server.redirect("/b", server.url("/c#fragment"), status=307)
    server.body("/c", b'{"here": true}')

    document = local_client().get(server.url("/a"), accept="*/*", redirects=2)

    assert (document.url, document.final_url, document.body) == (server.url("/a"), server.url("/c"), b'{"here": true}')
    assert [path for path, _ in server.requests] == ["/a", "/b", "/c"]


def test_one_redirect_more_than_allowed_is_refused(server: LocalServer) -> None:
    server.redirect("/a", "/b")
    server.redirect("/b", "/c")
    server.body("/c", b"{}")
    with pytest.raises(FetchError) as caught:
        local_client().get(server.url("/a"), accept="*/*", redirects=1)
    assert caught.value.code == "fetch_redirect"
    assert f"{server.url('/a')} redirected more than 1 times" in caught.value.message
    assert [path for path, _ in server.requests] == ["/a", "/b"]


@pytest.mark.parametrize(
    ("location", "refusal"),
    [
        ("http://user:secret@127.0.0.1/x", "user credentials"),
        ("ftp://127.0.0.1/x", "Only https or http URLs are fetched"),
        ("file:///etc/passwd", "Only https or http URLs are fetched"),
    ],
)
def test_a_redirect_is_held_to_the_rules_of_the_url_asked_for(server: LocalServer, location: str, refusal: str) -> None:
    server.redirect("/a", location)
    with pytest.raises(FetchError) as caught:
        local_client().get(server.url("/a"), accept="*/*", redirects=3)
    assert caught.value.code == "fetch_url_refused"
    assert refusal in caught.value.message
    assert [path for path, _ in server.requests] == ["/a"]


def test_non_json_body(server: LocalServer) -> None:
    server.body("/page", b"<html>hello</html>", content_type="text/html")
    with pytest.raises(FetchError) as caught:
        local_client().get_json(server.url("/page"))
    assert caught.value.code == "fetch_not_json"
    assert "text/html" in caught.value.message
    assert "not valid JSON" in caught.value.message


def test_json_nan_is_not_json(server: LocalServer) -> None:
    server.body("/nan", b'{"a": NaN}')
    with pytest.raises(FetchError, match="NaN is not a JSON value"):
        local_client().get_json(server.url("/nan"))


def test_not_found(server: LocalServer) -> None:
    with pytest.raises(FetchError) as caught:
        local_client().get(server.url("/missing"), accept="*/*")
    assert caught.value.code == "fetch_http_status"
    assert "HTTP 404" in caught.value.message


def test_slow_answer_times_out(server: LocalServer) -> None:
    # The server answers only when the test lets it (or after 30 s): a client without its own time limit
    # would get that answer and succeed, so the refusal below can come only from the client's budget.
    release, answered = threading.Event(), threading.Event()

    def slow(handler: BaseHTTPRequestHandler) -> None:
        release.wait(30)
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"{}")
        answered.set()

    server.route("/slow", slow)
    try:
        with pytest.raises(FetchError) as caught:
            local_client(timeout=0.5).get(server.url("/slow"), accept="*/*")
        assert caught.value.code == "fetch_timeout"
        assert "0.5 s" in caught.value.message
        assert not answered.is_set()  # it gave up on its own, before any answer
    finally:
        release.set()


def test_trickling_body_is_cut_at_the_total_budget(server: LocalServer) -> None:
    # One byte every 0.05 s, each well within the per-read timeout: only the whole-exchange budget can stop
    # this. The body is complete only after 600 bytes (30 s) or when the test stops the server, so a client
    # without that budget would read it all and succeed.
    stop = threading.Event()
    sent: list[int] = []

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "600")
        handler.end_headers()
        while len(sent) < 600 and not stop.is_set():
            handler.wfile.write(b"x")
            handler.wfile.flush()
            sent.append(1)
            stop.wait(0.05)

    server.route("/trickle", trickle)
    try:
        with pytest.raises(FetchError) as caught:
            local_client(timeout=0.5).get(server.url("/trickle"), accept="*/*")
        assert caught.value.code == "fetch_timeout"
        assert "within 0.5 s" in caught.value.message
        assert len(sent) < 600  # cut while the body was still arriving
    finally:
        stop.set()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_is_refused_without_any_request(server: LocalServer, host: str) -> None:
    client = HardenedClient(allow_http=True, allow_private=False, timeout=1.0)
    url = server.url("/doc.json").replace("127.0.0.1", host)
    with pytest.raises(FetchError) as caught:
        client.get(url, accept="*/*")
    assert caught.value.code == "fetch_private_address"
    assert "not a public internet address" in caught.value.message
    assert server.requests == []


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fec0::1",  # IPv6 site-local: not covered by ip.is_private
        "fc00::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
    ],
)
def test_non_public_resolution_is_refused_at_connect_time(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    # The name resolves to a non-public address only when the client connects (as in DNS rebinding); the
    # check runs on that very resolution, so no socket is opened.
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sockaddr = (address, 443, 0, 0) if family == socket.AF_INET6 else (address, 443)

    def fake_getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list[tuple]:
        assert host == "issuer.example"
        return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(FetchError) as caught:
        HardenedClient().get("https://issuer.example/.well-known/did.json", accept="*/*")
    assert caught.value.code == "fetch_private_address"


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://issuer.example/did.json", "Only https URLs"),
        ("ftp://issuer.example/did.json", "Only https URLs"),
        ("file:///etc/passwd", "Only https URLs"),
        ("https://user:secret@issuer.example/did.json", "user credentials"),
        ("https:///did.json", "has no host"),
        ("https://issuer.example:99999/", "cannot be parsed"),
        ("https://issuer.example/a b", "whitespace"),
        ("", "empty"),
        ("https://issuer.example/" + "a" * 3000, "characters long"),
    ],
)
def test_refused_urls_never_reach_the_network(url: str, fragment: str) -> None:
    with pytest.raises(FetchError) as caught:
        HardenedClient().get(url, accept="*/*")
    assert caught.value.code == "fetch_url_refused"
    assert fragment in caught.value.message


def test_connection_refused_is_a_fetch_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError) as caught:
        local_client().get(f"http://127.0.0.1:{port}/", accept="*/*")
    assert caught.value.code == "fetch_failed"
    assert "Could not connect" in caught.value.message


def test_from_settings_follows_debug(settings: object) -> None:
    settings.DEBUG = False  # type: ignore[attr-defined]
    settings.OUTBOUND_HTTP_TIMEOUT = 3.0  # type: ignore[attr-defined]
    settings.OUTBOUND_HTTP_MAX_BYTES = 1234  # type: ignore[attr-defined]
    settings.OUTBOUND_HTTP_ALLOW_PRIVATE = False  # type: ignore[attr-defined]
    client = HardenedClient.from_settings()
    assert (client.timeout, client.max_bytes, client.allow_http, client.allow_private) == (3.0, 1234, False, False)
    settings.DEBUG = True  # type: ignore[attr-defined]
    assert HardenedClient.from_settings().allow_http is True


# --------------------------------------------------------------------------------------------------------------
# One deadline for the whole exchange, headers included


class DribblingServer:
    """A raw socket server on 127.0.0.1: reads the request, then sends `head` one byte every `delay`
    seconds and `body` at once. Each byte comes well within any per-read timeout; the whole takes
    len(head) * delay seconds. `sent` counts the bytes it got out before the client hung up."""

    def __init__(self, head: bytes, body: bytes = b"{}", delay: float = 0.05) -> None:
        self.head, self.body, self.delay = head, body, delay
        self.sent = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)
            try:
                for byte in self.head:
                    connection.sendall(bytes([byte]))
                    self.sent += 1
                    time.sleep(self.delay)
                connection.sendall(self.body)
            except OSError:
                pass  # the client hung up: what the test expects

    def __enter__(self) -> DribblingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        self.thread.join(timeout=len(self.head) * self.delay + 5)

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.listener.getsockname()[1]}/did.json"


# 200 header bytes at 0.05 s each: 10 s to deliver completely, every single byte within 0.05 s.
DRIBBLED_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"p" * 120 + b"\r\nContent-Length: 2\r\n\r\n"
)


@pytest.mark.parametrize(
    ("_case", "head"),
    [
        ("status line", b"HTTP/1.1 200 OK" + b" " * 200 + b"\r\n\r\n"),
        ("headers", DRIBBLED_HEAD),
    ],
)
def test_dribbled_status_line_and_headers_are_cut_at_the_deadline(_case: str, head: bytes) -> None:
    # http.client reads the status line and each header line with reads of their own and urllib3 sets one
    # socket timeout per read, so a byte just before each timeout would hold the fetch for ever; the fetch's
    # watchdog shuts the connection at its deadline.
    with DribblingServer(head) as server:
        with pytest.raises(FetchError) as caught:
            local_client(timeout=0.5).get(server.url(), accept="*/*")
    assert caught.value.code == "fetch_timeout"
    assert "within 0.5 s" in caught.value.message
    assert server.sent < len(head)  # the client hung up before the server had sent everything


def test_a_complete_quick_answer_is_not_disturbed_by_the_deadline() -> None:
    with DribblingServer(DRIBBLED_HEAD, delay=0.0) as server:
        document = local_client(timeout=5.0).get(server.url(), accept="*/*")
    assert (document.status, document.body) == (200, b"{}")


def test_the_watchdog_reaches_a_socket_another_layer_took_over() -> None:
    # The TLS layer detaches the connection's socket and wraps its descriptor before the handshake; the
    # watchdog holds a duplicate of its own, so shutting that down ends the wrapped connection too.
    ours, theirs = socket.socketpair()
    with ours, theirs, Watchdog(0.2) as watchdog:
        watchdog.watch(ours)
        taken_over = socket.socket(fileno=ours.detach())
        with taken_over:
            taken_over.settimeout(30)
            assert taken_over.recv(1) == b""  # blocked until the watchdog shut the connection down
        assert watchdog.fired


# --------------------------------------------------------------------------------------------------------------
# The outbound allowance of a verification


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_fetches_stop_once_the_outbound_allowance_is_spent(server: LocalServer) -> None:
    clock = _Clock()

    def slow_exchange(handler: BaseHTTPRequestHandler) -> None:
        clock.now += 1.5  # this exchange takes 1.5 s of the verification's time
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"{}")

    server.route("/slow.json", slow_exchange)
    server.json("/other.json", {})
    client = local_client()
    with budget.limit(3.0, outbound_seconds=1.0, clock=clock):
        assert client.get_json(server.url("/slow.json")) == {}
        assert budget.outbound_remaining() == 0.0
        with pytest.raises(OutboundBudgetSpent) as caught:
            client.get_json(server.url("/other.json"))
    assert isinstance(caught.value, FetchError) and isinstance(caught.value, Indeterminate)
    assert caught.value.code == "too_complex"
    assert "could not be checked" in caught.value.message
    assert [path for path, _ in server.requests] == ["/slow.json"]  # the second fetch never started


def test_a_fetch_gets_no_more_than_the_allowance_left() -> None:
    with DribblingServer(DRIBBLED_HEAD) as server, budget.limit(3.0, outbound_seconds=0.3):
        with pytest.raises(FetchError) as caught:
            local_client(timeout=5.0).get(server.url(), accept="*/*")
    assert caught.value.code == "fetch_timeout"
    assert "within 0.3 s" in caught.value.message


# --- URLs checked ahead of their use (check_public_url) -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/token", "https://localhost:8443/token", "https://10.0.0.5/token", "https://[::1]/token"],
)
def test_a_url_named_ahead_is_refused_when_its_host_is_not_public(url: str) -> None:
    with pytest.raises(FetchError) as caught:
        HardenedClient().check_public_url(url)
    assert caught.value.code == "fetch_private_address"
    assert "not a public internet address" in caught.value.message


def test_a_url_named_ahead_is_checked_on_every_address_its_name_resolves_to(monkeypatch: pytest.MonkeyPatch) -> None:
    # One public and one private address: a connection could land on either, so the URL is refused.
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.10", 443)),
    ]
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *args, **kwargs: answers)
    with pytest.raises(FetchError) as caught:
        HardenedClient().check_public_url("https://host.example/token")
    assert caught.value.code == "fetch_private_address"
    assert "192.168.1.10" in caught.value.message


def test_a_url_named_ahead_whose_host_cannot_be_resolved_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(host: str, port: object, *args: object, **kwargs: object) -> list[tuple]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(FetchError) as caught:
        HardenedClient().check_public_url("https://nowhere.example/token")
    assert "cannot be resolved" in caught.value.message


def test_a_public_url_named_ahead_is_returned_checked() -> None:
    assert HardenedClient().check_public_url("https://93.184.216.34/a#frag") == "https://93.184.216.34/a"
    # Private addresses pass only where the client allows them (tests, an explicit setting); the URL rules remain.
    assert HardenedClient(allow_private=True).check_public_url("https://10.0.0.5/t") == "https://10.0.0.5/t"
    with pytest.raises(FetchError):
        HardenedClient(allow_private=True).check_public_url("http://10.0.0.5/t")
