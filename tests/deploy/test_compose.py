"""The production files, read as the tools would read them (no Docker daemon here): every service has a
healthcheck, the image runs as an unprivileged user, the proxy serves what the app serves and nothing more."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from config.media import IMAGE_CSP, IMMUTABLE, PUBLIC_IMAGE_NAME

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
CADDYFILE = (ROOT / "deploy" / "Caddyfile").read_text()
APP_SERVICES = ["web", "worker", "worker-email", "beat"]


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, arguments in dockerfile():
        if instruction == "ENV":
            env.update(tuple(item.split("=", 1)) for item in shlex.split(arguments))  # type: ignore[misc]
    return env


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(name):
    check = SERVICES[name].get("healthcheck") or {}
    assert check.get("test"), f"{name} has no healthcheck"
    assert check["test"] not in (["NONE"], "NONE") and not check.get("disable")


def test_the_named_services_are_all_there():
    assert {"web", "worker", "worker-email", "beat", "postgres", "redis", "caddy"} <= set(SERVICES)


def test_the_image_runs_as_an_unprivileged_user():
    steps = dockerfile()
    users = [arguments.split()[0] for instruction, arguments in steps if instruction == "USER"]
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith("0:")
    # The user switch comes before anything runs: the collectstatic step and the command.
    user_at = max(i for i, (instruction, _) in enumerate(steps) if instruction == "USER")
    assert any(instruction == "CMD" for instruction, _ in steps[user_at:])
    assert any("collectstatic" in arguments for instruction, arguments in steps[user_at:] if instruction == "RUN")
    for name in APP_SERVICES:
        assert SERVICES[name].get("user") in (None, users[-1]), f"{name} overrides the image's user"


def test_the_app_user_owns_the_static_and_media_folders_it_writes():
    env = dockerfile_env()
    setup = " ".join(arguments for instruction, arguments in dockerfile() if instruction == "RUN")
    for folder in (env["STATIC_ROOT"], env["MEDIA_ROOT"], "/data/beat"):
        assert folder.startswith("/data/"), folder
    assert "mkdir -p /data/static /data/media /data/beat" in setup and "chown -R app:app /data" in setup
    assert f"{env['STATIC_ROOT']}" in " ".join(SERVICES["web"]["volumes"])
    for name in APP_SERVICES:
        mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in SERVICES[name]["volumes"]}
        assert mounts["media"] == env["MEDIA_ROOT"], name
    assert "/data/beat/" in SERVICES["beat"]["command"]


def test_app_services_wait_for_healthy_database_and_redis():
    for name in APP_SERVICES:
        depends = SERVICES[name]["depends_on"]
        assert depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy", name


def test_nothing_but_the_proxy_is_published_on_the_host():
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"caddy"}


def test_the_proxy_reads_the_shared_volumes_read_only():
    mounts = SERVICES["caddy"]["volumes"]
    assert "static:/srv/static:ro" in mounts and "media:/srv/media:ro" in mounts
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in mounts


def test_the_proxy_publishes_exactly_the_images_the_app_publishes():
    caddy_pattern = re.search(r"@image path_regexp (\S+)", CADDYFILE).group(1)
    caddy = re.compile(caddy_pattern)
    names = [
        "issuers/" + "a" * 64 + ".png",
        "achievements/" + "0" * 64 + ".svg",
        "issuers/uni-0a1b2c3d4e5f.png",
        "issuers/logo_Ab12xYz.svg",
        "baked/credential.png",
        "bulk/results.csv",
        "issuers/../bulk/results.csv",
        "issuers/sub/logo.png",
        "issuers/.hidden.png",
        "issuers/logo.txt",
        "issuers/logo.png.html",
    ]
    for name in names:
        assert bool(caddy.fullmatch(f"/media/{name}")) == bool(PUBLIC_IMAGE_NAME.fullmatch(name)), name
    # With the same headers.
    assert f'Cache-Control "{IMMUTABLE}"' in CADDYFILE
    assert f'Content-Security-Policy "{IMAGE_CSP}"' in CADDYFILE
    assert "X-Content-Type-Options nosniff" in CADDYFILE
    # The rest of /media is refused, and everything else goes to gunicorn.
    assert re.search(r"handle /media/\* \{\s*respond 404\s*\}", CADDYFILE)
    assert CADDYFILE.count("reverse_proxy web:8000") == 2


def test_the_image_ships_no_local_secrets_state_or_history():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for entry in (".env", ".venv/", ".git/", "var/", "node_modules/", "**/__pycache__/", ".pytest_cache/"):
        assert entry in ignored, entry


def test_collectstatic_runs_as_at_build(tmp_path):
    # The Dockerfile's step, with its placeholder values and nothing else from this environment.
    step = next(arguments for instruction, arguments in dockerfile() if "collectstatic" in arguments)
    assignments = dict(item.split("=", 1) for item in shlex.split(step) if re.match(r"^[A-Z_]+=", item))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        **dockerfile_env(),
        **assignments,
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'collectstatic.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").is_file()


# --- scripts/healthcheck.py -----------------------------------------------------------------------------------


def _healthcheck():
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "scripts" / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_beat_is_healthy_while_it_writes_its_schedule(tmp_path, monkeypatch):
    module = _healthcheck()
    schedule = tmp_path / "celerybeat-schedule"
    monkeypatch.setattr(module, "BEAT_SCHEDULE", str(schedule))
    assert module.main(["healthcheck.py", "beat"]) == 1  # not started yet
    (tmp_path / "celerybeat-schedule.db").write_bytes(b"")
    assert module.main(["healthcheck.py", "beat"]) == 0
    stale = time.time() - module.BEAT_STALE_SECONDS - 5
    os.utime(tmp_path / "celerybeat-schedule.db", (stale, stale))
    assert module.main(["healthcheck.py", "beat"]) == 1


@pytest.mark.django_db(transaction=True)
def test_web_is_healthy_when_the_app_answers_through_its_host_and_https_checks(live_server, monkeypatch, settings):
    module = _healthcheck()
    monkeypatch.setenv("SITE_URL", settings.SITE_URL)
    monkeypatch.setenv("PORT", str(live_server.thread.port))
    assert module.main(["healthcheck.py", "web"]) == 0
    monkeypatch.setenv("SITE_URL", "https://not-our-host.example")  # refused by ALLOWED_HOSTS
    assert module.main(["healthcheck.py", "web"]) == 1
    monkeypatch.setenv("PORT", "9")  # nothing listens
    assert module.main(["healthcheck.py", "web"]) == 1


def test_health_endpoint(client, db):
    response = client.get("/healthz")
    assert (response.status_code, response.content, response["Cache-Control"]) == (200, b"ok\n", "no-store")
