from django.apps import AppConfig


class ObApiConfig(AppConfig):
    """The 1EdTech Open Badges 3.0 API for learners' wallets and hosts (docs/ob-api.md)."""

    name = "ob_api"
    verbose_name = "Open Badges API"
    default_auto_field = "django.db.models.BigAutoField"
