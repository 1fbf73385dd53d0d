"""The evidence workbook (``notebooks/evidence.ipynb``): pick a dispute, see its checklist,
add files, render and preview the images, upload them, export the zip.

Widgets only arrange controls; the services (``evidence_store``, ``evidence_case``,
``evidence_snapshots``, ``evidence_upload``) and the render layer (``evidence_drawing``,
``evidence_summary``) do the work. The class shown is the queue's, lane overrides
included. Errors are shown as words in the panel; file names and buyer text are escaped.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import StoreParameters
from disputekit.domain.evidence import EvidenceKind, ItemState
from disputekit.domain.platform_time import utc_now
from disputekit.errors import DisputeKitError
from disputekit.render.evidence_drawing import render_case
from disputekit.render.evidence_summary import export_case_zip
from disputekit.services.actions import DisputeActions
from disputekit.services.evidence_case import checklist
from disputekit.services.evidence_snapshots import collect_from_api
from disputekit.services.evidence_store import EvidenceStore
from disputekit.services.evidence_upload import upload_latest
from disputekit.services.queue import open_disputes
from disputekit.ui.store_connections import ReleasesOnClose, StoreConnections

_STATE_MARK = {ItemState.COLLECTED: "✓", ItemState.MISSING: "✗",
               ItemState.NOT_APPLICABLE: "–"}


#: The largest zip offered as a download link (it travels inside the widget's state).
DOWNLOAD_LIMIT = 25 * 1024 * 1024


def download_link(path: Path) -> str:
    """A link that downloads ``path`` from the browser: the lab serves only the notebooks
    folder, and the exports stay with the data, outside it."""
    size = path.stat().st_size
    if size > DOWNLOAD_LIMIT:
        return (f"<i>{html.escape(path.name)} is {size / 2**20:.0f} MB, too big to download "
                f"here: take it from {html.escape(str(path))}</i>")
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    name = html.escape(path.name, quote=True)
    return (f"<a download=\"{name}\" href=\"data:application/zip;base64,{data}\" "
            f"class=\"dk-download\">Download {name} ({size / 1024:.0f} KB)</a>")


class EvidencePanel(ReleasesOnClose, widgets.VBox):  # type: ignore[misc]
    """``EvidencePanel(db, data_dir, exports_dir, actions_for=..., operator=...,
    stores=...)``; ``stores`` (the stores' parameters) give the lane overrides the queue
    classifies with."""

    def __init__(self, db: Database, data_dir: Path, exports_dir: Path, *, operator: str = "",
                 actions_for: Callable[[str], DisputeActions] | None = None,
                 stores: Mapping[str, StoreParameters] | None = None,
                 on_close: Callable[[], None] | None = None,
                 frame: pd.DataFrame | None = None) -> None:
        self.db = db
        # What the opener made for this panel alone (open_evidence: the store connections
        # and the database), released by ``close()``.
        self._on_close = on_close
        self.store = EvidenceStore(db, data_dir)
        self.exports_dir = exports_dir
        self.operator = operator
        self.actions_for = actions_for
        self.stores = stores
        # Only the class is shown here, which the odds do not change: the recorded outcomes
        # are not read (``()``), so the panel opens without pricing every dispute's advice.
        # ``frame``: the open queue when the caller has it (the review workbook's Evidence
        # tab, which follows its own selection and hides the dropdown).
        queue = open_disputes(db, utc_now(), stores=stores, outcomes=()) if frame is None \
            else frame
        options = [(f"{r['store_id']} · {r['parent_order_id']} · {r['class']}",
                    (str(r["store_id"]), int(r["issue_id"]))) for r in queue.to_dict("records")]
        self.dispute = widgets.Dropdown(options=options, description="Dispute",
                                        layout=widgets.Layout(width="70%"))
        self.checklist = widgets.HTML()
        self.kind = widgets.Dropdown(options=[k.value for k in EvidenceKind],
                                     value=EvidenceKind.SELLER_MEDIA.value, description="As")
        self.upload = widgets.FileUpload(accept="image/*,video/*,.pdf", multiple=True,
                                         description="Add files")
        self.render_button = widgets.Button(description="Render images", icon="image")
        self.send_button = widgets.Button(description="Upload to AliExpress", icon="upload",
                                          layout=widgets.Layout(width="auto"))
        self.export_button = widgets.Button(description="Export zip", icon="download")
        self.previews = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self.status = widgets.HTML()
        self.download = widgets.HTML()  # the exported zip, to download from the browser
        self.dispute.observe(lambda _c: self.refresh(), names="value")
        self.upload.observe(lambda _c: self._add_uploaded(), names="value")
        self.render_button.on_click(lambda _b: self._guard(self.render))
        self.send_button.on_click(lambda _b: self._guard(self.send))
        self.export_button.on_click(lambda _b: self._guard(self.export))
        super().__init__([
            self.dispute, self.checklist, widgets.HBox([self.kind, self.upload]),
            widgets.HBox([self.render_button, self.send_button, self.export_button]),
            self.status, self.download, self.previews])
        self.refresh()

    def show(self, store_id: str, issue_id: int) -> None:
        """Follow another view's selection (the review workbook): the dropdown is hidden
        and the panel shows this dispute."""
        self.dispute.layout.display = "none"
        key = (store_id, int(issue_id))
        if key not in [value for _label, value in self.dispute.options]:
            self.dispute.options = [*self.dispute.options, (f"{store_id} · {issue_id}", key)]
        self.previews.children = []
        self.download.value = ""
        if self.dispute.value == key:
            self.refresh()
        else:
            self.dispute.value = key

    @property
    def selected(self) -> tuple[str, int] | None:
        value: tuple[str, int] | None = self.dispute.value
        return value

    def refresh(self) -> None:
        if self.selected is None:
            self.checklist.value = "<i>No open dispute.</i>"
            return
        store_id, issue_id = self.selected
        try:
            collect_from_api(self.store, store_id, issue_id)
            items = checklist(self.store, store_id, issue_id, stores=self.stores)
        except DisputeKitError as exc:
            self._error(str(exc))
            return
        rows = "".join(
            f"<tr><td>{_STATE_MARK[a.state]}</td><td>{html.escape(str(a.item.kind))}</td>"
            f"<td>{html.escape(a.state.value)}</td><td>{html.escape(a.note)}</td></tr>"
            for a in items)
        self.checklist.value = f"<table>{rows}</table>"

    def add(self, name: str, data: bytes) -> None:
        """Attach one file to the selected dispute (what the upload control calls)."""
        if self.selected is None:
            raise DisputeKitError("select a dispute first")
        store_id, issue_id = self.selected
        self.store.add_file(store_id, issue_id, name, data, self.operator or "operator",
                            self.kind.value)
        self.status.value = f"✓ {html.escape(name)} added"
        self.refresh()

    def _add_uploaded(self) -> None:
        for upload in self.upload.value:
            self._guard(partial(self.add, str(upload["name"]), bytes(upload["content"])))

    def render(self) -> None:
        assert self.selected is not None
        store_id, issue_id = self.selected
        images = render_case(self.store, store_id, issue_id,
                             added_by=self.operator or "disputekit", stores=self.stores)
        # Two to a row: a timeline's dates and a label's words must stay readable.
        self.previews.children = [
            widgets.Image(value=self.store.read(item), format="png",
                          layout=widgets.Layout(width="48%", margin="0 1% 8px 0"))
            for item in images]
        self.status.value = f"✓ {len(images)} images rendered"
        self.refresh()

    def send(self) -> None:
        """Upload the rendered images (each once: see ``evidence_upload.upload_latest``)."""
        assert self.selected is not None
        if self.actions_for is None or not self.operator:
            raise DisputeKitError("uploading needs a store connection and your name: open "
                                  "the panel with actions_for=... and operator=...")
        store_id, issue_id = self.selected
        outcomes = upload_latest(self.store, self.actions_for(store_id), issue_id)
        said = ", ".join(f"{o.kind}: {o.status}" for o in outcomes)
        self.status.value = f"Upload: {html.escape(said)}"

    def export(self) -> None:
        assert self.selected is not None
        store_id, issue_id = self.selected
        path = export_case_zip(self.store, store_id, issue_id, self.exports_dir,
                               stores=self.stores)
        self.status.value = f"✓ exported {html.escape(str(path))}"
        self.download.value = download_link(Path(path))

    def _guard(self, work: Callable[[], Any]) -> None:
        try:
            work()
        except DisputeKitError as exc:
            self._error(str(exc))

    def _error(self, message: str) -> None:
        self.status.value = f"<span style='color:#b00020'>{html.escape(message)}</span>"


def open_evidence(operator: str = "", workspace: Any = None) -> EvidencePanel:
    """The evidence panel on the workspace, with the hands to upload (like ``open_review``);
    ``close()`` on it closes the store connections and the database."""
    import os

    from disputekit.adapters.parameters import load_all
    from disputekit.adapters.workspace import Workspace

    operator = operator.strip() or os.environ.get("DISPUTEKIT_OPERATOR", "").strip()
    ws = workspace or Workspace.discover()
    stores = {s.store_id: s for s in load_all(ws.parameters_dir)}
    db = Database.open(ws.db_url)
    connections = StoreConnections(stores, db, operator)

    def release() -> None:
        connections.close()
        db.dispose()

    # Exports hold the buyer's own photos: they stay with the data, not the shared reports.
    return EvidencePanel(db, ws.data_dir, ws.data_dir / "exports", operator=operator,
                         actions_for=connections, stores=stores, on_close=release)
