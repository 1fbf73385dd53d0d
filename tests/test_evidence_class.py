"""The evidence shows the queue's class: for every open dispute of the demo stores, the class
the evidence panel and its checklist use equals the one ``queue.open_disputes`` shows, with
an operator's override and with a store's lane overrides (issue 16: one effective class)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

import pytest

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import StoreParameters, load_all
from disputekit.adapters.workspace import Workspace
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import TriageInputError
from disputekit.services.assessment import record_override
from disputekit.services.evidence_case import case_class
from disputekit.services.evidence_store import EvidenceStore
from disputekit.services.queue import open_disputes
from disputekit.services.store_day import connect
from disputekit.services.sync import sync_store
from disputekit.simulator.app import RunningSimulator
from disputekit.ui.evidence_panel import EvidencePanel
from tests.conftest import demo_credentials, make_workspace

Stores = Mapping[str, StoreParameters]
# Every lane at its shortest: parcels silent for days become stalled or presumed lost, so
# the rules' class of some disputes changes (checked below, or the test would prove nothing).
QUICK_LANES = {"*:*": {"no_pickup_days": 1, "stalled_days": 1, "customs_hold_days": 1,
                       "presumed_lost_days": 2, "claim_after_days": 2}}


@pytest.fixture(scope="module")
def synced(simulator: RunningSimulator, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Database, Workspace, Stores]]:
    ws = make_workspace(tmp_path_factory.mktemp("evidence-class") / "ws", simulator.sync_url)
    db = Database.open(ws.db_url)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in demo_credentials().items():
            mp.setenv(key, value)
        stores = {s.store_id: s for s in load_all(ws.parameters_dir)}
        for store in stores.values():
            with connect(store) as client:
                sync_store(store, client, db, orders=False)
    yield db, ws, stores
    db.dispose()


def with_lanes(stores: Stores) -> dict[str, StoreParameters]:
    return {sid: s.model_copy(update={"tracking": s.tracking.model_copy(
        update={"lanes": QUICK_LANES})}) for sid, s in stores.items()}


def queue_classes(db: Database, now: datetime, stores: Stores) -> dict[tuple[str, int], str]:
    queue = open_disputes(db, now, stores=stores)
    return {(str(r["store_id"]), int(r["issue_id"])): str(r["class"])
            for r in queue.to_dict("records")}


def assert_evidence_shows_the_queue(db: Database, ws: Workspace, now: datetime,
                                    stores: Stores) -> dict[tuple[str, int], str]:
    shown = queue_classes(db, now, stores)
    assert len(shown) > 20, "the demo stores should have many open disputes"
    evidence = EvidenceStore(db, ws.data_dir)
    for (store_id, issue_id), queue_class in shown.items():
        if queue_class == "unclassified":  # the queue could not triage it: nor can evidence
            with pytest.raises(TriageInputError):
                case_class(evidence, store_id, issue_id, now, stores)
            continue
        got = case_class(evidence, store_id, issue_id, now, stores)
        assert got == DisputeClass(queue_class), (store_id, issue_id)
    return shown


def test_every_open_dispute(synced: tuple[Database, Workspace, Stores], anchor: datetime
                            ) -> None:
    db, ws, stores = synced
    assert_evidence_shows_the_queue(db, ws, anchor, stores)


def test_with_lane_overrides(synced: tuple[Database, Workspace, Stores], anchor: datetime
                             ) -> None:
    db, ws, stores = synced
    plain = queue_classes(db, anchor, stores)
    quick = assert_evidence_shows_the_queue(db, ws, anchor, with_lanes(stores))
    assert any(quick[k] != plain[k] for k in plain), "the lane overrides changed no class"


def test_with_an_operator_override(synced: tuple[Database, Workspace, Stores],
                                   anchor: datetime) -> None:
    db, ws, stores = synced
    before = queue_classes(db, anchor, stores)
    changed = []
    for key, code in list(before.items())[:3]:
        other = DisputeClass.EXTORTION if code != "extortion" else DisputeClass.LOST
        record_override(db, key[0], key[1], str(other), "ana", "read the chat again",
                        now=anchor, stores=stores)
        changed.append((key, other))
    for lanes in (stores, with_lanes(stores)):
        after = assert_evidence_shows_the_queue(db, ws, anchor, lanes)
        assert all(after[key] == str(other) for key, other in changed)


def test_the_panel_lists_the_queue_class(synced: tuple[Database, Workspace, Stores],
                                         anchor: datetime, tmp_path: Path) -> None:
    db, ws, stores = synced
    quick = with_lanes(stores)
    panel = EvidencePanel(db, ws.data_dir, tmp_path / "exports", stores=quick)
    evidence = EvidenceStore(db, ws.data_dir)
    assert len(panel.dispute.options) > 20
    for text, (store_id, issue_id) in panel.dispute.options:
        shown = text.rsplit(" · ", 1)[1]
        if shown != "unclassified":
            # The panel's clock is the real one; the class is stable within the hour.
            assert case_class(evidence, store_id, issue_id, None, quick) == shown, text
