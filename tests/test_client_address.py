"""Rate limits key on the client's address: REMOTE_ADDR unless TRUSTED_PROXIES says how many proxies append to
X-Forwarded-For. A made-up X-Forwarded-For never changes the address (no dodging a limit)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.settings import api_settings

from badges.api_verify import VerifyRateThrottle
from config.client_address import client_address


def _request(forwarded: str | None = None):
    extra: dict[str, Any] = {"REMOTE_ADDR": "203.0.113.9"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/verify", **extra)


def _drf_ident(request) -> str:
    return VerifyRateThrottle().get_ident(Request(request))


@pytest.mark.parametrize("forwarded", [None, "198.51.100.1", "198.51.100.1, 192.0.2.7"])
def test_without_trusted_proxies_the_header_is_ignored(settings, forwarded):
    settings.TRUSTED_PROXIES = 0
    assert client_address(_request(forwarded)) == "203.0.113.9"


def test_the_default_configuration_trusts_no_header():
    assert api_settings.NUM_PROXIES == 0  # DRF's None would take any X-Forwarded-For as the address
    assert _drf_ident(_request("198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own made-up hop is not taken
        (2, "6.6.6.6, 198.51.100.1, 192.0.2.7", "198.51.100.1"),
        (3, "198.51.100.1", "198.51.100.1"),  # fewer hops than proxies: the first one
        (1, None, "203.0.113.9"),
    ],
)
def test_behind_trusted_proxies_the_nearest_untrusted_hop_counts(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    assert client_address(_request(forwarded)) == expected
