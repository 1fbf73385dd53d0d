"""A worker's kernel kept warm across its stores (run.warm_kernel): reused, reset between
stores, replaced after a failure, a timeout or MAX_STORES stores, and ended with the run."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import nbformat
import pytest

from disputekit.adapters.workspace import Workspace
from disputekit.run import warm_kernel
from disputekit.run.runner import run_stores
from disputekit.run.store_run import RunSummary

DAY = date(2026, 11, 28)

# A stand-in store notebook: it fails if anything of an earlier store is still there (a
# variable, a figure, the execution count), says which kernel ran it, leaves a variable
# and a figure behind, and fails or hangs when the workspace says so for its store.
_CELL = """\
import os, pathlib, time
home = pathlib.Path(os.environ["DISPUTEKIT_HOME"])
assert "leftover" not in globals(), f"{leftover}'s variable reached {store_id}"
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
assert not plt.get_fignums(), "an earlier store's figure is still open"
print(f"kernel pid {os.getpid()}")
leftover = store_id
plt.figure()
if (home / f"fail-{store_id}").exists():
    raise RuntimeError("this store fails")
if (home / f"hang-{store_id}").exists():
    time.sleep(120)
"""


def _stand_in(workspace: Workspace) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('store_id = "volt"\nrun_date = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(_CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, workspace.notebooks_dir / "store_daily.ipynb")


def _kernel_pids(workspace: Workspace, summary: RunSummary) -> dict[str, int]:
    """Which kernel ran each store, from its executed notebook."""
    pids = {}
    for run in summary.runs:
        executed = nbformat.read(workspace.runs_dir / DAY.isoformat()
                                 / f"{run.store_id}.ipynb", as_version=4)
        text = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
        found = re.search(r"kernel pid (\d+)", text)
        assert found, f"{run.store_id} did not say which kernel ran it"
        pids[run.store_id] = int(found.group(1))
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and \
        Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"


def _statuses(summary: RunSummary) -> dict[str, str]:
    return {r.store_id: r.status for r in summary.runs}


@pytest.mark.notebook
def test_one_kernel_serves_a_workers_stores_each_as_a_fresh_session(
        workspace: Workspace, credentials: dict[str, str]) -> None:
    _stand_in(workspace)
    summary = run_stores(workspace, ["volt", "spark", "bloom"], run_date=DAY, jobs=1)

    assert _statuses(summary) == {"volt": "ok", "spark": "ok", "bloom": "ok"}, \
        [r.error for r in summary.runs]
    pids = _kernel_pids(workspace, summary)
    assert len(set(pids.values())) == 1  # one kernel for the three stores
    for store_id in pids:  # each record reads as a fresh run: its first cell is In [1]
        executed = nbformat.read(workspace.runs_dir / DAY.isoformat() / f"{store_id}.ipynb",
                                 as_version=4)
        counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
        assert counts[0] == 1 and counts == sorted(counts), counts
    # the kernel ended with the run: nothing left running, no socket folder left behind
    assert not any(_alive(pid) for pid in pids.values())
    assert warm_kernel._warm is None


@pytest.mark.notebook
def test_a_failed_or_hung_store_ends_its_kernel_and_the_next_starts_fresh(
        workspace: Workspace, credentials: dict[str, str]) -> None:
    _stand_in(workspace)
    (workspace.root / "fail-spark").write_text("x")
    summary = run_stores(workspace, ["volt", "spark", "bloom"], run_date=DAY, jobs=1)

    assert _statuses(summary) == {"volt": "ok", "spark": "failed", "bloom": "ok"}
    assert "this store fails" in next(r.error for r in summary.runs if r.store_id == "spark")
    pids = _kernel_pids(workspace, summary)
    assert pids["volt"] == pids["spark"]  # the failure happened on the warm kernel ...
    assert pids["bloom"] != pids["spark"]  # ... and the next store got a new one
    assert not any(_alive(pid) for pid in pids.values())

    (workspace.root / "fail-spark").unlink()
    (workspace.root / "hang-volt").write_text("x")
    summary = run_stores(workspace, ["volt", "bloom"], run_date=DAY, jobs=1,
                         execution_timeout=5)
    assert _statuses(summary) == {"volt": "failed", "bloom": "ok"}
    hung = next(r for r in summary.runs if r.store_id == "volt")
    assert "timed out" in hung.error.lower() or "timeout" in hung.error.lower(), hung.error
    after = _kernel_pids(workspace, summary)
    assert after["bloom"] != after["volt"]
    assert not any(_alive(pid) for pid in after.values())


@pytest.mark.notebook
def test_a_kernel_is_replaced_after_max_stores(
        workspace: Workspace, credentials: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _stand_in(workspace)
    monkeypatch.setattr(warm_kernel, "MAX_STORES", 2)
    summary = run_stores(workspace, ["volt", "spark", "bloom"], run_date=DAY, jobs=1)

    assert summary.ok, [r.error for r in summary.runs]
    pids = _kernel_pids(workspace, summary)
    assert pids["volt"] == pids["spark"] != pids["bloom"]


@pytest.mark.notebook
def test_workers_keep_one_kernel_each_and_end_it_with_the_run(
        workspace: Workspace, credentials: dict[str, str]) -> None:
    _stand_in(workspace)
    summary = run_stores(workspace, ["volt", "spark", "bloom"], run_date=DAY, jobs=2)

    assert summary.ok, [r.error for r in summary.runs]
    pids = _kernel_pids(workspace, summary)
    # at most a kernel per worker (one worker may take all three if the other is slow)
    assert len(set(pids.values())) <= 2
    assert not any(_alive(pid) for pid in pids.values())


@pytest.mark.notebook
def test_the_notebook_is_written_at_its_start_its_end_and_during_a_long_cell(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import papermill
    from papermill import engines

    writes: list[int] = []  # how many cells had run at each write
    real_write = engines.write_ipynb

    def counting_write(nb, path):  # type: ignore[no-untyped-def]
        writes.append(sum(1 for c in nb.cells if c.get("outputs")))
        return real_write(nb, path)

    monkeypatch.setattr(engines, "write_ipynb", counting_write)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"print({n})") for n in range(20)]
    nb.cells.append(nbformat.v4.new_code_cell("import time; time.sleep(2.5); print('long')"))
    nb.cells.append(nbformat.v4.new_code_cell("print('last')"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    source, output = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, source)
    try:
        papermill.execute_notebook(str(source), str(output), engine_name=warm_kernel.ENGINE,
                                   kernel_name="python3", progress_bar=False,
                                   autosave_cell_every=2)
    finally:
        warm_kernel.end()

    executed = nbformat.read(output, as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "last\n"  # the end was written whole
    # Papermill's own engine wrote before and after each of the 22 cells (45 writes); this
    # one writes at the start, once the long cell has gone past 2 s, and at the end
    assert writes[0] == 0 and writes[-1] == 22
    assert len(writes) <= 4, writes
    assert any(20 <= n < 22 for n in writes), writes  # during or just after the long cell
