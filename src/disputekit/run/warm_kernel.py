"""A worker's kernel kept warm across its stores: Papermill's ``disputekit`` engine.

A store's run used to start a kernel and import the package, pandas and matplotlib again
for every store (``bench/daily_run.py``'s breakdown: ~3 s of kernel start and Papermill,
~3 s of imports, a store). A worker now starts one kernel and runs its stores' notebooks on
it one after another. Safely:

- between two stores the kernel becomes a new session (``InteractiveShell.reset``: the
  namespace, its history, the execution count, so the record reads as a fresh run) and
  matplotlib's figures are closed; only imported modules stay, which is the saving
  (disputekit keeps no store's state in a module: its caches hold package data only);
- a store that did not run cleanly (a cell raised, a cell timed out, the kernel died or
  would not reset) ends its kernel: the next store starts a fresh one, so nothing a failure
  left behind reaches another store;
- a kernel serves at most ``MAX_STORES`` stores, then a fresh one starts (memory a notebook
  keeps outside its namespace cannot grow without bound);
- the kernel ends with the run: :func:`end` at the run's end, a worker's exit, and ipykernel
  itself when its parent dies.

The executed notebook is written when the run starts, every ``SAVE_EVERY`` seconds while
cells run, and at the end, not before and after every cell as Papermill's own engine does
(that wrote and validated the growing notebook about a hundred times a store): the runner
writes it to a temporary file renamed at the end, so the per-cell copies served no one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

log = logging.getLogger(__name__)

ENGINE = "disputekit"
MAX_STORES = 25
SAVE_EVERY = 30.0  # seconds between writes of a notebook while its cells run
RESET_TIMEOUT = 60.0

# Closes the figures before the namespace goes (pyplot keeps them in a module), then makes
# the shell a new session; the helper removes itself with the rest of the namespace.
_RESET = """\
def _disputekit_new_session():
    import gc, sys
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
    get_ipython().reset(new_session=True)
    gc.collect()
_disputekit_new_session()
"""


class _Kernel:
    """One warm kernel: its manager, its kernel name and how many stores it served."""

    def __init__(self, kernel_name: str, manager_class: type[AsyncKernelManager]) -> None:
        self.kernel_name = kernel_name
        self.manager_class = manager_class
        self.manager = manager_class(kernel_name=kernel_name)
        self.served = 0

    def fits(self, kernel_name: str, manager_class: type[AsyncKernelManager]) -> bool:
        return (self.kernel_name == kernel_name and self.manager_class is manager_class
                and self.served < MAX_STORES)

    def end(self) -> None:
        manager = self.manager
        if manager.has_kernel:
            with suppress(Exception):  # already dead, or dying: gone either way
                run_sync(manager.shutdown_kernel)(now=True)
        with suppress(Exception):
            run_sync(manager.cleanup_resources)()


_warm: _Kernel | None = None


def end() -> None:
    """End this process's warm kernel, if any (the run is over, or a store failed)."""
    global _warm
    kernel, _warm = _warm, None
    if kernel is not None:
        kernel.end()


@contextmanager
def kept_warm() -> Iterator[None]:
    """A block (one run's stores in this process) that ends its warm kernel on leaving."""
    try:
        yield
    finally:
        end()


def _kernel(kernel_name: str, manager_class: type[AsyncKernelManager]) -> _Kernel:
    global _warm
    if _warm is not None and not _warm.fits(kernel_name, manager_class):
        end()
    if _warm is None:
        _warm = _Kernel(kernel_name, manager_class)
    return _warm


class _SparseSaves(NotebookExecutionManager):  # type: ignore[misc]
    """Papermill's bookkeeping, writing the notebook at its start and end and every
    ``autosave_cell_every`` seconds between, not around each cell."""

    _holding = False

    def save(self, **kwargs: Any) -> None:
        if self._holding and (self.now() - self.last_save_time).total_seconds() \
                < self.autosave_cell_every:
            return
        super().save(**kwargs)

    @contextmanager
    def _held(self) -> Iterator[None]:
        self._holding = True
        try:
            yield
        finally:
            self._holding = False

    def cell_start(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        with self._held():
            super().cell_start(cell, cell_index, **kwargs)

    def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
        with self._held():
            super().cell_complete(cell, cell_index, **kwargs)


def stopped_on_error(nb: Any) -> bool:
    """Whether Papermill recorded an exception in the notebook or one of its cells."""
    if nb.metadata.get("papermill", {}).get("exception"):
        return True
    return any(cell.get("metadata", {}).get("papermill", {}).get("exception")
               for cell in nb.cells)


class WarmEngine(NBClientEngine):  # type: ignore[misc]
    """Papermill's nbclient engine on this process's warm kernel (``engine_name=ENGINE``;
    ``kernel_manager_class`` names the manager a new kernel gets)."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, output_path: str | None = None,
                         progress_bar: bool = True, log_output: bool = False,
                         autosave_cell_every: float = SAVE_EVERY, **kwargs: Any) -> Any:
        nb_man = _SparseSaves(nb, output_path=output_path, progress_bar=progress_bar,
                              log_output=log_output, autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 stdout_file: Any = None, stderr_file: Any = None,
                                 start_timeout: float = 60,
                                 execution_timeout: float | None = None,
                                 kernel_manager_class: type[AsyncKernelManager]
                                 = AsyncKernelManager, **kwargs: Any) -> Any:
        kwargs.pop("input_path", None)
        kernel = _kernel(kernel_name, kernel_manager_class)
        client = PapermillNotebookClient(
            nb_man, km=kernel.manager, timeout=execution_timeout,
            startup_timeout=start_timeout, kernel_name=kernel_name, log=log,
            log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
        clean = False
        try:
            client.execute()
            kernel.served += 1
            clean = not stopped_on_error(nb_man.nb) and _new_session(client)
        finally:
            if client.kc is not None:
                with suppress(Exception):
                    client.kc.stop_channels()
            if not clean:  # whatever the store left behind ends with its kernel
                end()
        return nb_man.nb


def _new_session(client: PapermillNotebookClient) -> bool:
    """Reset the kernel for the next store; False when it would not (the kernel ends)."""
    try:
        reply = run_sync(client.kc.execute_interactive)(
            _RESET, silent=True, store_history=False, timeout=RESET_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - a kernel that cannot reset is not reused
        log.warning("the kernel could not be reset for the next store (%s); a new one "
                    "starts", exc)
        return False
    if reply["content"].get("status") != "ok":
        log.warning("the kernel could not be reset for the next store (%s); a new one "
                    "starts", reply["content"].get("evalue", "no reason given"))
        return False
    return True


papermill_engines.register(ENGINE, WarmEngine)
