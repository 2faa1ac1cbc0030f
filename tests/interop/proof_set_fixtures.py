"""Open Badges 3.0 credentials with proof sets and proof chains signed by an independent implementation (Digital
Bazaar's Data Integrity libraries), offline.

`python -m tests.interop.proof_set_fixtures [NAME ...]` signs, for eddsa-rdfc-2022, ecdsa-rdfc-2019 and
ecdsa-jcs-2019 (P-256), one credential with a proof set (the issuer's proof and a notary's) and one with a proof chain
(the issuer's proof, the notary's over it, the issuer's again over both) with `sign_proof_sets.mjs`, writes them to
tests/data/interop/digitalbazaar-proof-sets/ and prints their provenance rows for tests/data/PROVENANCE.md (with
names: only those fixtures). The fixtures are committed: tests/verification/test_proof_set_fixtures.py verifies them
without Node. `test_proof_set_interop.py` (marked interop) signs fresh ones the same way on every run.

eddsa-jcs-2022 is not among them: the pinned packages have no eddsa-jcs-2022 cryptosuite; its sets and chains are
made by the specification's steps in tests/verification/proof_chains.py.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from tests.interop import harness
from tests.paths import DATA
from tests.verification.credentials import open_badge_credential

SCRIPT = harness.HERE / "sign_proof_sets.mjs"
FIXTURES = DATA / "interop" / "digitalbazaar-proof-sets"
CREATED = "2026-01-15T09:00:00Z"
CRYPTOSUITES = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "ecdsa-jcs-2019")
SHAPES = ("set", "chain")
# The chain's proof ids, in the order the proofs are made.
CHAIN_IDS = [
    "urn:uuid:0b6f5a52-8f1e-4c1d-9a57-3c2e0d7f4a11",
    "urn:uuid:5e9d2c44-2b7a-4f0e-8c3b-6a1f9e2d7b22",
    "urn:uuid:9a4c7e13-6d2f-4b8a-b1e5-0f3d8c6a2e33",
]


def fixture_name(cryptosuite: str, shape: str) -> str:
    return f"{cryptosuite}-{shape}"


def unsigned_badge() -> dict[str, Any]:
    """The credential to sign; its issuer id is replaced by the issuer key's did:key."""
    credential = open_badge_credential()
    credential["issuer"]["id"] = "did:key:to-be-replaced"
    del credential["credentialStatus"]  # the signer has no status list to check; revocation is tested elsewhere
    return credential


def sign(items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """[{"name", "issuer", "notary", "credential", "packages"}] for (cryptosuite, shape) pairs, signed by
    sign_proof_sets.mjs with fresh keys."""
    job = {
        "contexts_dir": str(harness.contexts_dir()),
        "context_files": harness.context_files(),
        "items": [
            {
                "name": fixture_name(cryptosuite, shape),
                "cryptosuite": cryptosuite,
                "shape": shape,
                "created": CREATED,
                "ids": CHAIN_IDS,
                "credential": unsigned_badge(),
            }
            for cryptosuite, shape in items
        ],
    }
    return harness.run_node_script(SCRIPT, json.dumps(job))


def provenance_row(path: Path, packages: dict[str, str]) -> str:
    used = ", ".join(f"{name} {version}" for name, version in sorted(packages.items()))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return (
        f"| `{path.relative_to(DATA).as_posix()}` | signed by `tests/interop/sign_proof_sets.mjs` with {used} "
        f"(npm, tests/interop/package-lock.json) | — | `{digest}` | BSD-3-Clause (the packages); the credential "
        "is the project's |"
    )


def main(names: list[str]) -> None:
    """Write the fixtures named (all when none is), signed afresh; the others are left as they are."""
    pairs = [(cryptosuite, shape) for cryptosuite in CRYPTOSUITES for shape in SHAPES]
    known = {fixture_name(*pair) for pair in pairs}
    wanted = set(names)
    if wanted - known:
        raise SystemExit(f"unknown fixtures: {', '.join(sorted(wanted - known))}; known: {', '.join(sorted(known))}")
    FIXTURES.mkdir(parents=True, exist_ok=True)
    rows = []
    for record in sign([pair for pair in pairs if not wanted or fixture_name(*pair) in wanted]):
        path = FIXTURES / f"{record['name']}.json"
        path.write_text(json.dumps(record["credential"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        rows.append(provenance_row(path, record["packages"]))
    print("\n".join(rows))  # noqa: T201 - the rows to paste into tests/data/PROVENANCE.md


if __name__ == "__main__":
    main(sys.argv[1:])
