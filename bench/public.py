"""The public pages and documents, served in-process, against the credential core's rates of the same run.

    .venv/bin/python bench/public.py [--requests 500] [--rounds 3] [--credentials 20] [--profile ROW]

On the embedded default (a SQLite file in a temporary folder, the local-memory cache, tasks in-process;
`DATABASE_URL` may name PostgreSQL instead, a database of its own is then created): one issuer, one achievement,
`--credentials` awards through `credential_issue`, every tenth of them revoked (as bench/verify.py issues them).
Each row sends `--requests` requests per round through Django's WSGI handler (every middleware, as gunicorn runs
it, without a socket), cycling over the credentials, after one warm-up pass; the median of the rounds is printed
with the credential core's signing and verifying rates measured in the same run (bench/award.py and bench/verify.py
measure them; this reuses their code), and the ratio of each row to the core verify rate, so figures from different
machines compare.

`--profile ROW` (e.g. `--profile "page, HTML"`) prints the cProfile of one round of that row instead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchdb  # noqa: E402

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--credentials", type=int, default=20)
    parser.add_argument("--profile", default="", help="print the profile of one round of this row")
    args = parser.parse_args()

    benchdb.start_embedded("bench_public")
    from django.db import connection

    credentials = _issue(args.credentials)
    rows = _rows(credentials)
    if args.profile:
        _profile(rows[args.profile], args.requests)
        return

    results = [(label, _rate(get, args.requests, args.rounds)) for label, get in rows.items()]
    from bench.award import _core_sign_rate
    from bench.verify import _core_verify_rate

    core_sign = _core_sign_rate()
    core_verify = _core_verify_rate(credentials[0].document)

    print(
        f"machine: {benchdb.cpu_model()}, {os.cpu_count()} cores; database: {connection.vendor}; load: {benchdb.load_average()}"
    )
    print(f"{len(credentials)} credentials, {args.requests} requests × {args.rounds} rounds (median), warm cache")
    print(f"{'':<40}{'per second':>12}{'ms each':>10}{'/ core verify':>15}")
    for label, rate in results:
        print(f"{label:<40}{rate:>12,.0f}{1000 / rate:>10.2f}{rate / core_verify:>15.2f}")
    print(f"{'sign, credential core alone':<40}{core_sign:>12,.0f}{1000 / core_sign:>10.2f}")
    print(f"{'verify, credential core alone':<40}{core_verify:>12,.0f}{1000 / core_verify:>10.2f}")


def _issue(count: int) -> list[Any]:
    """bench/verify.py's awards (every tenth revoked), as rows."""
    from badges.models import Credential
    from bench.verify import _issue as issue

    issue(count)
    return list(Credential.objects.select_related("achievement").order_by("pk"))


def _rows(credentials: list[Any]) -> dict[str, Callable[[int], None]]:
    """Each row: a function that sends request number n and checks that it answered 200."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import RequestFactory

    handler = WSGIHandler()
    factory = RequestFactory(SERVER_NAME="127.0.0.1", HTTP_HOST="127.0.0.1")
    credential = credentials[0]
    lists = sorted({credential.status_sequence for credential in credentials})

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], Any]:
        assert status.startswith("200"), status
        return lambda _data: None

    def page(path: Callable[[int], str], accept: str = "") -> Callable[[int], None]:
        def send(number: int) -> None:
            environ = factory.get(path(number), headers={"Accept": accept} if accept else None).environ
            body = handler(environ, cast(Any, start_response))
            b"".join(body)
            body.close()

        return send

    def credential_url(number: int) -> str:
        return f"/credentials/{credentials[number % len(credentials)].uuid}"

    return {
        "page, HTML": page(credential_url, BROWSER),
        "page, JSON": page(credential_url, "application/vc+ld+json"),
        "page, JSON download (?format=json)": page(lambda n: f"{credential_url(n)}?format=json"),
        "status list": page(lambda n: f"/issuers/bench/status/revocation/{lists[n % len(lists)]}"),
        "DID document": page(lambda n: "/issuers/bench/did.json"),
        "issuer page": page(lambda n: "/issuers/bench/"),
        "achievement page": page(lambda n: f"/achievements/{credential.achievement.uuid}"),
    }


def _rate(get: Callable[[int], object], count: int, rounds: int) -> float:
    for number in range(min(count, 50)):
        get(number)  # warm-up: caches filled, templates compiled
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for number in range(count):
            get(number)
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates)


def _profile(get: Callable[[int], None], count: int) -> None:
    for number in range(min(count, 50)):
        get(number)
    profiler = cProfile.Profile()
    profiler.enable()
    for number in range(count):
        get(number)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(45)
    print(out.getvalue())


if __name__ == "__main__":
    main()
