"""The client's address for rate limits: REMOTE_ADDR, or — behind TRUSTED_PROXIES reverse proxies — the address the
nearest untrusted hop reported in X-Forwarded-For. Every limit (config.ratelimit, and DRF's NUM_PROXIES is set to
the same rule) keys on this one address, so none can be dodged by sending a made-up X-Forwarded-For."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote
