"""Issue 17's first "Done when": the calibrated odds recover each store's true odds.

Six simulated stores are given different true odds for the same classes
(``simulator.stores.with_odds``), 90 days of closed history each; every store is synced over
loopback into a real database (SQLite, or PostgreSQL under ``make test-pg``), its outcomes
recorded by the sync. ``load_outcomes`` then ``calibrate`` per store: each odd's true value
must lie in the reported 90 % interval for at least 90 % of the class × odd cells with 30 or
more of the store's own cases. The data is deterministic by seed, so the check cannot flake;
coverage is of the model, not of luck (a cell's interval leaving its truth out ~10 % of the
time is what a 90 % interval means, hence "at least 90 %" over many cells, not "all").

The operators correct the classes the rules got wrong first (as in ``test_outcomes``): the
check is of the calibration, and a disputed delivery the rules read as stalled would count
another class's odds into the cell.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from disputekit.adapters.db.database import Database
from disputekit.domain.calibration import Odd, calibrate, tally
from disputekit.domain.decisions import CostModel
from disputekit.domain.taxonomy import DisputeClass
from disputekit.services.assessment import record_override
from disputekit.services.outcomes import load_outcomes
from disputekit.simulator.gateway import Gateway
from tests.conftest import new_db_url
from tests.odds_sync import odds_gateway, sync_all

# Each store's true odds, far apart between stores and from the priors, so a calibration
# that leaned on the portfolio or the parameters would miss them.
TRUTH: dict[str, dict[str, dict[str, float]]] = {
    "store1": {
        "stalled_in_transit": {"accepts_partial": 0.3, "escalates_if_refused": 0.1,
                               "seller_wins_arbitration": 0.8},
        "no_tracking": {"accepts_partial": 0.5, "escalates_if_refused": 0.9,
                        "seller_wins_arbitration": 0.5},
        "buyer_misuse": {"accepts_partial": 0.9, "escalates_if_refused": 0.6,
                         "seller_wins_arbitration": 0.2},
    },
    "store2": {
        "stalled_in_transit": {"accepts_partial": 0.8, "escalates_if_refused": 0.7,
                               "seller_wins_arbitration": 0.3},
        "no_tracking": {"accepts_partial": 0.2, "escalates_if_refused": 0.3,
                        "seller_wins_arbitration": 0.9},
        "buyer_misuse": {"accepts_partial": 0.4, "escalates_if_refused": 0.2,
                         "seller_wins_arbitration": 0.7},
    },
    "store3": {
        "stalled_in_transit": {"accepts_partial": 0.55, "escalates_if_refused": 0.4,
                               "seller_wins_arbitration": 0.5},
        "no_tracking": {"accepts_partial": 0.7, "escalates_if_refused": 0.6,
                        "seller_wins_arbitration": 0.2},
        "buyer_misuse": {"accepts_partial": 0.6, "escalates_if_refused": 0.9,
                         "seller_wins_arbitration": 0.4},
    },
    "store4": {
        "stalled_in_transit": {"accepts_partial": 0.2, "escalates_if_refused": 0.25,
                               "seller_wins_arbitration": 0.65},
        "no_tracking": {"accepts_partial": 0.9, "escalates_if_refused": 0.15,
                        "seller_wins_arbitration": 0.05},
        "buyer_misuse": {"accepts_partial": 0.75, "escalates_if_refused": 0.35,
                         "seller_wins_arbitration": 0.9},
    },
    "store5": {
        "stalled_in_transit": {"accepts_partial": 0.95, "escalates_if_refused": 0.85,
                               "seller_wins_arbitration": 0.15},
        "no_tracking": {"accepts_partial": 0.35, "escalates_if_refused": 0.45,
                        "seller_wins_arbitration": 0.7},
        "buyer_misuse": {"accepts_partial": 0.15, "escalates_if_refused": 0.5,
                         "seller_wins_arbitration": 0.6},
    },
    "store6": {
        "stalled_in_transit": {"accepts_partial": 0.65, "escalates_if_refused": 0.55,
                               "seller_wins_arbitration": 0.95},
        "no_tracking": {"accepts_partial": 0.6, "escalates_if_refused": 0.75,
                        "seller_wins_arbitration": 0.4},
        "buyer_misuse": {"accepts_partial": 0.3, "escalates_if_refused": 0.05,
                         "seller_wins_arbitration": 0.1},
    },
}
DISPUTES = 1200  # per store, over the generator's 90 days
MIN_CASES = 30

# A ruling the simulator makes for the buyer awards part of the refund this often
# (``simulator.solutions``: 30 %, a share drawn between 30 and 70 %, 50 % on average), and
# the calibration counts such a split as half a win.
_SPLIT = 0.3


def true_odd(odd: Odd, chances: dict[str, float]) -> float:
    """What the calibrated ``odd`` measures, from the simulator's true chances: the share
    of refusals escalated, of partial offers taken, and of arbitrations won with a split
    counted half (what the seller keeps, on average)."""
    if odd is Odd.ESCALATION_IF_REFUSED:
        return chances["escalates_if_refused"]
    if odd is Odd.PARTIAL_ACCEPTED:
        return chances["accepts_partial"]
    won = chances["seller_wins_arbitration"]
    return won + (1 - won) * _SPLIT * 0.5


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Gateway]]:
    gateway = odds_gateway(TRUTH, seed=1717, disputes=DISPUTES)
    db = Database.open(new_db_url(tmp_path_factory.mktemp("recovery")))
    for result in sync_all(gateway, db).values():
        assert result.outcomes > DISPUTES // 2 and not result.outcomes_skipped
    yield db, gateway
    db.dispose()


# What the reported interval is held to. The posterior's own 90 % interval, shrunk toward
# the portfolio, held 88.3 % of 349 cells over 20 seeds of three such stores: close to its
# level, so "at least 90 %" of a score of cells was a coin toss. The reported interval also
# holds the store's own exact interval (``Posterior.interval``): 94.8 % of 306 cells over
# nine seeds of these six stores (this seed among them), each seed at 90 % or more.
def test_each_stores_odds_are_recovered_within_the_90_percent_interval(
        synced: tuple[Database, Gateway]) -> None:
    db, gateway = synced
    truth = {(store_id, r.summary["issue_id"]): r.truth
             for store_id, ds in gateway.datasets.items() for r in ds.issues}
    classes = {str(c) for c in DisputeClass}
    for o in load_outcomes(db):
        true_class = truth[(o.store_id, o.issue_id)]
        if true_class in classes and str(o.dispute_class) != true_class:
            record_override(db, o.store_id, o.issue_id, true_class, "test", "the truth")
    # The simulator's few cases of no class of the taxonomy (a buyer's personal reason)
    # answer by the scenarios' default odds, not the store's: no operator could put them
    # in a class, so they are left out rather than counted into a cell that is not theirs.
    outcomes = [o for o in load_outcomes(db) if str(o.dispute_class)
                == truth[(o.store_id, o.issue_id)]]
    tallies = tally(outcomes)  # every store's at once: the portfolio lends to each

    checked: list[tuple[str, str, str, int, float, float, float]] = []
    for store_id, odds in TRUTH.items():
        calibrated = calibrate(tallies, CostModel(), store_id)
        for code, chances in odds.items():
            for odd in (Odd.ESCALATION_IF_REFUSED, Odd.WIN_CHANCE, Odd.PARTIAL_ACCEPTED):
                p = calibrated.get(odd, DisputeClass(code))
                if p.cases < MIN_CASES:
                    continue
                low, high = p.interval()
                checked.append((store_id, code, str(odd), p.cases, true_odd(odd, chances),
                                low, high))
    missed = [c for c in checked if not c[5] <= c[4] <= c[6]]
    # enough cells to make "90 % of them" mean something: most of the 54 have 30 cases
    assert len(checked) >= 30, checked
    assert len(missed) <= 0.1 * len(checked), missed
