"""Every reference file in the repository is listed, with its sha256, source and licence, in a PROVENANCE.md.

Two folders hold third-party files: `tests/data/` (what the tests read, including credentials signed by independent
implementations) and `verification/contexts/` plus
`verification/schemas/` (what the verifier serves). A file added without a provenance line, or changed after it
was recorded, fails here.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.paths import DATA, ROOT

VERIFICATION = ROOT / "verification"
# | `path` | source | commit | `sha256` | licence |
ROW = re.compile(
    r"^\| `(?P<path>[^`]+)` \| (?P<source>[^|]+) \| (?P<commit>[^|]+) \| `(?P<sha256>[0-9a-f]{64})` \| (?P<licence>[^|]+) \|$"
)


def _rows(provenance: Path) -> dict[str, dict[str, str]]:
    rows = {}
    for line in provenance.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            assert match["path"] not in rows, f"{match['path']} is listed twice"
            rows[match["path"]] = {key: value.strip() for key, value in match.groupdict().items()}
    return rows


def _files(base: Path, folders: list[str]) -> set[str]:
    names = set()
    for folder in folders:
        for path in (base / folder).rglob("*"):
            if path.is_file() and path.name not in ("PROVENANCE.md", "SOURCES.md"):
                names.add(path.relative_to(base).as_posix())
    return names


@pytest.mark.parametrize(
    ("base", "folders"),
    [(DATA, ["samples", "vectors", "interop"]), (VERIFICATION, ["contexts", "schemas"])],
    ids=["tests-data", "verification"],
)
def test_every_file_is_listed_with_its_digest_source_and_licence(base: Path, folders: list[str]) -> None:
    rows = _rows(base / "PROVENANCE.md")
    assert set(rows) == _files(base, folders)
    for name, row in rows.items():
        assert hashlib.sha256((base / name).read_bytes()).hexdigest() == row["sha256"], name
        assert row["licence"], name
        if name.startswith("interop/"):  # signed by an independent implementation: which one, at which version
            assert row["source"].startswith("signed by `tests/interop/"), name
            assert re.search(r"@[a-z-]+/[a-z0-9-]+ \d+\.\d+\.\d+", row["source"]), name
        elif not name.endswith("INDEX.md"):  # the project's own notes on the samples
            assert row["source"].startswith("https://github.com/"), name
            assert re.fullmatch(r"`[0-9a-f]{12}`", row["commit"]), name
            assert row["commit"].strip("`") in row["source"], name
