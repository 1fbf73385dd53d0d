"""A real JupyterLab for browser tests: on loopback, a fixed token, its own config folders."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from disputekit.adapters.workspace import Workspace

TOKEN = "disputekit-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_lab(ws: Workspace, scratch: Path, operator: str = "ana") -> Iterator[str]:
    """JupyterLab on ``ws``'s notebooks, as ``make lab`` starts it; yields its URL."""
    port = free_port()
    env = {**os.environ, "DISPUTEKIT_HOME": str(ws.root),
           "DISPUTEKIT_DB_URL": ws.db_url, "DISPUTEKIT_OPERATOR": operator,
           "JUPYTER_CONFIG_DIR": str(scratch / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(scratch / "jupyter-runtime")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={ws.notebooks_dir}", "--LabApp.news_url=",
         "--ServerApp.port_retries=0", "--allow-root",
         # as `make lab`: the project's notebooks are saved in their committed form
         "--ContentsManager.pre_save_hook=disputekit.run.lab_save.pre_save"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/status?token={TOKEN}", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 90 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def accept_kernel_dialog(page) -> None:  # type: ignore[no-untyped-def]
    """JupyterLab sometimes asks which kernel to start (a loaded machine, a fresh config):
    take the one it proposes, Python 3, instead of waiting behind the dialog."""
    select = page.locator(".jp-Dialog").get_by_role("button", name="Select")
    try:
        select.wait_for(timeout=5_000)
    except Exception:  # noqa: BLE001 - no dialog is the usual case
        return
    select.click()


def run_workbook(page, lab_url: str, notebook: str = "daily_review.ipynb") -> None:  # type: ignore[no-untyped-def]
    """Open ``notebook`` in the lab, run all its cells, and wait for the queue to show."""
    page.goto(f"{lab_url}/lab/tree/{notebook}?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator, .jp-KernelStatus",
                           timeout=60_000)
    accept_kernel_dialog(page)
    page.locator(".jp-Notebook").click()
    page.get_by_role("menuitem", name="Run").click()
    page.get_by_text("Run All Cells", exact=True).click()
    page.wait_for_selector(".dk-queue-table", timeout=120_000)


@contextmanager
def one_store_lab(ws: Workspace, scratch: Path, synced_templates: Any) -> Iterator[str]:
    """A lab over a copy of the demo store volt, synced (one store keeps the page light)."""
    synced_templates.copy_into(ws, ("volt",)).dispose()
    for other in ("spark", "bloom"):
        (ws.parameters_dir / f"{other}.yaml").unlink()
    with running_lab(ws, scratch) as url:
        yield url


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """A full-page screenshot in test-artifacts/screenshots/ (CI keeps them)."""
    from tests.conftest import ARTIFACTS

    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
