from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in, sign-out and password reset for issuer staff."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Axes tells of a lockout only by its signal; the receiver writes the audit row (accounts.lockout).
        from axes.signals import user_locked_out

        from accounts.lockout import record_lockout

        user_locked_out.connect(record_lockout, dispatch_uid="accounts.record_lockout")
