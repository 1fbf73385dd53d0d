"""The recommended handling in one guarded sequence, against the simulator over loopback:
every step lands in the journal and on the platform in order, a step the reply depends on
is never skipped, and a lost answer is settled by reading the platform back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from disputekit.adapters.aliexpress import RetryPolicy
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, DisputeRow, ReplySentRow
from disputekit.adapters.parameters import load_store
from disputekit.domain.platform_time import utc_now
from disputekit.services.actions import DisputeActions
from disputekit.services.followups import next_reply
from disputekit.services.handling import StepKind, carry_out, plan_handling
from disputekit.services.history import dispute_history
from disputekit.services.queue import open_disputes
from disputekit.services.store_day import connect
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.gateway import Faults
from tests.conftest import SyncedTemplates, fresh_gateway, make_workspace

SAVE = "aliexpress.issue.solution.save"
EXTEND = "aliexpress.trade.redefining.extendsbuyeracceptgoodstime"


@dataclass
class Setup:
    sim: RunningSimulator
    actions: DisputeActions
    db: Database


@pytest.fixture
def setup(tmp_path: Path, anchor: datetime, credentials: dict[str, str],
          synced_templates: SyncedTemplates) -> Iterator[Setup]:
    running = serve_in_thread(fresh_gateway(5, anchor))
    ws = make_workspace(tmp_path / "ws", running.sync_url)
    (ws.parameters_dir / "volt.yaml").write_text(
        (ws.parameters_dir / "volt.yaml").read_text() + "  timeout_seconds: 0.5\n")
    store = load_store("volt", ws.parameters_dir)
    db = synced_templates.copy_into(ws, ("volt",), seed=5)
    client = connect(store)
    client.retry = RetryPolicy(attempts=3, base_delay=0.0)
    yield Setup(running, DisputeActions(store, client, db, "ana"), db)
    client.close()
    db.dispose()
    running.stop()


def stalled(db: Database) -> pd.Series:
    """The most urgent stalled parcel waiting for the seller, as the queue lists it."""
    frame = open_disputes(db, utc_now(), ("volt",), outcomes=())
    rows = frame[(frame["class"] == "stalled_in_transit") & (frame["recommended"] == "refuse")
                 & (frame["status"] == "wait_for_seller_response")]
    assert len(rows), "the demo store has a stalled parcel waiting for the seller"
    return rows.iloc[0]


def journal(db: Database, issue_id: int) -> list[tuple[str, str]]:
    with db.session() as s:
        return [(a.kind, a.status) for a in s.scalars(
            select(ActionRow).where(ActionRow.issue_id == issue_id).order_by(ActionRow.id))]


def sent(db: Database, issue_id: int) -> list[ReplySentRow]:
    with db.session() as s:
        return list(s.scalars(select(ReplySentRow).where(ReplySentRow.issue_id == issue_id)))


def test_stalled_parcel_extends_refuses_and_sends_reply_1_in_order(setup: Setup) -> None:
    row = stalled(setup.db)
    issue_id = int(row["issue_id"])
    reply = next_reply(setup.db, "volt", issue_id, "stalled_in_transit", advice="refuse")
    assert reply.due is not None and reply.due.step.template == "stalled_1_first"
    assert reply.draft is not None and reply.draft.ready
    handling = plan_handling(setup.db, row, reply)

    assert not handling.blocked
    assert [s.kind for s in handling.steps] == [StepKind.EXTEND, StepKind.REFUSE,
                                               StepKind.MARK_SENT]
    with setup.db.session() as s:
        dispute = s.get(DisputeRow, ("volt", issue_id))
        assert dispute is not None
        currency, order = dispute.local_currency, dispute.parent_order_id
    # The confirmation names every step, the amount in the currency the platform takes,
    # and the buyer reads exactly the draft.
    assert handling.currency == currency and handling.amount == Decimal("0.00")
    assert f"0.00 {currency}" in handling.confirmation()
    assert str(order) in handling.confirmation()
    assert "extend" in handling.confirmation().lower()
    assert handling.buyer_reads == reply.draft.text

    carried = carry_out(handling, setup.actions, setup.db, "ana")

    assert carried.ok, carried.problem
    assert journal(setup.db, issue_id) == [("extend_protection", "ok"), ("refuse", "ok")]
    with setup.db.session() as s:
        refusal = s.scalars(select(ActionRow).where(ActionRow.kind == "refuse")).one()
        assert refusal.request_json["currency"] == currency
        assert refusal.request_json["reason"] == reply.draft.text
        assert refusal.request_json["refund_amount"] == "0.00"
    record = setup.sim.gateway.lifecycle.index["volt"][issue_id]
    assert setup.sim.gateway.lifecycle.extensions[int(order)] == 15
    assert record.detail["seller_solution_list"][-1]["content"] == reply.draft.text
    assert [r.template for r in sent(setup.db, issue_id)] == ["stalled_1_first"]
    # The extension came before the refusal on the wire, not only in the journal.
    calls = [m for m, _ in setup.sim.gateway.call_log if m in (SAVE, EXTEND)]
    assert calls == [EXTEND, SAVE]
    # The history lists them in order, with the buyer's text as sent.
    mine = [e for e in dispute_history(setup.db, "volt", issue_id) if e.source == "workbook"]
    assert [e.what for e in mine] == ["extended protection by 15 days",
                                      f"refused, offered 0.00 {currency}",
                                      "reply stalled 1 first sent (" + reply.lang
                                      + ", counter offer)"]
    assert all(e.who == "ana" for e in mine) and mine[1].text == reply.draft.text
    platform = [e for e in dispute_history(setup.db, "volt", issue_id)
                if e.source == "platform" and e.who == "seller"]
    assert any(e.text == reply.draft.text for e in platform)  # as AliExpress shows it
    # Now the buyer has the ball: the handling is not offered again.
    again = plan_handling(setup.db, row, next_reply(setup.db, "volt", issue_id,
                                                    "stalled_in_transit", advice="refuse"))
    assert again.blocked and "not your turn" in again.blocked


def test_a_failed_extension_sends_nothing_that_claims_it(setup: Setup) -> None:
    row = stalled(setup.db)
    issue_id = int(row["issue_id"])
    reply = next_reply(setup.db, "volt", issue_id, "stalled_in_transit", advice="refuse")
    handling = plan_handling(setup.db, row, reply)
    plans_before = list(setup.sim.gateway.lifecycle.index["volt"][issue_id]
                        .detail["seller_solution_list"])
    setup.sim.gateway.faults = Faults(isp_error=1.0, only_methods=(EXTEND,))

    carried = carry_out(handling, setup.actions, setup.db, "ana")

    assert not carried.ok and carried.stopped is not None
    assert carried.stopped.kind is StepKind.EXTEND
    assert [s.kind for s in carried.skipped] == [StepKind.REFUSE, StepKind.MARK_SENT]
    assert "Nothing else was sent" in carried.problem
    assert [kind for kind, _ in journal(setup.db, issue_id)] == ["extend_protection"]
    assert setup.sim.gateway.lifecycle.index["volt"][issue_id] \
        .detail["seller_solution_list"] == plans_before
    assert SAVE not in [m for m, _ in setup.sim.gateway.call_log]
    assert sent(setup.db, issue_id) == []


def test_a_lost_answer_is_read_back_and_the_sequence_goes_on(setup: Setup) -> None:
    row = stalled(setup.db)
    issue_id = int(row["issue_id"])
    reply = next_reply(setup.db, "volt", issue_id, "stalled_in_transit", advice="refuse")
    handling = plan_handling(setup.db, row, reply)
    # The refusal is applied, but its answer comes after the client gave up.
    setup.sim.gateway.faults = Faults(slow=1.0, slow_seconds=1.5, only_methods=(SAVE,))

    carried = carry_out(handling, setup.actions, setup.db, "ana")

    assert carried.ok, carried.problem
    refusal = dict(carried.done)[handling.steps[1]]
    assert refusal is not None and "not sent again" in refusal.message
    assert [m for m, _ in setup.sim.gateway.call_log].count(SAVE) == 1  # never twice
    assert journal(setup.db, issue_id) == [("extend_protection", "ok"), ("refuse", "ok")]
    assert [r.template for r in sent(setup.db, issue_id)] == ["stalled_1_first"]


def test_the_operators_edited_draft_is_what_the_buyer_reads(setup: Setup) -> None:
    row = stalled(setup.db)
    issue_id = int(row["issue_id"])
    reply = next_reply(setup.db, "volt", issue_id, "stalled_in_transit", advice="refuse")
    assert reply.draft is not None
    edited = reply.draft.text + "\n\nP.S. Merci pour votre patience."

    carried = carry_out(plan_handling(setup.db, row, reply, text=edited), setup.actions,
                        setup.db, "ana")

    assert carried.ok, carried.problem
    record = setup.sim.gateway.lifecycle.index["volt"][issue_id]
    assert record.detail["seller_solution_list"][-1]["content"] == edited
    assert [r.text for r in sent(setup.db, issue_id)] == [edited]


def test_an_extension_already_made_is_not_made_twice(setup: Setup) -> None:
    row = stalled(setup.db)
    issue_id = int(row["issue_id"])
    assert setup.actions.extend_protection(issue_id, 10).status == "ok"
    reply = next_reply(setup.db, "volt", issue_id, "stalled_in_transit", advice="refuse")
    handling = plan_handling(setup.db, row, reply)
    assert [s.kind for s in handling.steps] == [StepKind.REFUSE, StepKind.MARK_SENT]


def test_what_cannot_be_one_click_says_what_to_do(setup: Setup) -> None:
    row = stalled(setup.db).copy()
    issue_id = int(row["issue_id"])
    reply = next_reply(setup.db, "volt", issue_id, "stalled_in_transit", advice="refuse")
    row["recommended"] = "carrier_claim"
    assert "claim panel" in plan_handling(setup.db, row, reply).blocked
    row["recommended"] = "report_buyer"
    assert "Report buyer" in plan_handling(setup.db, row, reply).blocked
    row["recommended"] = "refuse"
    # A refusal whose reply is not its reason needs one typed by the operator.
    blocked = plan_handling(setup.db, row, None)
    assert "type it in Reason" in blocked.blocked
    with pytest.raises(Exception, match="type it in Reason"):
        carry_out(blocked, setup.actions, setup.db, "ana")
    typed = plan_handling(setup.db, row, None, reason="The parcel is moving again")
    assert not typed.blocked and [s.kind for s in typed.steps] == [StepKind.REFUSE]
    assert typed.buyer_reads == "The parcel is moving again"
