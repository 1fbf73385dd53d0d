"""The carrier-claim panel of the review queue's dispute detail.

Shown for a dispute whose case is claimable (``carrier_claims.claim_case``): the claim's
state, what is claimed, the filing deadline, the attempts left, when the carrier's answer is
due and whether it is overdue; and one button per step (file, answer, appeal, money
received, refusal), each dated by the "On" day. The services record every step; a step the
claim's rules refuse shows their reason here and changes nothing. Wiring only.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import ipywidgets as widgets

from disputekit.adapters.db.database import Database
from disputekit.domain.carriers import ServiceKind
from disputekit.domain.claims import CarrierClaim, ClaimStatus
from disputekit.domain.platform_time import utc_now
from disputekit.errors import ClaimError, DisputeKitError
from disputekit.services import carrier_claims
from disputekit.services.carrier_claims import ClaimCase

_WIDE = widgets.Layout(width="auto")
_HIDDEN = "none"
#: The step that usually comes next in each state, drawn as the primary button.
_NEXT = {ClaimStatus.DUE: "file", ClaimStatus.FILED: "answer",
         ClaimStatus.ANSWERED: "recovered", ClaimStatus.APPEALED: "recovered",
         ClaimStatus.REFUSED: "file"}


class ClaimPanel(widgets.VBox):  # type: ignore[misc]
    """``ClaimPanel(db)``; ``show(store_id, issue_id, dispute_class)`` for the selected
    dispute (``show(None, 0, "")``: nothing selected). ``now``: a fixed clock (tests)."""

    def __init__(self, db: Database, now: datetime | None = None) -> None:
        self.db = db
        self._now = now
        self.case: ClaimCase | None = None
        self._dispute: tuple[str, int, str] | None = None
        self.state = widgets.HTML()
        self.on = widgets.DatePicker(description="On", value=self.now.date(),
                                     layout=widgets.Layout(width="220px"))
        self.offered = widgets.FloatText(value=0.0, description="Offered", step=0.5,
                                         continuous_update=True,
                                         layout=widgets.Layout(width="200px"))
        self.received = widgets.FloatText(value=0.0, description="Received", step=0.5,
                                          continuous_update=True,
                                          layout=widgets.Layout(width="200px"))
        self.currency = widgets.Text(value="USD", description="Currency",
                                     layout=widgets.Layout(width="180px"))
        self.file_button = widgets.Button(description="File claim", layout=_WIDE,
                                          tooltip="Filed with the carrier on the 'On' day")
        self.answer_button = widgets.Button(description="Record carrier's answer",
                                            layout=_WIDE, tooltip="The amount it offered "
                                            "(0 when it refuses)")
        self.appeal_button = widgets.Button(description="Appeal", layout=_WIDE)
        self.recovered_button = widgets.Button(description="Money received", layout=_WIDE)
        self.refusal_button = widgets.Button(description="Refusal stands", layout=_WIDE)
        self.status = widgets.HTML()
        self.file_button.on_click(lambda _b: self._step(self._file))
        self.answer_button.on_click(lambda _b: self._step(self._answer))
        self.appeal_button.on_click(lambda _b: self._step(self._appeal))
        self.recovered_button.on_click(lambda _b: self._step(self._recovered))
        self.refusal_button.on_click(lambda _b: self._step(self._refusal))
        self._buttons = {"file": self.file_button, "answer": self.answer_button,
                         "appeal": self.appeal_button, "recovered": self.recovered_button,
                         "refusal": self.refusal_button}
        super().__init__([
            widgets.HTML("<b>Carrier claim</b>"), self.state,
            widgets.HBox([self.on, self.file_button, self.appeal_button,
                          self.refusal_button]),
            widgets.HBox([self.offered, self.answer_button]),
            widgets.HBox([self.received, self.currency, self.recovered_button]),
            self.status])
        self.layout.display = _HIDDEN

    @property
    def now(self) -> datetime:
        return self._now or utc_now()

    def show(self, store_id: str | None, issue_id: int, dispute_class: str) -> None:
        """Show the claim of this dispute, or hide the panel when its case is not claimable."""
        self.status.value = ""
        if store_id is None:
            self._dispute, self.case = None, None
            self.layout.display = _HIDDEN
            return
        self._dispute = (store_id, issue_id, dispute_class)
        self.on.value = self.now.date()
        self._refresh()

    def _refresh(self) -> None:
        assert self._dispute is not None
        try:
            case = carrier_claims.claim_case(self.db, *self._dispute, self.now)
        except DisputeKitError as exc:
            self.case = None
            self.layout.display = _HIDDEN
            self._say_error(str(exc))
            return
        self.case = case
        if case.claim is None:
            self.layout.display = _HIDDEN
            return
        self.layout.display = None
        claim = case.claim
        self.currency.value = claim.currency
        self.state.value = state_html(claim, case.stored, self.now)
        usual = _NEXT.get(claim.status, "") if case.stored else "file"
        if claim.status is ClaimStatus.ANSWERED and claim.offered_amount == 0:
            usual = "appeal"  # nothing offered: contest it while the window is open
        for name, button in self._buttons.items():
            button.button_style = "primary" if name == usual else ""

    # -- the steps: each one a service call, its refusal in words -----------------------
    def _step(self, do: Callable[[], str]) -> None:
        if self._dispute is None or self.case is None or self.case.claim is None:
            self._say_error("select a dispute whose parcel can be claimed first")
            return
        try:
            said = do()
        except DisputeKitError as exc:
            self._say_error(str(exc))
            return
        self._refresh()
        self.status.value = said

    def _file(self) -> str:
        assert self._dispute is not None
        claim = carrier_claims.file_claim(self.db, *self._dispute, self._on(), self.now)
        due = claim.carrier_answer_due
        return (f"✓ claim filed on {claim.logistics_no} (attempt {claim.attempts} of "
                f"{claim.rules.attempts}); the carrier answers by "
                f"{due:%Y-%m-%d}" if due else "✓ claim filed")

    def _answer(self) -> str:
        store_id, logistics_no = self._parcel()
        claim = carrier_claims.record_answer(self.db, store_id, logistics_no, self._on(),
                                             Decimal(str(self.offered.value)), self.now)
        until = f"; appeal until {claim.appeal_until:%Y-%m-%d}" if claim.appeal_until else ""
        return f"✓ carrier's answer recorded: {claim.offered_amount} {claim.currency}{until}"

    def _appeal(self) -> str:
        store_id, logistics_no = self._parcel()
        carrier_claims.appeal_claim(self.db, store_id, logistics_no, self._on(), self.now)
        return "✓ appeal recorded"

    def _recovered(self) -> str:
        store_id, logistics_no = self._parcel()
        claim = carrier_claims.record_recovery(
            self.db, store_id, logistics_no, self._on(), Decimal(str(self.received.value)),
            self.currency.value, self.now)
        return f"✓ {claim.recovered_amount} {claim.currency} recovered"

    def _refusal(self) -> str:
        store_id, logistics_no = self._parcel()
        claim = carrier_claims.record_refusal(self.db, store_id, logistics_no, self._on(),
                                              self.now)
        return f"✓ refusal recorded; {claim.attempts_left} filing(s) left"

    def _on(self) -> date:
        if self.on.value is None:
            raise ClaimError("pick the day this happened in 'On' first")
        return self.on.value  # type: ignore[no-any-return]

    def _parcel(self) -> tuple[str, str]:
        assert self.case is not None
        return self.case.store_id, self.case.logistics_no

    def _say_error(self, message: str) -> None:
        # html.escape: parcel numbers and carriers come from the platform's data.
        self.status.value = f"<span style='color:#b00020'>{html.escape(message)}</span>"


def state_html(claim: CarrierClaim, stored: bool, now: datetime) -> str:
    """The claim's state as the panel shows it (every value escaped)."""
    e = html.escape
    status = claim.status.value if stored else "not filed yet (none recorded)"
    rows = [
        ("Parcel", f"{claim.logistics_no} · {claim.carrier} ({claim.service_kind.value})"),
        ("State", status),
        ("Claimed", f"{claim.claimed_amount} {claim.currency} (goods {claim.goods_amount} "
                    f"+ freight {claim.freight_amount})"),
        ("Filing deadline", _day(claim.filing_deadline, now) if claim.filing_deadline
         else "unknown (no shipping date)"),
        ("Attempts left", f"{claim.attempts_left} of {claim.rules.attempts}"),
    ]
    if claim.carrier_answer_due is not None and claim.status is ClaimStatus.FILED:
        rows.append(("Carrier answers by", _day(claim.carrier_answer_due, now)))
        who = ("ask Cainiao to intervene" if claim.service_kind is ServiceKind.PLATFORM
               else "chase the carrier")
        rows.append(("Answer overdue", f"YES: {who}" if claim.answer_overdue(now) else "no"))
    if claim.offered_amount is not None:
        rows.append(("Carrier offered", f"{claim.offered_amount} {claim.currency}"))
    if claim.appeal_until is not None and claim.status is ClaimStatus.ANSWERED:
        rows.append(("Appeal until", _day(claim.appeal_until, now)))
    if claim.status is ClaimStatus.RECOVERED:
        rows.append(("Recovered", f"{claim.recovered_amount} {claim.currency}"))
    return "<table>" + "".join(
        f"<tr><th style='text-align:left'>{e(k)}</th><td>{e(v)}</td></tr>"
        for k, v in rows) + "</table>"


def _day(at: datetime, now: datetime) -> str:
    days = (at - now).total_seconds() / 86400
    when = f"in {days:.0f} days" if days >= 0 else f"{-days:.0f} days ago"
    return f"{at:%Y-%m-%d} ({when})"
