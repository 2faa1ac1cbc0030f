"""One rate per client of the integrator API: per token, per signed-in user, else per address. The rate is
settings.API_RATE_LIMIT (environment `API_RATE_LIMIT`, default 600/minute); a refusal is 429 with Retry-After.
Counted by the platform's one limiter (config.ratelimit)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request

from api.authentication import token_of
from config.ratelimit import RateThrottle


class ApiRateThrottle(RateThrottle):
    scope = "api"

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT  # read per request: an empty setting turns the limit off

    def get_key(self, request: Request, view: Any) -> str:
        token = token_of(request)
        if token is not None:
            return f"token:{token.pk}"
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return self.address_key(request._request)
