"""Sign in with a username or an e-mail address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest


def account_username(login: str) -> str:
    """The username a sign-in names: `login` itself, or for an e-mail address the username of the one active
    account that has it. The lockout (accounts.lockout) counts failures under the same name, so an account is one
    account whichever way it is written."""
    if "@" in login:
        users = list(get_user_model().objects.filter(email__iexact=login.strip(), is_active=True)[:2])
        if len(users) == 1:
            return users[0].get_username()
    return login


class UsernameOrEmailBackend(ModelBackend):
    """Accepts the username, or the e-mail address when exactly one active account has it."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username:
            username = account_username(username)
        return super().authenticate(request, username=username, password=password, **kwargs)
