"""Django's Redis cache, made to fail safe (docs/decisions.md D37).

The cache holds only what can be lost: rate-limit counters (config.ratelimit, which lets requests through without
them, D31) and rendered public pages and documents (config.http_cache, made again from the database, D40). So when Redis is down, refuses, or does not answer within its socket timeouts (settings.CACHES: one
second), every call acts as a miss — `get` gives the default, `add`/`set`/`delete` do nothing, `incr` says the key
is missing, as Django's contract has it — and a warning is logged, at most once a minute per process and Redis
server, whichever alias or thread failed (a busy site would otherwise log one per request). A cache outage never becomes a 500.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What an unreachable, refusing or hanging Redis raises (timeouts are RedisError's TimeoutError).
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)
T = TypeVar("T")


class FailSafeRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` that answers as an empty cache while Redis cannot answer."""

    warning_interval = 60.0  # seconds between two warnings about one server

    # Per server, shared by the aliases on it (the default cache and the public one) and by Django's per-thread
    # backends: one outage, one warning a minute. Without a lock two threads may both warn once; that is all.
    _last_warning: ClassVar[dict[str, float]] = {}
    _unlogged_failures: ClassVar[dict[str, int]] = {}

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._server_name = str(server)

    @classmethod
    def forget_warnings(cls) -> None:
        """The next failure warns at once, as at start-up (a test that begins an outage of its own)."""
        cls._last_warning.clear()
        cls._unlogged_failures.clear()

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(False, super().add, key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(default, super().get, key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guarded(None, super().set, key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(False, super().touch, key, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(False, super().delete, key, version)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(False, super().has_key, key, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except CACHE_ERRORS as exc:
            self._warn(exc)
            # Django's answer for a key that is not there: the caller (config.ratelimit) starts a new count.
            raise ValueError(f"Key {key!r} not found (the cache is unavailable).") from exc

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._guarded(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        self._guarded(None, super().delete_many, keys, version)

    def clear(self) -> None:
        self._guarded(None, super().clear)

    def _guarded(self, miss: T, call: Callable[..., T], *args: Any) -> T:
        try:
            return call(*args)
        except CACHE_ERRORS as exc:
            self._warn(exc)
            return miss

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        server = self._server_name
        if now - self._last_warning.get(server, -math.inf) < self.warning_interval:
            self._unlogged_failures[server] = self._unlogged_failures.get(server, 0) + 1
            return
        unlogged = self._unlogged_failures.get(server, 0)
        more = f" ({unlogged} more failures since the last warning)" if unlogged else ""
        self._last_warning[server], self._unlogged_failures[server] = now, 0
        logger.warning(
            "The cache is unavailable (%s: %s); it acts as empty until Redis answers again%s.",
            type(exc).__name__,
            exc,
            more,
        )
