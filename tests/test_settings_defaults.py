"""What config/settings.py derives when a variable is unset: the e-mail sender and the in-process task broker.

The settings module runs once per process, so its behaviour under other environments is checked in fresh
interpreters (`python -c`) with a controlled environment; the sender rule itself is a plain function.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.defaults import default_from_email
from tests.paths import ROOT

# Fixed placeholders; nothing in these processes signs or stores anything.
BASE_ENV = {
    "DJANGO_ENV_FILE": "",  # never a developer's .env
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "settings-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "KEY_ENCRYPTION_KEY": "dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE=",
    "DATABASE_URL": "sqlite:///:memory:",
}
LOCAL = {"DJANGO_DEBUG": "1", "SITE_URL": "http://127.0.0.1:8000"}
PRODUCTION = {"DJANGO_DEBUG": "0", "SITE_URL": "https://badges.example.org"}
SHOW_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({name: getattr(s, name) for name in "
    "('DEFAULT_FROM_EMAIL', 'CELERY_BROKER_URL', 'CELERY_TASK_ALWAYS_EAGER')}))"
)


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ.get("PATH", ""), **BASE_ENV, **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def _settings(**env: str) -> dict[str, object]:
    result = _python(SHOW_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# The sender


@pytest.mark.parametrize(
    ("host", "debug", "expected"),
    [
        ("127.0.0.1", True, "badges@localhost"),
        ("localhost", True, "badges@localhost"),
        ("::1", True, "badges@localhost"),
        ("192.168.1.20", True, "badges@localhost"),  # a phone on the LAN, during development
        ("badges.example.org", True, "badges@badges.example.org"),
        ("badges.example.org", False, "badges@badges.example.org"),
        ("Badges.Example.ORG.", False, "badges@badges.example.org"),
    ],
)
def test_the_sender_comes_from_the_site_host(host: str, debug: bool, expected: str) -> None:
    assert default_from_email(host, debug=debug) == expected


@pytest.mark.parametrize("host", ["203.0.113.5", "2001:db8::1", "127.0.0.1", "localhost", "app.localhost"])
def test_outside_debug_an_ip_or_loopback_host_gives_no_sender(host: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DEFAULT_FROM_EMAIL is not set and cannot be derived") as raised:
        default_from_email(host, debug=False)
    assert repr(host) in str(raised.value)


def test_local_default_is_badges_at_localhost() -> None:
    assert _settings(**LOCAL)["DEFAULT_FROM_EMAIL"] == "badges@localhost"


def test_production_derives_the_sender_from_the_domain() -> None:
    assert _settings(**PRODUCTION)["DEFAULT_FROM_EMAIL"] == "badges@badges.example.org"


def test_production_on_an_ip_address_needs_the_sender_set() -> None:
    result = _python(SHOW_SETTINGS, DJANGO_DEBUG="0", SITE_URL="https://203.0.113.5")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEFAULT_FROM_EMAIL is not set and cannot be derived" in result.stderr
    configured = _settings(DJANGO_DEBUG="0", SITE_URL="https://203.0.113.5", DEFAULT_FROM_EMAIL="noreply@example.org")
    assert configured["DEFAULT_FROM_EMAIL"] == "noreply@example.org"


def test_deployment_checks_pass_with_the_production_environment() -> None:
    # The variables .ci/run's deployment step sets (its PostgreSQL URL aside: check --deploy does not connect).
    result = _python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# The broker


def test_without_a_broker_tasks_run_in_process_on_the_memory_transport_without_warnings() -> None:
    assert _settings(**LOCAL) | {"DEFAULT_FROM_EMAIL": None} == {
        "DEFAULT_FROM_EMAIL": None,
        "CELERY_BROKER_URL": "memory://localhost/",
        "CELERY_TASK_ALWAYS_EAGER": True,
    }
    # An in-process task goes through a producer of the transport, which is where kombu used to warn
    # "No hostname was supplied" (an empty broker URL) on every management command that sent one.
    task = (
        "import django\n"
        "django.setup()\n"
        "from config.celery import app\n"
        "@app.task(name='settings_test.ping')\n"
        "def ping():\n"
        "    return 'pong'\n"
        "print(ping.delay().get())\n"
    )
    result = _python(task, **LOCAL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "pong"
    assert "hostname" not in result.stderr.lower()
    assert "warning" not in result.stderr.lower()


def test_a_configured_broker_is_used_and_tasks_are_queued() -> None:
    settings = _settings(**PRODUCTION, CELERY_BROKER_URL="redis://127.0.0.1:6379/9")
    assert settings["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/9"
    assert settings["CELERY_TASK_ALWAYS_EAGER"] is False
