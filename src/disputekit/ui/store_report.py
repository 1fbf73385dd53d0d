"""A store's day as the report shows it: styled tables and static charts.

``services.store_day`` computes the day as data; this adds the views the store notebook
(and so the HTML report) displays. Every table escapes its cells: buyer text never becomes
markup.
"""

from __future__ import annotations

import dataclasses
import html
from datetime import date

import pandas as pd
from IPython.display import HTML, Image
from pandas.io.formats.style import Styler

from disputekit.adapters.workspace import Workspace
from disputekit.domain.kpis.what_works import (
    WhatWorks,
    describe_rates,
    shown_disagreements,
    shown_money,
    shown_rates,
)
from disputekit.render import charts
from disputekit.render.charts import figure_to_png
from disputekit.services.queue import counts_by, masked
from disputekit.services.store_day import StoreDay, store_day

__all__ = ["StoreReport", "run_store_day"]


@dataclasses.dataclass
class StoreReport(StoreDay):
    """One store's day with the tables and charts of its report."""

    @classmethod
    def of(cls, day: StoreDay) -> StoreReport:
        return cls(**{f.name: getattr(day, f.name) for f in dataclasses.fields(StoreDay)})

    def headline(self) -> HTML:
        """The day's title and counts. Every value is escaped: the store's name comes from a
        parameters file anyone with the workspace can edit, and a name such as
        ``<img src=x onerror=…>`` or ``[x](javascript:…)`` must show as the text it is
        (HTML, not Markdown: Markdown would still make a link of the second)."""
        e = html.escape
        return HTML(  # type: ignore[no-untyped-call]
            f"<h2>{e(self.store.name)} · {e(f'{self.run_date:%d %b %Y}')}</h2>"
            f"<p>Synced at {e(f'{self.now:%H:%M}')} UTC: {e(self.sync.summary())}.</p>"
            f"<p><strong>{len(self.queue)} open disputes</strong>, {self.due_today} due "
            f"within 24 hours, {len(self.replies)} replies due today, {len(self.claims)} "
            "carrier claims due.</p>")

    def rate_line(self) -> HTML:
        """The dispute rate in one sentence, escaped."""
        assert self.figures is not None
        return HTML(  # type: ignore[no-untyped-call]
            f"<p><strong>{html.escape(self.figures.rate_text())}</strong></p>")

    def report_table(self) -> Styler:
        """The open queue as a shared report shows it: buyer masked, readable columns."""
        shown = masked(self.queue)
        # Few, narrow columns: the report must read without scrolling sideways.
        table = pd.DataFrame({
            "respond by (UTC)": shown["due_at"].dt.strftime("%d %b %H:%M"),
            "hours left": shown["hours_left"],
            "order": shown["parent_order_id"].astype(str),
            "buyer": shown["buyer"] + " · " + shown["country"],
            "product": shown["product"].str.slice(0, 28),
            "USD": shown["amount_usd"],
            "class": shown["class"].str.replace("_", " "),
            "conf.": shown["confidence"],
            "recommended": shown["recommended"].str.replace("_", " "),
            "cost": shown["recommended_cost"],
            "waiting for": shown["status"].str.removeprefix("wait_for_").str.replace("_", " "),
        })
        return _styled(table)

    def by_class(self) -> Styler:
        return _styled(counts_by(self.queue, "class"))

    def trend_chart(self, freq: str = "W") -> Image:
        assert self.figures is not None
        trend = self.figures.weekly if freq == "W" else self.figures.quarterly
        title = "Dispute rate by week" if freq == "W" else "Dispute rate by quarter"
        return _png(figure_to_png(charts.rate_trend_chart(trend, title)))

    def rate_by_chart(self, dimension: str) -> Image:
        assert self.figures is not None
        table = self.figures.by[dimension]
        title = f"Dispute rate by {dimension.replace('_', ' ')} (30 days)"
        return _png(figure_to_png(charts.rate_by_chart(table, dimension, title)))

    def rate_by_table(self, dimension: str, top: int = 10) -> Styler:
        assert self.figures is not None
        return _styled(self.figures.by[dimension].head(top))

    def money_chart(self) -> Image:
        assert self.figures is not None
        return _png(figure_to_png(charts.money_chart(self.figures.money)))

    def money_table(self) -> Styler:
        assert self.figures is not None
        return _styled(self.figures.money)

    # -- what works (issue 17): the closed disputes' outcomes ------------------------------

    def _works(self) -> WhatWorks:
        assert self.figures is not None
        return self.figures.works

    def drift_lines(self) -> HTML:
        """Where the last 30 days' outcomes left what the model expects, one line each
        (escaped: carriers' names are data)."""
        works = self._works()
        if not works.closed:
            text = ("<p>No closed dispute of this store has a recorded outcome yet: nothing "
                    "to compare with the model.</p>")
        elif not works.drift:
            text = (f"<p>No class's outcomes moved away from the model in the last 30 days "
                    f"({works.closed} closed disputes on record).</p>")
        else:
            text = "<ul>" + "".join(f"<li>{html.escape(d.message)}</li>"
                                    for d in works.drift) + "</ul>"
        return HTML(text)  # type: ignore[no-untyped-call]

    def what_works_table(self) -> Styler:
        """Per class × action: disputes, how many went to arbitration and how many of those
        were won, each with its 90 % interval."""
        return _styled(shown_rates(self._works().rates))

    def what_works_chart(self) -> HTML:
        """The rates as dots with interval bars, with the same figures in words."""
        rates = self._works().rates
        png = figure_to_png(charts.action_rates_chart(
            rates, "Went to arbitration, and won there, by class and action"))
        alt = ("Chart: for each class and action with the most disputes, the share that "
               "went to arbitration and the share of those the store won, with 90 % "
               "intervals. The same figures follow in words and in the table below.")
        return HTML(charts.figure_html(png, alt, describe_rates(rates, top=12)))  # type: ignore[no-untyped-call]

    def money_by_action_table(self) -> Styler:
        """Money lost per class by action: refunds, goods and freight."""
        return _styled(shown_money(self._works().money))

    def priors_table(self) -> Styler:
        """Where the store's calibrated odds disagree with the parameters' priors."""
        return _styled(shown_disagreements(self._works().disagreements))

    def abusive_table(self) -> Styler:
        assert self.figures is not None
        return _styled(self.figures.abusive)

    def prevention_table(self) -> Styler:
        assert self.figures is not None
        return _styled(self.figures.prevention.drop(columns=["store_id"]))

    def lanes_table(self) -> Styler:
        assert self.figures is not None
        return _styled(self.figures.lanes.drop(columns=["store_id"]))

    def replies_table(self) -> Styler:
        """Replies due today: the follow-up plans' next steps, overdue first."""
        return _styled(self.replies)

    def disagreement_table(self) -> Styler:
        """Where the operators changed the rules' class, and why."""
        return _styled(self.disagreements)

    def by_reason(self) -> Styler:
        return _styled(counts_by(self.queue, "reason"))

    def by_carrier(self) -> Styler:
        return _styled(counts_by(self.queue, "carrier"))

    def by_urgency(self) -> Styler:
        return _styled(counts_by(self.queue, "urgency"))

    def stalled_table(self) -> Styler:
        """Parcels of open disputes that stopped moving, longest silence first."""
        return _styled(self.stalled)

    def beyond_platform_table(self) -> Styler:
        """Open disputes' tracking events shown from 17TRACK, newest first (source named)."""
        frame = self.beyond_platform
        if not len(frame):
            return _styled(pd.DataFrame({"": ["no tracking events from 17TRACK (it is off for "
                                              "this store, or had nothing more)"]}))
        shown = frame.assign(when=frame["when"].dt.strftime("%d %b %H:%M"))
        return _styled(shown)

    def claims_table(self) -> Styler:
        """Carrier claims to file today (goods and freight to recover)."""
        return _styled(self.claims)


def _png(data: bytes) -> Image:
    """A chart as an image output: static in the executed notebook and its HTML report."""
    return Image(data=data, format="png")  # type: ignore[no-untyped-call]


def _styled(frame: pd.DataFrame) -> Styler:
    # Styler does not escape by default: buyer-supplied text must never become markup.
    return (frame.style.hide(axis="index")
            .format(escape="html", na_rep="—", precision=2)
            .set_table_styles([{"selector": "th, td", "props": "text-align: left;"}]))


def run_store_day(
    store_id: str,
    run_date: str | date | None = None,
    workspace: Workspace | None = None,
    *,
    progress: bool = False,
) -> StoreReport:
    """Sync one store and return its report: the open queue, most urgent first, and the
    figures, ready to display."""
    return StoreReport.of(store_day(store_id, run_date, workspace, progress=progress))
