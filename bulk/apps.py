from django.apps import AppConfig


class BulkConfig(AppConfig):
    """Bulk jobs: an uploaded file of awards, checked row by row, issued in chunks through badges' services."""

    name = "bulk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bulk import background
        from bulk.tasks import BULK_BACKGROUND

        background.register(BULK_BACKGROUND)

        from bulk.selectors import AUDIT_SUBJECTS
        from issuer.extensions import register_audit_subjects

        register_audit_subjects(AUDIT_SUBJECTS)
