"""`bench/run_all.py --quick` runs every benchmark and prints the one table with every row.

No timing is asserted: the machine is shared and noisy; the figures are `make bench`'s.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

ROWS = [
    "Sync, 6 stores at once",
    "Sync, 1 store",
    "Sync, naive sequential client",
    "Incremental sync, 0% changed",
    "Incremental sync, 1% changed",
    "Incremental sync, 10% changed",
    "Incremental sync, 100% changed",
    "Daily run, 1 store",
    "Daily run, 3 stores",
    "Analytics, smaller scale",
    "Analytics, full size",
    "Workbook, filter + redraw, 10,000 open",
    "Workbook, filter + redraw, 100,000 open",
    "Queue table, redraw, 10,000 open",
    "Queue table, redraw, 100,000 open",
    "Triage, speed",
    "Triage, accuracy",
    "Calibration, 1,000,000 closed disputes",
    "Classification, long buyer text",
]


def _table(text: str) -> dict[str, list[str]]:
    """The markdown table's rows by their first cell."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4:
            rows[cells[0]] = cells
    return rows


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.timeout(1500)
def test_quick_bench_prints_every_row(tmp_path: Path) -> None:
    output = tmp_path / "quick.md"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run_all.py"), "--quick", "--output", str(output)],
        cwd=REPO, capture_output=True, text=True, timeout=1400, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    printed = _table(done.stdout)
    assert list(printed)[0] == "benchmark"  # the header: benchmark, figure, compared with, verdict
    assert printed["benchmark"] == ["benchmark", "figure", "compared with", "verdict"]
    for name in ROWS:
        assert name in printed, f"row {name!r} missing from:\n{done.stdout[-3000:]}"
        _, figure, compared, verdict = printed[name]
        assert figure and compared and verdict and "FAILED" not in verdict
    written = output.read_text()
    assert set(_table(written)) == set(printed)
    assert "cores" in written and "python" in written and "cpu" in written
