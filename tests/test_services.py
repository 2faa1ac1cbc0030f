"""When CI asks for the real services (REQUIRE_SERVICES=1), they must be the ones in use: fail, never skip."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"

pytestmark = pytest.mark.services


@pytest.mark.skipif(not REQUIRED, reason="runs in CI's service pass (REQUIRE_SERVICES=1)")
def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("select 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.skipif(not REQUIRED, reason="runs in CI's service pass (REQUIRE_SERVICES=1)")
def test_cache_and_broker_are_redis():
    assert settings.CACHES["default"]["BACKEND"] == "config.cache.FailSafeRedisCache"
    cache.set("ci-probe", "ok", 10)
    assert cache.get("ci-probe") == "ok"
    from config.celery import app

    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.transport.driver_type == "redis"


def test_pending_migrations(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
