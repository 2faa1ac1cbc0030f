"""Where the tests' reference files live: `tests/data/`, inside the repository (provenance in its PROVENANCE.md)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SAMPLES = DATA / "samples" / "1edtech-validator"
VECTORS = DATA / "vectors"
