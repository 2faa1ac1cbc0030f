"""The one outbound HTTP client of the platform (DID documents, controller documents, JWKS, status lists, URLs
given to the verifier, and the POSTs of webhook deliveries).

Everything a credential names is attacker-chosen, so each fetch is treated as hostile: https only, no
credentials in URLs, no redirects (unless the caller allows a few: each hop is held to the same rules), one deadline for the whole exchange (connect, TLS, status line, headers
and body), a size cap on the body, and no connection to non-public addresses. The address check runs on the
address the socket is opened to (pinned by requests-hardened after resolution), so a DNS answer that changes
between a check and the connect (DNS rebinding) cannot reach an internal service.

The deadline: a socket timeout bounds one blocking read only, and http.client reads the status line and
each header line with reads of their own, so a server that sends one byte just before each timeout would
hold a fetch for as long as it likes. Each fetch therefore has a watchdog that shuts its sockets down when
the deadline passes, whatever is being read. Inside a verification
(verification.budget), a fetch also gets no more than what is left of the verification's outbound
allowance, and none at all once that is spent (`OutboundBudgetSpent`).

Importable without Django: configuration comes in as constructor arguments; `from_settings()` is the only
place that reads django.conf.settings.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

from verification import budget
from verification.errors import FetchError, HttpStatusError, TooComplex
from verification.http_watchdog import WATCHDOG, Watchdog, WatchedAdapter

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_USER_AGENT = "openbadges-platform/0.1 (Open Badges 3.0 verifier)"
MAX_URL_LENGTH = 2048
_READ_CHUNK = 64 * 1024
JSON_ACCEPT = "application/json, application/ld+json;q=0.9, */*;q=0.1"


@dataclass(frozen=True)
class PostedResponse:
    """The answer to a POST, whatever its status: at most the client's `max_bytes` of its body."""

    url: str
    status: int
    content_type: str
    body: bytes
    truncated: bool  # the body was longer than max_bytes; the rest was not read


@dataclass(frozen=True)
class FetchedDocument:
    url: str
    status: int
    # Media type only, lower-cased, without parameters ("" when the server sent none).
    content_type: str
    body: bytes
    # Where the body came from, when redirects were followed (HardenedClient.get's `redirects`); else `url`.
    final_url: str = ""


# The redirects a GET may follow when its caller allows them (not 300 Multiple Choices or 304 Not Modified).
_FOLLOWED = frozenset({301, 302, 303, 307, 308})


class OutboundBudgetSpent(FetchError, TooComplex):
    """The verification's outbound allowance is spent: the fetch is not even started. A FetchError, so every
    caller reports "could not be checked"; also a TooComplex (an Indeterminate), never a finding about the
    credential."""

    code = "too_complex"


class _PublicAddressAdapter(WatchedAdapter, IPFilterAdapter):  # type: ignore[misc]  # requests-hardened is untyped
    """requests-hardened's filter plus the ranges it lets through.

    Its check relies on `ip.is_private`, which misses IPv6 site-local (fec0::/10) and a few reserved blocks;
    here the resolved address must also be globally routable and not reserved.
    """

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        address = ipaddress.ip_address(str(host_params["host"]).strip("[]"))
        if not _is_public(address):
            raise InvalidIPAddress(address)
        return host_params, pool_kwargs


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _is_public(address.ipv4_mapped)
        if address.is_site_local:
            return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


class HardenedClient:
    """HTTP client for untrusted URLs (GET, and POST for webhooks). Every failure is a FetchError with a sentence a person understands.

    `timeout` is the budget in seconds for the whole exchange (connect, headers and body); `connect_timeout`
    (default: the budget) bounds the TCP/TLS connect alone. `allow_http` permits plain http (development, set
    from DEBUG); `allow_private` turns off the non-public address check (tests and an explicit setting only).
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        allow_http: bool = False,
        allow_private: bool = False,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.timeout = float(timeout)
        self.connect_timeout = min(float(connect_timeout or timeout), self.timeout)
        self.max_bytes = int(max_bytes)
        self.allow_http = allow_http
        self.allow_private = allow_private
        self.user_agent = user_agent

    @classmethod
    def from_settings(cls) -> HardenedClient:
        """The client configured from Django settings (OUTBOUND_HTTP_*; plain http only when DEBUG)."""
        from django.conf import settings

        return cls(
            timeout=settings.OUTBOUND_HTTP_TIMEOUT,
            max_bytes=settings.OUTBOUND_HTTP_MAX_BYTES,
            allow_private=settings.OUTBOUND_HTTP_ALLOW_PRIVATE,
            allow_http=bool(settings.DEBUG),
        )

    @property
    def allowed_schemes(self) -> tuple[str, ...]:
        return ("https", "http") if self.allow_http else ("https",)

    def check_url(self, url: object) -> str:
        """The URL to request (fragment removed) or a FetchError saying why it is refused before any network use."""
        if not isinstance(url, str) or not url:
            raise FetchError("The URL to fetch is empty or not a string.", code="fetch_url_refused")
        if len(url) > MAX_URL_LENGTH:
            raise FetchError(
                f"The URL is {len(url)} characters long; at most {MAX_URL_LENGTH} are accepted.",
                code="fetch_url_refused",
            )
        if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
            raise FetchError("The URL contains whitespace or control characters.", code="fetch_url_refused")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise FetchError(f"The URL {url!r} cannot be parsed: {exc}.", code="fetch_url_refused") from exc
        scheme = parts.scheme.lower()
        if scheme not in self.allowed_schemes:
            allowed = " or ".join(self.allowed_schemes)
            raise FetchError(
                f"Only {allowed} URLs are fetched, not {scheme or 'scheme-less'} ones ({url}).",
                code="fetch_url_refused",
            )
        if "@" in parts.netloc:
            # Credentials in a credential-supplied URL would be sent to whoever the URL names.
            raise FetchError(f"The URL {url} contains user credentials; refused.", code="fetch_url_refused")
        if not parts.hostname:
            raise FetchError(f"The URL {url} has no host.", code="fetch_url_refused")
        if port == 0:
            raise FetchError(f"The URL {url} names port 0.", code="fetch_url_refused")
        return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))

    def check_public_url(self, url: object) -> str:
        """`check_url`, then the host's addresses as they resolve now: every one must be public (unless the client
        allows private ones). For URLs named ahead of their use (an OAuth server's endpoints, which a learner is
        sent to or which are called after the learner's consent): refused before anyone relies on them. The
        connection to such a URL is checked again when it opens, so a name that resolves differently later
        (DNS rebinding) still reaches no internal service."""
        checked = self.check_url(url)
        if self.allow_private:
            return checked
        parts = urlsplit(checked)
        host = parts.hostname or ""
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            try:
                found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as exc:
                raise FetchError(f"The host {host} of {checked} cannot be resolved: {_reason(exc)}.") from exc
            # A scoped IPv6 address carries its zone after "%"; the address itself decides.
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
        refused = [address for address in addresses if not _is_public(address)]
        if refused or not addresses:
            raise FetchError(
                f"Refused to use {checked}: the host {host} resolves to {refused[0] if refused else 'nothing'}, "
                "which is not a public internet address (private, loopback, link-local, multicast or reserved "
                "range).",
                code="fetch_private_address",
            )
        return checked

    def get(self, url: str, *, accept: str, redirects: int = 0) -> FetchedDocument:
        """GET `url`; the body is returned only for a 2xx answer within the time and size limits.

        A redirect is an answer (`fetch_redirect`) unless the caller allows up to `redirects` of them: each
        Location is then checked as `url` was (scheme, no credentials, length) and fetched through the same
        address filter, all within the one deadline of this fetch. The document's `url` stays the one asked
        for; `final_url` is where the body came from."""
        request_url = self.check_url(url)
        with self._exchange(request_url) as (seconds, deadline), self._session() as session:
            current = request_url
            for hop in range(redirects + 1):
                remaining = max(deadline - time.monotonic(), 0.001)
                response = session.get(
                    current,
                    headers={"Accept": accept, "Accept-Encoding": "identity"},
                    stream=True,
                    allow_redirects=False,
                    # requests accepts a urllib3 Timeout (HTTPAdapter.send); its stubs list only float and tuple.
                    timeout=self._timeouts(remaining),  # type: ignore[arg-type]
                )
                with response:
                    location = response.headers.get("Location")
                    if response.status_code in _FOLLOWED and location and redirects:
                        if hop == redirects:
                            raise FetchError(
                                f"{request_url} redirected more than {redirects} times (the last answer, from "
                                f"{current}, points to {location}); no further redirect is followed.",
                                code="fetch_redirect",
                            )
                        # Relative to where it was answered; the fragment is dropped by check_url.
                        current = self.check_url(urljoin(current, location))
                        continue
                    document = self._read(current, response, deadline, seconds)
                    return replace(document, url=request_url, final_url=current)
        raise AssertionError("unreachable: the last hop returns or raises")  # pragma: no cover

    def post(self, url: str, *, body: bytes, headers: dict[str, str], content_type: str) -> PostedResponse:
        """POST `body` to `url` and return whatever status came back (2xx or not: the caller decides), with at
        most `max_bytes` of the answer's body (the rest is not read). Redirects are answers, never followed;
        the URL checks, address filter and time budget are those of `get`. Failing to get an answer at all is
        a FetchError."""
        request_url = self.check_url(url)
        sent = {**headers, "Content-Type": content_type, "Accept-Encoding": "identity"}
        with self._exchange(request_url) as (seconds, deadline), self._session() as session:
            response = session.post(
                request_url,
                data=body,
                headers=sent,
                stream=True,
                allow_redirects=False,
                timeout=self._timeouts(seconds),  # type: ignore[arg-type]  # a urllib3 Timeout, as in get()
            )
            with response:
                answer, truncated = self._read_body(request_url, response, deadline, seconds, truncate=True)
                content_type_received = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
                return PostedResponse(
                    url=request_url,
                    status=response.status_code,
                    content_type=content_type_received,
                    body=answer,
                    truncated=truncated,
                )

    def _timeouts(self, seconds: float) -> urllib3.Timeout:
        return urllib3.Timeout(connect=min(self.connect_timeout, seconds), read=seconds, total=seconds)

    @contextmanager
    def _exchange(self, request_url: str) -> Iterator[tuple[float, float]]:
        """One fetch: (its time in seconds, its monotonic deadline), under a watchdog that enforces that
        deadline on every socket of the fetch, charged to the verification's outbound allowance (if any),
        with every failure translated into a FetchError."""
        seconds = self.timeout
        allowance = budget.outbound_remaining()
        if allowance is not None:
            if allowance <= 0:
                raise OutboundBudgetSpent(
                    f"Not fetched: {request_url}. The verification has spent the time it may spend on fetching "
                    "documents; what this document would show could not be checked."
                )
            seconds = min(seconds, allowance)
        with budget.outbound(), Watchdog(seconds) as watchdog:
            token = WATCHDOG.set(watchdog)
            try:
                with self._translated_errors(request_url, seconds, watchdog):
                    yield seconds, time.monotonic() + seconds
            finally:
                WATCHDOG.reset(token)

    @contextmanager
    def _translated_errors(self, request_url: str, seconds: float, watchdog: Watchdog) -> Iterator[None]:
        """Every way an exchange can fail, as a FetchError with a sentence a person understands."""
        try:
            try:
                yield
            except FetchError:
                raise
            except Exception as exc:
                if watchdog.fired:
                    # Whatever the shut-down socket made the library raise, the cause is the deadline.
                    raise FetchError(
                        f"Timed out: {request_url} did not answer in full within {seconds:g} s.", code="fetch_timeout"
                    ) from exc
                raise
        except FetchError:
            raise
        except InvalidIPAddress as exc:
            host = urlsplit(request_url).hostname
            address = exc.args[0] if exc.args else "?"
            raise FetchError(
                f"Refused to fetch {request_url}: the host {host} resolves to {address}, which is not a public "
                "internet address (private, loopback, link-local, multicast or reserved range).",
                code="fetch_private_address",
            ) from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise FetchError(
                f"Timed out after {min(self.connect_timeout, seconds):g} s connecting to {request_url}.",
                code="fetch_timeout",
            ) from exc
        except requests.exceptions.ReadTimeout as exc:
            raise FetchError(
                f"Timed out: {request_url} did not answer within {seconds:g} s.", code="fetch_timeout"
            ) from exc
        except requests.exceptions.SSLError as exc:
            raise FetchError(f"TLS failed for {request_url}: {_reason(exc)}.") from exc
        except requests.exceptions.ConnectionError as exc:
            if _is_read_timeout(exc):
                raise FetchError(
                    f"Timed out: {request_url} did not send its body within {seconds:g} s.",
                    code="fetch_timeout",
                ) from exc
            raise FetchError(f"Could not connect to {request_url}: {_reason(exc)}.") from exc
        except requests.exceptions.RequestException as exc:
            raise FetchError(f"Fetching {request_url} failed: {_reason(exc)}.") from exc
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
            raise FetchError(
                f"Timed out: {request_url} did not send its whole body within {seconds:g} s.",
                code="fetch_timeout",
            ) from exc
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError, ValueError) as exc:
            # A hostile server can break the exchange in many ways; each is a failed fetch, never a crash.
            raise FetchError(f"Fetching {request_url} failed: {_reason(exc)}.") from exc

    def get_json(self, url: str, accept: str = JSON_ACCEPT) -> Any:
        """GET `url` and parse the body as JSON (any media type: DID documents are often served as text/plain)."""
        document = self.get(url, accept=accept)
        return parse_json_body(document)

    def _session(self) -> requests.Session:
        # A fresh session per fetch: requests sessions are not thread-safe and cookies must not carry over
        # from one attacker-chosen host to the next.
        session: requests.Session = HTTPSession(
            Config(
                ip_filter_enable=not self.allow_private,
                ip_filter_allow_loopback_ips=False,
                never_redirect=True,
                default_timeout=(self.connect_timeout, self.timeout),
                user_agent_override=self.user_agent,
            )
        )
        # No proxies, .netrc credentials or CA bundles from the environment: what is fetched must not depend
        # on (or leak) the process environment.
        session.trust_env = False
        if self.allow_private:
            session.mount("https://", WatchedAdapter())
            session.mount("http://", WatchedAdapter())
        else:
            # IPFilterAdapter's __init__ (next in the MRO after WatchedAdapter) takes is_https_proto; mypy reads
            # HTTPAdapter's signature through WatchedAdapter.
            session.mount("https://", _PublicAddressAdapter(is_https_proto=True))  # type: ignore[call-arg]
            session.mount("http://", _PublicAddressAdapter(is_https_proto=False))  # type: ignore[call-arg]
        return session

    def _read(self, url: str, response: requests.Response, deadline: float, seconds: float) -> FetchedDocument:
        status = response.status_code
        if 300 <= status < 400:
            location = response.headers.get("Location")
            where = f" to {location}" if location else " (no Location header)"
            raise FetchError(
                f"{url} answered with a redirect (HTTP {status}){where}; redirects are not followed.",
                code="fetch_redirect",
            )
        if not 200 <= status < 300:
            reason = f" {response.reason}" if response.reason else ""
            raise HttpStatusError(f"{url} answered HTTP {status}{reason}.", status=status)
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            raise FetchError(self._too_large(url, f"announces {int(declared)} bytes"), code="fetch_too_large")

        body, _ = self._read_body(url, response, deadline, seconds, truncate=False)
        content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        return FetchedDocument(url=url, status=status, content_type=content_type, body=body)

    def _read_body(
        self, url: str, response: requests.Response, deadline: float, seconds: float, *, truncate: bool
    ) -> tuple[bytes, bool]:
        """At most `max_bytes` of the body within the time budget: beyond that, a FetchError, or with `truncate`
        the first `max_bytes` and True (the rest is never read)."""
        body = bytearray()
        raw = response.raw
        watchdog = WATCHDOG.get()
        timed_out = FetchError(
            f"Timed out: {url} did not send its whole body within {seconds:g} s.", code="fetch_timeout"
        )
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise timed_out
            _bound_next_read(raw, remaining)
            chunk = _read_some(raw)
            if not chunk:
                if watchdog is not None and watchdog.fired:
                    # The end of a body without a declared length looks like the end the watchdog forces.
                    raise timed_out
                return bytes(body), False
            body += chunk
            if len(body) > self.max_bytes:
                if truncate:
                    return bytes(body[: self.max_bytes]), True
                raise FetchError(self._too_large(url, "sent more"), code="fetch_too_large")

    def _too_large(self, url: str, what: str) -> str:
        return f"The response from {url} {what} than the limit of {self.max_bytes} bytes; refused."


def parse_json_body(document: FetchedDocument) -> Any:
    """The JSON value of a fetched body, or a FetchError naming what was received instead."""
    what = f"the response from {document.url} (content type {document.content_type or 'not given'})"
    try:
        text = document.body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FetchError(f"{what[0].upper()}{what[1:]} is not UTF-8 text, so not JSON.", code="fetch_not_json") from exc
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise FetchError(f"{what[0].upper()}{what[1:]} is not valid JSON: {exc}.", code="fetch_not_json") from exc
    except RecursionError as exc:
        raise FetchError(f"{what[0].upper()}{what[1:]} is nested too deeply.", code="fetch_not_json") from exc


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _bound_next_read(raw: Any, remaining: float) -> None:
    # The socket timeout is what bounds a single blocking recv; lowering it to what is left of the budget
    # keeps a server that trickles one byte at a time from stretching the fetch beyond the budget.
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        try:
            sock.settimeout(max(remaining, 0.001))
        except OSError:
            pass


def _read_some(raw: Any) -> bytes:
    # read1 returns what one recv delivers instead of waiting for a full chunk, so the budget is re-checked
    # between small reads (urllib3 >= 2.3); older urllib3 falls back to bounded reads.
    read1 = getattr(raw, "read1", None)
    if read1 is not None:
        return read1(_READ_CHUNK, decode_content=True) or b""
    return raw.read(8192, decode_content=True) or b""


def _is_read_timeout(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.ReadTimeoutError | TimeoutError):
            return True
        for arg in current.args:
            if isinstance(arg, urllib3.exceptions.ReadTimeoutError | TimeoutError):
                return True
        current = current.__cause__ or current.__context__
    return False


def _reason(exc: BaseException) -> str:
    # requests wraps urllib3 errors whose text repeats pool internals; the innermost reason reads better.
    inner: BaseException = exc
    while True:
        nested = getattr(inner, "reason", None)
        if isinstance(nested, BaseException):
            inner = nested
            continue
        if inner.args and isinstance(inner.args[0], BaseException) and inner.args[0] is not inner:
            inner = inner.args[0]
            continue
        break
    text = str(inner).strip() or type(inner).__name__
    return text.rstrip(".")
