"""``disputekit whatif`` and the workbook's What-if panel on a database synced from the demo
stores: the comparison printed and shown, the same figures both ways, and one-line errors
for a wrong policy file or an unknown store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import load_all
from disputekit.adapters.workspace import Workspace
from disputekit.domain.decisions import Action
from disputekit.domain.outcomes import End
from disputekit.domain.taxonomy import DisputeClass as C
from disputekit.domain.whatif import Choice, Policy
from disputekit.run.cli import main
from disputekit.services.whatif import closed_outcomes, compare_stored
from disputekit.ui.whatif_panel import AS_TODAY, WhatIfPanel, open_whatif
from tests.conftest import SyncedTemplates

NOW = datetime.now(UTC).replace(microsecond=0)
POLICY = """\
name: refund stalled parcels
classes:
  stalled_in_transit: full_refund
  delivered_disputed: {action: partial_refund, share: 0.25}
"""
DRAWS = 300  # enough for the figures to agree between the CLI and the panel (same seed)


@pytest.fixture
def synced(workspace: Workspace, synced_templates: SyncedTemplates) -> Iterator[Database]:
    db = synced_templates.copy_into(workspace, ("volt", "bloom"))
    yield db
    db.dispose()


def run(workspace: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["whatif", "--home", str(workspace.root), *args])
    return result.exit_code, result.output


def test_the_stored_closed_disputes_are_read_with_their_ends(synced: Database) -> None:
    outcomes = closed_outcomes(synced, NOW)
    stores = {o.store_id for o in outcomes}
    assert stores == {"volt", "bloom"} and len(outcomes) > 300
    ends = {o.end for o in outcomes}
    assert {End.BUYER_CANCELLED, End.AGREED, End.ARBITRATION_WON,
            End.ARBITRATION_LOST} <= ends


def test_whatif_prints_today_and_the_alternative_side_by_side(
        synced: Database, workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "stalled.yaml"
    path.write_text(POLICY, encoding="utf-8")
    code, out = run(workspace, "--policy", str(path), "--store", "volt", "--draws",
                    str(DRAWS))
    assert code == 0, out
    lines = out.splitlines()
    assert re.match(r"What if: store volt, \d+ closed disputes of the last 90 days, \d+ "
                    r"answered differently by refund stalled parcels", lines[0])
    assert lines[1] == ("refund stalled parcels: stalled_in_transit: full_refund; "
                        "delivered_disputed: partial_refund (25%)")
    assert lines[2].split() == ["actual", "today's", "policy", "refund", "stalled",
                                "parcels", "change"]
    money = next(line for line in lines if line.startswith("money lost"))
    # the actual money, each policy's mean (low–high), the change (low to high)
    assert re.fullmatch(r"money lost\s+USD [\d,]+\.\d\d" + 2 * (
        r"\s+USD [\d,]+\.\d\d \(USD [\d,]+\.\d\d–[\d,]+\.\d\d\)")
        + r"\s+USD \+[\d,]+\.\d\d \([+-][\d,]+\.\d\d to \+[\d,]+\.\d\d\)", money)
    assert next(line for line in lines if line.startswith("arbitrations"))
    assert re.search(r"dispute rate\s+[\d.]+ %", out)

    # the same figures as the service computes, and refunding every stalled parcel costs
    # more than today's mostly refusing them
    comparison = compare_stored(synced, Policy(
        {C.STALLED_IN_TRANSIT: Choice(Action.FULL_REFUND),
         C.DELIVERED_DISPUTED: Choice(Action.PARTIAL_REFUND, share=0.25)},
        "refund stalled parcels"), now=NOW, store_id="volt",
        stores={s.store_id: s for s in load_all(workspace.parameters_dir)}, draws=DRAWS)
    assert comparison.rows()[0][0] == "money lost"
    assert comparison.rows()[0][1] in money  # the actual money is not drawn: exact
    assert comparison.alternative.money.mean > comparison.today.money.mean
    # a refund is never arbitrated: fewer arbitrations than today
    assert comparison.alternative.arbitrations.mean < comparison.today.arbitrations.mean
    # refunding costs more whatever the odds and the buyers: the change's interval is
    # above 0, and far narrower than the two estimates' intervals side by side
    assert comparison.change is not None
    money_change, arbitrations_change, _rate = comparison.change
    assert money_change.low > 0 and arbitrations_change.high < 0
    assert money_change.high - money_change.low < (
        comparison.alternative.money.high - comparison.alternative.money.low)


def test_whatif_over_all_stores_and_fewer_days(synced: Database, workspace: Workspace,
                                               tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("classes: {lost: resend}\n", encoding="utf-8")
    code, out = run(workspace, "--policy", str(path), "--days", "30", "--draws", "200")
    assert code == 0, out
    assert out.startswith("What if: all stores, ")
    assert "of the last 30 days" in out and "p: lost: resend" in out


@pytest.mark.parametrize(("args", "said"), [
    (("--store", "nowhere"), "Error: unknown store 'nowhere': there is no "),
    (("--store", "../volt"), "Error: '../volt' is not a valid store id"),
])
def test_an_unknown_store_is_one_line(synced: Database, workspace: Workspace,
                                      tmp_path: Path, args: tuple[str, ...],
                                      said: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("classes: {lost: resend}\n", encoding="utf-8")
    code, out = run(workspace, "--policy", str(path), *args)
    assert code == 1
    assert out.startswith(said) and "Traceback" not in out


def test_a_store_without_stored_disputes_is_one_line(synced: Database, workspace: Workspace,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("classes: {lost: resend}\n", encoding="utf-8")
    code, out = run(workspace, "--policy", str(path), "--store", "spark")
    assert code == 1
    assert out.strip() == ("Error: no stored disputes for store 'spark'; stores with "
                           "disputes: bloom, volt. Sync it first, or fix the store id.")


def test_a_wrong_policy_file_is_one_line(synced: Database, workspace: Workspace,
                                         tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("classes:\n  stalled_in_transit: {action: partial_refund, share: 30}\n",
                    encoding="utf-8")
    code, out = run(workspace, "--policy", str(path))
    assert code == 1
    assert out.strip() == (f"Error: {path}: classes.stalled_in_transit.share must be "
                           "between 0 and 1 (a part of the refund asked: 0.3 for 30 %), "
                           "got 30")
    code, out = run(workspace, "--policy", str(tmp_path / "missing.yaml"))
    assert code == 1 and "no such policy file" in out and len(out.strip().splitlines()) == 1


def test_the_panel_shows_the_comparison_of_the_policy_its_dropdowns_say(
        synced: Database, workspace: Workspace) -> None:
    stores = {s.store_id: s for s in load_all(workspace.parameters_dir)}
    panel = WhatIfPanel(synced, stores, now=NOW, draws=DRAWS)
    assert panel.actions[C.LOST].value == AS_TODAY
    panel.compare_button.click()  # nothing chosen yet
    assert "choose an action for at least one class first" in panel.result.value
    assert panel.comparison is None

    panel.store.value = "volt"
    panel.actions[C.STALLED_IN_TRANSIT].value = "full_refund"
    assert panel.shares[C.DELIVERED_DISPUTED].disabled
    panel.actions[C.DELIVERED_DISPUTED].value = "partial_refund"
    assert not panel.shares[C.DELIVERED_DISPUTED].disabled  # the share goes with an offer
    panel.shares[C.DELIVERED_DISPUTED].value = 0.25
    assert panel.policy().choices == {
        C.STALLED_IN_TRANSIT: Choice(Action.FULL_REFUND),
        C.DELIVERED_DISPUTED: Choice(Action.PARTIAL_REFUND, share=0.25)}
    panel.compare_button.click()
    assert panel.comparison is not None
    expected = compare_stored(synced, panel.policy(), now=NOW, store_id="volt",
                              stores=stores, draws=DRAWS)
    assert panel.comparison == expected
    shown = panel.result.value
    assert "store volt" in shown and "<th>today&#x27;s policy</th>" in shown
    for row in expected.rows():
        assert f"<td>{row[0]}</td>" in shown and row[3].replace("'", "&#x27;") in shown

    panel.days.value = 1  # a day with no closed dispute: still a table, of nothing
    panel.compare_button.click()
    assert panel.comparison is not None and panel.comparison.today.disputes == 0


def test_open_whatif_reads_the_workspace_and_closes_its_database(
        synced: Database, workspace: Workspace) -> None:
    panel = open_whatif(workspace)
    assert list(panel.store.options) == ["all stores", "bloom", "spark", "volt"]
    assert len(panel.actions) == len(C)
    panel.close()
    assert panel._on_close is None  # released once
