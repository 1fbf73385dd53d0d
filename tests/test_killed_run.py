"""A killed run leaves nothing behind (issue 21, item 7).

``kill -9`` of ``disputekit run`` left its worker processes and their kernels running,
unsupervised, and every kernel's empty ``/tmp/disputekit-kernel-*`` folder lying about. Now
workers die with their run (Linux's parent-death signal), kernels with their worker, the
next run ends what a run on a system without that signal left (``runs/.active``), and
kernel folders are removed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from disputekit.adapters.workspace import Workspace
from disputekit.run import orphans
from disputekit.run.runner import IPCKernelManager

psutil = pytest.importorskip("psutil")


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.NoSuchProcess:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.notebook
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal")
def test_a_run_killed_mid_way_leaves_no_worker_or_kernel_running(
        workspace: Workspace, credentials: dict[str, str]) -> None:
    run = subprocess.Popen(
        [sys.executable, "-m", "disputekit", "run", "--home", str(workspace.root),
         "--jobs", "2", "--store", "volt", "--store", "spark", "--date", "2026-11-27"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and run.poll() is None:
            seen = _descendants(run.pid)
            kernels = [p for p in seen if "ipykernel" in " ".join(p.cmdline())]
            if len(kernels) >= 1 and len(seen) >= 3:  # two workers, a kernel at work
                break
            time.sleep(0.2)
        assert run.poll() is None and seen, "the run ended before its kernels were seen"
        time.sleep(1.0)  # the notebooks are running now
        seen = _descendants(run.pid)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        gone_by = time.monotonic() + 10
        while time.monotonic() < gone_by and any(_alive(p) for p in seen):
            time.sleep(0.2)
        left = [(p.pid, " ".join(p.cmdline())[:80]) for p in seen if _alive(p)]
        assert not left, f"left running after kill -9 of the run: {left}"
    finally:
        run.kill()
        for process in seen:
            if _alive(process):
                process.kill()


def test_the_next_run_ends_the_processes_a_killed_run_left(tmp_path: Path) -> None:
    active = tmp_path / "runs" / orphans.ACTIVE_FOLDER
    gone_run = subprocess.Popen([sys.executable, "-c", "pass"])
    gone_run.wait()
    stray = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    live_run = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    busy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        active.mkdir(parents=True)
        # A worker of a run that was killed: ended.
        (active / str(stray.pid)).write_text(json.dumps({
            "pid": stray.pid, "started": orphans.started_at(stray.pid),
            "run": gone_run.pid, "run_started": "1"}))
        # A worker of a run still going (another run at the same time): left alone.
        (active / str(busy.pid)).write_text(json.dumps({
            "pid": busy.pid, "started": orphans.started_at(busy.pid),
            "run": live_run.pid, "run_started": orphans.started_at(live_run.pid)}))
        # A record whose pid now belongs to another process: never killed, just dropped.
        (active / str(live_run.pid)).write_text(json.dumps({
            "pid": live_run.pid, "started": "1", "run": gone_run.pid, "run_started": "1"}))
        assert orphans.end_stale(active) == 1
        assert stray.wait(timeout=10) == -signal.SIGKILL
        assert busy.poll() is None and live_run.poll() is None
        assert sorted(p.name for p in active.iterdir()) == [str(busy.pid)]
    finally:
        for process in (stray, live_run, busy):
            process.kill()
            process.wait()


def test_kernel_folders_are_removed_by_the_kernel_and_by_the_next_run() -> None:
    manager = IPCKernelManager()
    folder = Path(manager.ip).parent
    assert folder.is_dir() and folder.name.startswith(orphans.KERNEL_FOLDER_PREFIX)
    asyncio.run(manager._async_cleanup_resources())
    assert not folder.exists()

    tmp = Path(tempfile.gettempdir())
    empty = Path(tempfile.mkdtemp(prefix=orphans.KERNEL_FOLDER_PREFIX, dir=tmp))
    dead = Path(tempfile.mkdtemp(prefix=orphans.KERNEL_FOLDER_PREFIX, dir=tmp))
    live = Path(tempfile.mkdtemp(prefix=orphans.KERNEL_FOLDER_PREFIX, dir=tmp))
    fresh = Path(tempfile.mkdtemp(prefix=orphans.KERNEL_FOLDER_PREFIX, dir=tmp))
    listener = socket.socket(socket.AF_UNIX)
    try:
        with socket.socket(socket.AF_UNIX) as closed:
            closed.bind(str(dead / "kernel-1"))  # bound, then closed: a dead kernel's
        listener.bind(str(live / "kernel-1"))
        listener.listen()
        hour_ago = time.time() - 3600
        for old in (empty, dead, live):
            os.utime(old, (hour_ago, hour_ago))
        orphans.remove_kernel_folders()
        assert not empty.exists() and not dead.exists()
        assert live.exists() and fresh.exists()  # a kernel's in use; one just made
    finally:
        listener.close()
        for folder in (empty, dead, live, fresh):
            for path in folder.glob("*") if folder.exists() else ():
                path.unlink()
            if folder.exists():
                folder.rmdir()
