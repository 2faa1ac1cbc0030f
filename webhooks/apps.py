from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed notifications of an issuer's events to the URLs it registered."""

    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the tasks the services start by name (config.tasks.enqueue).
        from badges.events import subscribe
        from bulk.events import subscribe_jobs
        from webhooks import tasks  # noqa: F401
        from webhooks.listeners import interest, on_credential_events, on_job_event

        subscribe(on_credential_events, interest=interest)
        subscribe_jobs(on_job_event)

        from issuer.extensions import register_audit_subjects
        from webhooks.selectors import AUDIT_SUBJECTS

        register_audit_subjects(AUDIT_SUBJECTS)
