from django.apps import AppConfig


class WalletsConfig(AppConfig):
    """Hands an award to a learner's wallet: the OpenID4VCI pre-authorized code flow, bound to the holder's key."""

    name = "wallets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the tasks the services start by name (config.tasks.enqueue).
        from wallets import tasks  # noqa: F401
