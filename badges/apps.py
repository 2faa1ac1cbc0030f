from django.apps import AppConfig


class BadgesConfig(AppConfig):
    """Achievements and the credential lifecycle: build, sign, store, publish status."""

    name = "badges"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from badges import follow_ups
        from badges.tasks import AWARD_FOLLOW_UPS

        follow_ups.register(AWARD_FOLLOW_UPS)
