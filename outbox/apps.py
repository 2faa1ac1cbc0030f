from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Tasks recorded with the write that needs them, handed to the broker after commit, swept when it was down."""

    name = "outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the sweep that beat starts by name (settings.CELERY_BEAT_SCHEDULE).
        from outbox import tasks  # noqa: F401
        from outbox.scheduler import should_start, start

        # No beat without a broker: the development server runs the schedule itself (D56).
        if should_start():
            start()
