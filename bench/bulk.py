"""Bulk issuance throughput against PostgreSQL + Redis with real Celery workers.

    .venv/bin/python bench/bulk.py [--rows 10000] [--workers 2] [--chunk 200] [--side-queues] [--profile]

What it does, in a database of its own (`<name>_bench_bulk`, dropped and created on every run):

1. creates an issuer (Ed25519 key) and an achievement, writes a CSV of N learners with external ids;
2. times reading and validating the file into a job (`bulk_job_create`, as the upload does);
3. starts `--workers` `celery worker --pool solo` processes (one process each) on the bulk queue, confirms the job
   (`bulk_job_start`) and times it until every row is issued: signing (eddsa-rdfc-2022), inserting the
   credentials, their rows and audit rows, chunk by chunk;
4. checks the result: exactly N credentials, N distinct idempotency keys, no row left pending;
5. measures the credential core's signing rate (eddsa-rdfc-2022 of one of the issued credentials, one core, as
   bench/award.py measures it) in the same run, and prints rows/s against it, so figures from different machines
   compare; also the workers' CPU time per row and the load average, since other work on the machine shows there.

Learners' e-mails are queued per chunk on their own queue (`.email`), which production gives its own workers; by
default no worker consumes it here, so the figure is issuance alone. `--side-queues` makes the same workers send
them too, and reports how long the whole backlog took (bulk chunks bake nothing: a badge image is baked on its
first download, D16). `--profile` issues one chunk in this process under cProfile instead, and prints where its
time went (no workers).
Services: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres, the server to create the bench
database on), REDIS_URL (default redis://127.0.0.1:6379/0) and CELERY_BROKER_URL (default: REDIS_URL's server,
database 5). Two people benchmarking on one server give each their own, e.g.
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/mine REDIS_URL=redis://127.0.0.1:6379/3
CELERY_BROKER_URL=redis://127.0.0.1:6379/4` (the bench database is then `mine_bench_bulk`).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchdb  # noqa: E402

from bench import award  # noqa: E402  # its measure of the credential core's signing rate

# Out of the path again once benchdb is in: Python put this folder first, and there `bulk` is this script, which
# would stand in for the app of that name.
sys.path[:] = [entry for entry in sys.path if Path(entry).resolve() != ROOT / "bench"]


def _environment(args: argparse.Namespace, media: Path) -> dict[str, str]:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    broker_url = os.environ.get("CELERY_BROKER_URL") or urlunsplit(urlsplit(redis_url)._replace(path="/5"))
    return {
        **benchdb.environment("bench_bulk", media),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": broker_url,
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


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc (0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    parser.add_argument("--side-queues", action="store_true", help="the workers also send the learners' e-mails")
    parser.add_argument("--profile", action="store_true", help="one chunk in this process under cProfile; no workers")
    parser.add_argument(
        "--if-available", action="store_true", help="say so and stop when the services it needs cannot be reached"
    )
    args = parser.parse_args()
    if args.if_available:
        benchdb.services_or_skip("bulk job, 100,000 rows", 'make bench-bulk BENCH_ARGS="--rows 100000"', redis=True)

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
    if args.profile:
        _profile(job, args.chunk)
        _delete_queues(app, default)
        return
    queues = [default, f"{default}.bulk"] + ([f"{default}.email"] if args.side_queues else [])
    workers = _start_workers(args.workers, queues, env)
    try:
        hostnames = [f"{default}-{n}@localhost" for n in range(args.workers)]
        deadline = time.monotonic() + 60
        while len(app.control.ping(destination=hostnames, timeout=1) or []) < args.workers:
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                sys.exit("the Celery workers did not start")
        load_before = os.getloadavg()[0]
        cpu_before = sum(_cpu_seconds(worker.pid) for worker in workers)
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
        worker_cpu = sum(_cpu_seconds(worker.pid) for worker in workers) - cpu_before
        load_after = os.getloadavg()[0]
        print(file=sys.stderr)
        side = None
        if args.side_queues:
            # Every learner's e-mail sent or failed for good. The bulk path bakes nothing (D16): waiting for baked
            # images as well, as this once did, never ended.
            unsent = Credential.objects.filter(issuer=issuer, notified_at__isnull=True, notification_error="")
            deadline = time.monotonic() + max(600, args.rows / 20)
            while unsent.exists():
                if time.monotonic() > deadline:
                    sys.exit(f"{unsent.count()} e-mails still unsent after {time.perf_counter() - started:.0f} s")
                time.sleep(0.5)
            side = time.perf_counter() - started
    finally:
        _stop(workers)
        _delete_queues(app, default)

    credentials = Credential.objects.filter(issuer=issuer).count()
    keys = Credential.objects.filter(issuer=issuer).values("idempotency_key").distinct().count()
    pending = job.rows.filter(status=BulkRowStatus.PENDING).count()
    assert job.status == BulkJobStatus.FINISHED, job.status
    assert credentials == keys == args.rows and pending == 0, (credentials, keys, pending)
    lists = job.issuer.status_lists.filter(purpose="revocation").count()

    failed = Credential.objects.filter(issuer=issuer, notification_error__gt="").count() if side else 0
    core = award._core_sign_rate()
    pg_major = connection.pg_version // 10000  # type: ignore[attr-defined]  # PostgreSQL's connection has it
    print(
        f"machine: {benchdb.cpu_model()}, {os.cpu_count()} CPUs; "
        f"PostgreSQL {pg_major}; {args.workers} worker processes (solo pool); "
        f"chunk {args.chunk} rows; load average {load_before:.2f} at the start, {load_after:.2f} at the end"
    )
    print(f"rows: {args.rows:,}; read + validated in {validated:.1f} s ({args.rows / validated:,.0f} rows/s)")
    rate = args.rows / issued_in
    print(
        f"issued in {issued_in:.1f} s: {rate:,.0f} rows/s "
        f"(signed, stored, audited; {credentials:,} credentials, {lists} revocation lists); "
        f"workers' CPU {1000 * worker_cpu / args.rows:.2f} ms per row"
    )
    print(f"core sign (eddsa-rdfc-2022, one core, same run): {core:,.0f}/s; rows/s ÷ core sign = {rate / core:.2f}")
    if side is not None:
        print(
            f"with the e-mails on the same workers, everything done in {side:.1f} s "
            f"({args.rows / side:,.0f} rows/s; {failed} e-mails failed)"
        )


def _delete_queues(app: Any, default: str) -> None:
    with app.connection_for_write() as conn:
        for queue in (default, *(f"{default}.{k}" for k in ("bulk", "baking", "email"))):
            conn.default_channel.queue_delete(queue)


def _profile(job: Any, size: int) -> None:
    """One chunk of the job issued here under cProfile (after a first one that warms the caches): its time, then
    the functions that took it."""
    from bulk.jobs import bulk_job_process_chunk
    from bulk.models import BulkJob, BulkJobStatus

    BulkJob.objects.filter(pk=job.pk).update(status=BulkJobStatus.RUNNING)
    bulk_job_process_chunk(job_id=job.pk, size=size)
    profile = cProfile.Profile()
    started, cpu = time.perf_counter(), time.process_time()
    profile.enable()
    rows = bulk_job_process_chunk(job_id=job.pk, size=size)
    profile.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"one chunk of {rows} rows in this process: {elapsed * 1000:.0f} ms ({cpu * 1000:.0f} ms of its CPU), profiled"
    )
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
