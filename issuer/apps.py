from django.apps import AppConfig


class IssuerConfig(AppConfig):
    """Issuer profiles, staff roles, signing keys and DID documents."""

    name = "issuer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Axes tells of a sign-in lockout only by its signal; the audit log is this app's (issuer.lockouts).
        from axes.signals import user_locked_out

        from issuer.lockouts import record_lockout

        user_locked_out.connect(record_lockout, dispatch_uid="issuer.record_lockout")

        # Registers the tasks the services start by name (config.tasks.enqueue).
        from issuer import tasks  # noqa: F401
