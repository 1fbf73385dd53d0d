"""Actions whose answer is lost are settled by reading the platform, never applied twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from disputekit.adapters.aliexpress import RetryPolicy
from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import ActionRow
from disputekit.adapters.parameters import load_store
from disputekit.services.actions import ActionStatus, DisputeActions
from disputekit.services.store_day import connect
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.gateway import Faults
from tests.conftest import SyncedTemplates, fresh_gateway, make_workspace

SAVE = "aliexpress.issue.solution.save"


@pytest.fixture
def setup(tmp_path: Path, anchor: datetime, credentials: dict[str, str],
          synced_templates: SyncedTemplates
          ) -> Iterator[tuple[RunningSimulator, DisputeActions, Database]]:
    running = serve_in_thread(fresh_gateway(5, anchor))
    ws = make_workspace(tmp_path / "ws", running.sync_url)
    (ws.parameters_dir / "volt.yaml").write_text(
        (ws.parameters_dir / "volt.yaml").read_text() + "  timeout_seconds: 0.5\n")
    store = load_store("volt", ws.parameters_dir)
    db = synced_templates.copy_into(ws, ("volt",), seed=5)
    client = connect(store)
    client.retry = RetryPolicy(attempts=3, base_delay=0.0)
    yield running, DisputeActions(store, client, db, "ana"), db
    client.close()
    db.dispose()
    running.stop()


def open_dispute(sim: RunningSimulator) -> tuple[int, list[dict[str, object]]]:
    record = next(r for r in sim.gateway.datasets["volt"].issues
                  if r.detail["reverse_detail_status"] == "wait_for_seller_response")
    return record.summary["issue_id"], record.detail["seller_solution_list"]


def test_lost_answer_then_retry_does_not_apply_twice(
        setup: tuple[RunningSimulator, DisputeActions, Database]) -> None:
    sim, actions, db = setup
    issue_id, seller_plans = open_dispute(sim)
    # The platform does the work, but the answer comes after the client gave up.
    sim.gateway.faults = Faults(slow=1.0, slow_seconds=1.5, only_methods=(SAVE,))
    first = actions.refuse(issue_id, "The parcel is moving; protection extended")
    assert first.status is ActionStatus.UNKNOWN and "never applied twice" in first.message
    assert len(seller_plans) == 1  # applied once, even though the client saw a timeout
    saves = [m for m, _ in sim.gateway.call_log if m == SAVE]
    assert len(saves) == 1  # and the client did not resend it by itself

    sim.gateway.faults = Faults()
    settled = actions.retry(first.action_id)
    assert settled.status is ActionStatus.OK and "not sent again" in settled.message
    assert len(seller_plans) == 1
    assert [m for m, _ in sim.gateway.call_log if m == SAVE] == saves
    with db.session() as s:
        row = s.get(ActionRow, first.action_id)
        assert row is not None and row.status == "ok" and row.completed_at is not None


def test_failed_before_applying_is_sent_again_once(
        setup: tuple[RunningSimulator, DisputeActions, Database]) -> None:
    sim, actions, db = setup
    issue_id, seller_plans = open_dispute(sim)
    # A 502 from the gateway: the change did not happen, but the client cannot know that.
    sim.gateway.faults = Faults(http_5xx=1.0, only_methods=(SAVE,))
    first = actions.refuse(issue_id, "Please check the manual")
    assert first.status is ActionStatus.UNKNOWN
    assert seller_plans == []
    sim.gateway.faults = Faults()
    outcomes = actions.reconcile()
    assert [o.status for o in outcomes] == [ActionStatus.OK]
    assert len(seller_plans) == 1 and seller_plans[0]["content"] == "Please check the manual"
    assert actions.reconcile() == []  # nothing left unsettled
    with db.session() as s:
        statuses = s.scalars(select(ActionRow.status)).all()
    assert statuses == ["ok"]


def test_an_action_left_pending_by_a_crash_is_reconciled(
        setup: tuple[RunningSimulator, DisputeActions, Database]) -> None:
    sim, actions, db = setup
    issue_id, seller_plans = open_dispute(sim)
    done = actions.refuse(issue_id, "Sent, then the process died")
    assert done.status is ActionStatus.OK
    with db.session() as s:  # as if the process died between the call and the write
        row = s.get(ActionRow, done.action_id)
        assert row is not None
        row.status, row.completed_at = "pending", None
    outcomes = actions.reconcile()
    assert [o.status for o in outcomes] == [ActionStatus.OK]
    assert len(seller_plans) == 1
