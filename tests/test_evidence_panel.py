"""The evidence panel without a browser: checklist, add, render, upload, export."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.services.actions import DisputeActions
from disputekit.simulator.app import RunningSimulator
from disputekit.ui.evidence_panel import EvidencePanel, open_evidence
from tests.conftest import ConnectStore, SyncedTemplates

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128


@pytest.fixture
def simulator(fresh_simulator: RunningSimulator) -> RunningSimulator:
    """Tests here act on the simulator: each gets one in the state its copy was synced from."""
    return fresh_simulator


@pytest.fixture
def panel(workspace: Workspace, credentials: dict[str, str], tmp_path: Path,
          synced_templates: SyncedTemplates, connect_store: ConnectStore
          ) -> Iterator[EvidencePanel]:
    db = synced_templates.copy_into(workspace, ("volt",))
    made = EvidencePanel(db, workspace.data_dir, tmp_path / "exports", operator="ana",
                         actions_for=lambda sid: DisputeActions(
                             load_store(sid, workspace.parameters_dir),
                             connect_store(load_store(sid, workspace.parameters_dir)), db,
                             "ana"))
    # A logistics dispute: its checklist holds the tracking images (a product dispute's
    # does not), whichever dispute the demo data happens to list first.
    for _label, value in made.dispute.options:
        made.dispute.value = value
        if "tracking_timeline" in made.checklist.value:
            break
    yield made
    made.close()
    db.dispose()


def test_checklist_add_render_export(panel: EvidencePanel, tmp_path: Path) -> None:
    assert panel.selected is not None
    assert "tracking_timeline" in panel.checklist.value
    panel.add("photo of the parcel.png", PNG)
    assert "added" in panel.status.value
    panel._guard(lambda: panel.add("../../etc/passwd.png", PNG))
    assert "color:#b00020" in panel.status.value  # refused, in words
    panel.render_button.click()
    assert "images rendered" in panel.status.value and len(panel.previews.children) == 3
    panel.export_button.click()
    zips = list((tmp_path / "exports").glob("*.zip"))
    assert len(zips) == 1
    with zipfile.ZipFile(zips[0]) as z:
        names = z.namelist()
    assert "summary.html" in names and "manifest.json" in names
    assert sum(n.endswith(".png") for n in names) >= 3


def test_upload_goes_through_the_platform_once(panel: EvidencePanel, simulator) -> None:  # type: ignore[no-untyped-def]
    panel.render_button.click()
    panel.send_button.click()
    assert "Upload:" in panel.status.value and "ok" in panel.status.value
    store_id, issue_id = panel.selected  # type: ignore[misc]
    record = simulator.gateway.lifecycle.index[store_id][issue_id]
    proofs = [p for p in record.detail["process_dto_list"]
              if p["action_type"] == "seller_create_proof" and p["gmt_create"]]
    panel.send_button.click()  # again: nothing is sent twice
    again = [p for p in record.detail["process_dto_list"]
             if p["action_type"] == "seller_create_proof" and p["gmt_create"]]
    assert len(again) == len(proofs) and "skipped" in panel.status.value


def test_open_evidence_closes_its_store_connections_with_the_panel(
        workspace: Workspace, credentials: dict[str, str],
        synced_templates: SyncedTemplates) -> None:
    synced_templates.copy_into(workspace, ("volt",)).dispose()
    panel = open_evidence("ana", workspace)
    hands = panel.actions_for("volt")
    assert panel.actions_for("volt") is hands  # one client per store, kept
    assert not hands.client._http.is_closed
    panel.close()
    assert hands.client._http.is_closed
