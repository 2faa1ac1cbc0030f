"""Loaded by pytest before Django starts (`-p tests.plugin`): the test run's own environment.

Real values, not generated ones, so that a failure reproduces. Anything already set in the
environment (CI's DATABASE_URL, CELERY_BROKER_URL) wins.
"""

import os

os.environ["DJANGO_ENV_FILE"] = ""

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijkl")
# A fixed Fernet key (urlsafe base64 of 32 bytes) used only by the tests.
os.environ.setdefault("KEY_ENCRYPTION_KEY", "dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE=")
os.environ.setdefault("SITE_URL", "https://badges.example.test")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("EMAIL_URL", "consolemail://")
os.environ.setdefault("STATIC_MANIFEST", "0")
# A bulk job started in a test runs in the test's own thread (settings.LONG_TASKS_IN_THREADS): an in-memory SQLite
# database cannot be shared with another thread. tests/e2e/test_embedded_default.py serves the real default.
os.environ.setdefault("LONG_TASKS_IN_THREADS", "0")
