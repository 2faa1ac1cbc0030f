from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The integrator REST API (/api/v1/): tokens, authentication, permissions, errors, and its endpoints."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "Integrator API"

    def ready(self) -> None:
        from api import schema  # noqa: F401 - registers the drf-spectacular extensions
