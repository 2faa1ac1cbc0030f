"""Start-up refuses to run outside DEBUG without real secrets (never a generated value)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(env_overrides: dict[str, str | None]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "KEY_ENCRYPTION_KEY", "DJANGO_DEBUG")}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings", "SITE_URL": "https://badges.example.org", "DJANGO_ENV_FILE": ""}
    )
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); import django; django.setup()"],
        cwd=ROOT / "tests",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("_case", "overrides", "missing"),
    [
        ("no secret key", {"KEY_ENCRYPTION_KEY": "x"}, "SECRET_KEY"),
        ("no key encryption key", {"SECRET_KEY": "x"}, "KEY_ENCRYPTION_KEY"),
    ],
)
def test_missing_secret_stops_start_up(_case, overrides, missing):
    result = _start({"DJANGO_DEBUG": "0", **overrides})
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_http_site_url_is_refused_outside_debug():
    result = _start({"DJANGO_DEBUG": "0", "SECRET_KEY": "x", "KEY_ENCRYPTION_KEY": "y", "SITE_URL": "http://x.org"})
    assert result.returncode != 0
    assert "SITE_URL must use https" in result.stderr
