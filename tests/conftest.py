"""Shared fixtures: users, issuers with real keys, achievements."""

from __future__ import annotations

import pytest
from hypothesis import settings as hypothesis_settings

# Hypothesis's default deadline (200 ms per example) is a wall-clock assertion: on a shared machine it fails by
# load, not by a bug. The properties themselves are unchanged; timing belongs in bench/.
hypothesis_settings.register_profile("no-deadline", deadline=None)
hypothesis_settings.load_profile("no-deadline")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is right for production and far too slow for hundreds of test users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded and baked files of a test go to its own folder, never into the project's var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    # Rate-limit counters live in the cache, which CI shares between test processes (Redis): each test gets
    # a key prefix of its own, so it starts with nothing spent and never sees another test's counters.
    import copy
    import uuid

    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture
def cache_down(settings, caplog):
    """The cache is Redis on a port where nothing listens: every rate limit must let requests through, with a
    warning in the log, and nothing may answer 500. Yields the captured log."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    caplog.set_level("WARNING", logger="config.ratelimit")
    return caplog


def cache_warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "config.ratelimit"]


@pytest.fixture
def tasks_in_process():
    """Celery tasks run in this process even when a broker is configured (CI's service pass): the real
    tasks, here, as a local run does them."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def tasks_queued():
    """Celery tasks are sent to the broker and not run, even without one configured (kombu's in-process transport
    then keeps them): what a request does before its tasks run, measured alone."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "pw-alice-123456")


@pytest.fixture
def issuer(db, user):
    from issuer.permissions import SystemActor
    from issuer.services import issuer_create

    return issuer_create(
        slug="uni",
        name="Test University",
        owner=user,
        url="https://uni.example.org",
        email="badges@uni.example.org",
        actor=SystemActor("test setup", on_behalf_of=user),
    )


@pytest.fixture
def other_issuer(db, django_user_model):
    """Another issuer, owned by olga: the tests act on it as its owner, as on `issuer` as alice."""
    from issuer.permissions import SystemActor
    from issuer.services import issuer_create

    olga = django_user_model.objects.create_user("olga", "olga@example.com", "pw-olga-123456")
    return issuer_create(
        slug="other", name="Other Academy", owner=olga, actor=SystemActor("test setup", on_behalf_of=olga)
    )


@pytest.fixture
def achievement(issuer):
    from badges.models import Achievement, Alignment

    achievement = Achievement.objects.create(
        issuer=issuer,
        slug="python-basics",
        name="Python Basics",
        description="Writes small Python programs.\nTests them too.",
        criteria_narrative="Pass the **final** assessment.",
        achievement_type="Course",
        tags=["python"],
        credits_available=3,
        result_descriptions=[{"name": "Final", "resultType": "Percent", "requiredValue": "70"}],
    )
    Alignment.objects.create(
        achievement=achievement,
        target_name="Programming",
        target_url="https://example.org/skills/programming",
        target_framework="Example Skills",
        target_code="P1",
        target_type="CFItem",
    )
    return achievement
