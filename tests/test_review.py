"""The review queue widget, driven without a browser: set values, assert what it shows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import DisputeRow
from disputekit.adapters.parameters import load_all
from disputekit.adapters.workspace import Workspace
from disputekit.simulator.app import RunningSimulator
from disputekit.ui import review
from disputekit.ui.review import ALL, PAGE_SIZE, ReviewQueue
from disputekit.ui.store_connections import StoreConnections
from tests.conftest import SyncedTemplates


@pytest.fixture
def simulator(fresh_simulator: RunningSimulator) -> RunningSimulator:
    """Tests here act on the simulator: each gets one in the state its copy was synced from."""
    return fresh_simulator


@pytest.fixture
def synced(workspace: Workspace, credentials: dict[str, str],
           synced_templates: SyncedTemplates) -> Iterator[Database]:
    db = synced_templates.copy_into(workspace, ("volt", "bloom"))
    yield db
    db.dispose()


def test_queue_spans_stores_most_urgent_first(synced: Database) -> None:
    queue = ReviewQueue(synced)
    rows = queue.rows
    assert set(rows["store_id"]) == {"volt", "bloom"}
    due = rows["due_at"].dropna().tolist()
    assert due == sorted(due)
    assert rows["due_at"].isna().sum() == 0 or rows["due_at"].isna().tolist()[-1]
    assert len(queue.table.page_keys()) == min(len(rows), PAGE_SIZE)
    assert queue.selected == (rows.iloc[0]["store_id"], int(rows.iloc[0]["issue_id"]))
    assert f"{len(rows)} listed" in queue.counts.value
    # The table's page: headers, and one row of display text per dispute.
    assert [c["title"] for c in queue.table.columns] == [
        "due", "store", "order", "class", "amount", "country", "next step"]
    first = queue.table.rows[0]
    assert first["cells"][1] == rows.iloc[0]["store_id"]
    assert first["cells"][4] == f"${rows.iloc[0]['amount_usd']:,.2f}"


def test_store_filter(synced: Database) -> None:
    queue = ReviewQueue(synced)
    both = len(queue.rows)
    queue.store_filter.value = "bloom"
    assert set(queue.rows["store_id"]) == {"bloom"}
    assert 0 < queue.table.total < both
    assert all(key[0] == "bloom" for key in queue.table.page_keys())
    queue.store_filter.value = ALL
    assert len(queue.table.page_keys()) == min(both, PAGE_SIZE)


def test_pages_of_the_queue(synced: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review, "PAGE_SIZE", 5)
    queue = ReviewQueue(synced)
    rows = queue.rows
    assert len(rows) > 10  # three pages at least
    keys = [(str(s), int(i)) for s, i in zip(rows["store_id"], rows["issue_id"], strict=True)]
    assert queue.table.page_keys() == keys[:5]
    assert (queue.table.page, queue.table.pages) == (0, -(-len(rows) // 5))
    queue.table.turn(1)
    assert queue.table.page_keys() == keys[5:10]
    assert queue.table.selected == keys[5]
    queue.table.turn(0)
    assert queue.table.selected == keys[0]
    queue.table.turn(queue.table.pages - 1)
    assert queue.table.page_keys()[-1] == keys[-1]
    queue.select(*keys[7])  # on page 2: the table turns to it
    assert queue.table.page == 1 and queue.selected == keys[7]
    queue.store_filter.value = "bloom"  # a filter starts again at the most urgent
    assert queue.table.page == 0


def test_detail_shows_facts_and_escapes_buyer_text(synced: Database) -> None:
    queue = ReviewQueue(synced)
    store_id, issue_id = queue.table.page_keys()[0]
    with synced.session() as s:
        row = s.get(DisputeRow, (store_id, issue_id))
        assert row is not None
        row.buyer_opening_text = '<script>alert("x")</script> & <b>refund</b>'
    queue.select(store_id, issue_id)
    shown = queue.detail.value
    assert "<script>" not in shown and "<b>refund</b>" not in shown
    assert "&lt;script&gt;" in shown and "&amp;" in shown
    assert str(queue.rows.iloc[0]["parent_order_id"]) in shown


def test_overdue_disputes_are_counted(synced: Database) -> None:
    later = datetime.now(UTC) + timedelta(days=30)  # by then every timer has run out
    queue = ReviewQueue(synced, now=later)
    timed = queue.rows["due_at"].notna().sum()
    assert f"OVERDUE {timed}" in queue.counts.value


def test_next_reply_drafted_in_the_buyers_language_and_marked_sent(synced: Database) -> None:
    queue = ReviewQueue(synced, operator="ana")
    rows = queue.rows
    stalled = rows[rows["class"] == "stalled_in_transit"]
    assert len(stalled), "the demo stores always have stalled parcels"
    target = stalled.iloc[0]
    queue.select(target["store_id"], int(target["issue_id"]))
    reply = queue.reply
    assert reply is not None and reply.due is not None and reply.draft is not None
    assert reply.due.step.template == "stalled_1_first"
    assert queue.reply_lang.value == reply.suggested_lang
    assert reply.draft.ready and queue.reply_text.value == reply.draft.text
    assert str(target["parent_order_id"]) in queue.reply_text.value or \
        target["logistics_no"] in queue.reply_text.value
    # The operator switches language: the same step, redrafted.
    other = "es" if reply.lang != "es" else "fr"
    queue.reply_lang.value = other
    assert queue.reply is not None and queue.reply.lang == other
    assert queue.reply.due is not None and queue.reply.due.step.template == "stalled_1_first"
    queue.mark_sent.click()
    assert "marked sent" in queue.reply_status.value
    assert queue.reply is not None and queue.reply.due is not None
    assert queue.reply.due.step.template == "stalled_2_carrier"  # the plan moved on
    with synced.session() as s:
        from disputekit.adapters.db.tables import ReplySentRow

        sent = s.query(ReplySentRow).one()
        assert (sent.template, sent.lang, sent.operator) == ("stalled_1_first", other, "ana")


def test_mark_sent_without_an_operator_is_refused_in_words(synced: Database) -> None:
    queue = ReviewQueue(synced)  # nobody said who they are
    queue.mark_sent.click()
    assert "operator must not be empty" in queue.reply_status.value


@pytest.fixture
def acting_queue(synced: Database, workspace: Workspace
                 ) -> Iterator[Callable[[str], ReviewQueue]]:
    """``acting_queue(operator)``: a queue with hands on every store, connected as
    ``open_review`` connects them; each queue's clients are closed when the test ends."""
    stores = {s.store_id: s for s in load_all(workspace.parameters_dir)}
    made: list[ReviewQueue] = []

    def make(operator: str) -> ReviewQueue:
        connections = StoreConnections(stores, synced, operator)
        made.append(ReviewQueue(synced, operator=operator, actions_for=connections,
                                on_close=connections.close))
        return made[-1]

    yield make
    for queue in made:
        queue.close()


def test_closing_the_workbook_closes_its_store_connections(synced: Database,
                                                           workspace: Workspace) -> None:
    queue = review.open_review("ana", workspace)
    hands = queue.actions_for("volt")
    assert queue.actions_for("volt") is hands  # one client per store, kept
    assert not hands.client._http.is_closed
    queue.close()
    assert hands.client._http.is_closed
    queue.close()  # twice is harmless (ipywidgets closes again when it is collected)


def test_filters_and_search(synced: Database) -> None:
    queue = ReviewQueue(synced)
    everything = len(queue.rows)
    queue.class_filter.value = "stalled_in_transit"
    assert 0 < len(queue.rows) < everything
    assert set(queue.rows["class"]) == {"stalled_in_transit"}
    queue.class_filter.value = "all classes"
    queue.urgency_filter.value = "later"
    assert set(queue.rows["urgency"]) == {"later"}
    queue.urgency_filter.value = "any urgency"
    order = str(queue.frame.iloc[3]["parent_order_id"])
    queue.search.value = order[-6:]
    assert list(queue.rows["parent_order_id"].astype(str)) == [order]
    assert "replies due today" in queue.counts.value


def test_refuse_with_a_counter_offer_asks_then_acts(
        synced: Database, simulator: RunningSimulator,
        acting_queue: Callable[[str], ReviewQueue]) -> None:
    queue = acting_queue("ana")
    row = queue.rows[queue.rows["status"] == "wait_for_seller_response"].iloc[0]
    store_id, issue_id = str(row["store_id"]), int(row["issue_id"])
    queue.select(store_id, issue_id)
    queue.amount.value = 1.5
    queue.reason.value = "Half a dollar back and a spare cable, sorry for the wait"
    queue.refuse_button.click()
    assert "offer 1.50" in queue.confirmation.value  # says what will be sent ...
    record = simulator.gateway.lifecycle.index[store_id][issue_id]
    assert record.detail["seller_solution_list"] == []  # ... and has not sent it yet
    queue.confirm_button.click()
    assert "✓" in queue.action_status.value and "by ana" in queue.action_status.value
    offer = record.detail["seller_solution_list"][-1]
    assert offer["refund_money"] == "1.50" and offer["content"].startswith("Half a dollar")
    with synced.session() as s:
        from disputekit.adapters.db.tables import ActionRow

        action = s.query(ActionRow).one()
        assert (action.operator, action.kind, action.status) == ("ana", "partial_refund", "ok")


def test_two_operators_the_second_sees_a_conflict(
        simulator: RunningSimulator, acting_queue: Callable[[str], ReviewQueue]) -> None:
    ana = acting_queue("ana")
    ben = acting_queue("ben")
    row = ana.rows[ana.rows["status"] == "wait_for_seller_response"].iloc[0]
    key = (str(row["store_id"]), int(row["issue_id"]))
    ana.select(*key)
    ben.select(*key)
    ana.reason.value = "The parcel is moving"
    ana.refuse_button.click()
    ana.confirm_button.click()
    assert "✓" in ana.action_status.value
    ben.days.value = 10
    ben.extend_button.click()  # ben's view predates ana's refusal
    assert "ana already acted on this dispute" in ben.action_status.value
    assert ben.confirm_button.layout.display == "none"
    assert simulator.gateway.lifecycle.extensions.get(int(row["parent_order_id"])) is None


def test_errors_are_words_in_the_panel(synced: Database,
                                      acting_queue: Callable[[str], ReviewQueue]) -> None:
    queue = acting_queue("ana")
    row = queue.rows.iloc[0]
    queue.select(str(row["store_id"]), int(row["issue_id"]))
    queue.amount.value = 1e9  # more than the buyer could ever get back
    queue.reason.value = "too much"
    queue.refuse_button.click()
    queue.confirm_button.click()
    assert "must be between 0 and" in queue.action_status.value
    assert "Traceback" not in queue.action_status.value
    read_only = ReviewQueue(synced, operator="ana")
    read_only.refuse_button.click()
    assert "read-only" in read_only.action_status.value


def test_more_filters_details_and_class_change(
        synced: Database, acting_queue: Callable[[str], ReviewQueue]) -> None:
    queue = acting_queue("ana")
    carrier = queue.frame["carrier"].iloc[0]
    queue.carrier_filter.value = carrier
    assert set(queue.rows["carrier"]) == {carrier}
    queue.carrier_filter.value = "any"
    country = queue.frame["country"].iloc[0]
    queue.country_filter.value = country
    assert set(queue.rows["country"]) == {country}
    queue.country_filter.value = "any"
    language = next(v for v in queue.frame["language"] if v)
    queue.language_filter.value = language
    assert set(queue.rows["language"]) == {language}
    queue.language_filter.value = "any"

    row = queue.rows.iloc[0]
    key = (str(row["store_id"]), int(row["issue_id"]))
    queue.select(*key)
    shown = queue.detail.value
    assert "dispute(s) in" in shown and "Options" in shown  # history and priced options
    assert "(" in shown.split("Amount")[1][:80]  # the buyer's own currency beside USD
    other = next(c for c in queue.reclass.options if c != row["class"])
    queue.reclass.value = other
    queue.reason.value = "the buyer's video shows it broken in the box"
    queue.reclass_button.click()
    assert f"class set to {other} by ana" in queue.action_status.value
    again = ReviewQueue(synced)  # a new session (or a restarted kernel) sees it
    assert again.frame.set_index(["store_id", "issue_id"]).loc[key, "class"] == other


def test_return_resend_snooze_and_retry(synced: Database, simulator: RunningSimulator,
                                        acting_queue: Callable[[str], ReviewQueue]) -> None:
    queue = acting_queue("ana")
    gateway = simulator.gateway
    returns = [(s, r.summary["issue_id"]) for s, ds in gateway.datasets.items()
               for r in ds.issues if r.detail["reverse_detail_status"]
               == "wait_for_seller_response" and any(
                   p["solution_type"] == "return_and_refund" and p["status"] ==
                   "wait_seller_accept" for p in r.detail["buyer_solution_list"])
               and s in set(queue.frame["store_id"])]
    if returns:
        queue.select(*returns[0])
        queue.return_button.click()
        queue.confirm_button.click()
        assert "✓" in queue.action_status.value, queue.action_status.value
        record = gateway.lifecycle.index[returns[0][0]][returns[0][1]]
        assert record.detail["reverse_detail_status"] == "wait_for_buyer_return"
    row = queue.rows.iloc[-1]
    key = (str(row["store_id"]), int(row["issue_id"]))
    queue.select(*key)
    queue.resend_button.click()
    queue.confirm_button.click()
    assert "note" in queue.action_status.value or "✓" in queue.action_status.value
    queue.retry_button.click()
    assert "No unsettled action" in queue.action_status.value
    before = len(queue.rows)
    queue.snooze_button.click()
    assert "snoozed until" in queue.action_status.value
    assert len(queue.rows) == before - 1 and key not in set(
        zip(queue.rows["store_id"], queue.rows["issue_id"].astype(int), strict=True))
    assert len(ReviewQueue(synced).rows) == before - 1  # snoozes survive a new session
