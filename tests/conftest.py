"""Shared fixtures: users, issuers with real keys, achievements."""

from __future__ import annotations

import re

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
def _default_language():
    # LocaleMiddleware leaves the last request's language active in the thread: a test that asked for German must
    # not leave the next test (or its own code run outside a request) reading German.
    from django.utils import translation

    yield
    translation.deactivate()


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

    # The same for rendered public pages and documents, whose keys hold row ids that every test's database reuses.
    caches = copy.deepcopy(settings.CACHES)
    prefix = uuid.uuid4().hex
    for alias, options in caches.items():
        options["KEY_PREFIX"] = f"test-{alias}-{prefix}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _analytics_counted_at_once(settings):
    # The issuer analytics buffer counts in the process (analytics.services): in the tests each count is written as
    # it happens, and no test sees counts a previous one left in the buffer.
    from analytics.services import discard_pending

    settings.ANALYTICS_FLUSH_SECONDS = 0
    discard_pending()


@pytest.fixture
def cache_down(settings, caplog):
    """The cache is Redis on a port where nothing listens: every rate limit must let requests through, with a
    warning in the log, and nothing may answer 500. Yields the captured log."""
    down = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    settings.CACHES = {"default": down, "public": down}
    caplog.set_level("WARNING", logger="config.ratelimit")
    return caplog


def cache_warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "config.ratelimit"]


# What recording one task costs a request that is not otherwise in a transaction: the outbox row, then its hand-over
# after commit (the row locked, published, deleted; a savepoint within the test's transaction).
RECORDED_AND_HANDED_OVER = ["INSERT", "SAVEPOINT", "SELECT", "DELETE", "RELEASE"]


def statement_kinds(queries) -> list[str]:
    return [query["sql"].split(" ", 1)[0] for query in queries]


def statement_shapes(queries) -> list[str]:
    """The SQL of captured queries with every quoted literal and every number (savepoint names too) replaced by `?`:
    the same statements for different values (an e-mail address in a task's arguments, a time, a row id) are the
    same work."""
    return [re.sub(r"'(?:[^']|'')*'|\d+", "?", query["sql"]) for query in queries]


DEAD_REDIS = "redis://127.0.0.1:1/0"  # a port where nothing listens: connections are refused at once


class BrokerSwitch:
    """The test process's Celery broker. `down()`: Redis on a port where nothing listens, tasks sent rather than run
    in-process (a real failure at the socket, nothing mocked); `point_at(url)`: another address; `back()`: the
    broker configured for the run; `in_process()`: tasks run here, as without a broker."""

    def __init__(self) -> None:
        from config.celery import app

        self.app = app
        self.configured = (app.conf.task_always_eager, app.conf.broker_url, app.conf.broker_write_url)

    def down(self) -> None:
        self.point_at(DEAD_REDIS)

    def point_at(self, url: str) -> None:
        self.app.conf.update(task_always_eager=False, broker_url=url, broker_write_url=url)

    def back(self) -> None:
        eager, url, write_url = self.configured
        self.app.conf.update(task_always_eager=eager, broker_url=url, broker_write_url=write_url)

    def in_process(self) -> None:
        self.back()
        self.app.conf.task_always_eager = True


@pytest.fixture
def broker_down(caplog):
    """The broker is down for the test (BrokerSwitch); put back as configured afterwards."""
    caplog.set_level("WARNING", logger="outbox.services")
    switch = BrokerSwitch()
    switch.down()
    try:
        yield switch
    finally:
        switch.back()


@pytest.fixture
def redis_down(settings, broker_down, caplog):
    """Redis is down, as the production default has it serving both the cache (config.cache's fail-safe backend)
    and the broker: both on a port where nothing listens. Yields the broker's switch."""
    down = {
        "BACKEND": "config.cache.FailSafeRedisCache",
        "LOCATION": DEAD_REDIS,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    settings.CACHES = {"default": down, "public": {**down, "KEY_PREFIX": "public"}}
    from config.cache import FailSafeRedisCache

    FailSafeRedisCache.forget_warnings()  # this outage starts now, whatever earlier tests logged
    caplog.set_level("WARNING", logger="config.cache")
    return broker_down


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
def run(django_capture_on_commit_callbacks, tasks_in_process):
    """run(callable) -> its result, with the tasks it enqueues on commit (the job's chunks, the undo) executed."""

    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


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
