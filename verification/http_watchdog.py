"""The deadline of one outbound fetch, enforced on its sockets (verification.http, whose module docstring says why a
socket timeout is not enough): a watchdog that shuts every socket of the fetch down when the deadline passes, and
the requests adapter whose connections register their sockets with it."""

from __future__ import annotations

import socket
import threading
from contextvars import ContextVar
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["WATCHDOG", "WatchedAdapter", "Watchdog"]


class Watchdog:
    """Shuts down every socket of one fetch when its deadline passes (see the module docstring).

    It keeps a duplicate of each socket's descriptor: the TLS layer takes the original socket over (and
    detaches it) before its handshake, and a duplicate of our own can never be a recycled descriptor that
    now belongs to another connection. Shutting the duplicate down ends the connection for both."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()

    def watch(self, sock: socket.socket) -> None:
        duplicate = sock.dup()
        with self._lock:
            if self._done:
                duplicate.close()
                return
            self._sockets.append(duplicate)
            if self.fired:
                _shut(duplicate)

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    # shutdown (not close) wakes a read blocked in another thread: it returns end-of-stream at once.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


# The watchdog of the fetch running in this thread (or task); the connections below register with it.
WATCHDOG: ContextVar[Watchdog | None] = ContextVar("hardened_fetch_watchdog", default=None)


class _WatchedConnectionMixin:
    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        watchdog = WATCHDOG.get()
        if watchdog is not None:
            # Registered right after the TCP connect, so the TLS handshake is under the deadline too.
            watchdog.watch(sock)
        return sock


class _WatchedHTTPConnection(_WatchedConnectionMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnectionMixin, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """requests' adapter with connections that register their sockets with the fetch's watchdog."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
