"""Buyer-supplied text is shown as text, never run as markup or math.

A buyer controls their login id, name, address, messages and attachments, and the product
titles, reasons and tracking descriptions reach us through the same channels. Each payload
below is planted in the simulator (``Gateway.plant_buyer_text``) before the first sync, then
the reports, the evidence export and the workbook are opened in a real Chromium: no payload
may run (``window.__pwned`` stays undefined, no element it would create exists) and the
literal text must be readable. Screenshots land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import html
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import yaml
from matplotlib.text import Text

from disputekit.adapters.db.database import Database
from disputekit.adapters.parameters import load_store
from disputekit.adapters.workspace import Workspace
from disputekit.domain.privacy import mask_login
from disputekit.render.charts import figure_to_png, money_chart, rate_by_chart
from disputekit.render.evidence_summary import export_case_zip
from disputekit.run.runner import run_stores
from disputekit.services.evidence_snapshots import collect_from_api
from disputekit.services.evidence_store import EvidenceStore
from disputekit.services.store_day import connect
from disputekit.services.sync import SyncResult, sync_store
from disputekit.simulator.app import RunningSimulator, serve_in_thread
from disputekit.simulator.gateway import Gateway
from disputekit.ui.store_report import StoreReport
from tests.conftest import ARTIFACTS, REPO, make_workspace
from tests.jupyterlab import run_workbook, running_lab

# One payload per field, each distinct, so a failure names the field that leaked. They are
# short enough to survive the report's truncation of product titles (28 characters).
PAYLOADS: dict[str, str] = {
    "buyer": "<script>window.__pwned=1</script>",
    "name": '"><svg onload="window.__pwned=1">',
    "message": ('<img src=x onerror="window.__pwned=1"> {{7*7}} $x$ \\(y\\) '
                "\u202egnp.exe <b>bold</b> " + "long " * 800),
    "reason": "<iframe src=javascript:window.__pwned=1>",
    "product": "<img src=x onerror=__pwned=1>",
    "carrier": "<script>window.__pwned=1</script>Post",
    # A country is a code of at most 8 characters (longer ones are refused at the edge as
    # malformed): markup that fits, shown as text or the <b> would eat it.
    "country": "<b>X</b>",
    "attachment": '"><img src=x onerror=window.__pwned=1>.jpg',
    "tracking": "<img src=x onerror=__pwned=1> {{7*7}} $\\frac{1}{0}$",
}

# The store's name comes from its parameters file, which anyone with the workspace edits:
# markup and a Markdown link that would run script (issue 21, item 5).
STORE_NAME = '<img src=x onerror="window.__pwned=1"> [Volt](javascript:window.__pwned=1)'


def assert_not_run(page: Any, where: str) -> None:
    """No payload ran and none became an element."""
    assert page.evaluate("typeof window.__pwned") == "undefined", f"a payload ran in {where}"
    found = page.evaluate(
        "[...document.querySelectorAll(\"img[src='x'], svg[onload], [onerror], [onload], "
        "iframe[src^='javascript'], a[href^='javascript']\")]"
        ".map(e => e.outerHTML.slice(0, 120))")
    assert found == [], f"payload markup became elements in {where}: {found}"


def visible_text(page: Any) -> str:
    return str(page.evaluate("document.body.innerText"))


def shot(page: Any, name: str) -> None:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"hostile-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[RunningSimulator, list[int]]]:
    """A simulator of its own (the session's stays clean) whose volt store has the payloads
    in its three newest open disputes."""
    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    running = serve_in_thread(Gateway(seed=7, now=anchor))
    issue_ids = running.gateway.plant_buyer_text("volt", PAYLOADS, count=3)
    assert len(issue_ids) == 3
    yield running, issue_ids
    running.stop()


@pytest.fixture
def hostile_ws(tmp_path: Path, hostile: tuple[RunningSimulator, list[int]]) -> Workspace:
    ws = make_workspace(tmp_path / "ws", hostile[0].sync_url)
    for other in ("spark", "bloom"):  # one store keeps the runs and pages light
        (ws.parameters_dir / f"{other}.yaml").unlink()
    return ws


def synced(ws: Workspace) -> Database:
    db = Database.open(ws.db_url)
    store = load_store("volt", ws.parameters_dir)
    with connect(store) as client:
        sync_store(store, client, db, orders=True)
    return db


# -- the simulator plants faithfully -----------------------------------------------------

def test_admin_endpoint_plants_buyer_text_and_refuses_unknown_fields(anchor: datetime) -> None:
    running = serve_in_thread(Gateway(seed=7, now=anchor))
    try:
        ok = httpx.post(f"{running.url}/admin/buyer-text",
                        json={"store": "spark", "texts": {"product": "<b>x</b>"}, "count": 2})
        assert ok.status_code == 200
        ids = ok.json()["issue_ids"]
        assert len(ids) == 2
        record = running.gateway.lifecycle.index["spark"][ids[0]]
        assert record.detail["product_name"] == "<b>x</b>"
        bad = httpx.post(f"{running.url}/admin/buyer-text",
                         json={"store": "spark", "texts": {"password": "x"}})
        assert bad.status_code == 400 and "unknown buyer text field" in bad.json()["error"]
    finally:
        running.stop()


# -- charts: "$" in a product title is a dollar sign, not mathtext ------------------------

def test_chart_labels_and_titles_never_parse_mathtext() -> None:
    table = pd.DataFrame([
        {"product_name": "Lamp $\\frac{1}{0", "orders": 10, "disputes": 2, "rate": 0.2},
        {"product_name": "Cable $x$ 2m", "orders": 10, "disputes": 1, "rate": 0.1},
    ])
    fig = rate_by_chart(table, "product_name", "Rate by product")
    ticks = fig.axes[0].get_yticklabels()
    assert {t.get_text() for t in ticks} == set(table["product_name"])
    assert not any(t.get_parse_math() for t in ticks)
    assert figure_to_png(fig)  # an unbalanced "$" would raise ValueError here
    money = pd.DataFrame([{"class": "genuine_defect", "refunded": 12.5, "recovered": 1.0,
                           "net_lost": 11.5}])
    titles = [t for t in money_chart(money).findobj(Text) if t.get_text().startswith("Money")]
    assert len(titles) == 1
    title = titles[0]
    assert "US$12.50 refunded, US$1.00 recovered" in title.get_text()
    assert not title.get_parse_math()  # two "$" in one title would turn into math


# -- the rendered reports ----------------------------------------------------------------

@pytest.mark.notebook
def test_reports_show_hostile_buyer_text_as_text(hostile_ws: Workspace, browser: Any,
                                                 credentials: dict[str, str]) -> None:
    named(hostile_ws, STORE_NAME)
    summary = run_stores(hostile_ws, ["volt"], run_date=date(2026, 11, 28))
    assert summary.ok, [r.error for r in summary.runs]
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((hostile_ws.reports_dir / "2026-11-28" / "volt.html").as_uri())
        page.wait_for_load_state("load")
        shot(page, "report-volt")
        assert_not_run(page, "the store report")
        text = visible_text(page)
        # What the report shows of each field, literally: the product (first 28
        # characters), the masked login, the country and the reason.
        assert PAYLOADS["product"][:28] in text
        assert f"{mask_login(PAYLOADS['buyer'])} · {PAYLOADS['country']}" in text
        assert PAYLOADS["reason"] in text
        assert STORE_NAME in text  # the heading shows the name as written
        # Charts are images: every one rendered despite the "$" and markup in their labels.
        images = page.evaluate("[...document.images].map(i => i.naturalWidth)")
        assert images and all(w > 0 for w in images)

        page.goto((hostile_ws.reports_dir / "2026-11-28" / "index.html").as_uri())
        page.wait_for_load_state("load")
        assert_not_run(page, "the portfolio index")
        shot(page, "report-index")
    finally:
        page.close()
    assert errors == []


def named(ws: Workspace, name: str) -> None:
    path = ws.parameters_dir / "volt.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**data, "name": name}), encoding="utf-8")


def test_the_store_reports_headline_escapes_the_stores_name(tmp_path: Path) -> None:
    """Fast, without a kernel: what the notebook's headline cell displays."""
    ws = make_workspace(tmp_path / "ws", "http://127.0.0.1:9/sync")
    named(ws, STORE_NAME)
    day = StoreReport(store=load_store("volt", ws.parameters_dir), run_date=date(2026, 11, 28),
                      now=datetime(2026, 11, 28, 6, 30, tzinfo=UTC), sync=SyncResult("volt"),
                      queue=pd.DataFrame({"hours_left": []}))
    shown = day.headline()._repr_html_()
    assert "<img" not in shown and "<a" not in shown  # HTML: no Markdown link is made
    assert html.escape(STORE_NAME) in shown and "0 open disputes" in shown
    # and the notebooks hand no value to Markdown, which would make a link of the name
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        code = "".join("".join(c["source"]) for c in json.loads(notebook.read_text())["cells"]
                       if c["cell_type"] == "code")
        assert "Markdown(" not in code, notebook.name


def test_index_page_escapes_a_failed_stores_error(tmp_path: Path) -> None:
    """The index shows each failed store's error, which can quote platform text."""
    from disputekit.run.index import write_index
    from disputekit.run.store_run import StoreRun
    run = StoreRun(store_id="volt", status="failed", error=PAYLOADS["buyer"], duration=1.0)
    page = write_index(date(2026, 11, 28), [run], tmp_path / "index.html").read_text()
    assert PAYLOADS["buyer"] not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page


# -- the evidence export ----------------------------------------------------------------

def test_evidence_summary_shows_hostile_buyer_text_as_text(
        hostile_ws: Workspace, hostile: tuple[RunningSimulator, list[int]],
        credentials: dict[str, str], browser: Any, tmp_path: Path) -> None:
    db = synced(hostile_ws)
    evidence = EvidenceStore(db, hostile_ws.data_dir)
    issue_id = hostile[1][0]
    collect_from_api(evidence, "volt", issue_id)
    zipped = export_case_zip(evidence, "volt", issue_id, tmp_path / "out")
    with zipfile.ZipFile(zipped) as zf:
        summary = tmp_path / "summary.html"
        summary.write_bytes(zf.read("summary.html"))
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    try:
        page.goto(summary.as_uri())
        page.wait_for_load_state("load")
        shot(page, "evidence-summary")
        assert_not_run(page, "the evidence summary.html")
        text = visible_text(page)
        assert PAYLOADS["product"] in text
        assert "<img src=x onerror=\"window.__pwned=1\"> {{7*7}} $x$" in text  # the message
    finally:
        page.close()


# -- the workbook in a real JupyterLab ---------------------------------------------------

@pytest.fixture
def hostile_lab(hostile_ws: Workspace, credentials: dict[str, str],
                tmp_path: Path) -> Iterator[str]:
    synced(hostile_ws)
    with running_lab(hostile_ws, tmp_path) as url:
        yield url


@pytest.mark.notebook
def test_workbook_shows_hostile_buyer_text_as_text(hostile_lab: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        run_workbook(page, hostile_lab)
        page.get_by_role("button", name="Needs me").click()  # every open dispute

        # The queue: search for the hostile product, so only planted disputes are listed.
        search = page.locator(".widget-text", has_text="Search").locator("input")
        search.fill(PAYLOADS["buyer"])
        search.press("Enter")
        page.wait_for_timeout(1500)
        rows = page.locator(".dk-queue-table tbody tr[data-key]")
        assert rows.count() >= 1, "the planted disputes are not in the queue"
        shot(page, "lab-queue")
        rows.first.click()
        page.wait_for_function(  # the detail panel's facts table is drawn
            "() => [...document.querySelectorAll('.widget-html table th')]"
            ".some(th => th.innerText === 'Product')", timeout=30_000)
        page.wait_for_timeout(1000)
        shot(page, "lab-detail")

        assert_not_run(page, "the workbook")
        facts = dict(zip(page.locator(".widget-html table th").all_inner_texts(),
                         page.locator(".widget-html table td").all_inner_texts(), strict=False))
        assert facts["Product"] == PAYLOADS["product"]
        assert facts["Country"] == PAYLOADS["country"]
        assert facts["Reason"] == PAYLOADS["reason"]
        assert facts["Buyer"].startswith(PAYLOADS["buyer"] + " · ")
        text = visible_text(page)
        # Detail panel: each field as typed by the buyer.
        assert PAYLOADS["product"] in text
        assert PAYLOADS["reason"] in text
        assert PAYLOADS["country"] in text
        assert "<img src=x onerror=\"window.__pwned=1\"> {{7*7}} $x$ \\(y\\)" in text
        assert "<b>bold</b>" in text
        page.get_by_role("tab", name="Tracking").click()
        page.wait_for_timeout(500)
        assert_not_run(page, "the tracking tab")
        assert "<img src=x onerror=__pwned=1> {{7*7}} $\\frac{1}{0}$" in visible_text(page)
        # No MathJax/KaTeX typesetting of "$x$" in a widget.
        assert page.locator(".widget-html mjx-container, .widget-html .katex").count() == 0
        # The reply draft (a textarea) quotes the buyer's name, the product or the parcel's
        # last location as they are: a template fills them in, never renders them as one
        # ("{{7*7}}" stays "{{7*7}}", not 49).
        drafts = page.evaluate(
            "[...document.querySelectorAll('.widget-textarea textarea')].map(t => t.value)")
        quoted = [p for p in (PAYLOADS["name"], PAYLOADS["product"], PAYLOADS["tracking"])
                  if any(p in d for d in drafts)]
        assert quoted, f"no hostile text quoted literally in the reply draft: {drafts}"
    except Exception:
        shot(page, "lab-failure")
        raise
    finally:
        page.close()


# -- the evidence panel (widgets without a browser) and its rendered images -------------

def test_evidence_panel_escapes_hostile_text_and_renders_it(
        hostile_ws: Workspace, hostile: tuple[RunningSimulator, list[int]],
        credentials: dict[str, str], tmp_path: Path) -> None:
    from disputekit.ui.evidence_panel import EvidencePanel

    db = synced(hostile_ws)
    panel = EvidencePanel(db, hostile_ws.data_dir, tmp_path / "exports", operator="ana")
    planted = [v for _label, v in panel.dispute.options if v[1] in hostile[1]]
    assert planted, "the planted disputes are not offered"
    panel.dispute.value = planted[0]
    # A file name is the operator's, but it can come from a buyer's e-mail: same rule.
    panel.add('"><img src=x onerror=window.__pwned=1>.png', b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    assert "&quot;&gt;&lt;img src=x onerror=window.__pwned=1&gt;.png added" in panel.status.value
    assert "<img" not in panel.status.value and "<img" not in panel.checklist.value
    panel.render_button.click()  # tracking text with "$\frac{1}{0}$" must not break mathtext
    assert "images rendered" in panel.status.value, panel.status.value
    for widget in (panel.checklist, panel.status):
        value = widget.value.lower()
        for tag in ("<script", "<img", "<svg", "<iframe"):
            assert tag not in value, f"raw {tag} in the evidence panel: {widget.value[:200]}"
