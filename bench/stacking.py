"""What one award costs stacking, with few and with very many existing awards.

    .venv/bin/python bench/stacking.py [--rules 1000] [--awards 1000000] [--samples 200]

In a PostgreSQL database of its own (`<name>_bench_stacking`, dropped and created on every run):

1. one issuer with 2,000 component achievements and `--rules` qualifications (each targets an achievement of its
   own; its rule is ALL of one achievement and AT LEAST 2 of three others, drawn at random), saved through
   `qualification_save` like the rule builder does;
2. existing awards, first 1,000 then `--awards` in total, spread over learners (five each) and the component
   achievements: inserted with COPY as credential rows carrying a placeholder document, since evaluation reads
   the rows' achievement, learner, dates and status and never a document;
3. at each size, `--samples` new learners each receive a real, signed award (`credential_issue`), and the time
   of the stacking evaluation that award triggers is measured (`stacking_handle_events` for its event, what the
   task runs): once for an award that does not complete any rule, once for an award that completes one (which
   includes signing and storing the stacked credential).

It prints the median and 95th percentile per size. The claim checked: the cost depends on the rules that
mention the awarded achievement and on the learner's own awards, not on how many awards exist.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchdb  # noqa: E402

# Out of the path again once benchdb is in: Python put this folder first, and there `stacking` is this script, which
# would stand in for the app of that name.
sys.path[:] = [entry for entry in sys.path if Path(entry).resolve() != ROOT / "bench"]

COMPONENTS = 2_000
AWARDS_PER_LEARNER = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, default=1_000)
    parser.add_argument("--awards", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()

    media = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-stacking-media-{os.getpid()}"
    os.environ.update(benchdb.environment("bench_stacking", media))
    import django

    django.setup()
    import logging

    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    from badges.models import Achievement, Credential
    from issuer.permissions import SystemActor
    from issuer.services import issuer_create

    BENCH = SystemActor("bench")
    from stacking.services import qualification_save

    rng = random.Random(20261126)
    call_command("migrate", verbosity=0)
    issuer = issuer_create(slug="bench", name="Bench University", actor=BENCH)
    components = Achievement.objects.bulk_create(
        Achievement(issuer=issuer, slug=f"c{n}", name=f"Component {n}", description="d", criteria_narrative="c")
        for n in range(COMPONENTS)
    )
    targets = Achievement.objects.bulk_create(
        Achievement(
            issuer=issuer,
            slug=f"t{n}",
            name=f"Certificate {n}",
            description="d",
            criteria_narrative="c",
            achievement_type="Certificate",
        )
        for n in range(args.rules)
    )
    started = time.perf_counter()
    for target in targets:
        first, *others = rng.sample(components, 4)
        rule = {
            "kind": "all",
            "children": [
                {"kind": "achievement", "achievement": str(first.uuid)},
                {
                    "kind": "at_least",
                    "n": 2,
                    "children": [{"kind": "achievement", "achievement": str(a.uuid)} for a in others],
                },
            ],
        }
        qualification_save(issuer=issuer, achievement=target, rule=rule, actor=BENCH)
    print(f"{args.rules:,} rules saved in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    key = issuer.signing_keys.get()
    filler = _Filler(connection, issuer.pk, key.pk, components, rng)

    pg_major = connection.pg_version // 10000  # type: ignore[attr-defined]  # PostgreSQL's connection has it
    print(
        f"machine: {benchdb.cpu_model()}, {os.cpu_count()} CPUs; PostgreSQL {pg_major}; "
        f"{args.rules:,} rules over {COMPONENTS:,} component achievements; {args.samples} samples per row"
    )
    print(
        "| existing awards | evaluation, award completes nothing (median / p95) | award completes a rule "
        "(median / p95, includes signing the stacked credential) |"
    )
    print("|---:|---:|---:|")
    for size in sorted({1_000, args.awards}):
        filler.fill_to(size)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        plain, completing = _measure(issuer, args.samples, rng)
        existing = Credential.objects.count()
        print(f"| {existing:,} | {_ms(plain)} | {_ms(completing)} |")


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"{statistics.median(ordered) * 1000:.2f} ms / {p95 * 1000:.2f} ms"


def _measure(issuer, samples: int, rng: random.Random) -> tuple[list[float], list[float]]:
    from badges.events import CredentialEvent, unsubscribe
    from badges.services import AwardRequest, credential_issue
    from issuer.permissions import SystemActor
    from stacking.listeners import on_credential_events
    from stacking.models import Qualification, QualificationComponent
    from stacking.rules import parse
    from stacking.services import stacking_handle_events

    # The measured call below is the evaluation; the listener that would also run it after each award is detached.
    unsubscribe(on_credential_events)
    qualifications = list(Qualification.objects.all())
    plain: list[float] = []
    completing: list[float] = []
    for _ in range(samples):
        qualification = rng.choice(qualifications)
        tree: Any = parse(qualification.rule)  # the shape this benchmark builds: all(leaf, at_least(leaves))
        first = tree.children[0].achievement
        group = [leaf.achievement for leaf in tree.children[1].children]
        by_uuid = {
            str(c.achievement.uuid): c.achievement
            for c in QualificationComponent.objects.filter(qualification=qualification).select_related(
                "achievement__issuer"
            )
        }
        email = f"sample-{uuid.uuid4().hex[:12]}@example.org"
        # Award 1: one of the group — completes nothing. Award 2 and 3 complete the rule with the last one.
        for ref, bucket in ((group[0], plain), (group[1], None), (first, completing)):
            credential = credential_issue(
                request=AwardRequest(achievement=by_uuid[ref], email=email),
                source="api",
                actor=SystemActor("bench"),
                notify=False,
            )
            event = CredentialEvent("issued", credential.pk, credential.issuer_id, credential.achievement_id, email)
            started = time.perf_counter()
            stacking_handle_events([asdict(event)])
            if bucket is not None:
                bucket.append(time.perf_counter() - started)
    return plain, completing


class _Filler:
    """Existing awards as credential rows, inserted with COPY: five per learner, on random component achievements,
    awarded over the last three years; their status-list slots live in sequences no real list uses."""

    def __init__(self, connection, issuer_id: int, key_id: int, components, rng: random.Random) -> None:
        self.connection, self.issuer_id, self.key_id = connection, issuer_id, key_id
        self.components = [c.pk for c in components]
        self.rng = rng
        self.count = 0

    def fill_to(self, total: int) -> None:
        from django.utils import timezone

        from badges.models import Credential

        now = timezone.now()
        columns = (
            "uuid, issuer_id, achievement_id, signing_key_id, document, jws, recipient_identity_hash, recipient_salt, "
            "recipient_email, recipient_name, evidence, valid_from, status, status_reason, status_sequence, "
            "status_index, source, notification_error, baked_png, baked_svg, created_at, updated_at"
        )
        started = time.perf_counter()
        with (
            self.connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {Credential._meta.db_table} ({columns}) FROM STDIN") as copy,
        ):
            while self.count < total:
                n = self.count
                awarded = now - timedelta(days=self.rng.randrange(3 * 365))
                copy.write_row(
                    (
                        uuid.uuid4(),
                        self.issuer_id,
                        self.rng.choice(self.components),
                        self.key_id,
                        '{"placeholder": "bench filler row"}',
                        "",
                        "sha256$" + "0" * 64,
                        "0" * 32,
                        f"learner{n // AWARDS_PER_LEARNER}@example.org",
                        "",
                        "[]",
                        awarded,
                        "active",
                        "",
                        1_000 + n // 100_000,
                        n % 100_000,
                        "bulk",
                        "",
                        "",
                        "",
                        awarded,
                        awarded,
                    )
                )
                self.count += 1
        print(f"{total:,} awards in place ({time.perf_counter() - started:.1f} s to insert)", file=sys.stderr)


if __name__ == "__main__":
    main()
