"""A small layout engine for evidence images: rows of cells, wrapped by measured width,
drawn top-down on a white page 1100 px wide, every text at least 14 px high.

It knows nothing of disputes: :mod:`disputekit.render.evidence_images` builds the rows. The
text of every row is also written into the PNG's metadata ("Description"), so what an image
shows can be read back without OCR (:mod:`disputekit.render.png_chunks`).

Figures use matplotlib's object API on an Agg canvas, as :mod:`disputekit.render.charts` does:
pyplot is never imported and the process-wide backend is left alone.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from typing import Any, Final

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from disputekit.domain.evidence import EvidenceKind

__all__ = ["ALERT_FILL", "BAND", "BODY", "DOT", "DOT_KEY", "DPI", "FACT", "FACT_EDGE",
           "FACT_FILL", "FULL", "HEAD", "INK", "MARGIN", "MIN_TEXT_PX", "MUTED", "SMALL",
           "TITLE", "WIDTH_PX", "ZEBRA", "Cell", "RenderedImage", "Row", "draw", "fact_row",
           "kv_rows", "section", "title_row"]

WIDTH_PX: Final = 1100
DPI: Final = 100
MIN_TEXT_PX: Final = 14.0  # the smallest text an image may carry, in pixels

MARGIN = 40.0
SMALL = 10.5  # pt: 14.6 px at 100 dpi
BODY = 11.0  # pt: 15.3 px
HEAD = 13.0
FACT = 14.0
TITLE = 17.0
_LEADING = 1.35
INK = "#1a1a1a"
MUTED = "#555555"
BAND = "#0b3d91"  # title band
FACT_FILL = "#fff1c2"  # the deciding fact
FACT_EDGE = "#d08c00"
ALERT_FILL = "#fde2e1"  # a never-shipped tracking number
ZEBRA = "#f3f5f8"
DOT = "#0b3d91"
DOT_KEY = "#d55e00"


@dataclass
class Cell:
    text: str
    x: float  # px from the left edge
    width: float  # px available
    size: float = BODY
    weight: str = "normal"
    color: str = INK


@dataclass
class Row:
    cells: list[Cell]
    fill: str | None = None
    edge: str | None = None
    pad: float = 4.0
    gap: float = 0.0  # space above the row
    dot: str | None = None  # a timeline marker of this colour, left of the cells


@dataclass(frozen=True)
class RenderedImage:
    """One evidence image and what it shows (``lines``: every text drawn, one row a line)."""

    kind: EvidenceKind
    png: bytes
    width: int
    height: int
    lang: str
    lines: tuple[str, ...]
    min_text_px: float  # the smallest text drawn, in pixels
    overflowing: tuple[str, ...] = field(default=())  # texts crossing the edge (none expected)

    @property
    def description(self) -> str:
        return "\n".join(self.lines)


_FALLBACKS: Final = ("DejaVu Sans", "Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK KR",
                     "Noto Sans CJK SC", "Noto Sans Arabic", "Noto Sans Hebrew",
                     "Liberation Sans")


@lru_cache(maxsize=1)
def _families() -> tuple[str, ...]:
    """Fonts to draw with, in order; later ones fill glyphs the first lacks (Korean...)."""
    installed = {f.name for f in fontManager.ttflist}
    found = tuple(f for f in _FALLBACKS if f in installed)
    return found or ("sans-serif",)


@lru_cache(maxsize=16)
def _font(size: float, weight: str) -> FontProperties:
    return FontProperties(family=list(_families()), size=size, weight=weight)


@lru_cache(maxsize=1)
def _measurer() -> Any:
    canvas: Any = FigureCanvasAgg(Figure(figsize=(1, 1), dpi=DPI))
    return canvas.get_renderer()


_MEASURE_LOCK = threading.Lock()  # one shared renderer measures text; Agg is not thread-safe


def _width(text: str, size: float, weight: str) -> float:
    with _MEASURE_LOCK, quiet():
        w, _h, _d = _measurer().get_text_width_height_descent(
            text, _font(size, weight), ismath=False)
    return float(w)


def _line_height(size: float) -> float:
    return size * DPI / 72.0 * _LEADING


def _wrap(text: str, width: float, size: float, weight: str) -> list[str]:
    """Greedy word wrap on measured widths; a word wider than the line is cut."""
    lines: list[str] = []
    for paragraph in text.split("\n") or [""]:
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if _width(candidate, size, weight) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = word
            while current and _width(current, size, weight) > width:
                cut = len(current)
                while cut > 1 and _width(current[:cut], size, weight) > width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        lines.append(current)
    return lines


@contextmanager
def quiet() -> Iterator[None]:
    """Silence matplotlib's "Glyph missing" warnings: a buyer writing in a script no
    installed font has must not flood a notebook; the text is still in the metadata."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        yield


def draw(kind: EvidenceKind, title: str, rows: Sequence[Row], lang: str) -> RenderedImage:
    laid: list[tuple[Row, list[list[str]], float]] = []
    height = MARGIN
    for row in rows:
        wrapped = [_wrap(c.text, c.width, c.size, c.weight) for c in row.cells]
        inner = max((len(w) * _line_height(c.size) for w, c in zip(wrapped, row.cells,
                                                                      strict=True)), default=0)
        row_h = inner + 2 * row.pad
        height += row.gap + row_h
        laid.append((row, wrapped, row_h))
    height = int(round(height + MARGIN))
    fig = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI)
    canvas: Any = FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")

    def fx(px: float) -> float:
        return px / WIDTH_PX

    def fy(px_from_top: float) -> float:
        return 1.0 - px_from_top / height

    y = MARGIN
    dots: list[float] = []
    texts = []
    for row, wrapped, row_h in laid:
        y += row.gap
        if row.fill or row.edge:
            fig.add_artist(Rectangle(
                (fx(MARGIN / 2), fy(y + row_h)), fx(WIDTH_PX - MARGIN), row_h / height,
                transform=fig.transFigure, facecolor=row.fill or "none",
                edgecolor=row.edge or "none", linewidth=1.5 if row.edge else 0, zorder=0))
        if row.dot:
            centre = y + row.pad + _line_height(BODY) / 2
            dots.append(centre)
            fig.add_artist(Line2D([fx(_DOT_X)], [fy(centre)], transform=fig.transFigure,
                                  marker="o", markersize=9 if row.dot == DOT_KEY else 6,
                                  color=row.dot, zorder=3))
        for cell, cell_lines in zip(row.cells, wrapped, strict=True):
            for i, line in enumerate(cell_lines):
                if not line:
                    continue
                texts.append(fig.text(
                    fx(cell.x), fy(y + row.pad + i * _line_height(cell.size)), line,
                    fontproperties=_font(cell.size, cell.weight), color=cell.color,
                    va="top", ha="left", parse_math=False, zorder=4))
        y += row_h
    if len(dots) > 1:
        fig.add_artist(Line2D([fx(_DOT_X)] * 2, [fy(dots[0]), fy(dots[-1])],
                              transform=fig.transFigure, color="#9aa7bd", linewidth=2,
                              zorder=2))
    lines = tuple(" | ".join(c.text for c in row.cells if c.text) for row, _w, _h in laid
                  if any(c.text for c in row.cells))
    buffer = BytesIO()
    with quiet():
        fig.savefig(buffer, format="png", dpi=DPI, metadata={
            "Title": title, "Description": "\n".join(lines), "Software": "disputekit"})
        renderer = canvas.get_renderer()
        overflowing = tuple(
            t.get_text() for t in texts
            if (box := t.get_window_extent(renderer)).x0 < -0.5 or box.x1 > WIDTH_PX + 0.5
            or box.y0 < -0.5 or box.y1 > height + 0.5)
    smallest = min((float(t.get_fontsize()) for t in texts), default=BODY) * DPI / 72.0
    return RenderedImage(kind=kind, png=buffer.getvalue(), width=WIDTH_PX, height=height,
                         lang=lang, lines=lines, min_text_px=smallest,
                         overflowing=overflowing)


_DOT_X = MARGIN + 8
FULL = WIDTH_PX - 2 * MARGIN


def title_row(text: str) -> Row:
    return Row([Cell(text, MARGIN, FULL - 10, TITLE, "bold", "white")], fill=BAND,
                pad=10)


def kv_rows(pairs: Sequence[tuple[str, str]], key_width: float = 300) -> list[Row]:
    return [Row([Cell(k, MARGIN, key_width - 16, BODY, "bold", MUTED),
                  Cell(v, MARGIN + key_width, FULL - key_width, BODY)],
                 fill=ZEBRA if i % 2 else None, pad=5)
            for i, (k, v) in enumerate(pairs)]


def fact_row(text: str) -> Row:
    return Row([Cell(text, MARGIN + 4, FULL - 16, FACT, "bold")], fill=FACT_FILL,
                edge=FACT_EDGE, pad=12, gap=14)


def section(text: str) -> Row:
    return Row([Cell(text, MARGIN, FULL, HEAD, "bold", BAND)], gap=16, pad=4)
