from django.apps import AppConfig


class StackingConfig(AppConfig):
    """Qualifications that roll completed badges up into larger credentials."""

    name = "stacking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from badges.events import subscribe
        from stacking import tasks  # noqa: F401 - registers the tasks started by name (config.tasks.enqueue)
        from stacking.listeners import interest, on_credential_events

        subscribe(on_credential_events, interest=interest)

        from issuer.extensions import register_audit_subjects
        from stacking.selectors import AUDIT_SUBJECTS

        for subjects in AUDIT_SUBJECTS:
            register_audit_subjects(subjects)
