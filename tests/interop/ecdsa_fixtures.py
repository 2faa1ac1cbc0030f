"""Open Badges 3.0 credentials signed by an independent ECDSA implementation (Digital Bazaar's cryptosuites), offline.

`python -m tests.interop.ecdsa_fixtures` signs one credential per suite and curve with `sign_ecdsa.mjs` (fresh
did:key issuers, the platform's bundled contexts) and writes them to tests/data/interop/digitalbazaar-ecdsa/, then
prints their provenance rows for tests/data/PROVENANCE.md. The fixtures are committed: the tests verify them in
Python without Node. `test_ecdsa_interop.py` (marked interop) signs fresh ones the same way on every run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests.interop import harness
from tests.paths import DATA
from tests.verification.credentials import open_badge_credential

SCRIPT = harness.HERE / "sign_ecdsa.mjs"
FIXTURES = DATA / "interop" / "digitalbazaar-ecdsa"
CREATED = "2026-01-15T09:00:00Z"
SIGNED = [(cryptosuite, curve) for cryptosuite in ("ecdsa-rdfc-2019", "ecdsa-jcs-2019") for curve in ("P-256", "P-384")]


def fixture_name(cryptosuite: str, curve: str) -> str:
    return f"{cryptosuite}-{curve.lower()}"


def unsigned_badge() -> dict[str, Any]:
    """The credential to sign; its issuer id is replaced by the signing key's did:key."""
    credential = open_badge_credential()
    credential["issuer"]["id"] = "did:key:to-be-replaced"
    # The signer's library has no status list to check; revocation is tested elsewhere.
    del credential["credentialStatus"]
    return credential


def sign(items: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """[{"name", "did", "credential", "packages"}] for (cryptosuite, curve) pairs, signed by sign_ecdsa.mjs."""
    job = {
        "contexts_dir": str(harness.contexts_dir()),
        "context_files": harness.context_files(),
        "items": [
            {
                "name": fixture_name(cryptosuite, curve),
                "cryptosuite": cryptosuite,
                "curve": curve,
                "created": CREATED,
                "credential": unsigned_badge(),
            }
            for cryptosuite, curve in items
        ],
    }
    return harness.run_node_script(SCRIPT, json.dumps(job))


def provenance_row(path: Path, packages: dict[str, str]) -> str:
    used = ", ".join(f"{name} {version}" for name, version in sorted(packages.items()))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return (
        f"| `{path.relative_to(DATA).as_posix()}` | signed by `tests/interop/sign_ecdsa.mjs` with {used} "
        f"(npm, tests/interop/package-lock.json) | — | `{digest}` | BSD-3-Clause (the packages); the credential "
        "is the project's |"
    )


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    rows = []
    for record in sign(SIGNED):
        path = FIXTURES / f"{record['name']}.json"
        path.write_text(json.dumps(record["credential"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        rows.append(provenance_row(path, record["packages"]))
    print("\n".join(rows))  # noqa: T201 - the rows to paste into tests/data/PROVENANCE.md


if __name__ == "__main__":
    main()
