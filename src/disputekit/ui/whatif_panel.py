"""The workbook's "What if" panel: a policy chosen with one dropdown per class (and the
partial refund's share), the store and the days, and the comparison of today's policy with
it, as ``disputekit whatif`` prints it. Wiring only: ``services.whatif.compare_stored``
computes.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import ipywidgets as widgets

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.decisions import DEFAULT_PARTIAL_SHARE, Action
from disputekit.domain.platform_time import utc_now
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.whatif import DRAWS, REPLAYABLE, Choice, Comparison, Policy
from disputekit.errors import DisputeKitError
from disputekit.services.whatif import compare_stored

__all__ = ["AS_TODAY", "WhatIfPanel", "comparison_html", "open_whatif"]

#: The dropdowns' first choice: the class keeps what the seller did.
AS_TODAY = "as today"
_ALL = "all stores"


class WhatIfPanel(widgets.VBox):  # type: ignore[misc]
    """``WhatIfPanel(db, stores)``: per class an action (``AS_TODAY`` keeps the seller's)
    and a share for a partial refund; "Compare" shows the table. ``now``: a fixed clock
    (tests); ``draws``: the Monte Carlo's draws; ``on_close``: what ``close()`` releases."""

    def __init__(self, db: Database, stores: Mapping[str, StoreParameters] | None = None,
                 now: datetime | None = None, draws: int = DRAWS,
                 on_close: Callable[[], None] | None = None) -> None:
        self.db = db
        self._on_close = on_close
        self.stores = dict(stores or {})
        self._now = now
        self.draws = draws
        self.comparison: Comparison | None = None
        self.store = widgets.Dropdown(options=[_ALL, *sorted(self.stores)], value=_ALL,
                                      description="Store")
        self.days = widgets.BoundedIntText(value=90, min=1, max=3650, description="Days",
                                           continuous_update=True,
                                           layout=widgets.Layout(width="160px"))
        self.actions: dict[DisputeClass, widgets.Dropdown] = {}
        self.shares: dict[DisputeClass, widgets.BoundedFloatText] = {}
        rows = []
        for code in DisputeClass:
            action = widgets.Dropdown(options=[AS_TODAY, *(str(a) for a in REPLAYABLE)],
                                      value=AS_TODAY, description=str(code),
                                      style={"description_width": "220px"},
                                      layout=widgets.Layout(width="430px"))
            share = widgets.BoundedFloatText(
                value=DEFAULT_PARTIAL_SHARE.get(code, 0.3), min=0.01, max=0.99, step=0.05,
                description="share", disabled=True, continuous_update=True,
                layout=widgets.Layout(width="150px"))
            action.observe(lambda change, s=share: setattr(
                s, "disabled", change["new"] != str(Action.PARTIAL_REFUND)), names="value")
            self.actions[code], self.shares[code] = action, share
            rows.append(widgets.HBox([action, share]))
        self.compare_button = widgets.Button(description="Compare", button_style="primary")
        self.compare_button.on_click(lambda _b: self.compare())
        self.result = widgets.HTML()
        super().__init__([
            widgets.HTML("<b>What if</b>: the last days' closed disputes answered another "
                         "way, priced with the store's calibrated odds"),
            widgets.HBox([self.store, self.days, self.compare_button]),
            *rows, self.result])

    @property
    def now(self) -> datetime:
        return self._now or utc_now()

    def close(self) -> None:
        release, self._on_close = self._on_close, None
        if release is not None:
            release()
        super().close()

    def policy(self) -> Policy:
        """The policy the dropdowns say (classes left "as today" are not in it)."""
        choices: dict[DisputeClass, Choice] = {}
        for code, dropdown in self.actions.items():
            if dropdown.value == AS_TODAY:
                continue
            action = Action(dropdown.value)
            share = float(self.shares[code].value) if action is Action.PARTIAL_REFUND \
                else None
            choices[code] = Choice(action, share=share)
        return Policy(choices, "the policy above")

    def compare(self) -> None:
        """Compute the comparison and show it (an error in words, nothing else changed)."""
        store_id = None if self.store.value == _ALL else str(self.store.value)
        try:
            policy = self.policy()
            if not policy.choices:
                raise ValueError("choose an action for at least one class first")
            self.comparison = compare_stored(
                self.db, policy, now=self.now, days=int(self.days.value), store_id=store_id,
                stores=self.stores, draws=self.draws)
        except (DisputeKitError, ValueError) as exc:
            self.comparison = None
            self.result.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return
        self.result.value = comparison_html(self.comparison)


def comparison_html(comparison: Comparison) -> str:
    """The comparison as an HTML table (every value escaped)."""
    header = ("", "actual", "today's policy", comparison.alternative.name, "change")
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in comparison.rows())
    where = f"store {comparison.store_id}" if comparison.store_id else "all stores"
    changed = comparison.alternative.changed
    return (f"<p>{html.escape(where)}: {comparison.today.disputes} closed disputes of the "
            f"last {comparison.days} days, {changed} answered differently.</p>"
            f"<table><tr>{cells}</tr>{body}</table>"
            f"<p><small>Estimates: mean ({comparison.level:.0%} interval) over the "
            "calibrated odds and the buyers' answers; change: the alternative less today's, "
            "with the same odds and buyers; actual: what the disputes cost."
            "</small></p>")


def open_whatif(workspace: Any = None) -> WhatIfPanel:
    """The What-if panel on the workspace's stores and database; ``close()`` on it closes
    the database."""
    from disputekit.adapters.parameters import load_all
    from disputekit.adapters.workspace import Workspace

    ws = workspace or Workspace.discover()
    stores = {s.store_id: s for s in load_all(ws.parameters_dir)}
    db = Database.open(ws.db_url)
    return WhatIfPanel(db, stores, on_close=db.dispose)
