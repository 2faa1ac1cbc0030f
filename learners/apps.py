from django.apps import AppConfig


class LearnersConfig(AppConfig):
    """The learner's own view of their credentials: password-less sign-in, their collection and a public profile."""

    name = "learners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the tasks the services start by name (config.tasks.enqueue).
        # An award e-mail is written in the language the learner chose here (D52).
        from badges.languages import register_preference
        from learners import tasks  # noqa: F401
        from learners.services import learner_language

        register_preference(learner_language)
