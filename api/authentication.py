"""`Authorization: Bearer obp_<prefix>_<secret>`: the token is found by its prefix and its secret checked against
the stored SHA-256 in constant time. Unknown, malformed and revoked tokens are all 401 with `WWW-Authenticate`."""

from __future__ import annotations

import hmac
from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from api.models import TOKEN_PREFIX, ApiToken
from api.services import PREFIX_LENGTH, secret_hash, token_mark_used


class TokenPrincipal:
    """request.user for a token: authenticated, but no Django user (it has no password, groups or session).
    The token's creator, when known, is the actor its changes are recorded under."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, token: ApiToken) -> None:
        self.token = token

    def __str__(self) -> str:
        return self.token.label

    def get_username(self) -> str:
        return self.token.label


class InvalidToken(exceptions.AuthenticationFailed):
    default_detail = "The API token is not valid."
    default_code = "invalid_token"


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[TokenPrincipal, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # no token: the session may authenticate instead
        if len(parts) != 2:
            raise InvalidToken("Malformed Authorization header; send `Authorization: Bearer obp_...`.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise InvalidToken("Malformed API token.") from exc
        token = self._token(raw)
        if token.revoked_at is not None:
            raise InvalidToken("This API token has been revoked.")
        token_mark_used(token)
        return TokenPrincipal(token), token

    def _token(self, raw: str) -> ApiToken:
        start = len(TOKEN_PREFIX)
        prefix, separator, secret = (
            raw[start : start + PREFIX_LENGTH],
            raw[start + PREFIX_LENGTH : start + PREFIX_LENGTH + 1],
            raw[start + PREFIX_LENGTH + 1 :],
        )
        if not raw.startswith(TOKEN_PREFIX) or len(prefix) != PREFIX_LENGTH or separator != "_" or not secret:
            raise InvalidToken("Malformed API token; tokens look like obp_<prefix>_<secret>.")
        token = ApiToken.objects.select_related("issuer", "created_by").filter(prefix=prefix).first()
        # The hash is compared even for an unknown prefix, so that timing tells nothing about which prefixes exist.
        expected = token.secret_hash if token is not None else "0" * 64
        if not hmac.compare_digest(secret_hash(secret), expected) or token is None:
            raise InvalidToken()
        return token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


def token_of(request: Any) -> ApiToken | None:
    """The token a request was authenticated with, or None (a session)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None
