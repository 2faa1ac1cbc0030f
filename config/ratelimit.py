"""The platform's one rate limiter: a fixed window per key in Django's cache (docs/decisions.md D31).

`hit(scope, key, rate)` counts one request of `key` (a client address from config.client_address, an API token,
a hashed e-mail address: anything) under `scope` and says whether it is within `rate`, and if not, how long until
the window closes. Every limit of the platform goes through it: the DRF throttles (`RateThrottle` below), the
verify page, sign-in links, password resets and OAuth client registration.

The window opens with a key's first request and lasts the rate's period. Keys are stored as a keyed hash, never in
clear. When the cache cannot be reached the request is let through and a warning is logged: a rate limit protects
capacity, and an outage of the cache must not turn into an outage of the site (password guessing stays bounded by
the sign-in lockout, which lives in the database).
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from config.client_address import client_address

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*", re.IGNORECASE)
# A window's counter holds its opening second and its count in one integer (opened * _SLOT + count), so that one
# atomic add and one atomic incr both count and tell when the window closes: Django's cache API cannot read the
# time a key has left. 10**9 requests fit in a window, and the product stays within Redis' 64-bit integers.
_SLOT = 10**9
# Cache outages that let the request through. Only Redis or the in-process cache are configured (settings.CACHES).
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    retry_after: int = 0  # whole seconds until the window closes; 0 when allowed


def parse_rate(text: str) -> Rate:
    """`"<count>/<period>"` in DRF's syntax ("60/minute", "20/s", "5/hour", "1/day"), with an optional multiple of
    the period ("10/15m"). Raises ValueError for anything else."""
    match = _RATE.fullmatch(text)
    if match is None:
        raise ValueError(f"Not a rate: {text!r}. Write it like 60/minute, 5/hour or 20/s.")
    count, multiple, unit = match.groups()
    seconds = int(multiple or 1) * _PERIODS[unit.lower()]
    if seconds <= 0:
        raise ValueError(f"Not a rate: {text!r}. The period must be longer than zero.")
    return Rate(count=int(count), seconds=seconds)


def hit(scope: str, key: str, rate: Rate | str) -> Outcome:
    """Count one request of `key` under `scope`; over `rate` it is refused, with the seconds until it may retry.

    A refused request still counts, so a client that keeps hammering gains nothing. A cache outage allows it.
    """
    if isinstance(rate, str):
        rate = parse_rate(rate)
    cache_key = f"ratelimit:{scope}:{salted_hmac('config.ratelimit', f'{scope}:{key}', algorithm='sha256').hexdigest()}"
    now = time.time()
    try:
        value = _count(cache_key, opened=int(now), seconds=rate.seconds)
    except CACHE_ERRORS as exc:
        logger.warning("Rate limit %s not applied: the cache is unavailable (%s).", scope, type(exc).__name__)
        return Outcome(allowed=True)
    opened, count = divmod(value, _SLOT)
    if count <= rate.count:
        return Outcome(allowed=True)
    return Outcome(allowed=False, retry_after=max(1, math.ceil(opened + rate.seconds - now)))


def _count(cache_key: str, *, opened: int, seconds: int) -> int:
    # add() opens the window only if none is open; incr() is atomic on Redis and in the in-process cache.
    cache.add(cache_key, opened * _SLOT, timeout=seconds)
    try:
        return cache.incr(cache_key)
    except ValueError:  # the window closed between add() and incr(): this request opens the next one
        cache.set(cache_key, opened * _SLOT + 1, timeout=seconds)
        return opened * _SLOT + 1


class RateThrottle(BaseThrottle):
    """A DRF throttle on the one limiter: `rate` (or `get_rate()`) per `get_key()`, by default the client's address.
    A refusal is DRF's 429 with Retry-After, in the view's error shape."""

    scope = "api"
    rate = ""  # empty: no limit

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def get_rate(self) -> str:
        return self.rate  # read per request, so that a test or a subclass can change it

    @staticmethod
    def address_key(request: HttpRequest) -> str:
        """The key of a client address; a page that shares a throttle's budget counts under the same one."""
        return f"addr:{client_address(request)}"

    def get_key(self, request: Request, view: Any) -> str:
        return self.address_key(request._request)

    def get_ident(self, request: Request) -> str:
        # The one address rule of the platform (config.client_address), not DRF's NUM_PROXIES reading.
        return client_address(request._request)

    def allow_request(self, request: Request, view: Any) -> bool:
        rate = self.get_rate()
        if not rate:
            return True
        outcome = hit(self.scope, self.get_key(request, view), rate)
        self.retry_after = outcome.retry_after or None
        return outcome.allowed

    def wait(self) -> float | None:
        return self.retry_after
