"""The portfolio page (reports/<date>/index.html) as a team lead opens it: from the disk, no
server, in headless Chromium: the overdue disputes first, failed and worsening stores
flagged, a chart per store with its words, every link working, tables sortable and
filterable, no console error; and readable with scripts off."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from disputekit.domain.privacy import mask_login
from disputekit.run.index import write_index
from disputekit.run.store_run import StoreRun
from disputekit.services.portfolio import Overdue, Portfolio, StoreFigures
from tests.conftest import ARTIFACTS

DAY = date(2026, 11, 28)
HOSTILE = '<img src=x onerror="alert(1)">'


def _weeks(rates: list[float | None]) -> list[tuple[date, float | None]]:
    return [(date(2026, 9, 1 + i), r) for i, r in enumerate(rates)]


def _page(folder: Path) -> Path:
    """Three stores: volt steady, spark getting worse, bloom failed; 12 overdue disputes."""
    for store in ("volt", "spark"):
        (folder / f"{store}.html").write_text(f"<html><body>{store}</body></html>")
    runs = [
        StoreRun("volt", "ok", 30.0, report=folder / "volt.html", rate=0.012,
                 rate_change=-0.0005),
        StoreRun("spark", "ok", 41.0, report=folder / "spark.html", rate=0.031,
                 rate_change=0.006),
        StoreRun("bloom", "failed", 3.0, error=f"ConfigError: no token {HOSTILE}"),
    ]
    portfolio = Portfolio(
        as_of=datetime(2026, 11, 28, 7, tzinfo=UTC),
        stores=[
            StoreFigures("volt", {"overdue": 2, "due in 24 h": 3, "due in 48 h": 1,
                                  "later": 9}, _weeks([0.012] * 12 + [0.011]), 0.012,
                         0.0125, 812.5, 64.0),
            StoreFigures("spark", {"overdue": 10, "due in 24 h": 1, "due in 48 h": 0,
                                   "later": 4}, _weeks([0.015, None, *[0.02] * 10, 0.035]),
                         0.031, 0.025, 1934.25, 0.0),
        ],
        overdue=[Overdue("spark" if i % 3 else "volt", f"80{i:04d}", mask_login(
            f"buyer{i}longlogin"), f"Phone case {i} {HOSTILE}", "Item not received",
            10.0 + i, 100.0 - i) for i in range(12)],
    )
    return write_index(DAY, runs, folder / "index.html", portfolio=portfolio)


def test_the_page_flags_what_a_team_lead_acts_on(tmp_path: Path) -> None:
    html = _page(tmp_path).read_text()
    # Overdue disputes come first, before the stores' table, buyers masked, text escaped.
    assert html.index('id="overdue"') < html.index('id="stores"')
    assert "12 open disputes past the seller's deadline" in html
    assert "buyer0longlogin" not in html and mask_login("buyer0longlogin") in html
    assert HOSTILE not in html and "&lt;img src=x" in html
    # The failed store in the banner, the worsening store flagged with its rise.
    assert '<span class="failed">bloom</span>' in html
    assert 'data-store="spark"' in html and "up 0.60 points" in html
    assert 'data-store="volt"' not in html
    # Money this month and urgency per store.
    assert "Lost in November 2026" in html and "$1,934.25" in html and "$64.00" in html
    words = " ".join(html.split())
    assert "week of 01 Sep: 1.50 %" in words and "week of 02 Sep: no orders counted" in words


def test_the_page_in_chromium(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    index = _page(tmp_path)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))
    page.goto(index.as_uri())
    page.wait_for_load_state("load")
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "portfolio.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1200  # no sideways scroll

    # Every chart has a text alternative; one per store that ran.
    charts = page.locator("svg.spark")
    assert charts.count() == 2
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "img"
        assert "weekly dispute rate" in (chart.get_attribute("aria-label") or "")
        assert chart.locator("title").text_content()
    assert "getting worse" in (page.locator("svg.spark").nth(1).get_attribute("aria-label")
                               or "")
    assert page.locator("img").count() == 0 or all(
        page.locator("img").nth(i).get_attribute("alt")
        for i in range(page.locator("img").count()))
    # The worsening store is flagged where the eye goes: the list and its row.
    assert page.locator("li.worse", has_text="spark").is_visible()
    assert page.locator("tr.worsening", has_text="spark").is_visible()
    assert page.locator("#failed-stores", has_text="bloom").is_visible()

    # Every link opens a page that exists (file URLs: no server).
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert hrefs
    for href in set(hrefs):
        target = browser.new_page()
        response = target.goto(href)
        assert response is not None and response.ok, href
        target.close()

    # The overdue table (12 rows) is filterable and sortable.
    table = page.locator("#overdue ~ .scroll table").first
    rows = table.locator("tbody tr")
    assert rows.count() == 12
    page.locator("label.dk-filter input").first.fill("volt")
    assert sum(rows.nth(i).is_visible() for i in range(12)) == 4
    page.locator("label.dk-filter input").first.fill("")
    table.locator("th button", has_text="USD").click()
    first_usd = rows.nth(0).locator("td").nth(5).text_content()
    table.locator("th button", has_text="USD").click()
    last_first = rows.nth(0).locator("td").nth(5).text_content()
    assert (first_usd, last_first) == ("10.00", "21.00")
    assert errors == []


def test_the_page_reads_with_scripts_off(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    index = _page(tmp_path)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(index.as_uri())
    assert page.locator("table").first.locator("tbody tr").count() == 12
    assert page.locator("label.dk-filter").count() == 0  # no dead controls
    assert "spark" in page.locator("li.worse").inner_text()
    context.close()
