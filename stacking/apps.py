from django.apps import AppConfig


class StackingConfig(AppConfig):
    """Qualifications that roll completed badges up into larger credentials."""

    name = "stacking"
    default_auto_field = "django.db.models.BigAutoField"
