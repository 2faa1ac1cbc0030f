from django.apps import AppConfig


class WalletsConfig(AppConfig):
    """Hands an award to a learner's wallet: the OpenID4VCI pre-authorized code flow, bound to the holder's key."""

    name = "wallets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the tasks the services start by name (config.tasks.enqueue).
        # The issuer analytics read wallet take-ups from here (analytics stands below wallets).
        from analytics.sources import register_source
        from wallets import tasks  # noqa: F401
        from wallets.selectors import take_ups_per_day

        register_source("wallet", take_ups_per_day)
