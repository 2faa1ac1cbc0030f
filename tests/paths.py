"""Where the shared reference material lives: the `shared/` folder beside the project's checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "ob3"
SAMPLES = SHARED / "samples" / "1edtech-validator"
VECTORS = SHARED / "vectors"
