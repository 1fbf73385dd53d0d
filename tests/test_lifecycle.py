"""The whole dispute lifecycle on the simulator, driven through disputekit's actions and the
simulator's clock; afterwards the database agrees with the platform, dispute by dispute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow, DisputeRow
from disputekit.adapters.parameters import load_store
from disputekit.errors import ActionError
from disputekit.services.actions import ActionKind, ActionStatus, DisputeActions
from disputekit.services.store_day import connect
from disputekit.services.sync import sync_store
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.dataset import IssueRecord
from tests.conftest import ConnectStore, SyncedTemplates, fresh_gateway, make_workspace

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(tmp_path: Path, anchor: datetime, credentials: dict[str, str],
          synced_templates: SyncedTemplates
          ) -> Iterator[tuple[RunningSimulator, Database, Path]]:
    running = serve_in_thread(fresh_gateway(21, anchor))
    ws = make_workspace(tmp_path / "ws", running.sync_url)
    db = synced_templates.copy_into(ws, ("volt", "spark", "bloom"), seed=21)
    yield running, db, ws.parameters_dir
    db.dispose()
    running.stop()


def waiting(sim: RunningSimulator, truth: str | None = None,
            plan_type: str = "refund") -> list[tuple[str, IssueRecord]]:
    """Open disputes waiting for the seller, with an open buyer plan of ``plan_type``."""
    found = []
    for store_id, ds in sim.gateway.datasets.items():
        for r in ds.issues:
            plans = [s for s in r.detail["buyer_solution_list"]
                     if s["status"] == "wait_seller_accept" and s["solution_type"] == plan_type]
            if r.detail["reverse_detail_status"] == "wait_for_seller_response" and plans \
                    and (truth is None or r.truth == truth):
                found.append((store_id, r))
    return found


def reached_type(record: IssueRecord) -> str:
    d = record.detail
    every = d["buyer_solution_list"] + d["seller_solution_list"] + d["platform_solution_list"]
    return next((s["reached_type"] for s in every if s["status"] == "reached"), "")


def test_every_outcome_and_every_action(world: tuple[RunningSimulator, Database, Path],
                                        connect_store: ConnectStore) -> None:
    sim, db, params_dir = world
    gw = sim.gateway
    actors = {}
    for store_id in gw.datasets:
        store = load_store(store_id, params_dir)
        actors[store_id] = DisputeActions(store, connect_store(store), db, operator="ana")

    # 1. Agree to a refund plan: settled by negotiation at once.
    store_a, agreed = waiting(sim)[0]
    assert actors[store_a].agree(agreed.summary["issue_id"]).status is ActionStatus.OK
    assert agreed.detail["issue_status"] == "finish"
    assert reached_type(agreed) == "negotiation_consensus"

    # 2. Agree to a return: refused without an address, then the return leg runs.
    store_r, returned = waiting(sim, plan_type="return_and_refund")[0]
    with pytest.raises(ActionError, match="refund address"):
        actors[store_r].agree(returned.summary["issue_id"])
    address = actors[store_r].client.seller_addresses()["refund"][0]
    assert actors[store_r].agree(returned.summary["issue_id"],
                                 return_address_id=address.address_id).status is ActionStatus.OK
    assert returned.detail["reverse_detail_status"] == "wait_for_buyer_return"

    # 3. A fair partial refund to a genuinely faulty product: the buyer accepts.
    store_d, defect = waiting(sim, "genuine_defect")[0]
    cap = Decimal(defect.detail["refund_money_max_local"])
    outcome = actors[store_d].refuse(defect.summary["issue_id"],
                                     "Sorry about this, here is most of your money back",
                                     amount=(cap * Decimal("0.8")).quantize(Decimal("0.01")))
    assert outcome.kind is ActionKind.PARTIAL_REFUND and outcome.status is ActionStatus.OK
    assert defect.detail["reverse_detail_status"] == "wait_for_buyer_response"

    # 4. A zero offer to an extortionist, with evidence: refused, escalated, arbitrated.
    store_x, extortion = waiting(sim, "extortion")[0]
    x_id = extortion.summary["issue_id"]
    assert actors[store_x].upload_evidence(x_id, PNG, "png").status is ActionStatus.OK
    assert any(p["action_type"] == "seller_create_proof" and p["attachments"]
               for p in extortion.detail["process_dto_list"])
    assert actors[store_x].refuse(x_id, "The product works, see our video").status \
        is ActionStatus.OK

    # 5. A stalled parcel: refuse at once and extend protection (the domain's first move).
    store_s, stalled = waiting(sim, "stalled_in_transit")[0]
    s_id = stalled.summary["issue_id"]
    assert actors[store_s].extend_protection(s_id, 15).status is ActionStatus.OK
    assert gw.lifecycle.extensions[stalled.summary["parent_order_id"]] == 15
    actors[store_s].refuse(s_id, "Buyer protection extended; the parcel is with the carrier")

    # 6. One left alone: the seller timeout executes the buyer's plan.
    touched = {agreed.summary["issue_id"], returned.summary["issue_id"],
               defect.summary["issue_id"], x_id, s_id}
    store_t, ignored = next((s, r) for s, r in waiting(sim) if r.summary["issue_id"]
                            not in touched and r.detail["timeout_trigger_time"])

    gw.advance(timedelta(days=8))

    assert defect.detail["issue_status"] == "finish"
    assert reached_type(defect) == "negotiation_consensus"
    assert extortion.detail["issue_status"] == "finish"
    assert reached_type(extortion) == "platform_arbitrate"
    assert extortion.detail["reverse_detail_status"] == "refund_reject"  # evidence won
    assert any(p["action_type"] == "buyer_refuse" for p in extortion.detail["process_dto_list"])
    assert reached_type(ignored) == "seller_reponse_timeout"
    assert ignored.detail["issue_status"] == "finish"
    assert stalled.detail["issue_status"] in ("canceled_issue", "finish")
    assert returned.detail["buyer_return_no"]  # the buyer shipped it back
    assert returned.detail["reverse_detail_status"] == "wait_for_seller_confirmation"
    gw.advance(timedelta(days=16))
    assert returned.detail["reverse_detail_status"] == "return_success"

    # Every action is journalled with who, what was sent and what came back.
    with db.session() as s:
        journal = s.scalars(select(ActionRow).order_by(ActionRow.id)).all()
        assert {a.kind for a in journal} == {"agree", "partial_refund", "refuse",
                                             "upload_evidence", "extend_protection"}
        assert all(a.operator == "ana" and a.created_at for a in journal)
        assert [a.status for a in journal].count("failed") == 0
        assert all(a.status == "ok" and a.response_json and a.completed_at for a in journal)

    # After a sync the database agrees with the platform on every dispute.
    for store_id in gw.datasets:
        store = load_store(store_id, params_dir)
        with connect(store) as client:
            sync_store(store, client, db, orders=False)
    with db.session() as s:
        rows = {(r.store_id, r.issue_id): r for r in s.scalars(select(DisputeRow))}
    for store_id, ds in gw.datasets.items():
        for record in ds.issues:
            row = rows.get((store_id, record.summary["issue_id"]))
            if row is None:
                continue  # closed long ago: outside the 90-day import
            assert (row.issue_status, row.reverse_detail_status) == (
                record.detail["issue_status"], record.detail["reverse_detail_status"])


def test_buyers_react_by_kind_of_case(world: tuple[RunningSimulator, Database, Path],
                                      connect_store: ConnectStore) -> None:
    """Zero offers: extortionists escalate; some misuse buyers, helped, cancel."""
    sim, db, params_dir = world
    misuse = waiting(sim, "buyer_misuse")[:6]
    extortion = waiting(sim, "extortion")[:2]
    assert misuse and extortion
    for store_id, record in misuse + extortion:
        actor = DisputeActions(load_store(store_id, params_dir),
                               connect_store(load_store(store_id, params_dir)), db, "ben")
        actor.refuse(record.summary["issue_id"], "Please follow the manual, page 3")
    sim.gateway.advance(timedelta(days=3))
    for _store, record in extortion:
        assert any(p["action_type"] == "buyer_refuse" for p in record.detail["process_dto_list"])
    outcomes = {r.detail["issue_status"] for _s, r in misuse}
    assert "canceled_issue" in outcomes


def test_refused_actions_say_why_and_send_nothing(
        world: tuple[RunningSimulator, Database, Path], connect_store: ConnectStore) -> None:
    sim, db, params_dir = world
    store_id, record = waiting(sim)[0]
    actor = DisputeActions(load_store(store_id, params_dir),
                           connect_store(load_store(store_id, params_dir)), db, "ana")
    cap = Decimal(record.detail["refund_money_max_local"])
    before = len(sim.gateway.call_log)
    with pytest.raises(ActionError, match="between 0 and"):
        actor.refuse(record.summary["issue_id"], "too much", amount=cap + 1)
    with pytest.raises(ActionError, match="reason"):
        actor.refuse(record.summary["issue_id"], "  ")
    with pytest.raises(ActionError, match="not in store"):
        actor.refuse(1, "no such dispute")
    with pytest.raises(ActionError, match="1 to 30 days"):
        actor.extend_protection(record.summary["issue_id"], 90)
    assert len(sim.gateway.call_log) == before
    with db.session() as s:
        assert s.scalars(select(ActionRow)).all() == []
    # The platform refuses what it must refuse, and the journal says so.
    outcome = actor.upload_evidence(record.summary["issue_id"], b"not an image", "png")
    assert outcome.status is ActionStatus.FAILED and "not a png image" in outcome.message
