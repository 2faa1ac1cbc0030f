"""The project's wiring: settings from the environment, URLs, the Celery app and the site-wide views."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
