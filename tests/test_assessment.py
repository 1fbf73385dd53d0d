"""The triage brain on synced data: every open dispute classified with a recommendation in
the queue; an operator's override wins and is reported; the blocklist counts everywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from disputekit.adapters.db.database import Database
from disputekit.adapters.db.tables import DisputeRow
from disputekit.adapters.workspace import Workspace
from disputekit.domain.buyers import BuyerHistory
from disputekit.domain.taxonomy import DisputeClass
from disputekit.errors import ActionError
from disputekit.services.assessment import (
    block_buyer,
    buyer_histories,
    buyer_history,
    effective_class,
    history_counts,
    record_override,
    rules_vs_operators,
)
from disputekit.services.queue import open_disputes
from disputekit.simulator.app import RunningSimulator
from disputekit.ui.review import ReviewQueue
from tests.conftest import SyncedTemplates

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def simulator(fresh_simulator: RunningSimulator) -> RunningSimulator:
    """Tests here compare with the simulator: one in the state their copy was synced from."""
    return fresh_simulator


@pytest.fixture
def synced(workspace: Workspace, credentials: dict[str, str],
           synced_templates: SyncedTemplates) -> Database:
    return synced_templates.copy_into(workspace, ("volt", "spark"))


def test_every_open_dispute_is_classified_with_a_recommendation(
        synced: Database, simulator: RunningSimulator) -> None:
    now = datetime.now(UTC)
    queue = open_disputes(synced, now)
    codes = {c.value for c in DisputeClass}
    assert len(queue) > 0 and set(queue["class"]) <= codes
    assert queue["recommended"].notna().all() and (queue["confidence"] > 0).all()
    assert queue["why"].str.len().min() > 0  # reasons an operator can check
    # The simulator's "buyer_personal_reason" cases are the class of the buyer's own reason.
    as_class = {"buyer_personal_reason": DisputeClass.BUYER_OWN_REASON.value}
    truth = {(s, r.summary["issue_id"]): as_class.get(r.truth, r.truth)
             for s, ds in simulator.gateway.datasets.items() for r in ds.issues}
    scored = [(row["class"], truth[(row["store_id"], row["issue_id"])])
              for row in queue.to_dict("records")]
    right = sum(got == want for got, want in scored)
    assert right / len(scored) > 0.85  # the bench measures it properly; this guards wiring


def test_override_wins_everywhere_and_is_reported(synced: Database) -> None:
    now = datetime.now(UTC)
    first = open_disputes(synced, now).iloc[0]
    other = next(c.value for c in DisputeClass if c.value != first["class"])
    with pytest.raises(ActionError, match="who made it and why"):
        record_override(synced, first["store_id"], int(first["issue_id"]), other, "ana", " ")
    with pytest.raises(ActionError, match="not a dispute class"):
        record_override(synced, first["store_id"], int(first["issue_id"]), "bogus", "ana", "x")
    record_override(synced, first["store_id"], int(first["issue_id"]), other, "ana",
                    "the buyer sent a video: it is broken")
    again = open_disputes(synced, now)
    row = again[again["issue_id"] == first["issue_id"]].iloc[0]
    assert row["class"] == other and row["rule_class"] == first["class"]
    assert row["overridden_by"] == "ana"
    report = rules_vs_operators(synced, now)
    assert report.iloc[0]["rules said"] == first["class"]
    assert report.iloc[0]["operators said"] == other
    assert "video" in report.iloc[0]["why (examples)"]
    queue = ReviewQueue(synced)
    queue.select(first["store_id"], int(first["issue_id"]))
    assert other in queue.detail.value and "set by ana" in queue.detail.value


def test_one_buyer_history_across_stores(synced: Database) -> None:
    """One count for every view: each buyer's disputes, disputed orders and stores across
    every synced store, a login matched however it is cased."""
    with synced.session() as s:
        rows = s.execute(select(DisputeRow.buyer_login_id, DisputeRow.store_id,
                                DisputeRow.parent_order_id)).all()
        known = buyer_histories(s)
    for login in {r[0] for r in rows}:
        mine = [r for r in rows if r[0].strip().casefold() == login.strip().casefold()]
        want = {"orders": len({(r[1], r[2]) for r in mine}), "disputes": len(mine),
                "stores": len({r[1] for r in mine})}
        assert history_counts(known, login) == want
        assert history_counts(known, f" {login.upper()} ") == want
    assert any(h.stores > 1 for h in known.values()), "no buyer disputes in two stores"
    assert history_counts(known, "nobody-at-all") == {}
    # One buyer's record, as the review panel reads it, is the same count.
    with synced.session() as s:
        for login in list({r[0] for r in rows})[:20]:
            assert buyer_history(s, f" {login.upper()} ") == known[login.strip().casefold()]
        assert buyer_history(s, "nobody-at-all") == BuyerHistory()


def test_effective_class_of_one_dispute(synced: Database) -> None:
    now = datetime.now(UTC)
    row = open_disputes(synced, now).iloc[0]
    assert effective_class(synced, row["store_id"], int(row["issue_id"]), now) \
        == DisputeClass(row["class"])
    with pytest.raises(ActionError, match="sync the store first"):
        effective_class(synced, "volt", 1, now)


def test_blocklisted_buyer_is_flagged_in_every_store(synced: Database) -> None:
    now = datetime.now(UTC)
    queue = open_disputes(synced, now)
    buyer = queue.iloc[0]["buyer"]
    block_buyer(synced, buyer, "ana", "asked for 30% to cancel, twice")
    flagged = open_disputes(synced, now)
    assert set(flagged[flagged["buyer"] == buyer]["abuse_level"]) == {"blocklisted"}


def test_triage_command_reads_lines_and_names_bad_ones(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "disputekit", "triage", "--input",
         str(REPO / "examples" / "triage-input.jsonl"), "--output", str(out),
         "--now", "2026-11-28T00:00:00Z"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1  # the example holds one malformed line on purpose
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 7
    bad = [line for line in lines if "error" in line]
    assert len(bad) == 1 and bad[0]["line"] == 4 and bad[0]["field"] == "dispute.gmt_create"
    assert "line 4" in result.stderr
    good = [line for line in lines if "error" not in line]
    assert all({"class", "confidence", "response_deadline", "recommended_action", "options"}
               <= set(line) for line in good)
    assert good[0]["class"] == "stalled_in_transit"
    bad_now = subprocess.run(
        [sys.executable, "-m", "disputekit", "triage", "--input",
         str(REPO / "examples" / "triage-input.jsonl"), "--now", "yesterday"],
        capture_output=True, text=True, timeout=120)
    assert bad_now.returncode == 2 and "--now" in bad_now.stderr
