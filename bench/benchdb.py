"""What the service benchmarks share: a PostgreSQL database of their own, dropped and created on every run, and
the environment that points Django at it."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def fresh_database(server_url: str, suffix: str) -> str:
    """Drop and create `<database>_<suffix>` next to the one in `server_url`; return its URL."""
    import psycopg

    parts = urlsplit(server_url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_{suffix}"
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def environment(suffix: str, media: Path) -> dict[str, str]:
    """Production-like settings on a fresh database; secrets generated for this run only."""
    return {
        "DJANGO_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SITE_URL": "https://badges.example.org",
        "ALLOWED_HOSTS": "badges.example.org",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": fresh_database(
            os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"), suffix
        ),
        "EMAIL_URL": "dummymail://",
        "MEDIA_ROOT": str(media),
    }


def embedded(suffix: str, folder: Path) -> dict[str, str]:
    """The embedded default (a SQLite file in `folder`, tasks in-process), or a fresh PostgreSQL database when
    DATABASE_URL names a PostgreSQL server; secrets generated for this run only."""
    database = (
        fresh_database(os.environ["DATABASE_URL"], suffix)
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else f"sqlite:///{folder / 'bench.sqlite3'}"
    )
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV_FILE": "",
        # As in production (DEBUG on keeps every SQL statement and its timing), with plain static file names so
        # that no `collectstatic` is needed, and the in-process requests' host allowed.
        "DJANGO_DEBUG": "0",
        "STATIC_MANIFEST": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "badges.example.org,127.0.0.1",
        "SITE_URL": "https://badges.example.org",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "EMAIL_URL": "dummymail://",
        "MEDIA_ROOT": str(folder / "media"),
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        "DATABASE_URL": database,
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.machine()


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine moves every figure."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def services_or_skip(what: str, command: str, *, redis: bool = False) -> None:
    """For `make bench`: end this bench with one line saying why when PostgreSQL (and Redis, with `redis`) cannot be
    reached, so the in-process rows still print on a machine without them."""
    import socket

    import psycopg

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    missing = []
    try:
        with psycopg.connect(urlunsplit(urlsplit(server)._replace(scheme="postgresql")), connect_timeout=2):
            pass
    except psycopg.Error:
        missing.append(f"PostgreSQL at {urlsplit(server).hostname}:{urlsplit(server).port or 5432}")
    if redis:
        url = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
        try:
            socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=2).close()
        except OSError:
            missing.append(f"Redis at {url.hostname}:{url.port or 6379}")
    if missing:
        print(f"{what}: not measured, {' and '.join(missing)} cannot be reached (then: {command})")
        raise SystemExit(0)


def start_embedded(name: str) -> None:
    """Django on the embedded default (or a fresh PostgreSQL database when DATABASE_URL names a server), set up and
    migrated: what every in-process bench starts with. `name` names the temporary folder and the database."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=f"{name.replace('_', '-')}-"))
    os.environ.update(embedded(name, folder))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
