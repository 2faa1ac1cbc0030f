"""Awarding one credential end to end, in-process, against the core signing rate of the same run.

    .venv/bin/python bench/award.py [--awards 300] [--rounds 3]

On the embedded default (a SQLite file in a temporary folder; `DATABASE_URL` may point at PostgreSQL instead, a
database of its own is then created): one issuer, one achievement, and `--awards` awards per round through
`badges.services.credential_issue`, each its own transaction, as the award API and page make them, by the issuer's
owner. Two rows:

- **award, tasks recorded**: signed, stored, status index allocated, audit row, the learner's e-mail and the
  baking recorded in the outbox (D37) — what a request pays when a broker is configured. The outbox's hand-over
  after commit is left out (the rows stay, as while a broker is down), so no broker is needed.
- **award, follow-ups in-process**: the same, with the embedded default's hand-over: after commit the e-mail is
  rendered and sent (to a dummy backend) and the badge baked, inside the call.

Prints awards per second (median of the rounds), SQL statements per award (counted around each award and its
commit, BEGIN and COMMIT included), the credential core's signing rate on the same document measured in the same
run, with the ratio, so figures from different machines compare, and the rate of one-row commits on the same
database: the floor the disk sets, since every award commits once.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchdb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--awards", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--endorsements", type=int, default=0, help="accepted endorsements of the achievement, embedded in each award"
    )
    args = parser.parse_args()

    benchdb.start_embedded("bench_award")
    from django.db import connection

    award, owner = _setup(args.endorsements)
    award(owner, record_only=False)  # warm: caches of keys, contexts, the default badge image

    rows = []
    for label, record_only in (("award, tasks recorded", True), ("award, follow-ups in-process", False)):
        rates, cpu, queries = [], [], []
        for _ in range(args.rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in range(args.awards):
                queries.append(award(owner, record_only=record_only))
            rates.append(args.awards / (time.perf_counter() - started))
            cpu.append((time.process_time() - started_cpu) * 1000 / args.awards)
        rows.append((label, statistics.median(rates), statistics.median(cpu), statistics.median(queries)))
    core = _core_sign_rate()
    floor = _commit_rate()

    print(f"machine: {benchdb.cpu_model()}, {os.cpu_count()} cores; database: {connection.vendor}")
    print(f"{args.awards} awards × {args.rounds} rounds (median)")
    # CPU ms: this process's own time per award (the database's work on PostgreSQL is not in it), which other work
    # on a shared machine does not inflate as much as the wall clock.
    print(f"{'':<34}{'per second':>12}{'ms each':>10}{'CPU ms':>8}{'SQL':>6}{'/ core':>8}")
    for label, rate, cpu_ms, count in rows:
        print(f"{label:<34}{rate:>12,.0f}{1000 / rate:>10.2f}{cpu_ms:>8.2f}{count:>6.0f}{rate / core:>8.2f}")
    print(f"{'sign, credential core alone':<34}{core:>12,.0f}{1000 / core:>10.2f}")
    print(f"{'commit of a one-row insert':<34}{floor:>12,.0f}{1000 / floor:>10.2f}  (the disk's floor)")


def _setup(endorsements: int = 0) -> tuple[Callable[..., int], Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from badges.endorsements import endorsement_decide, endorsement_give
    from badges.models import Achievement
    from badges.services import AwardRequest, credential_issue
    from issuer.permissions import Actor, SystemActor
    from issuer.services import issuer_create
    from outbox import services as outbox

    owner = get_user_model().objects.create_user("owner", "owner@example.org")
    issuer = issuer_create(
        slug="bench", name="Bench University", url="https://bench.example.org", owner=owner, actor=SystemActor("bench")
    )
    achievement = Achievement.objects.create(
        issuer=issuer,
        slug="python-basics",
        name="Python Basics",
        description="Writes small Python programs.",
        criteria_narrative="Pass the final assessment.",
    )
    for number in range(endorsements):  # each by an issuer of its own: one endorser endorses a thing once
        endorser = issuer_create(slug=f"endorser-{number}", name=f"Endorser {number}", actor=SystemActor("bench"))
        given = endorsement_give(
            endorser=endorser, issuer=issuer, achievement=achievement, comment="Rigorous.", actor=SystemActor("bench")
        )
        endorsement_decide(endorsement=given, accept=True, actor=owner)
    achievement = Achievement.objects.select_related("issuer").get(pk=achievement.pk)
    numbers = iter(range(10**9))
    hand_over = outbox.hand_over

    def award(actor: Actor, *, record_only: bool) -> int:
        """One award in its own transaction; returns the queries it cost, its commit and after-commit work included."""
        number = next(numbers)
        request = AwardRequest(achievement=achievement, email=f"learner{number}@example.org", name=f"Learner {number}")
        reset_queries()  # Django keeps 9,000 queries at most: a full log would count nothing new
        # Without the hand-over after commit the outbox rows stay, as they would while a broker is down.
        outbox.hand_over = (lambda ids: outbox.HandOver()) if record_only else hand_over
        with CaptureQueriesContext(connection) as queries:
            credential_issue(request=request, source="api", actor=actor)  # its own transaction, as in a request
        return len(queries)

    return award, owner


def _core_sign_rate(count: int = 300) -> float:
    """eddsa-rdfc-2022 signing of the credential this bench issues, proof removed, with the issuer's key."""
    from badges.models import Credential
    from badges.signing import data_integrity_sign

    credential = Credential.objects.select_related("signing_key").order_by("-pk").first()
    assert credential is not None and credential.signing_key is not None
    unsigned = json.loads(credential.document)
    unsigned.pop("proof")
    data_integrity_sign(credential.signing_key, unsigned)
    started = time.perf_counter()
    for _ in range(count):
        data_integrity_sign(credential.signing_key, unsigned)
    return count / (time.perf_counter() - started)


def _commit_rate(count: int = 300) -> float:
    """Transactions per second that insert one row and commit, on the same database: each award commits once, so
    this is the floor the disk sets (a flush per commit), whatever the platform does."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (n integer)")
    started = time.perf_counter()
    for number in range(count):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_commit_probe (n) VALUES (%s)", [number])
    return count / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
