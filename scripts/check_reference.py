"""Compare the repository's copies of reference files with a reference folder outside it (optional check).

The tests and the verifier read only their copies inside the repository (`tests/data/`, `verification/contexts/`,
`verification/schemas/`). A maintainer who keeps a checkout of the reference material laid out as
`samples/`, `vectors/`, `contexts/` and `schemas/1edtech-gh-pages/` can run this to see that every copy is still
byte-identical to it and which reference files are not copied:

    make check-reference REFERENCE=/path/to/ob3

Exit status 1 when a copy differs from its reference file or has none; files only in the reference are listed.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# copy folder in the repository -> folder in the reference
PAIRS = [
    (ROOT / "tests" / "data" / "samples", "samples"),
    (ROOT / "tests" / "data" / "vectors", "vectors"),
    (ROOT / "verification" / "contexts", "contexts"),
    (ROOT / "verification" / "schemas", "schemas/1edtech-gh-pages"),
]
# Written for the repository, not copied: they have no counterpart in the reference.
OWN = {"PROVENANCE.md", "SOURCES.md"}
# Adapted on copying (relative links), so never byte-identical.
ADAPTED = {"INDEX.md"}


def _files(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def compare(reference: Path) -> tuple[list[str], list[str]]:
    """(problems, files of the reference that the repository does not copy)."""
    problems: list[str] = []
    not_copied: list[str] = []
    for copies, name in PAIRS:
        source = reference / name
        if not source.is_dir():
            problems.append(f"{source}: no such folder")
            continue
        copied = {rel for rel in _files(copies) if Path(rel).name not in OWN}
        for rel in sorted(copied):
            if not (source / rel).is_file():
                problems.append(f"{copies / rel}: not in the reference")
            elif Path(rel).name not in ADAPTED and (source / rel).read_bytes() != (copies / rel).read_bytes():
                problems.append(f"{copies / rel}: differs from {source / rel}")
        not_copied += [f"{name}/{rel}" for rel in sorted(_files(source) - copied)]
    return problems, not_copied


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems, not_copied = compare(Path(argv[1]).resolve())
    for line in not_copied:
        print(f"not copied (unused by the repository): {line}")
    for line in problems:
        print(f"PROBLEM: {line}")
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
