from django.apps import AppConfig


class LearnersConfig(AppConfig):
    """The learner's own view of their credentials: password-less sign-in, their collection and a public profile."""

    name = "learners"
    default_auto_field = "django.db.models.BigAutoField"
