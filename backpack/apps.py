from django.apps import AppConfig


class BackpackConfig(AppConfig):
    """Sends a learner's credential to their Open Badges 3.0 host, as a client of its API (docs/backpack.md)."""

    name = "backpack"
    verbose_name = "Send to a backpack"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The issuer analytics read the sends that ended at a host from here (analytics stands below backpack).
        from analytics.sources import register_source
        from backpack.selectors import sends_per_day

        register_source("backpack", sends_per_day)
