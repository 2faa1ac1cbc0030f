from django.apps import AppConfig


class VerificationConfig(AppConfig):
    """The trust layer: proofs, keys, status and schema checks, independent of the other apps."""

    name = "verification"
    default_auto_field = "django.db.models.BigAutoField"
