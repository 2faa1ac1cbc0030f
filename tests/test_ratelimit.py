"""config.ratelimit, the one limiter: rates, windows per scope and key, Retry-After, keys never in clear, and
requests let through (with a warning) when the cache is down."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from config import ratelimit
from config.ratelimit import Rate, parse_rate
from tests.conftest import cache_warnings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("60/minute", Rate(60, 60)),
        ("600/min", Rate(600, 60)),
        ("20/second", Rate(20, 1)),
        ("20/s", Rate(20, 1)),
        ("5/hour", Rate(5, 3600)),
        ("5/h", Rate(5, 3600)),
        ("1/day", Rate(1, 86400)),
        ("10/15m", Rate(10, 900)),
        (" 3 / Minute ", Rate(3, 60)),
    ],
)
def test_rates_in_drf_syntax(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "60", "60/", "/minute", "60/fortnight", "sixty/minute", "-1/minute", "5/0m"])
def test_anything_else_is_not_a_rate(text):
    with pytest.raises(ValueError, match="Not a rate"):
        parse_rate(text)


def test_requests_over_the_rate_are_refused_until_the_window_closes():
    outcomes = [ratelimit.hit("test", "203.0.113.9", "3/minute") for _ in range(5)]

    assert [outcome.allowed for outcome in outcomes] == [True, True, True, False, False]
    assert [outcome.retry_after for outcome in outcomes[:3]] == [0, 0, 0]
    assert all(0 < outcome.retry_after <= 60 for outcome in outcomes[3:])


def test_the_window_is_the_rates_period():
    ratelimit.hit("test", "key", "1/hour")
    refused = ratelimit.hit("test", "key", "1/hour")
    assert not refused.allowed
    assert 3540 < refused.retry_after <= 3600  # the window opened with the first request, moments ago


def test_keys_and_scopes_count_apart():
    assert ratelimit.hit("test", "a", "1/minute").allowed
    assert not ratelimit.hit("test", "a", "1/minute").allowed
    assert ratelimit.hit("test", "b", "1/minute").allowed
    assert ratelimit.hit("other", "a", "1/minute").allowed


def test_a_rate_of_zero_refuses_everything():
    assert not ratelimit.hit("test", "key", Rate(count=0, seconds=60)).allowed


def test_the_key_is_never_stored_in_clear(settings):
    if settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache":
        pytest.skip("reads the in-process cache's own table")
    ratelimit.hit("learners:signin:email", "lea@example.com", "5/hour")
    prefix = cache.make_key("ratelimit:learners:signin:email:")  # this test's own namespace (tests/conftest.py)
    stored = [key for key in cache._cache if key.startswith(prefix)]
    assert len(stored) == 1
    assert "lea@example.com" not in stored[0]
    assert "lea" not in stored[0].rsplit(":", 1)[1]


def test_a_cache_that_is_down_lets_requests_through_with_a_warning(cache_down):
    outcomes = [ratelimit.hit("test", "key", "1/minute") for _ in range(3)]

    assert all(outcome.allowed for outcome in outcomes)
    warnings = cache_warnings(cache_down)
    assert len(warnings) == 3
    assert warnings[0] == "Rate limit test not applied: the cache is unavailable (ConnectionError)."
