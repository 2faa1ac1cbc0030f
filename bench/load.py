"""The load scenario (bench/locustfile.py) against gunicorn and PostgreSQL on this machine, headless and bounded.

    .venv/bin/python bench/load.py [--users 10] [--duration 30] [--workers 3] [--credentials 200] [--port 8765]
    .venv/bin/python bench/load.py --seed-only seed.json    # seed the database named by DATABASE_URL, write the seed

Needs PostgreSQL (DATABASE_URL names the server; a database of its own, `<name>_bench_load`, is dropped and made
again) and, when REDIS_URL / CELERY_BROKER_URL are set, uses those Redis databases as production does (the public
cache and the rate limiter; awards hand their e-mail and baking to the broker, no worker runs, the queue is emptied
at the end). Seeds one issuer, one achievement, `--credentials` awards (every tenth revoked) and an API token,
serves the site with `gunicorn config.wsgi` (`--workers` sync workers on 127.0.0.1:`--port`, production settings,
DEBUG off), waits for /healthz, warms each page once, then runs locust with `--users` users for `--duration`
seconds, all on 127.0.0.1. Prints requests per second and the 50th and 99th percentiles per request kind and in
all, and the load average before and after. Locust, gunicorn and PostgreSQL share this machine's cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchdb  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=int, default=30, help="seconds of load (at most 600)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (the compose default)")
    parser.add_argument("--credentials", type=int, default=200)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--app", type=Path, default=ROOT, help="serve this checkout (e.g. `git archive` of a baseline)")
    parser.add_argument("--seed-only", metavar="FILE", help="seed the database and write the seed file, nothing else")
    parser.add_argument(
        "--if-available", action="store_true", help="say so and stop when the services it needs cannot be reached"
    )
    args = parser.parse_args()
    if args.if_available:
        benchdb.services_or_skip("served under load", "make bench-load")
    duration = max(1, min(args.duration, 600))

    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    if args.seed_only:
        _django()
        Path(args.seed_only).write_text(json.dumps(_seed(args.credentials)), "utf-8")
        return
    environment = {
        **os.environ,
        **benchdb.environment("bench_load", folder / "media"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXIES": "1",  # the verify requests' own client addresses (bench/locustfile.py)
        "API_RATE_LIMIT": "",  # no limit per token: the award requests measure the site, not the limit
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "STATIC_ROOT": str(folder / "static"),  # collected below, as the image does (hashed names, whitenoise)
    }
    os.environ.update(environment)
    _django()
    seed_file = folder / "seed.json"
    seed_file.write_text(json.dumps(_seed(args.credentials)), "utf-8")
    _flush_redis()
    base = f"http://127.0.0.1:{args.port}"
    before = benchdb.load_average()
    server = subprocess.Popen(  # noqa: S603 - our own executable and arguments
        [
            str(VENV_BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "30",
            "--chdir",
            str(args.app),
            "--log-level",
            "warning",
        ],
        cwd=args.app,
        env=environment,
        start_new_session=True,
    )
    try:
        _wait_until_served(f"{base}/healthz")
        _warm(base, json.loads(seed_file.read_text("utf-8")))
        prefix = folder / "locust"
        subprocess.run(  # noqa: S603 - our own executable and arguments
            [
                str(VENV_BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users),
                "--run-time",
                f"{duration}s",
                "--host",
                base,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={**environment, "LOAD_SEED": str(seed_file)},
            check=False,
            timeout=duration + 120,
        )
        rows = _stats(Path(f"{prefix}_stats.csv"))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        _flush_redis()
    print(
        f"machine: {benchdb.cpu_model()}, {os.cpu_count()} cores; load before: {before}, after: {benchdb.load_average()}"
    )
    print(f"gunicorn --workers {args.workers} + PostgreSQL; locust {args.users} users, {duration} s, closed loop")
    print(f"{'request':<48}{'count':>8}{'failed':>8}{'per second':>12}{'p50 ms':>9}{'p99 ms':>9}")
    for row in rows:
        print(
            f"{row['Name']:<48}{int(row['Request Count']):>8}{int(row['Failure Count']):>8}"
            f"{float(row['Requests/s']):>12,.1f}{row['50%']:>9}{row['99%']:>9}"
        )


def _django() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not settings.DEBUG:
        call_command("collectstatic", interactive=False, verbosity=0)


def _seed(count: int) -> dict[str, Any]:
    """bench/verify.py's issuer and awards, and an API token for the award requests."""
    from api.services import token_create
    from badges.models import Achievement, Credential, StatusList
    from bench.verify import _issue
    from issuer.models import Issuer
    from issuer.permissions import SystemActor

    _issue(count)
    issuer = Issuer.objects.get(slug="bench")
    _, token = token_create(issuer=issuer, name="load", actor=SystemActor("bench"))
    credentials = list(Credential.objects.order_by("pk"))
    return {
        "issuer": issuer.slug,
        "achievement": Achievement.objects.get(issuer=issuer).slug,
        "token": token,
        "credentials": [str(credential.uuid) for credential in credentials],
        "lists": list(StatusList.objects.filter(issuer=issuer).values_list("purpose", "sequence")),
        "document": credentials[1].document,  # not revoked (every tenth from the first is)
    }


def _flush_redis() -> None:
    """Empty the cache's and the broker's Redis databases this run used (they must be the runner's own)."""
    urls = {os.environ.get(name, "") for name in ("REDIS_URL", "CELERY_BROKER_URL")} - {""}
    if not urls:
        return
    import redis

    for url in urls:
        redis.Redis.from_url(url, socket_timeout=2).flushdb()


def _wait_until_served(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def _warm(base: str, seed: dict[str, Any]) -> None:
    """Every page once, so the run measures a warm cache (the first view of each credential renders its page)."""
    for uuid in seed["credentials"]:
        request = urllib.request.Request(f"{base}/credentials/{uuid}", headers={"Accept": "text/html"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own local server
            response.read()


def _stats(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


if __name__ == "__main__":
    main()
