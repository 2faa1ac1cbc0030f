from django.apps import AppConfig


class IssuerConfig(AppConfig):
    """Issuer profiles, staff roles, signing keys and DID documents."""

    name = "issuer"
    default_auto_field = "django.db.models.BigAutoField"
