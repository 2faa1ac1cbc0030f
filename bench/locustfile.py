"""A load scenario for a served site: the public credential page, the verify API and the award API.

    .venv/bin/locust -f bench/locustfile.py --host https://badges.example.org    # with LOAD_SEED, below

`bench/load.py` (`make bench-load`) seeds a database, serves it with gunicorn and runs this headless; against the
compose stack, docs/performance.md ("Public pages and documents") has the commands. What each virtual user reads
comes from the JSON file named by the environment variable LOAD_SEED, which `bench/load.py --seed-only` writes:

    {"issuer": slug, "achievement": slug, "token": "obp_…", "credentials": [uuid, …], "lists": [[purpose, seq], …],
     "document": the JSON text of one credential}

The mix, per virtual user and without pauses (a closed loop: each user sends its next request when the previous
one is answered): the credential page as a browser asks for it (most of the traffic: shared links, QR codes), its
JSON as a wallet or verifier fetches it, the status list and the DID document a verifier polls, a verification
through `POST /api/v1/verify`, and an award through `POST /api/v1/issuers/<slug>/credentials` with an API token.

The verify API allows 60 requests a minute per client address and the award API 600 a minute per token; a load
test from one machine would measure those limits, not the site. The verify requests therefore name a client address
of their own in `X-Forwarded-For`, which the site believes only with `TRUSTED_PROXIES=1` (as behind Caddy), and
`bench/load.py` serves with `API_RATE_LIMIT` empty (no limit on tokens); the compose stack keeps its limits, so its
command lowers the verify share instead (docs/performance.md).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _seed() -> dict[str, Any]:
    path = os.environ.get("LOAD_SEED", "")
    if not path:
        raise SystemExit("LOAD_SEED must name the seed file that bench/load.py --seed-only writes.")
    return json.loads(Path(path).read_text("utf-8"))


SEED = _seed()
_awards = itertools.count()


class Visitor(FastHttpUser):
    """One client of the site; the task weights are the traffic mix."""

    wait_time = constant(0) if os.environ.get("LOAD_CLOSED_LOOP", "1") == "1" else between(0.5, 2)

    def _credential(self) -> str:
        return f"/credentials/{random.choice(SEED['credentials'])}"  # noqa: S311 - picking a page, not a secret

    @task(10)
    def credential_page(self) -> None:
        self.client.get(self._credential(), headers={"Accept": BROWSER}, name="/credentials/[uuid] (HTML)")

    @task(4)
    def credential_json(self) -> None:
        self.client.get(
            self._credential(), headers={"Accept": "application/vc+ld+json"}, name="/credentials/[uuid] (JSON)"
        )

    @task(2)
    def status_list(self) -> None:
        purpose, sequence = random.choice(SEED["lists"])  # noqa: S311
        self.client.get(f"/issuers/{SEED['issuer']}/status/{purpose}/{sequence}", name="/issuers/[slug]/status/…")

    @task(1)
    def did_document(self) -> None:
        self.client.get(f"/issuers/{SEED['issuer']}/did.json", name="/issuers/[slug]/did.json")

    @task(int(os.environ.get("LOAD_VERIFY_WEIGHT", "2")))
    def verify(self) -> None:
        # A client address of its own per request (read only behind TRUSTED_PROXIES, see the module's docstring).
        address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"  # noqa: S311
        self.client.post(
            "/api/v1/verify",
            data=SEED["document"],
            headers={"Content-Type": "application/json", "X-Forwarded-For": address},
            name="/api/v1/verify",
        )

    @task(int(os.environ.get("LOAD_AWARD_WEIGHT", "1")))
    def award(self) -> None:
        number = next(_awards)
        self.client.post(
            f"/api/v1/issuers/{SEED['issuer']}/credentials",
            json={
                "achievement": SEED["achievement"],
                "email": f"load{os.getpid()}-{number}@example.org",
                "name": f"Load Learner {number}",
            },
            headers={"Authorization": f"Bearer {SEED['token']}"},
            name="/api/v1/issuers/[slug]/credentials (award)",
        )
