"""Charts for the shared reports, drawn from :mod:`disputekit.domain.kpis` tables.

Every chart is 700 px wide (7 in at 100 dpi) so a report never scrolls sideways; heights
grow with the number of bars. Figures are made with matplotlib's object API on an Agg
canvas: nothing is registered with pyplot and the process-wide backend is left alone, so
a notebook's inline backend keeps working and a headless Papermill run needs no display.
:func:`figure_to_png` gives the bytes a report embeds.
"""

from __future__ import annotations

import base64
import html
import math
import sys
from collections.abc import Sequence
from io import BytesIO
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

__all__ = ["DPI", "WIDTH_IN", "action_rates_chart", "figure_html", "figure_to_png", "money_chart",
           "rate_by_chart", "rate_trend_chart"]

WIDTH_IN = 7.0
HEIGHT_IN = 3.5
DPI = 100
_RATE = "#0072B2"  # Okabe-Ito blue
_LOST = "#D55E00"  # vermillion
_RECOVERED = "#009E73"  # bluish green
_FONT = 8
_LABEL_CHARS = 30


def rate_trend_chart(trend: pd.DataFrame, title: str) -> Figure:
    """The dispute rate per period (:func:`kpis.rate_trend`), orders behind each point.

    Periods without orders leave a gap; each point is labelled with its denominator
    (``n=``) when there are few enough points to read them.
    """
    fig, ax = _figure(HEIGHT_IN, title)
    if trend.empty or trend["rate"].isna().all():
        _no_data(ax)
        return fig
    starts = pd.to_datetime(trend["period_start"], utc=True)
    quarterly = trend.attrs.get("freq") == "Q" or (
        len(starts) > 1 and (starts.iloc[1] - starts.iloc[0]).days > 40)
    labels = [f"{s.year} Q{(s.month - 1) // 3 + 1}" if quarterly else f"{s:%d %b}"
              for s in starts]
    x = list(range(len(trend)))
    rates = [_float(r) for r in trend["rate"]]
    ax.plot(x, rates, marker="o", color=_RATE, linewidth=1.5, markersize=4)
    if len(x) <= 16:
        for xi, rate, n in zip(x, rates, trend["denominator"], strict=True):
            if not math.isnan(rate):
                ax.annotate(f"n={int(n):,}", (xi, rate), textcoords="offset points",
                            xytext=(0, 5), ha="center", fontsize=_FONT - 1, color="#444444")
    ax.set_xlim(-0.5, len(x) - 0.5)
    step = max(1, math.ceil(len(x) / 13))
    ax.set_xticks(x[::step], labels[::step])
    ax.set_ylim(0, max(r for r in rates if not math.isnan(r)) * 1.3 or 0.01)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=1))
    ax.set_ylabel("dispute rate", fontsize=_FONT)
    ax.grid(axis="y", alpha=0.3)
    return fig


def rate_by_chart(table: pd.DataFrame, dimension: str, title: str, top: int = 10) -> Figure:
    """The ``top`` rows of a :func:`kpis.rate_by` table as horizontal bars, highest on top.

    Each bar is labelled with its rate and the orders behind it ("12.5 % of 40 orders").
    """
    rows = table.head(top) if not table.empty else table
    fig, ax = _figure(_bars_height(len(rows)), title)
    if rows.empty:
        _no_data(ax)
        return fig
    rows = rows.iloc[::-1]  # barh draws bottom-up: highest rate on top
    y = list(range(len(rows)))
    rates = [_float(r) for r in rows["rate"]]
    widths = [0.0 if math.isnan(r) else r for r in rates]
    ax.barh(y, widths, color=_RATE, height=0.7)
    # Labels are data (product titles, carriers, countries): "$" must stay a dollar sign,
    # never start matplotlib mathtext (which would garble or, unbalanced, fail the chart).
    ax.set_yticks(y, [_short(v) for v in rows[dimension]], parse_math=False)
    peak = max(widths) or 0.01
    for yi, rate, orders in zip(y, rates, rows["orders"], strict=True):
        shown = "no rate" if math.isnan(rate) else f"{rate:.1%}"
        ax.text((0.0 if math.isnan(rate) else rate) + peak * 0.01, yi,
                f"{shown} of {int(orders):,} orders", va="center", fontsize=_FONT - 1)
    ax.set_xlim(0, peak * 1.45)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel(f"dispute rate by {dimension.replace('_', ' ')}", fontsize=_FONT)
    ax.grid(axis="x", alpha=0.3)
    return fig


def money_chart(money_by_class: pd.DataFrame, title: str = "Money by dispute class") -> Figure:
    """Refunded (lost) against recovered from carriers, per class (:func:`kpis.money_by_class`).

    The title carries the totals; each class is labelled with its net loss.
    """
    classes = money_by_class[money_by_class["class"] != "total"] if not money_by_class.empty \
        else money_by_class
    if not classes.empty:
        classes = classes[(classes["refunded"] != 0) | (classes["recovered"] != 0)]
    if not classes.empty:
        refunded = float(classes["refunded"].sum())
        recovered = float(classes["recovered"].sum())
        title = (f"{title}: {_usd(refunded)} refunded, {_usd(recovered)} recovered, "
                 f"net {_usd(refunded - recovered)}")
    fig, ax = _figure(_bars_height(len(classes)), title)
    if classes.empty:
        _no_data(ax)
        return fig
    classes = classes.iloc[::-1]
    y = list(range(len(classes)))
    ax.barh([v + 0.2 for v in y], classes["refunded"], height=0.4, color=_LOST,
            label="refunded (lost)")
    ax.barh([v - 0.2 for v in y], classes["recovered"], height=0.4, color=_RECOVERED,
            label="recovered (claims)")
    ax.set_yticks(y, [_short(str(c).replace("_", " ")) for c in classes["class"]],
                  parse_math=False)
    peak = float(max(classes["refunded"].max(), classes["recovered"].max())) or 1.0
    for yi, refunded_i, net in zip(y, classes["refunded"], classes["net_lost"], strict=True):
        ax.text(float(refunded_i) + peak * 0.01, yi + 0.2, f"net {_usd(float(net))}",
                va="center", fontsize=_FONT - 1, parse_math=False)
    ax.set_xlim(0, peak * 1.35)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"${v:,.0f}"))
    ax.legend(fontsize=_FONT - 1, loc="lower right", frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def action_rates_chart(rates: pd.DataFrame, title: str = "What works", top: int = 12,
                       ) -> Figure:
    """Escalation and win rates per class × action (:func:`kpis.action_rates`), each a dot
    with its interval as a bar, for the ``top`` rows with the most disputes; each row is
    labelled with its disputes (``n=``). A row without an arbitration has no win dot."""
    rows = rates.head(top) if not rates.empty else rates
    fig, ax = _figure(_bars_height(len(rows)), title)
    if rows.empty:
        _no_data(ax)
        return fig
    rows = rows.iloc[::-1]  # drawn bottom-up: the most disputes on top
    y = list(range(len(rows)))
    for column, colour, offset, label in (("escalation", _LOST, 0.15, "went to arbitration"),
                                          ("win", _RATE, -0.15, "won when arbitrated")):
        points = [(yi + offset, _float(r), _float(lo), _float(hi)) for yi, r, lo, hi in zip(
            y, rows[f"{column}_rate"], rows[f"{column}_low"], rows[f"{column}_high"],
            strict=True) if not math.isnan(_float(r))]
        if not points:
            continue
        ax.errorbar([p[1] for p in points], [p[0] for p in points],
                    xerr=[[max(0.0, p[1] - p[2]) for p in points],
                          [max(0.0, p[3] - p[1]) for p in points]],
                    fmt="o", color=colour, markersize=4, capsize=2, linewidth=1, label=label)
    names = [f"{_short(str(c).replace('_', ' '))} · {str(a).replace('_', ' ')} "
             f"(n={int(n)})" for c, a, n in zip(rows["class"], rows["action"], rows["cases"],
                                                strict=True)]
    ax.set_yticks(y, names, parse_math=False)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, len(y) - 0.4)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel("share of the disputes (bars: 90 % interval)", fontsize=_FONT)
    ax.legend(fontsize=_FONT - 1, loc="lower right", frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def figure_to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes at its own size (700 px wide), then closed.

    Closing releases a figure pyplot manages; the figures of this module are not registered
    with pyplot, so for them rendering is all there is to it.
    """
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    pyplot = sys.modules.get("matplotlib.pyplot")  # never imported here: only if in use
    if pyplot is not None:
        pyplot.close(fig)
    return buffer.getvalue()


def figure_html(png: bytes, alt: str, lines: Sequence[str] = (),
                summary: str = "The chart in words") -> str:
    """A chart as an HTML figure: the PNG inline with its ``alt`` text, and ``lines`` (the
    chart's figures as sentences) in a ``<details>`` under it, so a reader who cannot see
    the picture reads the same. Every text is escaped: labels may be the stores' data."""
    data = base64.b64encode(png).decode("ascii")
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    words = (f"<figcaption><details><summary>{html.escape(summary)}</summary>"
             f"<ul>{items}</ul></details></figcaption>" if lines else "")
    return (f'<figure style="margin: 0"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}" width="700">{words}</figure>')


def _figure(height_in: float, title: str) -> tuple[Figure, Any]:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    # Titles carry amounts ("US$1,234 refunded, US$56 recovered"): two "$" would be mathtext.
    ax.set_title(title, fontsize=_FONT + 2, loc="left", parse_math=False)
    ax.tick_params(labelsize=_FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _bars_height(bars: int) -> float:
    return max(HEIGHT_IN, 0.3 * bars + 1.0)


def _no_data(ax: Any) -> None:
    ax.text(0.5, 0.5, "no data in this period", ha="center", va="center",
            transform=ax.transAxes, fontsize=_FONT + 1, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def _short(value: Any) -> str:
    text = "unknown" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else str(value)
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def _usd(amount: float) -> str:
    """Cents while amounts are small, whole dollars once they are not."""
    return f"US${amount:,.2f}" if abs(amount) < 100 else f"US${amount:,.0f}"


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
