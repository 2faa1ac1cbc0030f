"""Verifying this platform's own credentials through the code path of the verify API, against the core rate.

    .venv/bin/python bench/verify.py [--credentials 200] [--rounds 5]

On the embedded default (a SQLite database in a temporary folder, tasks in-process; `DATABASE_URL` may point at
PostgreSQL instead, a database of its own is then created): one issuer, `--credentials` awards issued through
`credential_issue`, a tenth of them revoked. Then, `--rounds` times, each credential is verified with
`badges.verify.verify_credential` — what `POST /api/v1/verify`, the verify page and the CLI run: the issuer's
DID document and the status bits read from the database, every check of the report. The same documents are
also verified by the credential core alone (`verification.service.verify` with an in-memory resolver and
status source), so the ratio to the core is comparable between machines.

Prints credentials per second (median of the rounds) for valid and revoked credentials, the core rate and the
ratio, and checks every verdict on the way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchdb  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    benchdb.start_embedded("bench_verify")
    documents, revoked = _issue(args.credentials)
    own_first = _rounds(args.rounds, documents, revoked, core=False, first_sight=True)
    own_again = _rounds(args.rounds, documents, revoked, core=False, first_sight=False)
    core = _rounds(args.rounds, documents, revoked, core=True, first_sight=True)
    crypto = _core_verify_rate(documents[1])
    print(f"machine: {benchdb.cpu_model()}, {os.cpu_count()} cores; database: {_engine()}")
    print(f"{len(documents)} credentials, {len(revoked)} of them revoked, {args.rounds} rounds (median)")
    print(f"{'':<52}{'per second':>12}{'ms each':>10}{'/ core':>8}")
    for label, rate in (
        ("verify own credential, first sight (verify API path)", own_first),
        ("verify own credential, seen before (verify API path)", own_again),
        ("verify, report alone (first sight, no database)", core),
        ("verify, credential core alone (proof and key only)", crypto),
    ):
        print(f"{label:<52}{rate:>12,.0f}{1000 / rate:>10.2f}{rate / crypto:>8.2f}")


def _engine() -> str:
    from django.db import connection

    return connection.vendor


def _issue(count: int) -> tuple[list[str], set[int]]:
    from badges.models import Achievement
    from badges.services import AwardRequest, credential_issue, credential_revoke
    from issuer.permissions import SystemActor
    from issuer.services import issuer_create

    BENCH = SystemActor("bench")

    issuer = issuer_create(slug="bench", name="Bench University", url="https://bench.example.org", actor=BENCH)
    achievement = Achievement.objects.create(
        issuer=issuer,
        slug="python-basics",
        name="Python Basics",
        description="Writes small Python programs.",
        criteria_narrative="Pass the final assessment.",
    )
    documents, revoked = [], set()
    for number in range(count):
        credential = credential_issue(
            request=AwardRequest(
                achievement=achievement, email=f"learner{number}@example.org", name=f"Learner {number}"
            ),
            source="api",
            actor=BENCH,
            notify=False,
        )
        if number % 10 == 0:
            credential_revoke(credential=credential, reason="bench", actor=BENCH)
            revoked.add(number)
        documents.append(credential.document)
    return documents, revoked


def _rounds(rounds: int, documents: list[str], revoked: set[int], *, core: bool, first_sight: bool) -> float:
    from verification.schema import forget_kept_results

    verify_one = _core_verifier(documents) if core else _platform_verifier()
    rates = []
    for _ in range(rounds):
        if first_sight:
            forget_kept_results()
        else:
            for document in documents:  # every document seen once before the round
                verify_one(document)
        started = time.perf_counter()
        for number, document in enumerate(documents):
            verdict = verify_one(document)
            expected = "invalid" if number in revoked else "valid"
            assert verdict == expected, (number, verdict)
        rates.append(len(documents) / (time.perf_counter() - started))
    return statistics.median(rates)


def _platform_verifier():
    from badges.verify import verify_credential

    return lambda document: verify_credential(document).verdict


def _core_verifier(documents: list[str]):
    """The same documents with the issuer's DID document and status lists in memory: no database at all."""
    from badges.verify import PlatformStatusListSource, outbound_client
    from issuer.selectors import did_document_for_did
    from verification.resolvers import CompositeResolver
    from verification.service import verify
    from verification.status import MappingStatusListSource

    issuer = json.loads(documents[0])["issuer"]["id"]
    did_document = did_document_for_did(issuer)
    resolver = CompositeResolver.default(None, local_documents={issuer: did_document}.get)
    platform_lists = PlatformStatusListSource(outbound_client())
    lists: dict[str, object] = {}
    for document in documents:
        url = json.loads(document)["credentialStatus"]["statusListCredential"]
        lists.setdefault(url, platform_lists.get(url))

    class Lists(MappingStatusListSource):
        def get(self, url: str):
            return lists[url]

    source = Lists()
    return lambda document: verify(document, resolver=resolver, status_source=source).verdict


def _core_verify_rate(document: str, count: int = 300) -> float:
    """eddsa-rdfc-2022 proof verification of one credential with its key in memory: what bench/crypto.py calls the
    core verify rate, measured in this run."""
    from issuer.selectors import did_document_for_did
    from verification.resolvers import CompositeResolver
    from verification.suites import verify_proofs

    credential = json.loads(document)
    issuer = credential["issuer"]["id"]
    resolver = CompositeResolver.default(None, local_documents={issuer: did_document_for_did(issuer)}.get)
    assert verify_proofs(credential, resolver)[0].verified
    started = time.perf_counter()
    for _ in range(count):
        verify_proofs(credential, resolver)
    return count / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
