"""The workbook as a tool, driven without a browser: the recommended handling in one
guarded click, the queue that follows the operator, drafts and the view kept across
sessions, words instead of internals."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, ReplySentRow
from disputekit.adapters.parameters import load_all
from disputekit.adapters.workspace import Workspace
from disputekit.domain.failure_words import status_in_words
from disputekit.domain.replies import DelayReason
from disputekit.domain.replies.delays import delay_words
from disputekit.simulator.app import RunningSimulator
from disputekit.ui.review import TABS, ReviewQueue, open_review
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


@pytest.fixture
def acting(synced: Database, workspace: Workspace) -> Iterator[Callable[[str], ReviewQueue]]:
    stores = {s.store_id: s for s in load_all(workspace.parameters_dir)}
    made: list[ReviewQueue] = []

    def make(operator: str) -> ReviewQueue:
        connections = StoreConnections(stores, synced, operator)
        made.append(ReviewQueue(synced, operator=operator, actions_for=connections,
                                stores=stores, on_close=connections.close,
                                data_dir=workspace.data_dir))
        return made[-1]

    yield make
    for queue in made:
        queue.close()


def stalled(queue: ReviewQueue) -> tuple[str, int]:
    """The most urgent stalled parcel waiting for the seller's first answer."""
    queue.class_filter.value = "stalled_in_transit"
    rows = queue.rows
    rows = rows[(rows["status"] == "wait_for_seller_response") & (rows["recommended"] == "refuse")]
    assert len(rows), "the demo stores always have stalled parcels"
    key = (str(rows.iloc[0]["store_id"]), int(rows.iloc[0]["issue_id"]))
    queue.select(*key)
    return key


def test_the_recommended_handling_is_one_button_then_the_next_dispute_opens(
        synced: Database, simulator: RunningSimulator,
        acting: Callable[[str], ReviewQueue]) -> None:
    queue = acting("ana")
    key = stalled(queue)
    reply = queue.reply
    assert reply is not None and reply.draft is not None and reply.due is not None
    assert reply.due.step.template == "stalled_1_first"
    assert queue.recommend_button.button_style == "primary"
    assert queue.recommend_button.description == "Do it: extend 15 days, refuse, send reply 1"
    needing = queue.queue.counts(queue.rows).needs_me
    record = simulator.gateway.lifecycle.index[key[0]][key[1]]

    queue.recommend_button.click()  # asks: what the buyer reads, the currency, each step
    asked = queue.confirmation.value
    assert html.escape(reply.draft.text) in asked and "The buyer will read" in asked
    assert f"0.00 {reply.currency}" in asked
    assert html.escape("Extend the buyer's protection") in asked
    assert queue.confirm_button.layout.display is None
    assert record.detail["seller_solution_list"] == []  # nothing sent yet

    queue.confirm_button.click()

    assert "✓ done" in queue.action_status.value, queue.action_status.value
    with synced.session() as s:
        assert [(a.kind, a.status) for a in s.scalars(select(ActionRow).order_by(ActionRow.id))] \
            == [("extend_protection", "ok"), ("refuse", "ok")]
        assert [r.template for r in s.scalars(select(ReplySentRow))] == ["stalled_1_first"]
    assert record.detail["seller_solution_list"][-1]["content"] == reply.draft.text
    # It left "needs me", the counts moved, and the next dispute is open.
    assert queue.selected is not None and queue.selected != key
    assert key not in queue.table.page_keys() and key not in set(
        zip(queue.rows["store_id"], queue.rows["issue_id"].astype(int), strict=True))
    assert queue.queue.counts(queue.rows).needs_me == needing - 1
    assert "Next:" in queue.action_status.value
    queue.select(*key)  # shown again on demand: its new state and history
    assert html.escape(status_in_words("wait_for_buyer_response")) in queue.heading.value
    assert "extended protection by 15 days" in queue.history.value


def test_the_recommended_key_asks_for_the_same_confirmation(
        acting: Callable[[str], ReviewQueue]) -> None:
    queue = acting("ana")
    stalled(queue)
    queue.table._message(queue.table, {"event": "recommend"}, [])  # "r" in the browser
    assert "The buyer will read" in queue.confirmation.value
    queue.cancel_button.click()
    assert queue.confirmation.value == "" and "Nothing sent" in queue.action_status.value
    queue.table._message(queue.table, {"event": "open"}, [])  # Enter: the Facts tab
    assert queue.tabs.selected_index == TABS.index("Facts")


def test_drafts_offer_reason_filters_and_sort_survive_a_new_session(
        synced: Database, acting: Callable[[str], ReviewQueue]) -> None:
    ana = acting("ana")
    key = stalled(ana)
    assert ana.reply is not None and ana.reply.draft is not None
    edited = ana.reply.draft.text + "\n\nP.S. We check it again on Monday."
    ana.reply_text.value = edited
    ana.reason.value = "our own words"
    ana.amount.value = 2.5
    ana.table.sort("amount", ascending=False)

    again = ReviewQueue(synced, operator="ana")  # a restarted kernel, a reopened notebook
    assert again.class_filter.value == "stalled_in_transit"
    assert (again.table.sort_by, again.table.ascending) == ("amount", False)
    assert again.selected == key
    assert again.reply_text.value == edited and again.copy_button.text == edited
    assert again.reason.value == "our own words" and again.amount.value == 2.5
    assert "Your edit of" in again.reply_status.value

    ben = ReviewQueue(synced, operator="ben")  # drafts are each operator's own
    ben.select(*key)
    assert ben.reply_text.value != edited

    again.mark_sent.click()  # sent: the draft is not offered for the next reply
    assert "marked sent" in again.reply_status.value
    with synced.session() as s:
        assert s.scalars(select(ReplySentRow.text)).one() == edited
    third = ReviewQueue(synced, operator="ana")
    third.select(*key)
    assert third.reply is not None and third.reply.due is not None
    assert third.reply.due.step.template == "stalled_2_carrier"
    assert "P.S. We check it again" not in third.reply_text.value


def test_an_empty_filter_leaves_no_draft_live(acting: Callable[[str], ReviewQueue]) -> None:
    queue = acting("ana")
    stalled(queue)
    assert queue.reply_text.value and not queue.reply_text.disabled
    queue.search.value = "no-such-order-anywhere"
    assert queue.selected is None and queue.table.rows == []
    assert queue.reply is None and queue.reply_text.value == "" and queue.reply_text.disabled
    assert queue.copy_button.text == "" and queue.mark_sent.disabled
    assert queue.recommend_button.disabled
    assert "No open dispute matches" in queue.heading.value


def test_the_carrier_said_input_appears_when_the_reply_quotes_it(
        acting: Callable[[str], ReviewQueue]) -> None:
    queue = acting("ana")
    stalled(queue)
    assert queue.carrier_box.layout.display == "none"
    queue.mark_sent.click()  # reply 1 out: reply 2 quotes the carrier
    reply = queue.reply
    assert reply is not None and reply.due is not None and reply.draft is not None
    assert reply.due.step.template == "stalled_2_carrier" and not reply.draft.ready
    assert queue.carrier_box.layout.display is None and queue.mark_sent.disabled
    queue.carrier_said.value = DelayReason.STRIKE.value
    assert queue.reply is not None and queue.reply.draft is not None
    assert queue.reply.draft.ready
    assert delay_words(DelayReason.STRIKE, queue.reply.lang) in queue.reply_text.value
    queue.carrier_said.value = "my own words…"
    queue.carrier_words.value = "the parcel was rerouted through Leipzig"
    assert "rerouted through Leipzig" in queue.reply_text.value


def test_the_name_is_asked_first_and_nothing_acts_without_it(
        synced: Database, workspace: Workspace) -> None:
    stores = {s.store_id: s for s in load_all(workspace.parameters_dir)}
    connections = StoreConnections(stores, synced, "")
    queue = ReviewQueue(synced, actions_for=connections, stores=stores)
    try:
        assert queue.operator_box.layout.display is None
        assert queue.recommend_button.disabled and queue.refuse_button.disabled
        queue.refuse_button.click()
        assert "say who you are first" in queue.action_status.value
        queue.operator_name.value = "cleo"
        assert queue.operator == "cleo" and connections.operator == "cleo"
        assert queue.operator_box.layout.display == "none" and "cleo" in queue.title.value
        assert not queue.refuse_button.disabled
    finally:
        queue.close()
        connections.close()


def test_states_and_failures_are_words(acting: Callable[[str], ReviewQueue]) -> None:
    queue = acting("ana")
    stalled(queue)
    assert "waiting for your answer" in queue.heading.value
    assert "wait_for_seller_response" not in queue.heading.value + queue.detail.value
    queue.tabs.selected_index = TABS.index("Options")
    queue.amount.value = 1e9
    queue.reason.value = "too much"
    queue.refuse_button.click()
    queue.confirm_button.click()
    said = queue.action_status.value
    assert "must be between 0 and" in said
    assert "aliexpress." not in said and "Error" not in said and "Errno" not in said


def test_sync_now_reads_every_store_and_stamps_the_time(
        synced: Database, workspace: Workspace, simulator: RunningSimulator) -> None:
    queue = open_review("ana", workspace)
    try:
        key = queue.selected
        queue.sync_now()
        assert queue.sync_status.value.startswith("synced "), queue.sync_status.value
        assert queue.sync_progress.layout.display == "none"
        assert queue.sync_progress.value == queue.sync_progress.max
        assert queue.selected == key
    finally:
        queue.close()


def test_the_evidence_tab_offers_the_zip_to_download(
        acting: Callable[[str], ReviewQueue]) -> None:
    queue = acting("ana")
    key = stalled(queue)
    queue.tabs.selected_index = TABS.index("Evidence")
    panel = queue.evidence
    assert panel is not None and panel.selected == key
    assert panel.dispute.layout.display == "none"  # it follows the queue's selection
    panel.export_button.click()
    assert "✓ exported" in panel.status.value
    assert "href=\"data:application/zip;base64," in panel.download.value
    assert f"{key[0]}" in panel.download.value or str(key[1]) in panel.download.value
