"""The carrier-claim panel in the review queue, driven without a browser on a real synced
database: each step recorded by a button lands in the claims table, a refused step says why
and changes nothing, and the money recovered reaches the store report's "recovered"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ClaimRow
from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.domain.carriers import ServiceKind
from disputekit.domain.claims import case_claimable
from disputekit.domain.taxonomy import DisputeClass
from disputekit.services.store_day import StoreFigures
from disputekit.ui.claim_panel import ClaimPanel
from disputekit.ui.review import TABS, ReviewQueue
from tests.conftest import SyncedTemplates

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()


@pytest.fixture
def synced(workspace: Workspace, credentials: dict[str, str],
           synced_templates: SyncedTemplates) -> Iterator[Database]:
    db = synced_templates.copy_into(workspace, ("volt", "bloom"))
    yield db
    db.dispose()


def stored(db: Database, store_id: str, logistics_no: str) -> ClaimRow:
    with db.session() as s:
        row = s.get(ClaimRow, (store_id, logistics_no))
        assert row is not None
        return row


def claimable_rows(queue: ReviewQueue) -> pd.DataFrame:
    rows = queue.rows
    keep = [case_claimable(DisputeClass(c), ServiceKind(k or "unknown"))
            for c, k in zip(rows["class"], rows["service_kind"], strict=True)]
    return rows[keep]


def with_claim(db: Database, queue: ReviewQueue) -> tuple[str, int, str]:
    """A listed dispute whose parcel the sync already opened a claim for (status due)."""
    with db.session() as s:
        claims = {(r.store_id, r.issue_id): r.logistics_no
                  for r in s.scalars(select(ClaimRow).where(ClaimRow.status == "due"))}
    for store_id, issue_id in zip(queue.rows["store_id"], queue.rows["issue_id"], strict=True):
        if (store_id, int(issue_id)) in claims:
            return str(store_id), int(issue_id), claims[(store_id, int(issue_id))]
    pytest.fail("the demo stores always have lost parcels with a claim due")


def recovered_in_report(db: Database, workspace: Workspace, store_id: str) -> float:
    store = load_store(store_id, workspace.parameters_dir)
    money = StoreFigures.compute(db, store, NOW).money
    return float(money.loc[money["class"] == "total", "recovered"].iloc[0])


def test_a_claim_followed_to_the_money_reaches_the_report(synced: Database,
                                                          workspace: Workspace) -> None:
    queue = ReviewQueue(synced, now=NOW)
    store_id, issue_id, parcel = with_claim(synced, queue)
    before = recovered_in_report(synced, workspace, store_id)
    queue.select(store_id, issue_id)
    panel = queue.claim_panel
    options = queue.tabs.children[TABS.index("Options")]
    assert panel in options.children and panel.layout.display is None  # shown
    shown = panel.state.value
    assert parcel in shown and ">due<" in shown
    assert "Filing deadline" in shown and "Attempts left</th><td>2 of 2" in shown

    # A step the claim is not ready for: the rules' reason, in the panel; nothing stored.
    panel.offered.value = 5.0
    panel.answer_button.click()
    assert "cannot record an answer on the claim" in panel.status.value
    assert "it is due" in panel.status.value
    assert stored(synced, store_id, parcel).status == "due"

    panel.file_button.click()
    row = stored(synced, store_id, parcel)
    assert row.status == "filed" and row.attempts == 1 and row.filed_at == NOW
    assert row.carrier_answer_due == NOW + timedelta(days=10)
    assert "✓ claim filed" in panel.status.value
    assert "Answer overdue</th><td>no" in panel.state.value
    assert "Attempts left</th><td>1 of 2" in panel.state.value

    # Eleven days on, nobody answered: the panel says the answer is overdue.
    later = ReviewQueue(synced, now=NOW + timedelta(days=11))
    later.select(store_id, issue_id)
    assert "Answer overdue</th><td>YES" in later.claim_panel.state.value

    # The carrier offers half of what was claimed (goods + freight): inside what it may pay.
    offer = ((row.goods_amount + row.freight_amount) / 2).quantize(Decimal("0.01"))
    panel.offered.value = float(offer)
    panel.answer_button.click()
    row = stored(synced, store_id, parcel)
    assert row.status == "answered" and row.offered_amount == offer
    assert "Appeal until" in panel.state.value and f"{offer} USD" in panel.state.value

    # Money in another currency is refused with the way out; nothing is recorded.
    panel.received.value = float(offer * 7)
    panel.currency.value = "CNY"
    panel.recovered_button.click()
    assert "kept in USD" in panel.status.value and "convert" in panel.status.value
    row = stored(synced, store_id, parcel)
    assert row.status == "answered" and row.recovered_amount == 0

    panel.received.value = float(offer)
    panel.currency.value = "USD"
    panel.recovered_button.click()
    row = stored(synced, store_id, parcel)
    assert row.status == "recovered" and row.recovered_amount == offer
    assert f"Recovered</th><td>{offer} USD" in panel.state.value
    assert f"✓ {offer} USD recovered" in panel.status.value

    # The report's "recovered" column counts it, with no code beyond the buttons.
    assert recovered_in_report(synced, workspace, store_id) == pytest.approx(before + float(offer))

    panel.file_button.click()  # a recovered claim is finished
    assert "cannot file the claim" in panel.status.value
    assert stored(synced, store_id, parcel).status == "recovered"


def test_a_refusal_leaves_one_more_filing_then_none(synced: Database) -> None:
    queue = ReviewQueue(synced, now=NOW)
    store_id, issue_id, parcel = with_claim(synced, queue)
    queue.select(store_id, issue_id)
    panel = queue.claim_panel
    for attempt in (1, 2):
        panel.file_button.click()
        panel.offered.value = 0.0
        panel.answer_button.click()
        panel.appeal_button.click()
        assert stored(synced, store_id, parcel).status == "appealed"
        panel.refusal_button.click()
        assert f"{2 - attempt} filing(s) left" in panel.status.value
        row = stored(synced, store_id, parcel)
        assert row.status == "refused" and row.attempts == attempt
    panel.file_button.click()
    assert "already had 2 complaints" in panel.status.value
    assert stored(synced, store_id, parcel).attempts == 2


def test_a_claimable_case_without_a_claim_is_opened_and_filed_on_a_past_day(
        synced: Database) -> None:
    queue = ReviewQueue(synced, now=NOW)
    with synced.session() as s:
        claimed = {(r.store_id, r.issue_id) for r in s.scalars(select(ClaimRow))}
    candidates = claimable_rows(queue)
    target = next((r for r in candidates.itertuples()
                   if (r.store_id, int(r.issue_id)) not in claimed), None)
    assert target is not None, "some stalled parcels have not gone quiet long enough yet"
    store_id, issue_id, parcel = str(target.store_id), int(target.issue_id), target.logistics_no
    queue.select(store_id, issue_id)
    panel = queue.claim_panel
    assert panel.layout.display is None
    assert "not filed yet" in panel.state.value and "Filing deadline" in panel.state.value

    panel.on.value = TODAY + timedelta(days=1)  # not a day that happened yet
    panel.file_button.click()
    assert "still to come" in panel.status.value
    panel.on.value = date(2000, 1, 1)  # before the parcel was even shipped
    panel.file_button.click()
    assert "before the parcel was shipped" in panel.status.value
    with synced.session() as s:
        assert s.get(ClaimRow, (store_id, parcel)) is None  # refused: nothing stored

    three_days_ago = TODAY - timedelta(days=3)
    panel.on.value = three_days_ago
    panel.file_button.click()
    row = stored(synced, store_id, parcel)
    assert row.status == "filed" and row.attempts == 1 and row.issue_id == issue_id
    assert row.filed_at == datetime.combine(three_days_ago, datetime.min.time(), UTC)
    assert row.goods_amount > 0 and row.currency == "USD"
    assert ">filed<" in panel.state.value


def test_no_panel_where_nothing_can_be_claimed(synced: Database) -> None:
    queue = ReviewQueue(synced, now=NOW)
    rows = queue.rows
    with synced.session() as s:
        claimed = {(r.store_id, r.issue_id) for r in s.scalars(select(ClaimRow))}
    rows = rows[[(sid, int(i)) not in claimed
                 for sid, i in zip(rows["store_id"], rows["issue_id"], strict=True)]]
    on_claimable = rows["service_kind"].isin(["platform", "registered"])
    claim_classes = rows["class"].isin(["stalled_in_transit", "lost"])
    unregistered = rows[rows["service_kind"] == "unregistered"]
    product = rows[on_claimable & ~claim_classes]  # a carrier that did carry it
    for pick, why in ((unregistered, "no claim channel"), (product, "not a carrier's loss")):
        assert len(pick), why
        first = pick.iloc[0]
        queue.select(str(first["store_id"]), int(first["issue_id"]))
        panel = queue.claim_panel
        assert panel.layout.display == "none", why
        assert panel.case is not None and why in panel.case.why_not
    # The operator's class wins: corrected to "lost", that parcel can be claimed.
    first = product.iloc[0]
    panel = ClaimPanel(synced, now=NOW)
    panel.show(str(first["store_id"]), int(first["issue_id"]), "lost")
    assert panel.layout.display is None and "not filed yet" in panel.state.value


def test_bad_amounts_are_words_in_the_panel(synced: Database) -> None:
    queue = ReviewQueue(synced, now=NOW)
    store_id, issue_id, parcel = with_claim(synced, queue)
    queue.select(store_id, issue_id)
    panel = queue.claim_panel
    panel.file_button.click()
    panel.offered.value = 10_000.0  # more than goods + freight
    panel.answer_button.click()
    assert "outside 0.." in panel.status.value
    panel.offered.value = float("nan")
    panel.answer_button.click()
    assert "not an amount of money" in panel.status.value
    assert stored(synced, store_id, parcel).status == "filed"
