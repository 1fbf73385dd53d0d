"""Files replaced whole or not at all: written beside the target, then renamed over it.

Reports, executed notebooks, the portfolio page and the triage output are read by people
and by the next run. Written in place, a full disk or a killed process leaves them
truncated or empty, and a second run the same day spoils the good ones the same way. Here
the new content goes to a hidden temporary file in the target's own folder (same file
system, so the rename is atomic), is flushed to disk, and only then renamed over the
target: a reader sees the old file or the new one, never a part. On failure the temporary
file is removed, the previous version stays, and ``FileWriteError`` says so in one line.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from disputekit.errors import FileWriteError


def write_text(target: Path, text: str) -> Path:
    """Replace ``target`` with ``text`` (UTF-8), whole or not at all."""
    return write_bytes(target, text.encode("utf-8"))


def write_bytes(target: Path, data: bytes) -> Path:
    """Replace ``target`` with ``data``, whole or not at all."""
    with replacing(target) as partial, partial.open("wb") as handle:
        _write(handle, data)
    return target


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write; renamed over ``target`` when the block
    ends without error, removed otherwise. An ``OSError`` (disk full, read-only folder)
    becomes ``FileWriteError``; any other error is raised as it is, the target untouched."""
    partial = temporary_beside(target)
    try:
        yield partial
        commit(partial, target)
    except OSError as exc:
        raise FileWriteError(not_written(target, exc)) from exc
    finally:
        discard(partial)


def temporary_beside(target: Path) -> Path:
    """A new empty hidden file in ``target``'s folder, keeping its extension (tools such as
    Papermill look at it): ``.index.k2j3.tmp.html`` for ``index.html``."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}",
                                        dir=target.parent)
    except OSError as exc:
        raise FileWriteError(not_written(target, exc)) from exc
    os.close(handle)
    return Path(name)


def commit(partial: Path, target: Path) -> None:
    """Flush ``partial`` to disk and rename it over ``target`` (its mode, or 0644 for a new
    file: ``mkstemp`` makes files only their owner can read)."""
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    os.chmod(partial, mode)
    with partial.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)


def discard(partial: Path) -> None:
    """Remove a temporary file that was not committed (nothing if it was)."""
    with suppress(OSError):  # a folder gone read-only: nothing more to do
        partial.unlink(missing_ok=True)


def not_written(target: Path, exc: OSError) -> str:
    """One line: which file, why, and that the previous version (if any) is kept."""
    why = exc.strerror or str(exc) or type(exc).__name__
    kept = "the previous version is kept" if target.exists() else "there was none before"
    return f"{target} was not written ({why}); {kept}. Free some space or fix the folder's " \
           "permissions, then run again"


def _write(handle: BinaryIO, data: bytes) -> None:
    # One seam for every byte written here: tests make it fail half-way, as a full disk does.
    handle.write(data)
    handle.flush()
