"""Bulk issuance throughput against PostgreSQL + Redis with real Celery workers.

    .venv/bin/python bench/bulk.py [--rows 10000] [--workers 2] [--side-queues]

What it does, in a database of its own (`<name>_bench_bulk`, dropped and created on every run):

1. creates an issuer (Ed25519 key) and an achievement, writes a CSV of N learners with external ids;
2. times reading and validating the file into a job (`bulk_job_create`, as the upload does);
3. starts `--workers` `celery worker --pool solo` processes (one process each) on the bulk queue, confirms the job
   (`bulk_job_start`) and times it until every row is issued: signing (eddsa-rdfc-2022), inserting the
   credentials, their rows and audit rows, chunk by chunk;
4. checks the result: exactly N credentials, N distinct idempotency keys, no row left pending.

Baking and the learners' e-mails are queued per chunk on their own queues (`.baking`, `.email`), which
production gives their own workers; by default no worker consumes them here, so the figure is issuance alone.
`--side-queues` makes the same workers consume them too, and reports how long the whole backlog took.
Services: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres, the server to create the bench
database on) and REDIS_URL (default redis://127.0.0.1:6379/0; the broker uses database 5).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchdb  # noqa: E402

# Out of the path again once benchdb is in: Python put this folder first, and there `bulk` is this script, which
# would stand in for the app of that name.
sys.path[:] = [entry for entry in sys.path if Path(entry).resolve() != ROOT / "bench"]


def _environment(args: argparse.Namespace, media: Path) -> dict[str, str]:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return {
        **benchdb.environment("bench_bulk", media),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": urlunsplit(urlsplit(redis_url)._replace(path="/5")),
        "CELERY_TASK_DEFAULT_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
        "BULK_PARALLEL_CHUNKS": str(args.workers),
        "BULK_CHUNK_SIZE": str(args.chunk),
        "AWARD_EMAIL_RATE_LIMIT": "",  # the dummy backend has no relay limit to respect
    }


def _start_workers(count: int, queues: list[str], env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    workers = []
    for number in range(count):
        workers.append(
            subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool",
                    "solo",
                    "-Q",
                    ",".join(queues),
                    "-n",
                    f"{env['CELERY_TASK_DEFAULT_QUEUE']}-{number}@localhost",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,  # the banner; warnings and errors still reach stderr
            )
        )
    return workers


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for process in workers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in workers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--chunk", type=int, default=200, help="rows per chunk (BULK_CHUNK_SIZE)")
    parser.add_argument("--side-queues", action="store_true", help="the workers also bake and send the e-mails")
    args = parser.parse_args()

    media = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-bulk-media-{os.getpid()}"
    env = _environment(args, media)
    os.environ.update(env)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from badges.models import Achievement, Credential
    from bulk.jobs import bulk_job_create, bulk_job_start
    from bulk.models import BulkJobStatus, BulkRowStatus
    from config.celery import app
    from issuer.permissions import SystemActor
    from issuer.services import issuer_create

    BENCH = SystemActor("bench")

    call_command("migrate", verbosity=0)
    issuer = issuer_create(slug="bench", name="Bench University", actor=BENCH)
    achievement = Achievement.objects.create(
        issuer=issuer,
        slug="python-basics",
        name="Python Basics",
        description="Writes small Python programs.",
        criteria_narrative="Passed the final assessment.",
    )
    lines = ["email,name,external_id"]
    lines += [f"learner{n}@example.org,Learner Number {n},S-{n:07d}" for n in range(args.rows)]
    data = ("\n".join(lines) + "\n").encode()

    started = time.perf_counter()
    job, preview = bulk_job_create(
        issuer=issuer, data=data, filename="cohort.csv", achievement=achievement, actor=BENCH
    )
    validated = time.perf_counter() - started
    assert len(preview.valid) == args.rows, preview.invalid[:3]

    default = env["CELERY_TASK_DEFAULT_QUEUE"]
    queues = [default, f"{default}.bulk"] + ([f"{default}.baking", f"{default}.email"] if args.side_queues else [])
    workers = _start_workers(args.workers, queues, env)
    try:
        hostnames = [f"{default}-{n}@localhost" for n in range(args.workers)]
        deadline = time.monotonic() + 60
        while len(app.control.ping(destination=hostnames, timeout=1) or []) < args.workers:
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                sys.exit("the Celery workers did not start")
        started = time.perf_counter()
        bulk_job_start(job=job, actor=BENCH)
        last = -1
        while True:
            job.refresh_from_db()
            handled = job.done_rows + job.failed_rows
            if handled != last:
                print(f"\r  {handled:>7}/{args.rows} rows", end="", file=sys.stderr, flush=True)
                last = handled
            if job.status not in (BulkJobStatus.QUEUED, BulkJobStatus.RUNNING):
                break
            time.sleep(0.2)
        issued_in = time.perf_counter() - started
        print(file=sys.stderr)
        side = None
        if args.side_queues:
            remaining = Credential.objects.filter(baked_png="")
            while remaining.exists() or Credential.objects.filter(notified_at__isnull=True).exists():
                time.sleep(0.5)
            side = time.perf_counter() - started
    finally:
        _stop(workers)
        with app.connection_for_write() as conn:
            for queue in (default, *(f"{default}.{k}" for k in ("bulk", "baking", "email"))):
                conn.default_channel.queue_delete(queue)  # type: ignore[attr-defined]  # kombu's Channel, not in the stubs' StdChannel

    credentials = Credential.objects.filter(issuer=issuer).count()
    keys = Credential.objects.filter(issuer=issuer).values("idempotency_key").distinct().count()
    pending = job.rows.filter(status=BulkRowStatus.PENDING).count()
    assert job.status == BulkJobStatus.FINISHED, job.status
    assert credentials == keys == args.rows and pending == 0, (credentials, keys, pending)
    lists = job.issuer.status_lists.filter(purpose="revocation").count()

    pg_major = connection.pg_version // 10000  # type: ignore[attr-defined]  # PostgreSQL's connection has it
    print(
        f"machine: {benchdb.cpu_model()}, {os.cpu_count()} CPUs; "
        f"PostgreSQL {pg_major}; {args.workers} worker processes (solo pool); "
        f"chunk {args.chunk} rows"
    )
    print(f"rows: {args.rows:,}; read + validated in {validated:.1f} s ({args.rows / validated:,.0f} rows/s)")
    print(
        f"issued in {issued_in:.1f} s: {args.rows / issued_in:,.0f} rows/s "
        f"(signed, stored, audited; {credentials:,} credentials, {lists} revocation lists)"
    )
    if side is not None:
        print(
            f"with baking and e-mail on the same workers, everything done in {side:.1f} s "
            f"({args.rows / side:,.0f} rows/s)"
        )


if __name__ == "__main__":
    main()
