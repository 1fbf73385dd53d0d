"""The queue's advice is priced by the stores' recorded history by default (issue 17).

The sync records each closed dispute's outcome; ``open_disputes`` (and so the workbook's
``OperatorQueue`` and the store report's queue) reads them when not handed any, so a
synced store's advice shows the odds its own history set, and ``outcomes=()`` gives the
parameters' priors alone.
"""

from __future__ import annotations

from pathlib import Path

from disputekit.domain.platform_time import utc_now
from disputekit.services.outcomes import load_outcomes
from disputekit.services.queue import OperatorQueue, open_disputes
from disputekit.simulator.app import RunningSimulator
from tests.conftest import SyncedTemplates, make_workspace


def test_the_queue_reads_the_recorded_outcomes_unless_told_otherwise(
        tmp_path: Path, simulator: RunningSimulator, synced_templates: SyncedTemplates) -> None:
    db = synced_templates.copy_into(make_workspace(tmp_path, simulator.sync_url), ("volt",))
    try:
        now = utc_now()
        outcomes = load_outcomes(db)
        assert len(outcomes) > 100  # the demo store's closed history, recorded by the sync
        by_default = open_disputes(db, now)
        given = open_disputes(db, now, outcomes=outcomes)
        priors = open_disputes(db, now, outcomes=())
        # the same advice as when the outcomes are handed over: read, not ignored
        assert by_default[["issue_id", "recommended", "recommended_cost", "odds"]].equals(
            given[["issue_id", "recommended", "recommended_cost", "odds"]])
        # the store's own history is quoted, the priors' queue quotes none
        quoted = by_default["odds"].str.contains("of your", regex=False)
        assert quoted.sum() >= 5, by_default["odds"].tolist()
        assert (priors["odds"] == "").all()
        assert (by_default["recommended_cost"] != priors["recommended_cost"]).any()
        # the workbook's queue too
        assert OperatorQueue(db, now).frame["odds"].equals(by_default["odds"])
        assert (OperatorQueue(db, now, outcomes=()).frame["odds"] == "").all()
    finally:
        db.dispose()
