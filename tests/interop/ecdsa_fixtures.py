"""Open Badges 3.0 credentials signed by an independent ECDSA implementation (Digital Bazaar's cryptosuites), offline.

`python -m tests.interop.ecdsa_fixtures [NAME ...]` signs one credential per suite and curve with `sign_ecdsa.mjs` (fresh
did:key issuers, the platform's bundled contexts), and derives two selectively disclosed credentials from
ecdsa-sd-2023 base proofs (P-256, the suite's curve), and writes them to tests/data/interop/digitalbazaar-ecdsa/,
then prints their provenance rows for tests/data/PROVENANCE.md (with names: only those fixtures). The fixtures are committed: the tests verify them
in Python without Node. `test_ecdsa_interop.py` (marked interop) signs fresh ones the same way on every run.
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

SCRIPT = harness.HERE / "sign_ecdsa.mjs"
FIXTURES = DATA / "interop" / "digitalbazaar-ecdsa"
CREATED = "2026-01-15T09:00:00Z"
SIGNED = [(cryptosuite, curve) for cryptosuite in ("ecdsa-rdfc-2019", "ecdsa-jcs-2019") for curve in ("P-256", "P-384")]

SD_CRYPTOSUITE = "ecdsa-sd-2023"
# What the issuer always discloses: who issued it, when, what kind of credential and achievement, and to whom
# (the fields the OB 3.0 schema requires, and the recipient's identifier, which it requires in place of an id).
MANDATORY_POINTERS = [
    "/issuer",
    "/validFrom",
    "/validUntil",
    "/type",
    "/credentialSchema",
    "/credentialSubject/type",
    "/credentialSubject/identifier",
    "/credentialSubject/achievement/id",
    "/credentialSubject/achievement/type",
    "/credentialSubject/achievement/criteria",
    "/credentialSubject/achievement/description",
]
# Derived credential name -> what the holder chooses to disclose.
DISCLOSURES = {
    "ecdsa-sd-2023-p-256-name": ["/credentialSubject/achievement/name"],
    "ecdsa-sd-2023-p-256-result": [
        "/name",
        "/credentialSubject/achievement/name",
        "/credentialSubject/achievement/alignment/0",
        "/credentialSubject/result",
        "/evidence",
    ],
}


def fixture_name(cryptosuite: str, curve: str) -> str:
    return f"{cryptosuite}-{curve.lower()}"


def unsigned_badge() -> dict[str, Any]:
    """The credential to sign; its issuer id is replaced by the signing key's did:key."""
    credential = open_badge_credential()
    credential["issuer"]["id"] = "did:key:to-be-replaced"
    # The signer's library has no status list to check; revocation is tested elsewhere.
    del credential["credentialStatus"]
    return credential


def sign(items: list[tuple[str, str]], disclosures: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """[{"name", "did", "credential", "packages"}] for (cryptosuite, curve) pairs, signed by sign_ecdsa.mjs, then
    one ecdsa-sd-2023 derived credential per entry of `disclosures` (name -> selective pointers; its record also
    has "base", the credential with the base proof the holder derived it from)."""
    jobs = [
        {"name": fixture_name(cryptosuite, curve), "cryptosuite": cryptosuite, "curve": curve}
        for cryptosuite, curve in items
    ] + [
        {
            "name": name,
            "cryptosuite": SD_CRYPTOSUITE,
            "curve": "P-256",
            "mandatory_pointers": MANDATORY_POINTERS,
            "selective_pointers": pointers,
        }
        for name, pointers in (disclosures or {}).items()
    ]
    job = {
        "contexts_dir": str(harness.contexts_dir()),
        "context_files": harness.context_files(),
        "items": [{**item, "created": CREATED, "credential": unsigned_badge()} for item in jobs],
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


def main(names: list[str]) -> None:
    """Write the fixtures named (all when none is), signed afresh; the others are left as they are."""
    wanted = set(names)
    known = {fixture_name(cryptosuite, curve) for cryptosuite, curve in SIGNED} | set(DISCLOSURES)
    if wanted - known:
        raise SystemExit(f"unknown fixtures: {', '.join(sorted(wanted - known))}; known: {', '.join(sorted(known))}")
    items = [pair for pair in SIGNED if not wanted or fixture_name(*pair) in wanted]
    disclosures = {name: pointers for name, pointers in DISCLOSURES.items() if not wanted or name in wanted}
    FIXTURES.mkdir(parents=True, exist_ok=True)
    rows = []
    for record in sign(items, disclosures):
        path = FIXTURES / f"{record['name']}.json"
        path.write_text(json.dumps(record["credential"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        rows.append(provenance_row(path, record["packages"]))
    print("\n".join(rows))  # noqa: T201 - the rows to paste into tests/data/PROVENANCE.md


if __name__ == "__main__":
    main(sys.argv[1:])
