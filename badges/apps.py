from django.apps import AppConfig


class BadgesConfig(AppConfig):
    """Achievements and the credential lifecycle: build, sign, store, publish status."""

    name = "badges"
    default_auto_field = "django.db.models.BigAutoField"
