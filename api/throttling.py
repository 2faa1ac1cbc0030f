"""One rate per client of the integrator API: per token, per signed-in user, else per address. The rate is
settings.API_RATE_LIMIT (environment `API_RATE_LIMIT`, default 600/minute); a refusal is 429 with Retry-After."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import token_of


class ApiRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str | None:
        return settings.API_RATE_LIMIT or None  # read per request: an empty setting turns the limit off

    def get_cache_key(self, request: Request, view: Any) -> str:
        token = token_of(request)
        if token is not None:
            ident = f"token:{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
