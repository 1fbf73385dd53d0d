"""A run killed mid-way (``kill -9``, the OOM killer) leaves nothing running behind it.

Three guards (issue 21):

- Each worker process asks Linux to kill it when the run that started it dies
  (``prctl(PR_SET_PDEATHSIG)``); a kernel already ends within a second of its parent, the
  worker or the run (ipykernel polls ``JPY_PARENT_PID``). Before, a worker went on running
  its notebook, and starting the next ones, unsupervised.
- Every process of a run writes ``runs/.active/<pid>`` (its pid, its start time, its run's),
  removed when the run ends. The next run ends the processes whose run is gone, on systems
  where the parent-death signal does not exist or did not fire; a run still in progress is
  left alone. The start time (from ``/proc``) makes sure a reused pid is never killed.
- A kernel's private socket folder (``/tmp/disputekit-kernel-*``) is removed when the
  kernel is shut down, and a run removes those left empty, or holding only sockets nobody
  listens on, by earlier runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KERNEL_FOLDER_PREFIX = "disputekit-kernel-"
ACTIVE_FOLDER = ".active"  # runs/.active/<pid>: the processes of the runs going on
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent_pid: int) -> None:
    """Linux: this process is killed when its parent dies. Elsewhere a no-op (the next
    run's :func:`end_stale` is the guard there)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc prctl: the pid files still guard
        return
    if os.getppid() != parent_pid:  # the parent died before the signal was asked for
        os._exit(1)


def started_at(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (``/proc/<pid>/stat``), or None
    when it is gone (or there is no ``/proc``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]  # field 22; the name may hold spaces


def register(folder: Path, run_pid: int) -> Path:
    """Record this process as one of run ``run_pid``'s: ``folder/<pid>``."""
    folder.mkdir(parents=True, exist_ok=True)
    me = os.getpid()
    path = folder / str(me)
    path.write_text(json.dumps({"pid": me, "started": started_at(me), "run": run_pid,
                                "run_started": started_at(run_pid)}), encoding="utf-8")
    return path


def forget_run(folder: Path, run_pid: int) -> None:
    """Remove the records of run ``run_pid``'s processes (the run ended; its workers too)."""
    for path in _records(folder):
        record = _read(path)
        if record is None or record.get("run") == run_pid:
            path.unlink(missing_ok=True)


def end_stale(folder: Path) -> int:
    """End the processes recorded in ``folder`` whose run is gone; the number ended.

    A record whose run is alive (another run in progress) is kept; one whose process is
    gone, or whose pid now belongs to another process, is just removed."""
    ended = 0
    for path in _records(folder):
        record = _read(path)
        if record is None:
            path.unlink(missing_ok=True)
            continue
        run_started = record.get("run_started")
        if run_started is not None and started_at(int(record["run"])) == run_started:
            continue  # its run is still going
        pid, started = int(record["pid"]), record.get("started")
        if started is not None and started_at(pid) == started and pid != os.getpid():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                ended += 1
                log.warning("ended process %s, left running by a run that was killed", pid)
        path.unlink(missing_ok=True)
    return ended


def remove_kernel_folders(older_than: float = 60.0) -> int:
    """Remove ``/tmp/disputekit-kernel-*`` folders left by kernels that are gone: empty, or
    holding only sockets nobody listens on, untouched for ``older_than`` seconds (a folder
    is made just before its kernel starts). The number removed."""
    listening = _bound_unix_paths()
    removed = 0
    now = time.time()
    for folder in Path(tempfile.gettempdir()).glob(KERNEL_FOLDER_PREFIX + "*"):
        try:
            if not folder.is_dir() or folder.is_symlink() or folder.stat().st_uid != os.getuid() \
                    or now - folder.stat().st_mtime < older_than:
                continue
            inside = list(folder.iterdir())
            if listening is None and inside:
                continue  # cannot tell whether its sockets are in use
            if any(p.is_dir() or not p.is_socket() or str(p) in (listening or set())
                   for p in inside):
                continue
            for path in inside:
                path.unlink()
            folder.rmdir()
            removed += 1
        except OSError:  # another run removing it too, or not ours to remove
            continue
    return removed


def _bound_unix_paths() -> set[str] | None:
    """The paths of the Unix sockets bound on this machine (``/proc/net/unix``)."""
    try:
        lines = Path("/proc/net/unix").read_text().splitlines()[1:]
    except OSError:
        return None
    return {fields[7] for fields in (line.split() for line in lines) if len(fields) >= 8}


def _records(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.name.isdigit()]
    except OSError:
        return []


def _read(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "pid" in record and "run" in record \
        else None
