from django.apps import AppConfig


class LearnersConfig(AppConfig):
    """The learner's own view of their credentials: password-less sign-in, their collection and a public profile."""

    name = "learners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the tasks the services start by name (config.tasks.enqueue).
        from learners import tasks  # noqa: F401
