"""A small inline SVG line chart (a sparkline) with its text alternative.

Inline SVG, not a PNG: a few hundred bytes per store on the portfolio page, sharp at any
zoom, and its words (``role="img"``, ``aria-label``, ``<title>``) are read by screen readers
and shown as a tooltip. Every text is escaped: store ids are data.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["sparkline_svg"]


def sparkline_svg(values: Sequence[float | None], alt: str, *, width: int = 160,
                  height: int = 36, flagged: bool = False) -> str:
    """``values`` oldest first as a line; ``None`` (no data that period) breaks it. The last
    point is marked. ``flagged`` draws it in the warning colour."""
    colour = "#b00020" if flagged else "#1f5fa8"
    label = html.escape(alt, quote=True)
    known = [v for v in values if v is not None]
    top = max(known) if known else 0.0
    top = top if top > 0 else 1.0
    pad = 3.0
    step = (width - 2 * pad) / max(1, len(values) - 1)

    def y(v: float) -> float:
        return round(height - pad - (v / top) * (height - 2 * pad), 1)

    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(f"{round(pad + i * step, 1)},{y(v)}")
    lines = "".join(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                    f'points="{" ".join(points)}"/>' for points in runs if points)
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    dot = (f'<circle cx="{round(pad + last[0] * step, 1)}" cy="{y(last[1])}" r="2.5" '
           f'fill="{colour}"/>' if last else "")
    return (f'<svg class="spark" role="img" aria-label="{label}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
            f'stroke="#ccc" stroke-width="1"/>{lines}{dot}</svg>')
