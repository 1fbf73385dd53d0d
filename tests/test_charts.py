"""Charts: 700 px wide, real PNGs, bars labelled with the orders behind them, no global state."""

from __future__ import annotations

import struct
import subprocess
import sys
from datetime import UTC, datetime

import pandas as pd
import pytest
from matplotlib.figure import Figure

from disputekit.render.charts import figure_to_png, money_chart, rate_by_chart, rate_trend_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
AS_OF = datetime(2026, 7, 1, 12, tzinfo=UTC)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which always comes first."""
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def pixels(fig: Figure) -> tuple[int, int]:
    width, height = fig.get_size_inches() * fig.dpi
    return round(width), round(height)


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def trend(rates: list[float | None], denominators: list[int]) -> pd.DataFrame:
    starts = pd.date_range("2026-04-06", periods=len(rates), freq="7D", tz="UTC")
    return pd.DataFrame({"period_start": starts, "period_end": starts + pd.Timedelta(days=7),
                         "rate": [float("nan") if r is None else r for r in rates],
                         "numerator": [0] * len(rates), "denominator": denominators})


def by_carrier(n: int) -> pd.DataFrame:
    rows = [{"carrier": f"Carrier {i}", "orders": 10 * (i + 1), "disputes": n - i,
             "rate": (n - i) / (10 * (i + 1))} for i in range(n)]
    return pd.DataFrame(rows).sort_values("rate", ascending=False).reset_index(drop=True)


def test_trend_chart_is_700_by_350_and_labels_denominators() -> None:
    fig = rate_trend_chart(trend([0.02, None, 0.031, 0.05], [100, 0, 97, 120]),
                           "Weekly dispute rate")
    assert pixels(fig) == (700, 350)
    labels = texts(fig)
    assert {"n=100", "n=97", "n=120"} <= set(labels)
    assert "n=0" not in labels  # no point, no label
    assert fig.axes[0].get_title(loc="left") == "Weekly dispute rate"
    png = figure_to_png(fig)
    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (700, 350)


def test_trend_chart_names_quarters() -> None:
    starts = pd.to_datetime(["2026-01-01", "2026-04-01", "2026-07-01"], utc=True)
    quarterly = pd.DataFrame({"period_start": starts, "period_end": starts,
                              "rate": [0.1, 0.2, 0.15], "numerator": [1, 2, 3],
                              "denominator": [10, 10, 20]})
    fig = rate_trend_chart(quarterly, "Quarterly")
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["2026 Q1", "2026 Q2", "2026 Q3"]


def test_rate_by_chart_labels_each_bar_with_its_orders() -> None:
    table = by_carrier(4)
    fig = rate_by_chart(table, "carrier", "Dispute rate by carrier")
    assert pixels(fig)[0] == 700
    labels = texts(fig)
    for orders in table["orders"]:
        assert any(f"of {orders:,} orders" in label for label in labels)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[-1] == table["carrier"].iloc[0]  # the highest rate is the top bar
    assert len(ax.patches) == 4
    assert png_size(figure_to_png(fig))[0] == 700


def test_rate_by_chart_keeps_the_top_and_shortens_long_names() -> None:
    table = by_carrier(15)
    table.loc[0, "carrier"] = "An extraordinarily long carrier line name, Special Line YW"
    fig = rate_by_chart(table, "carrier", "Top", top=10)
    ax = fig.axes[0]
    assert len(ax.patches) == 10
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "Carrier 14" not in ticks and any(t.endswith("…") for t in ticks)
    assert all(len(t) <= 30 for t in ticks)
    width, height = png_size(figure_to_png(fig))
    assert width == 700 and 350 <= height <= 450  # grows with the bars, stays short


def test_money_chart_shows_totals_and_net_per_class() -> None:
    money = pd.DataFrame([
        {"class": "stalled_in_transit", "family": "logistics", "disputes": 2,
         "refunded": 50.0, "claims": 2, "recovered": 25.0, "pending": 19.0, "net_lost": 25.0},
        {"class": "genuine_defect", "family": "product", "disputes": 1, "refunded": 12.5,
         "claims": 0, "recovered": 0.0, "pending": 0.0, "net_lost": 12.5},
        {"class": "total", "family": "", "disputes": 3, "refunded": 62.5, "claims": 2,
         "recovered": 25.0, "pending": 19.0, "net_lost": 37.5},
    ])
    fig = money_chart(money)
    assert pixels(fig) == (700, 350)
    title = fig.axes[0].get_title(loc="left")
    assert "US$62.50 refunded" in title and "US$25.00 recovered" in title
    assert "net US$37.50" in title
    assert {"net US$25.00", "net US$12.50"} <= set(texts(fig))
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "total" not in ticks and "stalled in transit" in ticks
    assert figure_to_png(fig).startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("make", [
    lambda: rate_trend_chart(pd.DataFrame(columns=["period_start", "rate", "denominator"]), "t"),
    lambda: rate_trend_chart(trend([None, None], [0, 0]), "t"),
    lambda: rate_by_chart(pd.DataFrame(columns=["country", "orders", "disputes", "rate"]),
                          "country", "t"),
    lambda: money_chart(pd.DataFrame(columns=["class", "refunded", "recovered", "net_lost"])),
])
def test_empty_tables_draw_a_no_data_chart(make: object) -> None:
    fig = make()  # type: ignore[operator]
    assert any("no data" in t for t in texts(fig))
    assert png_size(figure_to_png(fig)) == (700, 350)


def test_charts_leave_pyplot_alone_and_close_pyplot_figures() -> None:
    script = """
import sys
import pandas as pd
import disputekit.render.charts as charts
fig = charts.rate_by_chart(pd.DataFrame({"country": ["BR"], "orders": [3], "disputes": [1],
                                         "rate": [1 / 3]}), "country", "t")
charts.figure_to_png(fig)
assert "matplotlib.pyplot" not in sys.modules, "charts imported pyplot"
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
managed = plt.figure()
assert plt.get_fignums()
charts.figure_to_png(managed)
assert not plt.get_fignums(), "figure_to_png left a pyplot figure open"
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
