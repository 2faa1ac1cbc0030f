from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in, sign-out and password reset for issuer staff."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
