"""django-oauth-toolkit, profiled for the Open Badges API: S256 PKCE only, scopes limited to the registration."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2 import Server
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256


class S256OnlyServer(Server):
    """oauthlib's server with "plain" PKCE removed: a missing or "plain" `code_challenge_method` is refused
    at the authorization request (OB 3.0 requires S256), so no grant with a weaker challenge can exist."""

    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(request_validator, *args, **kwargs)
        self.auth_grant._code_challenge_methods = {"S256": code_challenge_method_s256}


class RegisteredScopes(BaseScopes):
    """A client may only ask for the scopes it registered (RFC 7591 `scope`); with none asked, it gets them all."""

    def get_all_scopes(self) -> dict[str, str]:
        return oauth2_settings.SCOPES

    def get_available_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list:
        registration = getattr(application, "ob_registration", None) if application is not None else None
        if registration is None:
            return []
        return [scope for scope in registration.scopes if scope in oauth2_settings.SCOPES]

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list:
        return self.get_available_scopes(application, request)
