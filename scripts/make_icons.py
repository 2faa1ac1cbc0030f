"""Draws the site's icons into static/icons/: a medal with a check mark, the project's own artwork.

    .venv/bin/python scripts/make_icons.py

One drawing, described once in a 64-unit square, written as SVG and painted with Pillow at each size a browser or
phone asks for: favicon.ico (16, 32 and 48 px; served at /favicon.ico), icon.svg, apple-touch-icon.png (180 px, on
white: iOS fills transparency with black), icon-192.png and icon-512.png (the web app manifest). The outputs are
committed; run this again after changing the drawing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
GRID = 64
ACCENT = "#0b57d0"  # --accent of static/css/app.css
RIBBON = "#083d94"
WHITE = "#ffffff"
# The drawing, in the 64-unit grid: two ribbon tails, the medal, a ring and a check mark.
RIBBONS = (
    ((19, 34), (11, 58), (19, 54), (24, 61), (30, 40)),
    ((45, 34), (53, 58), (45, 54), (40, 61), (34, 40)),
)
MEDAL = ((32, 26), 22)
RING = ((32, 26), 16.5, 2.5)
CHECK = (((23.5, 26.5), (29.5, 32.5), (41, 20.5)), 5)
SUPERSAMPLE = 4  # painted this many times larger, then scaled down: smooth edges at 16 px


def svg() -> str:
    (cx, cy), r = MEDAL
    (rx, ry), ring_r, ring_w = RING
    points, check_w = CHECK
    ribbons = "".join(
        f'<polygon points="{" ".join(f"{x},{y}" for x, y in ribbon)}" fill="{RIBBON}"/>' for ribbon in RIBBONS
    )
    check = " ".join(f"{x},{y}" for x, y in points)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}">'
        f"<title>Open Badges</title>{ribbons}"
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{ACCENT}"/>'
        f'<circle cx="{rx}" cy="{ry}" r="{ring_r}" fill="none" stroke="{WHITE}" stroke-width="{ring_w}"/>'
        f'<polyline points="{check}" fill="none" stroke="{WHITE}" stroke-width="{check_w}" '
        'stroke-linecap="round" stroke-linejoin="round"/></svg>\n'
    )


def paint(size: int, *, background: str | None = None, margin: float = 0.0) -> Image.Image:
    """The drawing at `size` pixels square, transparent unless `background` is given, inset by `margin` (a
    fraction of the side) on every edge."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), background or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    scale = big * (1 - 2 * margin) / GRID
    offset = big * margin

    def at(x: float, y: float) -> tuple[float, float]:
        return offset + x * scale, offset + y * scale

    def disc(centre: tuple[float, float], radius: float, *, fill: str | None = None, ring: float = 0) -> None:
        """A filled disc, or with `ring` (grid units) only its outline of that width."""
        x, y = at(*centre)
        box = (x - radius * scale, y - radius * scale, x + radius * scale, y + radius * scale)
        if ring:
            draw.ellipse(box, outline=WHITE, width=round(ring * scale))
        else:
            draw.ellipse(box, fill=fill)

    for ribbon in RIBBONS:
        draw.polygon([at(x, y) for x, y in ribbon], fill=RIBBON)
    centre, radius = MEDAL
    disc(centre, radius, fill=ACCENT)
    ring_centre, ring_radius, ring_width = RING
    disc(ring_centre, ring_radius + ring_width / 2, ring=ring_width)
    points, width = CHECK
    draw.line([at(x, y) for x, y in points], fill=WHITE, width=round(width * scale), joint="curve")
    for end in (points[0], points[-1]):  # round caps
        disc(end, width / 2, fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon.svg").write_text(svg(), encoding="utf-8")
    paint(48).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    paint(180, background=WHITE, margin=0.08).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    for size in (192, 512):
        paint(size).save(OUT / f"icon-{size}.png", optimize=True)
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(OUT.parent.parent)}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
