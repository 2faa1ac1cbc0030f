from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in, sign-out and password reset for issuer staff."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the tasks the services start by name (config.tasks.enqueue).
        from accounts import tasks  # noqa: F401
